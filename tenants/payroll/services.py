"""Writes on payroll settings: validated, atomic, audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError
from essaim.core.money import has_more_places

from .models import PayrollSettings

EDITABLE = ("headcount_band", "atmp_rate", "health_cover", "health_employer_amount", "health_employee_amount",
            "health_employer_rate", "health_employee_rate")


# The settings page's fields, as named to the user in errors.
SETTINGS_LABELS = {
    "headcount_band": "Effectif",
    "atmp_rate": "Taux AT/MP notifié (%)",
    "health_cover": "Complémentaire santé",
    "health_employer_amount": "Complémentaire santé, part employeur (€ par mois)",
    "health_employee_amount": "Complémentaire santé, part salariale (€ par mois)",
    "health_employer_rate": "Complémentaire santé, part employeur (% du PMSS)",
    "health_employee_rate": "Complémentaire santé, part salariale (% du PMSS)",
}
_MAX_HEALTH_AMOUNT = Decimal("999999.99")  # the column's 8 digits


def _settings_error(field: str, rule: str) -> AppError:
    return AppError("payroll_settings_invalid", f"« {SETTINGS_LABELS[field]} » : {rule}", field=field)


def _settings_number(data, field: str, *, places: int, below: Decimal, rule: str, blank):
    text = str(data.get(field) or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    text = text.removesuffix("%").removesuffix("€").strip()
    if not text:
        return blank
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _settings_error(field, rule) from None
    if not value.is_finite() or not Decimal(0) <= value < below or has_more_places(value, places):
        raise _settings_error(field, rule)
    return value


def payroll_settings_parse(data) -> dict:
    """The settings form (strings, French decimal commas) → the values of `payroll_settings_update`.
    Refuses the first bad field with a French message naming it; nothing is written here."""
    bands, covers = PayrollSettings.HeadcountBand, PayrollSettings.HealthCover
    band = str(data.get("headcount_band") or "")
    if band not in bands.values:
        raise _settings_error("headcount_band", "choisissez l'une des tranches proposées.")
    cover = str(data.get("health_cover") or "")
    if cover not in covers.values:
        raise _settings_error("health_cover", "choisissez « aucune », « montants mensuels fixes » ou « pourcentage "
                              "du plafond mensuel de la Sécurité sociale ».")
    fields = {
        "headcount_band": band,
        # Below 100 %: the engine takes a fraction below 1.
        "atmp_rate": _settings_number(data, "atmp_rate", places=2, below=Decimal(100), blank=None,
                                      rule="indiquez le taux notifié en pourcentage, de 0 à 99,99, à deux décimales "
                                           "au plus (ex. 1,85), ou laissez vide pour la moyenne nationale du barème."),
        "health_cover": cover,
    }
    for name in ("health_employer_amount", "health_employee_amount"):
        fields[name] = _settings_number(data, name, places=2, below=_MAX_HEALTH_AMOUNT + Decimal("0.01"),
                                        blank=Decimal(0), rule="indiquez un montant en euros, positif ou nul, au "
                                                               "centime près (ex. 32,50).")
    for name in ("health_employer_rate", "health_employee_rate"):
        fields[name] = _settings_number(data, name, places=3, below=Decimal(100), blank=Decimal(0),
                                        rule="indiquez un pourcentage de 0 à 99,999, à trois décimales au plus "
                                             "(ex. 1,5).")
    shares_by_cover: dict[str, tuple[str, str]] = {
        covers.AMOUNT: ("health_employer_amount", "health_employee_amount"),
        covers.PMSS_RATE: ("health_employer_rate", "health_employee_rate")}
    shares = shares_by_cover.get(cover)
    if shares and not any(fields[name] for name in shares):
        raise _settings_error(shares[0], "indiquez au moins une part (employeur ou salariale) non nulle, ou "
                                         "choisissez « aucune » complémentaire santé.")
    return fields


def payroll_settings_update(*, acting_user: Actor, **fields) -> PayrollSettings:
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
            label = getattr(PayrollSettings._meta.get_field(name), "verbose_name", name)  # a field, not a relation
            raise AppError("payroll_settings_invalid", f"{label} : {messages[0]}", field=name) from exc
        settings.save(update_fields=list(fields) or None)
        audit_record(action="payroll_settings_update", target=f"payroll_settings:{settings.pk}",
                     acting_user=acting_user, details={k: str(v) for k, v in fields.items()})
    return settings


def withholding_rate_set(*, entrepreneur, rate, effective_from, acting_user: Actor):
    """Record a person's PAS rate (percent, as notified) from the month of `effective_from` on.
    Setting again for the same month replaces that month's rate; earlier months keep theirs."""
    from .models import WithholdingRate

    try:
        value = Decimal(str(rate).strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        raise AppError("withholding_rate_invalid", "Taux de prélèvement à la source invalide : indiquez un "
                       "pourcentage (ex. 7,5).", field="rate") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(60) or has_more_places(value, 2):
        raise AppError("withholding_rate_invalid", "Le taux de prélèvement à la source va de 0 à 60 %, à deux "
                       "décimales au plus.", field="rate")
    start = effective_from.replace(day=1)
    with transaction.atomic():
        previous = WithholdingRate.objects.filter(entrepreneur=entrepreneur, effective_from=start).first()
        row, _ = WithholdingRate.objects.update_or_create(
            entrepreneur=entrepreneur, effective_from=start,
            defaults={"rate": value, "set_by": actor_user(acting_user)})
        audit_record(action="withholding_rate_set", target=f"entrepreneur:{entrepreneur.pk}", acting_user=acting_user,
                     details={"effective_from": start.isoformat(), "rate": str(value),
                              "previous": None if previous is None else str(previous.rate)})
    return row
