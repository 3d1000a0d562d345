"""The network's aggregates (no row about a person) and the retention period."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from essaim.audit.actors import task_actor
from tenants.people.journey import EventKind
from tenants.people.models import Entrepreneur, Site
from tenants.people.services import entrepreneur_create, journey_record_event, people_anonymise_expired
from tenants.people.stats import PeopleAggregates, aggregates
from tenants.people.tasks import anonymise_expired
from tests.factories import TEST_ACTOR


@pytest.fixture
def people(in_cae_a):
    site = Site.objects.create(name="Reims", kind="head_office", city="Reims", department="51")
    alice = entrepreneur_create(site=site, first_name="Alice", last_name="Durand", gender="F",
                                birth_date=date(1990, 5, 1), email="alice@exemple.fr", sector_naf="62.01Z",
                                opened_on=date(2024, 1, 10), acting_user=TEST_ACTOR)
    bruno = entrepreneur_create(site=site, first_name="Bruno", last_name="Petit", gender="M",
                                birth_date=date(1960, 2, 1), opened_on=date(2025, 3, 1),
                                acting_user=TEST_ACTOR)
    for kind, on, extra in [
        (EventKind.FOLLOW_UP, date(2024, 1, 20), {}),
        (EventKind.CAPE_SIGNED, date(2024, 2, 1), {"ends_on": date(2025, 1, 31)}),
        (EventKind.FIRST_REVENUE, date(2024, 4, 1), {}),
        (EventKind.CESA_SIGNED, date(2024, 9, 1), {"weekly_hours": Decimal("17.5"), "monthly_gross": Decimal("1000")}),
        (EventKind.AMENDMENT, date(2025, 2, 1), {"weekly_hours": Decimal("35"), "monthly_gross": Decimal("2000")}),
    ]:
        journey_record_event(person=alice, kind=kind, on=on, acting_user=TEST_ACTOR, **extra)
    journey_record_event(person=bruno, kind=EventKind.EXIT, on=date(2025, 6, 1), outcome="found_job",
                         acting_user=TEST_ACTOR)
    return alice, bruno


def test_aggregates_for_a_period(people):
    figures = aggregates(period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    assert figures.headcount_by_gender == {"F": 1, "M": 1}
    assert figures.headcount_by_stage == {"cesa": 1, "exited": 1}
    assert figures.headcount_by_age_band == {"35-44": 1, "55+": 1}
    assert figures.headcount_by_sector == {"62": 1, "inconnu": 1}
    assert figures.headcount_by_department == {"51": 2}
    assert figures.entries == 1 and figures.exits_by_outcome == {"found_job": 1}
    assert figures.fte == Decimal("1.00"), "the amendment to 35 h wins over the CESA's 17.5 h"
    before = aggregates(period_start=date(2024, 10, 1), period_end=date(2024, 12, 31))
    assert before.fte == Decimal("0.50")


def test_aggregates_carry_no_personal_data(people):
    figures = aggregates(period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    assert isinstance(figures, PeopleAggregates)
    flat = repr(dataclasses.asdict(figures))
    for secret in ("Alice", "Durand", "alice@exemple.fr", "Bruno", "1990-05-01"):
        assert secret not in flat


def test_anonymisation_after_retention_keeps_aggregates(people):
    alice, bruno = people
    before = aggregates(period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    assert people_anonymise_expired(today=date(2030, 5, 31),
                                    acting_user=task_actor("people-anonymise-expired")) == 0, "exit is less than 5 years old"
    assert anonymise_expired.run("2030-06-02") == 1
    bruno.refresh_from_db()
    assert bruno.first_name == "Anonymisé" and bruno.email == "" and bruno.birth_date == date(1960, 1, 1)
    alice.refresh_from_db()
    assert alice.first_name == "Alice", "people still in a journey are kept"
    assert people_anonymise_expired(today=date(2031, 1, 1),
                                    acting_user=task_actor("people-anonymise-expired")) == 0, "idempotent"
    after = aggregates(period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    assert after == before
    assert Entrepreneur.objects.count() == 2
