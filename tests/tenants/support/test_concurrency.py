"""Capacity holds under real parallel transactions: two people, one seat, two threads."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from essaim.core.errors import AppError

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def one_seat(world, django_db_blocker):
    """Committed rows in a CAE of this module's own (other threads only see committed data);
    module scope makes it run before the test's own transaction opens."""
    from tenants.people.models import Entrepreneur, Site
    from tenants.people.services import entrepreneur_create
    from tenants.support.models import Workshop
    from tests.conftest import _make_cooperative, tenant_context

    with django_db_blocker.unblock():
        cae = _make_cooperative("concurrence", "CAE Concurrence", 44444444)
        with tenant_context(cae):
            site = Site.objects.create(name="Siège", kind="head_office", city="Reims", department="51")
            people = [entrepreneur_create(site=site, first_name=f"P{i}", last_name="Course", gender="F")
                      for i in range(2)]
            workshop = Workshop.objects.create(title="Une place", theme="sales", site=site, capacity=1,
                                               starts_at=timezone.now() + timedelta(days=2))
    yield cae, workshop, people
    with django_db_blocker.unblock(), tenant_context(cae):
        workshop.registrations.all().delete()
        Entrepreneur.objects.filter(pk__in=[p.pk for p in people]).delete()


def test_last_seat_goes_to_exactly_one(one_seat, django_db_blocker):
    from tenants.support.services import workshop_register
    from tests.conftest import tenant_context

    cae, workshop, people = one_seat
    barrier = threading.Barrier(2)
    outcomes = []

    def register(person):
        with django_db_blocker.unblock():
            try:
                with tenant_context(cae):
                    barrier.wait()
                    workshop_register(workshop=workshop, person=person)
                outcomes.append("ok")
            except AppError as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcomes.append(repr(exc))
            finally:
                connections.close_all()

    threads = [threading.Thread(target=register, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["ok", "workshop_full"]
    with tenant_context(cae):
        assert workshop.registrations.count() == 1
    assert connection.schema_name == "public"
