"""Writes on payroll settings: validated, atomic, audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from essaim.core.errors import AppError
from tenants.audit.services import audit_record

from .models import PayrollSettings

EDITABLE = ("headcount_band", "atmp_rate", "health_cover", "health_employer_amount", "health_employee_amount",
            "health_employer_rate", "health_employee_rate")


def payroll_settings_update(*, acting_user=None, **fields) -> PayrollSettings:
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise AppError("payroll_settings_field", f"Réglage de paie inconnu : {unknown[0]}.", field=unknown[0])
    with transaction.atomic():
        settings = PayrollSettings.current()
        settings = PayrollSettings.objects.select_for_update().get(pk=settings.pk)
        for name, value in fields.items():
            setattr(settings, name, value)
        try:
            settings.full_clean()
        except ValidationError as exc:
            name, messages = next(iter(exc.message_dict.items()))
            raise AppError("payroll_settings_invalid", f"{PayrollSettings._meta.get_field(name).verbose_name} : "
                           f"{messages[0]}", field=name) from exc
        settings.save(update_fields=list(fields) or None)
        audit_record(action="payroll_settings_update", target=f"payroll_settings:{settings.pk}",
                     acting_user=acting_user, details={k: str(v) for k, v in fields.items()})
    return settings


def withholding_rate_set(*, entrepreneur, rate, effective_from, acting_user=None):
    """Record a person's PAS rate (percent, as notified) from the month of `effective_from` on.
    Setting again for the same month replaces that month's rate; earlier months keep theirs."""
    from decimal import Decimal, InvalidOperation

    from .models import WithholdingRate

    try:
        value = Decimal(str(rate).strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        raise AppError("withholding_rate_invalid", "Taux de prélèvement à la source invalide : indiquez un "
                       "pourcentage (ex. 7,5).", field="rate") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(60) or value.as_tuple().exponent < -2:
        raise AppError("withholding_rate_invalid", "Le taux de prélèvement à la source va de 0 à 60 %, à deux "
                       "décimales au plus.", field="rate")
    start = effective_from.replace(day=1)
    with transaction.atomic():
        previous = WithholdingRate.objects.filter(entrepreneur=entrepreneur, effective_from=start).first()
        row, _ = WithholdingRate.objects.update_or_create(
            entrepreneur=entrepreneur, effective_from=start,
            defaults={"rate": value, "set_by": acting_user if getattr(acting_user, "is_authenticated", False) else None})
        audit_record(action="withholding_rate_set", target=f"entrepreneur:{entrepreneur.pk}", acting_user=acting_user,
                     details={"effective_from": start.isoformat(), "rate": str(value),
                              "previous": None if previous is None else str(previous.rate)})
    return row
