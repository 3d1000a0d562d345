"""This CAE's invoicing settings (`ActivitySettings`), edited by its director or accounts.

The numbering policy is effective-dated (`NumberingChange`): a change takes effect on the
1 January of the first year in which no invoice, credit note or quote has been numbered yet —
this year if nothing has been numbered since 1 January, otherwise next year. A year is thus
numbered under one policy from its first document to its last: no series is cut short in the
middle of a year, none restarts at a number already given (each series keeps its counter in
`NumberSeries` for good), and a document finalised later with an earlier date still takes the
policy of its own date.

Finalising reads the policy under a shared lock on the settings row; changing it takes that row
for update. A change therefore waits for the finalisations under way and the next ones see it:
no document is numbered under the old policy in a year the change has already claimed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError

from .models import ActivitySettings, Invoice, NumberingChange, Quote, VatOnDebitsChange

MAX_PAYMENT_DAYS = 60  # Code de commerce, art. L441-10: at most 60 days from the invoice's date
MAX_LATE_PENALTY_RATE = Decimal("100")


def settings_for_numbering() -> ActivitySettings:
    """The settings row, locked FOR SHARE until the end of the transaction: finalisations run
    side by side, a change of policy waits for them (and they for it)."""
    settings = ActivitySettings.current()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {ActivitySettings._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                       [settings.pk])
    return settings


def numbering_on(day: date, settings: ActivitySettings | None = None) -> str:
    """The numbering policy in force on `day`."""
    change = (NumberingChange.objects.filter(valid_from__lte=day).order_by("-valid_from")
              .values_list("numbering", flat=True).first())
    return change or (settings or ActivitySettings.current()).numbering


def numbering_latest(settings: ActivitySettings | None = None) -> str:
    """The policy that applies from the last change on (a change may be scheduled)."""
    change = NumberingChange.objects.order_by("-valid_from").values_list("numbering", flat=True).first()
    return change or (settings or ActivitySettings.current()).numbering


def last_numbered_on() -> date | None:
    """The date of the latest numbered document (issued invoice or credit note, sent quote)."""
    invoices = Invoice.objects.filter(status=Invoice.Status.FINALISED).aggregate(d=Max("issued_on"))["d"]
    quotes = Quote.objects.exclude(status=Quote.Status.DRAFT).aggregate(d=Max("issued_on"))["d"]
    dates = [d for d in (invoices, quotes) if d is not None]
    return max(dates) if dates else None


def numbering_change_date(today: date) -> date:
    """When a change of policy decided on `today` takes effect: the 1 January of the first year
    in which nothing has been numbered."""
    last = last_numbered_on()
    year = today.year if last is None or last.year < today.year else last.year + 1
    return date(year, 1, 1)


@dataclass(frozen=True)
class SettingsUpdate:
    settings: ActivitySettings
    numbering_from: date | None  # when the new numbering policy applies, if it was changed


def _choice(value: str, choices, *, field: str, label: str) -> str:
    if value not in choices.values:
        raise AppError(f"{field}_invalid", f"{label} : choisissez l'une des options proposées.", field=field)
    return value


def _late_penalty_rate(value) -> Decimal:
    text = str(value).replace(",", ".").replace("%", "").strip()
    try:
        rate = Decimal(text)
    except InvalidOperation as exc:
        raise AppError("late_penalty_rate_invalid", "Taux des pénalités de retard : indiquez un pourcentage, par ex. "
                       "12,5.", field="late_penalty_rate") from exc
    if not rate.is_finite() or rate <= 0 or rate > MAX_LATE_PENALTY_RATE:
        raise AppError("late_penalty_rate_out_of_range", "Taux des pénalités de retard : un pourcentage supérieur à 0 "
                       "et d'au plus 100 %.", field="late_penalty_rate")
    if rate.as_tuple().exponent < -2:
        raise AppError("late_penalty_rate_invalid", "Taux des pénalités de retard : au centième de point près "
                       "(ex. 12,25).", field="late_penalty_rate")
    return rate


def _payment_days(value) -> int:
    text = str(value).strip()
    if not text.isdigit() or not text.isascii():
        raise AppError("payment_days_invalid", "Délai de paiement : un nombre entier de jours.", field="payment_days")
    days = int(text)
    if days > MAX_PAYMENT_DAYS:
        raise AppError("payment_days_out_of_range", f"Délai de paiement : {MAX_PAYMENT_DAYS} jours au plus après la "
                       "date de la facture (art. L441-10 du Code de commerce).", field="payment_days")
    return days


@transaction.atomic
def activity_settings_update(*, numbering: str, contribution_basis: str, late_penalty_rate, payment_days,
                             acting_user: Actor, today: date | None = None) -> SettingsUpdate:
    """Validate everything, then write. Payment days and the late-penalty rate apply to documents
    issued from now on (an issued one keeps its terms, parties.py); the contribution basis applies
    to the activity accounts, past months included; a new numbering policy applies from
    `numbering_change_date`."""
    numbering = _choice(numbering, ActivitySettings.Numbering, field="numbering", label="Numérotation des factures")
    contribution_basis = _choice(contribution_basis, ActivitySettings.ContributionBasis, field="contribution_basis",
                                 label="Assiette de la contribution")
    rate = _late_penalty_rate(late_penalty_rate)
    days = _payment_days(payment_days)
    today = today or timezone.localdate()
    settings = ActivitySettings.objects.select_for_update().get(pk=ActivitySettings.current().pk)
    before = {"numbering": numbering_latest(settings), "contribution_basis": settings.contribution_basis,
              "late_penalty_rate": str(settings.late_penalty_rate), "payment_days": settings.payment_days}
    settings.contribution_basis, settings.late_penalty_rate, settings.payment_days = contribution_basis, rate, days
    settings.save(update_fields=["contribution_basis", "late_penalty_rate", "payment_days"])
    numbering_from = None
    if numbering != before["numbering"]:
        numbering_from = numbering_change_date(today)
        # Changes not yet in force for any numbered document are replaced by this one.
        NumberingChange.objects.filter(valid_from__gte=numbering_from).delete()
        if numbering_on(numbering_from - timedelta(days=1), settings) != numbering:
            NumberingChange.objects.create(valid_from=numbering_from, numbering=numbering,
                                           created_by=actor_user(acting_user))
    after = {"numbering": numbering, "contribution_basis": contribution_basis, "late_penalty_rate": str(rate),
             "payment_days": days}
    changed = {key: [before[key], value] for key, value in after.items() if before[key] != value}
    if changed:
        details = {"changed": changed}
        if numbering_from:
            details["numbering_from"] = numbering_from.isoformat()
        audit_record(action="activity_settings_update", target=f"activity_settings:{settings.pk}",
                     acting_user=acting_user, details=details)
    return SettingsUpdate(settings=settings, numbering_from=numbering_from)


# -- the option for VAT on debits (CGI art. 269-2-c) ---------------------------------------------

def vat_on_debits(*, on: date) -> bool:
    """Whether the CAE had opted, on `on`, for paying the VAT on its services on debits: then the
    VAT of a service invoice is due when it is invoiced; otherwise (and before any choice was
    recorded) on payment, the legal rule for services — which is when a 212 "Encaissée" status
    must follow a payment. Goods are taxed on delivery whatever the option."""
    change = (VatOnDebitsChange.objects.filter(valid_from__lte=on).order_by("-valid_from")
              .values_list("on", flat=True).first())
    return bool(change)


def vat_on_debits_scheduled(*, after: date) -> list[VatOnDebitsChange]:
    """The changes that take effect after `after` (for the settings page)."""
    return list(VatOnDebitsChange.objects.filter(valid_from__gt=after).order_by("valid_from"))


def _last_issued_on() -> date | None:
    return Invoice.objects.filter(status=Invoice.Status.FINALISED).aggregate(d=Max("issued_on"))["d"]


def _valid_from(value) -> date:
    from .content import document_date

    day = document_date(value, field="valid_from", label="Date d'effet de l'option", code="vat_on_debits_date_invalid")
    if day is None:
        raise AppError("vat_on_debits_date_invalid", "Date d'effet de l'option : une date au format AAAA-MM-JJ.",
                       field="valid_from")
    return day


@transaction.atomic
def vat_on_debits_set(*, on: bool, valid_from, acting_user: Actor) -> VatOnDebitsChange | None:
    """Opt for VAT on debits (or give the option up) from `valid_from` on. The day must follow the
    last invoice issued: an issued invoice printed the option as it stood on its date, and keeps
    saying so. Changes scheduled from that day on are replaced. Returns the change recorded, or
    None when the option was already so on that day. Takes the settings row for update, as
    finalising reads it under a shared lock: no invoice is issued under the old state after it."""
    day = _valid_from(valid_from)
    if not isinstance(on, bool):
        raise AppError("vat_on_debits_invalid", "Option pour la TVA d'après les débits : oui ou non.", field="on")
    ActivitySettings.objects.select_for_update().get(pk=ActivitySettings.current().pk)
    last = _last_issued_on()
    if last is not None and day <= last:
        raise AppError("vat_on_debits_backdated",
                       f"Date d'effet de l'option : après le {last:%d/%m/%Y}, date de la dernière facture émise "
                       "(une facture émise garde la mention qu'elle portait).", field="valid_from")
    before = vat_on_debits(on=day - timedelta(days=1))
    VatOnDebitsChange.objects.filter(valid_from__gte=day).delete()
    change = None
    if before != on:
        change = VatOnDebitsChange.objects.create(valid_from=day, on=on, created_by=actor_user(acting_user))
    audit_record(action="vat_on_debits_set", target=f"vat_on_debits:{day.isoformat()}", acting_user=acting_user,
                 details={"on": on, "valid_from": day.isoformat(), "recorded": change is not None})
    return change
