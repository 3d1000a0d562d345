"""The audit trail: every row names its actor (a user, or a system actor by name), the database
refuses one without, the network's own writes go to the public schema's trail, and a task is
recorded under its own name."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from essaim.audit.actors import SystemActor, task_actor
from essaim.audit.models import AuditEntry
from essaim.audit.services import audit_record
from essaim.cooperatives.tasks import cooperative_heartbeat
from tenants.people.journey import EventKind
from tenants.people.services import journey_record_event
from tenants.people.tasks import anonymise_expired
from tests.conftest import client_for, tenant_context
from tests.factories import make_person
from tests.network.resources.helpers import make_resource

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("nobody", [None, AnonymousUser(), "alice@exemple.fr"])
def test_an_anonymous_write_is_a_programming_error(in_cae_a, nobody):
    with pytest.raises(TypeError):
        audit_record(action="site_create", target="site:1", acting_user=nobody)
    assert not AuditEntry.objects.filter(action="site_create").exists()


def test_a_system_actor_is_recorded_by_name_and_a_user_as_actor(world, in_cae_a):
    robot = audit_record(action="import", target="count:3", acting_user=SystemActor("clé d'API 0a1b2c3d"))
    robot.refresh_from_db()
    assert (robot.actor_id, robot.system_actor) == (None, "clé d'API 0a1b2c3d")
    assert robot.actor_label == "clé d'API 0a1b2c3d"
    person = audit_record(action="import", target="count:1", acting_user=world.user("director_a"))
    person.refresh_from_db()
    assert (person.actor, person.system_actor) == (world.user("director_a"), "")


def test_the_database_refuses_a_row_without_actor(in_cae_a):
    with pytest.raises(IntegrityError, match="audit_entry_has_actor"), transaction.atomic():
        AuditEntry.objects.create(action="orphan")


def test_a_network_write_is_audited_in_public_and_not_in_a_cae(world):
    staff = world.user("network_staff")
    resource = make_resource(world, url="https://exemple.fr/guide.pdf")
    target = f"resource:{resource.pk}"
    assert set(AuditEntry.objects.filter(target=target).values_list("action", "actor")) == {
        ("resource_propose", staff.pk), ("resource_publish", staff.pk)}
    for cae in (world.cae_a, world.cae_b):
        with tenant_context(cae):
            assert not AuditEntry.objects.filter(target=target).exists()


def test_the_network_trail_is_read_only_in_the_admin(world):
    resource = make_resource(world, url="https://exemple.fr/guide.pdf")
    entry = AuditEntry.objects.get(action="resource_publish", target=f"resource:{resource.pk}")
    admin = client_for(None, world.user("network_admin"))
    listing = admin.get("/admin/audit/auditentry/")
    assert listing.status_code == 200 and b"resource_publish" in listing.content
    assert admin.get("/admin/audit/auditentry/add/").status_code == 403
    assert admin.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_task_records_its_own_name(world):
    with tenant_context(world.cae_a):
        assert cooperative_heartbeat.run() == world.cae_a.schema_name
        (beat,) = AuditEntry.objects.filter(action="heartbeat")
        assert (beat.actor_id, beat.system_actor) == (None, "tâche : cooperative-heartbeat")

        person = make_person(opened_on=date(2019, 9, 1))
        journey_record_event(person=person, kind=EventKind.EXIT, on=date(2020, 1, 15), outcome="found_job",
                             acting_user=world.user("counsellor_a"))
        assert anonymise_expired.run("2026-06-01") == 1
        (erased,) = AuditEntry.objects.filter(action="people_anonymise")
        assert erased.system_actor == task_actor("people-anonymise-expired").name and erased.actor_id is None


def test_the_cae_home_page_names_the_actor(world):
    with tenant_context(world.cae_a):
        audit_record(action="people_import", target="count:2", acting_user=SystemActor("clé d'API 0a1b2c3d"))
    page = client_for(world.cae_a, world.user("director_a")).get("/")
    assert page.status_code == 200
    assert "people_import count:2 <span class=\"muted\">— clé d&#x27;API 0a1b2c3d</span>" in page.content.decode()
