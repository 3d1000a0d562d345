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
