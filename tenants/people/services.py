"""Writes on people and journeys. Every write is atomic, validated, audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError

from . import rules
from .journey import EventKind, ExitOutcome, Stage, Step, next_stage, replay
from .models import (
    Contract,
    ContractAmendment,
    Entrepreneur,
    Journey,
    JourneyEvent,
    PeopleSettings,
    Reminder,
    Site,
)
from .person_data import PROVIDERS


@transaction.atomic
def site_create(*, name: str, kind: str, city: str, department: str, address: str = "", postal_code: str = "",
                acting_user: Actor) -> Site:
    site = Site(name=name, kind=kind, city=city, department=department, address=address, postal_code=postal_code)
    site.full_clean()
    site.save()
    audit_record(action="site_create", target=f"site:{site.pk}", acting_user=acting_user)
    return site


@transaction.atomic
def entrepreneur_create(*, site: Site, first_name: str, last_name: str, gender: str, opened_on: date | None = None,
                        acting_user: Actor, **fields) -> Entrepreneur:
    """A new candidate, with an open journey. Raises ValidationError (French) on bad input."""
    person = Entrepreneur(site=site, first_name=first_name.strip(), last_name=last_name.strip(), gender=gender,
                          **fields)
    if person.email:
        person.email = person.email.strip().lower()
    person.full_clean()
    person.save()
    Journey.objects.create(entrepreneur=person, number=1, opened_on=opened_on or timezone.localdate())
    audit_record(action="entrepreneur_create", target=f"entrepreneur:{person.pk}", acting_user=acting_user)
    return person


def journey_current(person: Entrepreneur) -> Journey:
    journey = person.journeys.order_by("-number").first()
    if journey is None:  # imported people without a journey get one
        journey = Journey.objects.create(entrepreneur=person, number=1, opened_on=timezone.localdate())
    return journey


def _steps(journey: Journey) -> list[Step]:
    return [Step(kind, on) for kind, on in journey.events.order_by("on", "id").values_list("kind", "on")]


@transaction.atomic
def journey_record_event(
    *,
    person: Entrepreneur,
    kind: str,
    on: date,
    acting_user: Actor,
    ends_on: date | None = None,
    weekly_hours: Decimal | None = None,
    monthly_gross: Decimal | None = None,
    outcome: str = "",
    details: dict | None = None,
) -> JourneyEvent:
    """Record a dated step of the person's current journey, enforcing the state machine and
    the legal rules. Raises AppError with a stable code and a French message; writes nothing
    then."""
    person = Entrepreneur.objects.select_for_update().get(pk=person.pk)
    journey = journey_current(person)
    if journey.closed_on is not None:
        raise AppError("journey_closed", "Ce parcours est clos : ouvrez un nouveau parcours pour cette personne.",
                       field="kind")
    if on < journey.opened_on:
        raise AppError("journey_event_before_start",
                       f"La date précède le début du parcours ({journey.opened_on:%d/%m/%Y}).", field="on")
    steps = _steps(journey)
    if steps and on < steps[-1].on:
        raise AppError("journey_event_out_of_order",
                       f"La date précède la dernière étape enregistrée ({steps[-1].on:%d/%m/%Y}).", field="on")
    stage = replay(steps)
    new_stage = next_stage(stage, kind)
    contracts = list(journey.contracts.all())
    details = dict(details or {})

    if kind in (EventKind.CAPE_SIGNED, EventKind.CAPE_RENEWED):
        if ends_on is None:
            raise AppError("cape_end_required", "Indiquez la date de fin du CAPE.", field="ends_on")
        capes = [c for c in contracts if c.kind == Contract.Kind.CAPE]
        if kind == EventKind.CAPE_RENEWED:
            rules.cape_check_renewal(renewals_so_far=len(capes) - 1)
        rules.cape_check_period(start=on, end=ends_on)
    elif kind == EventKind.CESA_SIGNED:
        first_revenue = first_revenue_on(person, steps)
        rules.cesa_check_first_revenue(cesa_start=on, first_revenue_on=first_revenue,
                                       required=PeopleSettings.current().cesa_requires_first_revenue)
        _check_pay(weekly_hours, monthly_gross, required=True)
    elif kind == EventKind.AMENDMENT:
        _check_pay(weekly_hours, monthly_gross, required=True)
    elif kind == EventKind.EXIT:
        if outcome not in ExitOutcome.values:
            raise AppError("exit_outcome_required", "Choisissez l'issue de la sortie.", field="outcome")
        details["outcome"] = outcome

    event = JourneyEvent.objects.create(journey=journey, kind=kind, on=on, details=details, recorded_by=_user(acting_user))
    if kind in (EventKind.CAPE_SIGNED, EventKind.CAPE_RENEWED):
        renewal = sum(1 for c in contracts if c.kind == Contract.Kind.CAPE)
        Contract.objects.create(journey=journey, kind=Contract.Kind.CAPE, renewal=renewal, starts_on=on,
                                ends_on=ends_on, event=event)
    elif kind == EventKind.CESA_SIGNED:
        Contract.objects.create(journey=journey, kind=Contract.Kind.CESA, starts_on=on, weekly_hours=weekly_hours,
                                monthly_gross=monthly_gross, event=event)
        journey.contracts.filter(kind=Contract.Kind.CAPE, ends_on__gt=on).update(ends_on=on)
    elif kind == EventKind.AMENDMENT:
        cesa = next(c for c in reversed(contracts) if c.kind == Contract.Kind.CESA)
        assert weekly_hours is not None and monthly_gross is not None  # required by _check_pay above
        ContractAmendment.objects.create(contract=cesa, effective_on=on, weekly_hours=weekly_hours,
                                         monthly_gross=monthly_gross, event=event)
    elif kind == EventKind.EXIT:
        journey.closed_on = on
        journey.exit_outcome = outcome
        journey.save(update_fields=["closed_on", "exit_outcome"])
        journey.contracts.filter(ends_on__isnull=True).update(ends_on=on)
        journey.contracts.filter(ends_on__gt=on).update(ends_on=on)

    if person.stage != new_stage:
        person.stage = new_stage
        person.save(update_fields=["stage"])
    audit_record(action=f"journey_{kind}", target=f"entrepreneur:{person.pk}", acting_user=acting_user)
    return event


def first_revenue_on(person: Entrepreneur, steps: list[Step]) -> date | None:
    """The activity's first revenue: its first finalised invoice, or a dated `first_revenue`
    event (for revenue invoiced before the CAE used Essaim), whichever is earlier."""
    from django.apps import apps

    dates = [s.on for s in steps if s.kind == EventKind.FIRST_REVENUE]
    if apps.is_installed("tenants.activity"):
        invoice = apps.get_model("activity", "Invoice")
        first = (invoice.objects.filter(entrepreneur=person, kind="invoice", status="finalised")
                 .order_by("issued_on").values_list("issued_on", flat=True).first())
        if first:
            dates.append(first)
    return min(dates) if dates else None


def _check_pay(weekly_hours, monthly_gross, *, required: bool) -> None:
    if required and (weekly_hours is None or monthly_gross is None):
        raise AppError("pay_basis_required", "Indiquez les heures hebdomadaires et le salaire brut mensuel.",
                       field="weekly_hours")
    if weekly_hours is not None and not (Decimal("0") < Decimal(weekly_hours) <= Decimal("35")):
        raise AppError("weekly_hours_invalid", "Les heures hebdomadaires vont de 0 à 35.", field="weekly_hours")
    if monthly_gross is not None and Decimal(monthly_gross) < 0:
        raise AppError("monthly_gross_invalid", "Le salaire ne peut être négatif.", field="monthly_gross")


def _user(acting_user: Actor):
    return actor_user(acting_user)


@transaction.atomic
def journey_reopen(*, person: Entrepreneur, on: date, acting_user: Actor) -> Journey:
    """A person who left comes back: a new journey, the old one is kept as history."""
    person = Entrepreneur.objects.select_for_update().get(pk=person.pk)
    current = journey_current(person)
    if current.closed_on is None:
        raise AppError("journey_still_open", "Le parcours en cours n'est pas clos.", field="on")
    if on < current.closed_on:
        raise AppError("journey_reopen_before_exit", "Le nouveau parcours commence après la sortie.", field="on")
    journey = Journey.objects.create(entrepreneur=person, number=current.number + 1, opened_on=on)
    person.stage = Stage.CANDIDATE
    person.save(update_fields=["stage"])
    audit_record(action="journey_reopen", target=f"entrepreneur:{person.pk}", acting_user=acting_user)
    return journey


@transaction.atomic
def reminders_generate(*, today: date, acting_user: Actor) -> list[Reminder]:
    """Create the reminders that are due by `today` and not yet created (idempotent: one per kind,
    person and due date). Lead times are the CAE's (`PeopleSettings`); after the CAE changed them,
    a reminder made under the old ones is not duplicated (`rules.due_is_moot`)."""
    created: list[Reminder] = []
    open_contracts = (
        Contract.objects.filter(journey__closed_on__isnull=True)
        .select_related("journey__entrepreneur")
        .order_by("journey_id", "starts_on", "id")
    )
    latest: dict[int, Contract] = {}
    for contract in open_contracts:
        latest[contract.journey_id] = contract  # the journey's latest contract decides
    settings = PeopleSettings.current()  # the CAE's lead times
    already: dict[tuple[int, str, date], list[date]] = {}  # reminders made, by person, family, deadline
    for person_id, kind, deadline, due_on in Reminder.objects.filter(deadline__gte=today).values_list(
            "entrepreneur_id", "kind", "deadline", "due_on"):
        already.setdefault((person_id, rules.reminder_family(kind), deadline), []).append(due_on)
    for contract in latest.values():
        person = contract.journey.entrepreneur
        if contract.kind == Contract.Kind.CAPE and contract.ends_on:
            dues = rules.cape_reminders(ends_on=contract.ends_on, warning_days=settings.cape_warning_days)
        elif contract.kind == Contract.Kind.CESA and person.stage == Stage.CESA:
            dues = rules.associate_reminders(cesa_start=contract.starts_on,
                                             first_warning_months=settings.associate_warning_months)
        else:
            continue
        for due in dues:
            if due.on <= today <= due.deadline and not rules.due_is_moot(
                    due, made_on=already.get((person.pk, rules.reminder_family(due.kind), due.deadline), [])):
                reminder, made = Reminder.objects.get_or_create(
                    kind=due.kind, entrepreneur=person, due_on=due.on,
                    defaults={"deadline": due.deadline, "message": f"{person} — {due.message}",
                              "counsellor_id": person.counsellor_id},
                )
                if made:
                    created.append(reminder)
    if created:
        audit_record(action="reminders_generate", target=f"count:{len(created)}", acting_user=acting_user)
    return created


# The settings page's fields, as named to the user in messages.
PEOPLE_SETTINGS_LABELS = {
    "cesa_requires_first_revenue": "Un CESA suppose un premier chiffre d'affaires",
    "retention_years": "Durée de conservation après la sortie (années)",
    "cape_warning_days": "Rappel avant la fin d'un CAPE (jours)",
    "associate_warning_months": "Premier rappel avant l'échéance du sociétariat (mois)",
}


def people_settings_update(*, acting_user: Actor, **fields) -> PeopleSettings:
    """The director's edit of the CAE's people settings. All or nothing: the first bad value
    raises AppError(people_settings_invalid) naming the field, and nothing is written. Once saved
    here the settings are the CAE's own (`edited_at`): a network template installed later does not
    change them. Audited with the values before and after."""
    unknown = sorted(set(fields) - set(PEOPLE_SETTINGS_LABELS))
    if unknown:
        raise AppError("people_settings_field", f"Réglage des parcours inconnu : {unknown[0]}.", field=unknown[0])
    with transaction.atomic():
        settings = PeopleSettings.objects.select_for_update().get(pk=PeopleSettings.current().pk)
        before = {name: getattr(settings, name) for name in fields}
        for name, value in fields.items():
            setattr(settings, name, value)
        try:
            settings.full_clean()
        except ValidationError as exc:
            name, errors = next(iter(exc.message_dict.items()))
            raise AppError("people_settings_invalid", f"« {PEOPLE_SETTINGS_LABELS.get(name, name)} » : {errors[0]}",
                           field=name) from exc
        settings.edited_at = timezone.now()
        settings.save(update_fields=[*fields, "edited_at"])
        audit_record(action="people_settings_update", target=f"people_settings:{settings.pk}",
                     acting_user=acting_user,
                     details={name: {"avant": before[name], "apres": getattr(settings, name)} for name in fields})
    return settings


def person_export(*, person: Entrepreneur) -> dict:
    """Everything the CAE holds about one person (right of access), as plain data: the record and
    journeys here, then what every other app holds (its registered provider, person_data)."""
    fields = ["first_name", "last_name", "gender", "birth_date", "email", "phone", "address", "postal_code", "city",
              "entry_situation", "education_level", "referrer", "activity_description", "sector_naf", "stage",
              "created_at"]
    export: dict = {
        "personne": {name: getattr(person, name) for name in fields} | {"site": person.site.name},
        "parcours": [
            {
                "numero": j.number, "debut": j.opened_on, "sortie": j.closed_on, "issue": j.exit_outcome,
                "etapes": [{"type": e.kind, "date": e.on, "details": e.details} for e in j.events.all()],
                "contrats": [
                    {"type": c.kind, "debut": c.starts_on, "fin": c.ends_on, "heures": c.weekly_hours,
                     "brut_mensuel": c.monthly_gross,
                     "avenants": [{"date": a.effective_on, "heures": a.weekly_hours, "brut_mensuel": a.monthly_gross}
                                  for a in c.amendments.all()]}
                    for c in j.contracts.all()
                ],
            }
            for j in person.journeys.prefetch_related("events", "contracts__amendments")
        ],
    }
    for provider in PROVIDERS:
        export.update(provider.export(person))
    return export


ANONYMOUS = "Anonymisé"


@transaction.atomic
def people_anonymise_expired(*, today: date, acting_user: Actor) -> int:
    """Erase identifying data of people whose last exit is older than the CAE's retention period
    (RGPD), keeping what aggregates need: gender, birth year, entry situation, sector, site,
    journeys, events and contracts. Idempotent."""
    years = PeopleSettings.current().retention_years
    limit = rules.add_months(today, -12 * years)
    expired_ids = (Entrepreneur.objects.filter(anonymised_at__isnull=True, journeys__closed_on__lt=limit)
                   .exclude(journeys__closed_on__isnull=True).exclude(journeys__closed_on__gte=limit)
                   .values("pk"))
    count = 0
    for person in Entrepreneur.objects.filter(pk__in=expired_ids).select_for_update():
        person.first_name, person.last_name = ANONYMOUS, f"#{person.pk}"
        person.email = person.phone = person.address = person.referrer = ""
        person.activity_description = person.trading_name = ""
        person.postal_code = person.postal_code[:2] + "000" if person.postal_code else ""
        if person.birth_date:
            person.birth_date = person.birth_date.replace(month=1, day=1)
        person.user = None
        person.anonymised_at = timezone.now()
        person.save()
        for provider in PROVIDERS:
            provider.anonymise(person)
        count += 1
    if count:
        audit_record(action="people_anonymise", target=f"count:{count}", acting_user=acting_user)
    return count
