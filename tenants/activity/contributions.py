"""The cooperative contribution rate, effective-dated: each rate applies from its `valid_from`
date until the next one. The activity account takes, for each invoice (invoiced basis) or
payment (collected basis), the rate in force on that document's date.

Before the first dated rate, the rate given when the CAE was created (its registry row,
`Cooperative.contribution_rate`) applies: a new CAE needs no row to have figures, and existing
CAEs were given one row from 2000-01-01 by migration `activity.0007`."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError

from .models import ContributionRate
from .services import NO_NUL

MAX_RATE = Decimal("50")


def registry_rate() -> Decimal:
    """The rate on the CAE's registry row (the one given at its creation)."""
    return Decimal(getattr(connection.tenant, "contribution_rate", Decimal("10.00")))


@dataclass(frozen=True)
class RateSchedule:
    """The rates in force, in date order, with a fast look-up by date."""

    starts: tuple[date, ...]
    rates: tuple[Decimal, ...]
    initial: Decimal

    def on(self, day: date) -> Decimal:
        index = bisect.bisect_right(self.starts, day)
        return self.rates[index - 1] if index else self.initial


def rate_schedule() -> RateSchedule:
    rows = list(ContributionRate.objects.order_by("valid_from").values_list("valid_from", "rate"))
    return RateSchedule(tuple(r[0] for r in rows), tuple(r[1] for r in rows), registry_rate())


def contribution_rate_on(day: date) -> Decimal:
    return rate_schedule().on(day)


@transaction.atomic
def contribution_rate_set(*, valid_from: date, rate, note: str = "", acting_user: Actor) -> ContributionRate:
    """A new rate from `valid_from` on. One rate per date; 0 to 50 %, to the hundredth."""
    try:
        rate = Decimal(str(rate).replace(",", ".").strip())
    except InvalidOperation as exc:
        raise AppError("contribution_rate_invalid", "Taux invalide : indiquez un pourcentage, par ex. 10,5.",
                       field="rate") from exc
    if not rate.is_finite() or rate < 0 or rate > MAX_RATE:
        raise AppError("contribution_rate_out_of_range", "Le taux de contribution est compris entre 0 et 50 %.",
                       field="rate")
    if rate.as_tuple().exponent < -2:
        raise AppError("contribution_rate_invalid", "Le taux s'exprime au centième de point près (ex. 10,25).",
                       field="rate")
    duplicate = AppError("contribution_rate_duplicate", f"Un taux est déjà en vigueur à partir du "
                         f"{valid_from:%d/%m/%Y} : choisissez une autre date.", field="valid_from")
    if ContributionRate.objects.filter(valid_from=valid_from).exists():
        raise duplicate
    row = ContributionRate(valid_from=valid_from, rate=rate, note=note.strip(),
                           created_by=actor_user(acting_user))
    try:
        if "\x00" in row.note:  # PostgreSQL text cannot hold it; the model field lets it through
            raise ValidationError({"note": NO_NUL.message})
        row.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise AppError("contribution_rate_invalid", messages[0], field=field) from exc
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:  # the same date added at the same moment by someone else
        raise duplicate from exc
    audit_record(action="contribution_rate_set", target=f"contribution_rate:{row.pk}", acting_user=acting_user,
                 details={"valid_from": valid_from.isoformat(), "rate": str(rate)})
    return row
