"""Capacity holds under real parallel transactions: two people, one seat, two threads."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import TEST_ACTOR

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def one_seat(world, django_db_blocker):
    """Committed rows in a CAE of this module's own (other threads only see committed data);
    module scope makes it run before the test's own transaction opens."""
    from tenants.people.models import Site
    from tenants.people.services import entrepreneur_create
    from tenants.support.models import Workshop
    from tests.conftest import _make_cooperative, drop_cooperative, tenant_context

    with django_db_blocker.unblock():
        cae = _make_cooperative("concurrence", "CAE Concurrence", 44444444)
        with tenant_context(cae):
            site = Site.objects.create(name="Siège", kind="head_office", city="Reims", department="51")
            people = [entrepreneur_create(site=site, first_name=f"P{i}", last_name="Course", gender="F",
                                          acting_user=TEST_ACTOR)
                      for i in range(2)]
            workshop = Workshop.objects.create(title="Une place", theme="sales", site=site, capacity=1,
                                               starts_at=timezone.now() + timedelta(days=2))
    yield cae, workshop, people
    with django_db_blocker.unblock():
        drop_cooperative(cae)


def test_last_seat_goes_to_exactly_one(one_seat, django_db_blocker):
    from tenants.support.services import workshop_register
    from tests.conftest import run_in_parallel, tenant_context

    cae, workshop, people = one_seat
    outcomes = run_in_parallel(lambda person: workshop_register(workshop=workshop, person=person,
                                                                acting_user=TEST_ACTOR) and "ok",
                               people, cooperative=cae, django_db_blocker=django_db_blocker)
    assert sorted(outcomes) == ["ok", "workshop_full"]
    with tenant_context(cae):
        assert workshop.registrations.count() == 1
    assert connection.schema_name == "public"
