"""Journeys through the services: the state machine and the legal rules are enforced, nothing is
written when a step is refused, history is kept when a person comes back."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from essaim.audit.actors import task_actor
from essaim.core.errors import AppError
from tenants.people.journey import EventKind, Stage
from tenants.people.models import Contract, Entrepreneur, JourneyEvent, PeopleSettings, Reminder, Site
from tenants.people.services import (
    entrepreneur_create,
    journey_record_event,
    journey_reopen,
    reminders_generate,
)
from tenants.people.tasks import daily_reminders
from tests.factories import TEST_ACTOR


@pytest.fixture
def site(in_cae_a):
    return Site.objects.create(name="Siège de Reims", kind="head_office", city="Reims", department="51")


@pytest.fixture
def person(site, world):
    return entrepreneur_create(site=site, first_name="Camille", last_name="Martin", gender="F",
                               email="camille.martin@exemple.fr", opened_on=date(2024, 9, 1),
                               counsellor=world.user("counsellor_a"), acting_user=TEST_ACTOR)


def walk_to_cesa(person, *, revenue=True):
    journey_record_event(person=person, kind=EventKind.INFO_SESSION, on=date(2024, 9, 5),
                         acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2024, 9, 20),
                         acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CAPE_SIGNED, on=date(2024, 10, 1), ends_on=date(2025, 9, 30),
                         acting_user=TEST_ACTOR)
    if revenue:
        journey_record_event(person=person, kind=EventKind.FIRST_REVENUE, on=date(2025, 1, 15),
                             acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CESA_SIGNED, on=date(2025, 3, 1),
                         weekly_hours=Decimal("10"), monthly_gross=Decimal("600.00"), acting_user=TEST_ACTOR)


def test_full_journey_to_associate(person):
    walk_to_cesa(person)
    journey_record_event(person=person, kind=EventKind.AMENDMENT, on=date(2025, 9, 1),
                         weekly_hours=Decimal("20"), monthly_gross=Decimal("1200.00"), acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.ASSOCIATE, on=date(2026, 6, 1), acting_user=TEST_ACTOR)
    person.refresh_from_db()
    assert person.stage == Stage.ASSOCIATE
    cape, cesa = Contract.objects.order_by("starts_on")
    assert cape.ends_on == date(2025, 3, 1), "the CAPE ends when the CESA starts"
    assert cesa.amendments.get().weekly_hours == Decimal("20.00")


def test_refused_step_writes_nothing(person):
    with pytest.raises(AppError) as exc:
        journey_record_event(person=person, kind=EventKind.CESA_SIGNED, on=date(2024, 9, 10),
                             weekly_hours=Decimal("10"), monthly_gross=Decimal("600"), acting_user=TEST_ACTOR)
    assert exc.value.code == "journey_step_not_allowed"
    assert "Étape impossible" in exc.value.message
    assert not JourneyEvent.objects.exists()
    person.refresh_from_db()
    assert person.stage == Stage.CANDIDATE


def test_cesa_before_first_revenue_is_refused_unless_the_cae_allows_it(person):
    with pytest.raises(AppError) as exc:
        walk_to_cesa(person, revenue=False)
    assert exc.value.code == "cesa_without_revenue"
    settings = PeopleSettings.current()
    settings.cesa_requires_first_revenue = False
    settings.save()
    journey_record_event(person=person, kind=EventKind.CESA_SIGNED, on=date(2025, 3, 1),
                         weekly_hours=Decimal("10"), monthly_gross=Decimal("600"), acting_user=TEST_ACTOR)
    person.refresh_from_db()
    assert person.stage == Stage.CESA


def test_cape_limits(person):
    journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2024, 9, 20),
                         acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="12 mois"):
        journey_record_event(person=person, kind=EventKind.CAPE_SIGNED, on=date(2024, 10, 1), ends_on=date(2025, 10, 1),
                             acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CAPE_SIGNED, on=date(2024, 10, 1), ends_on=date(2025, 9, 30),
                         acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CAPE_RENEWED, on=date(2025, 10, 1), ends_on=date(2026, 9, 30),
                         acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CAPE_RENEWED, on=date(2026, 10, 1), ends_on=date(2027, 9, 30),
                         acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="deux fois"):
        journey_record_event(person=person, kind=EventKind.CAPE_RENEWED, on=date(2027, 10, 1),
                             ends_on=date(2028, 9, 30), acting_user=TEST_ACTOR)
    assert Contract.objects.count() == 3


def test_events_cannot_go_back_in_time(person):
    journey_record_event(person=person, kind=EventKind.INFO_SESSION, on=date(2024, 9, 5),
                         acting_user=TEST_ACTOR)
    with pytest.raises(AppError) as exc:
        journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2024, 9, 2),
                             acting_user=TEST_ACTOR)
    assert exc.value.code == "journey_event_out_of_order"


def test_exit_then_come_back_keeps_history(person):
    journey_record_event(person=person, kind=EventKind.INFO_SESSION, on=date(2024, 9, 5),
                         acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="issue"):
        journey_record_event(person=person, kind=EventKind.EXIT, on=date(2024, 10, 1), acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.EXIT, on=date(2024, 10, 1), outcome="found_job",
                         acting_user=TEST_ACTOR)
    with pytest.raises(AppError) as exc:
        journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2024, 10, 5),
                             acting_user=TEST_ACTOR)
    assert exc.value.code == "journey_closed"
    second = journey_reopen(person=person, on=date(2025, 2, 1), acting_user=TEST_ACTOR)
    assert second.number == 2
    journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2025, 2, 3), acting_user=TEST_ACTOR)
    person.refresh_from_db()
    assert person.stage == Stage.FOLLOW_UP
    assert person.journeys.count() == 2
    assert person.journeys.get(number=1).exit_outcome == "found_job"


def test_bad_person_input_is_refused(site):
    with pytest.raises(ValidationError) as exc:
        entrepreneur_create(site=site, first_name="A", last_name="B", gender="F", sector_naf="6201Z",
                            acting_user=TEST_ACTOR)
    assert "Code NAF invalide" in str(exc.value)
    entrepreneur_create(site=site, first_name="A", last_name="B", gender="F", email="a@b.fr",
                        acting_user=TEST_ACTOR)
    with pytest.raises(ValidationError, match="existe déjà"):
        entrepreneur_create(site=site, first_name="C", last_name="D", gender="M", email="A@B.fr",
                            acting_user=TEST_ACTOR)
    assert Entrepreneur.objects.count() == 1


def test_reminders_on_fixed_dates_and_idempotent(person):
    walk_to_cesa(person)  # CESA on 2025-03-01 → associate deadline 2028-03-01
    assert reminders_generate(today=date(2027, 8, 31), acting_user=task_actor("people-daily-reminders")) == []
    (six_months,) = reminders_generate(today=date(2027, 9, 1),
                                       acting_user=task_actor("people-daily-reminders"))
    assert six_months.kind == "associate_6m" and six_months.deadline == date(2028, 3, 1)
    assert reminders_generate(today=date(2027, 9, 2), acting_user=task_actor("people-daily-reminders")) == []
    kinds = {r.kind for r in reminders_generate(today=date(2028, 2, 1),
                                                acting_user=task_actor("people-daily-reminders"))}
    assert kinds == {"associate_3m", "associate_1m"}


def test_cape_reminder_30_days_before_end(person):
    journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2024, 9, 20),
                         acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CAPE_SIGNED, on=date(2024, 10, 1), ends_on=date(2025, 9, 30),
                         acting_user=TEST_ACTOR)
    assert reminders_generate(today=date(2025, 8, 30), acting_user=task_actor("people-daily-reminders")) == []
    (reminder,) = reminders_generate(today=date(2025, 8, 31),
                                     acting_user=task_actor("people-daily-reminders"))
    assert reminder.kind == "cape_ending"


def test_daily_task_emails_the_counsellor_once(person, world):
    walk_to_cesa(person)
    assert daily_reminders.run("2027-09-01") == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.user("counsellor_a").email]
    assert "Camille Martin" in mail.outbox[0].body
    assert daily_reminders.run("2027-09-01") == 0
    assert len(mail.outbox) == 1
    assert Reminder.objects.get().emailed_at is not None


def _lead_times(**values):
    settings = PeopleSettings.current()
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save(update_fields=list(values))


def test_cape_reminder_follows_the_caes_lead_time(person):
    _lead_times(cape_warning_days=45)
    journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2024, 9, 20),
                         acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CAPE_SIGNED, on=date(2024, 10, 1), ends_on=date(2025, 9, 30),
                         acting_user=TEST_ACTOR)
    assert reminders_generate(today=date(2025, 8, 15), acting_user=task_actor("people-daily-reminders")) == []
    (reminder,) = reminders_generate(today=date(2025, 8, 16),
                                     acting_user=task_actor("people-daily-reminders"))  # 45 days before 30/09
    assert (reminder.kind, reminder.due_on, reminder.deadline) == ("cape_ending", date(2025, 8, 16), date(2025, 9, 30))
    # shortened afterwards: the CAPE's end was announced already, no second reminder
    _lead_times(cape_warning_days=30)
    assert reminders_generate(today=date(2025, 8, 31), acting_user=task_actor("people-daily-reminders")) == []
    assert Reminder.objects.count() == 1


def test_a_longer_cape_lead_time_set_late_reminds_at_once_but_never_twice(person):
    journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2024, 9, 20),
                         acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CAPE_SIGNED, on=date(2024, 10, 1), ends_on=date(2025, 9, 30),
                         acting_user=TEST_ACTOR)
    assert reminders_generate(today=date(2025, 8, 20),
                              acting_user=task_actor("people-daily-reminders")) == []  # 30 days: not yet
    _lead_times(cape_warning_days=60)
    (reminder,) = reminders_generate(today=date(2025, 8, 20),
                                     acting_user=task_actor("people-daily-reminders"))  # due since 01/08 under the new lead time
    assert reminder.due_on == date(2025, 8, 1)
    (same,) = Reminder.objects.all()
    _lead_times(cape_warning_days=30)
    assert reminders_generate(today=date(2025, 8, 31),
                              acting_user=task_actor("people-daily-reminders")) == [] and list(Reminder.objects.all()) == [same]


def test_associate_reminders_follow_the_caes_first_warning(person):
    walk_to_cesa(person)  # CESA on 2025-03-01 → associate deadline 2028-03-01
    _lead_times(associate_warning_months=9)
    assert reminders_generate(today=date(2027, 5, 31), acting_user=task_actor("people-daily-reminders")) == []
    (nine,) = reminders_generate(today=date(2027, 6, 1), acting_user=task_actor("people-daily-reminders"))
    assert nine.kind == "associate_9m" and nine.deadline == date(2028, 3, 1)
    (six,) = reminders_generate(today=date(2027, 9, 1), acting_user=task_actor("people-daily-reminders"))
    assert six.kind == "associate_6m"
    assert {r.kind for r in reminders_generate(today=date(2028, 2, 1),
                                               acting_user=task_actor("people-daily-reminders"))} == {"associate_3m", "associate_1m"}


def test_an_earlier_associate_warning_set_after_a_later_one_went_out_is_not_made(person):
    walk_to_cesa(person)
    (six,) = reminders_generate(today=date(2027, 9, 1), acting_user=task_actor("people-daily-reminders"))
    assert six.kind == "associate_6m"
    _lead_times(associate_warning_months=12)
    assert reminders_generate(today=date(2027, 9, 2),
                              acting_user=task_actor("people-daily-reminders")) == []  # « 12 months before » would come after « 6 »
    (three,) = reminders_generate(today=date(2027, 12, 1), acting_user=task_actor("people-daily-reminders"))
    assert three.kind == "associate_3m"
