"""Writes on support: registrations within capacity, attendance that moves the journey on."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError
from tenants.people.journey import EventKind, Stage
from tenants.people.models import Entrepreneur
from tenants.people.services import journey_record_event

from .models import Attendance, InfoSession, InfoSessionRegistration, Meeting, Workshop, WorkshopRegistration


def _user(acting_user: Actor):
    return actor_user(acting_user)


def _apply_attendance(registrations, statuses: dict[int, str]) -> dict:
    """Check every status first (nothing written if one is wrong), then save the changes."""
    by_person = {r.entrepreneur_id: r for r in registrations}
    for person_id, status in statuses.items():
        if status not in Attendance.values:
            raise AppError("attendance_invalid", f"Présence inconnue : {status}.", field="status")
        if person_id not in by_person:
            raise AppError("not_registered", "Cette personne n'est pas inscrite.", field="entrepreneur")
    for person_id, status in statuses.items():
        registration = by_person[person_id]
        if registration.status != status:
            registration.status = status
            registration.save(update_fields=["status"])
    return by_person


@transaction.atomic
def infosession_register(*, session: InfoSession, person: Entrepreneur, acting_user: Actor) -> InfoSessionRegistration:
    session = InfoSession.objects.select_for_update().get(pk=session.pk)
    if session.registrations.filter(entrepreneur=person).exists():
        raise AppError("already_registered", f"{person} est déjà inscrit·e à cette réunion.", field="entrepreneur")
    if session.registrations.count() >= session.capacity:
        raise AppError("session_full", "Cette réunion d'information est complète.", field="entrepreneur")
    registration = InfoSessionRegistration.objects.create(session=session, entrepreneur=person)
    audit_record(action="infosession_register", target=f"entrepreneur:{person.pk}", acting_user=acting_user)
    return registration


@transaction.atomic
def infosession_record_attendance(*, session: InfoSession, statuses: dict[int, str], acting_user: Actor) -> int:
    """Record who came. A candidate who attended moves to « réunion d'information suivie »."""
    registrations = _apply_attendance(session.registrations.select_related("entrepreneur"), statuses)
    day = timezone.localtime(session.starts_at).date()
    for person_id, status in statuses.items():
        registration = registrations[person_id]
        if status == Attendance.ATTENDED and registration.entrepreneur.stage == Stage.CANDIDATE:
            journey_record_event(person=registration.entrepreneur, kind=EventKind.INFO_SESSION, on=day,
                                 acting_user=acting_user)
    audit_record(action="infosession_attendance", target=f"infosession:{session.pk}", acting_user=acting_user)
    return len(statuses)


@transaction.atomic
def meeting_record(*, person: Entrepreneur, held_at: datetime, counsellor=None, notes: str = "",
                   next_steps: str = "", follow_up_on=None, acting_user: Actor) -> Meeting:
    """A one-to-one meeting; the first one starts the individual follow-up."""
    if held_at > timezone.now() + timedelta(days=1):
        raise AppError("meeting_in_future", "Un entretien se saisit une fois tenu.", field="held_at")
    if follow_up_on and follow_up_on < held_at.date():
        raise AppError("follow_up_before_meeting", "La date de suivi suit l'entretien.", field="follow_up_on")
    meeting = Meeting.objects.create(entrepreneur=person, counsellor=counsellor or _user(acting_user),
                                     site=person.site, held_at=held_at, notes=notes, next_steps=next_steps,
                                     follow_up_on=follow_up_on)
    Meeting.objects.filter(entrepreneur=person, follow_up_done=False, held_at__lt=held_at).update(follow_up_done=True)
    if person.stage in (Stage.CANDIDATE, Stage.INFO_SESSION):
        journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=timezone.localtime(held_at).date(),
                             acting_user=acting_user)
    audit_record(action="meeting_record", target=f"entrepreneur:{person.pk}", acting_user=acting_user)
    return meeting


@transaction.atomic
def workshop_create(*, title: str, theme: str, starts_at: datetime, site, duration_minutes: int = 180,
                    capacity: int = 12, description: str = "", facilitator_staff=None,
                    open_to_self_registration: bool = True, catalogue_key: str = "", acting_user: Actor) -> Workshop:
    """Schedule a workshop (from a model of the catalogue or not: `catalogue_key` is only recorded
    in the audit trail). Raises AppError or ValidationError (French) before writing anything."""
    if starts_at <= timezone.now():
        raise AppError("workshop_in_past", "Un atelier se programme à une date à venir.", field="starts_at")
    if not site.is_active:
        raise AppError("site_inactive", "Ce site n'est plus actif.", field="site")
    workshop = Workshop(title=title.strip(), theme=theme, starts_at=starts_at, site=site,
                        duration_minutes=duration_minutes, capacity=capacity, description=description.strip(),
                        facilitator_staff=facilitator_staff, open_to_self_registration=open_to_self_registration)
    workshop.full_clean()
    workshop.save()
    audit_record(action="workshop_create", target=f"workshop:{workshop.pk}", acting_user=acting_user,
                 details={"catalogue_model": catalogue_key} if catalogue_key else None)
    return workshop


@transaction.atomic
def workshop_register(*, workshop: Workshop, person: Entrepreneur, self_service: bool = False,
                      acting_user: Actor) -> WorkshopRegistration:
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if self_service and not workshop.open_to_self_registration:
        raise AppError("self_registration_closed", "L'inscription à cet atelier passe par votre conseiller·e.")
    if workshop.starts_at <= timezone.now():
        raise AppError("workshop_past", "Cet atelier a déjà eu lieu.")
    if workshop.registrations.filter(entrepreneur=person).exists():
        raise AppError("already_registered", "Vous êtes déjà inscrit·e à cet atelier." if self_service
                       else f"{person} est déjà inscrit·e à cet atelier.")
    if workshop.registrations.count() >= workshop.capacity:
        raise AppError("workshop_full", "Cet atelier est complet.")
    registration = WorkshopRegistration.objects.create(workshop=workshop, entrepreneur=person)
    audit_record(action="workshop_register", target=f"workshop:{workshop.pk}", acting_user=acting_user)
    return registration


@transaction.atomic
def workshop_unregister(*, workshop: Workshop, person: Entrepreneur, acting_user: Actor) -> None:
    if workshop.starts_at <= timezone.now():
        raise AppError("workshop_past", "Cet atelier a déjà eu lieu.")
    deleted, _ = WorkshopRegistration.objects.filter(workshop=workshop, entrepreneur=person).delete()
    if not deleted:
        raise AppError("not_registered", "Aucune inscription à annuler.")
    audit_record(action="workshop_unregister", target=f"workshop:{workshop.pk}", acting_user=acting_user)


@transaction.atomic
def workshop_record_attendance(*, workshop: Workshop, statuses: dict[int, str], acting_user: Actor) -> int:
    _apply_attendance(workshop.registrations.all(), statuses)
    audit_record(action="workshop_attendance", target=f"workshop:{workshop.pk}", acting_user=acting_user)
    return len(statuses)


def workshop_attendance_sheet_pdf(*, workshop: Workshop, cooperative_name: str) -> bytes:
    """The sign-in sheet to print and sign (WeasyPrint)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    registrations = workshop.registrations.select_related("entrepreneur").order_by(
        "entrepreneur__last_name", "entrepreneur__first_name")
    html = render_to_string("support/attendance_sheet.html", {
        "workshop": workshop, "registrations": registrations, "cooperative_name": cooperative_name,
        "blank_rows": range(max(0, 3)),
    })
    return HTML(string=html).write_pdf()
