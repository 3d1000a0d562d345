"""An info session or a workshop named in a request (info_session_get_for, workshop_get_for):
CAE A's ids are 404 on CAE B's site, for every page and every action, and nothing is written in
A; an info session is the staff's, a workshop every member's."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from essaim.accounts.models import Membership
from tenants.people.models import Site
from tenants.support.models import InfoSession, InfoSessionRegistration, Workshop, WorkshopRegistration
from tenants.support.selectors import info_session_get_for, workshop_get_for
from tests.conftest import client_for, tenant_context
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_a(world):
    with tenant_context(world.cae_a):
        site = Site.objects.create(name="Épernay", kind="head_office", city="Épernay", department="51")
        person = make_person(first_name="Maëlle", last_name="Lefèvre", site_name="Épernay",
                             user=world.user("entrepreneur_a"))
        session = InfoSession.objects.create(starts_at=timezone.now() + timedelta(days=2), site=site, capacity=10)
        workshop = Workshop.objects.create(title="Fixer ses prix", theme="sales", site=site, capacity=8,
                                           starts_at=timezone.now() + timedelta(days=5))
    return {"person": person, "session": session, "workshop": workshop}


def _membership(world, key: str) -> Membership:
    cooperative = world.cae_a if key.endswith("_a") else world.cae_b
    return Membership.objects.get(user=world.user(key), cooperative=cooperative)


@pytest.mark.parametrize("intruder", ["director_b", "counsellor_b", "entrepreneur_b"])
def test_another_cae_reaches_no_session_nor_workshop(world, support_a, intruder):
    s, w, person = support_a["session"], support_a["workshop"], support_a["person"]
    client = client_for(world.cae_b, world.user(intruder))
    staff = intruder != "entrepreneur_b"
    attempts = [
        ("get", f"/accompagnement/ateliers/{w.pk}/", {}),
        ("post", f"/accompagnement/ateliers/{w.pk}/action/", {"action": "self_register"}),
        ("post", f"/accompagnement/ateliers/{w.pk}/action/", {"action": "register", "entrepreneur": person.pk}),
        ("post", f"/accompagnement/ateliers/{w.pk}/action/", {"action": "attendance",
                                                             f"status_{person.pk}": "attended"}),
    ]
    if staff:  # an entrepreneur is refused these pages (403) before any id is looked at
        attempts += [
            ("get", f"/accompagnement/reunions/{s.pk}/", {}),
            ("post", f"/accompagnement/reunions/{s.pk}/", {"register": "1", "entrepreneur": person.pk}),
            ("post", f"/accompagnement/reunions/{s.pk}/", {f"status_{person.pk}": "attended"}),
            ("get", f"/accompagnement/ateliers/{w.pk}/emargement.pdf", {}),
        ]
    for method, path, data in attempts:
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path, data)
        assert b"Fixer ses prix" not in response.content
    with tenant_context(world.cae_a):
        assert not InfoSessionRegistration.objects.exists()
        assert not WorkshopRegistration.objects.exists()


def test_an_info_session_is_the_staffs_and_a_workshop_every_members(world, support_a):
    s, w = support_a["session"], support_a["workshop"]
    entrepreneur = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert entrepreneur.get(f"/accompagnement/reunions/{s.pk}/").status_code == 403
    assert entrepreneur.get(f"/accompagnement/ateliers/{w.pk}/").status_code == 200
    with tenant_context(world.cae_a):
        with pytest.raises(Http404):
            info_session_get_for(actor=_membership(world, "entrepreneur_a"), pk=s.pk)
        assert info_session_get_for(actor=_membership(world, "counsellor_a"), pk=s.pk) == s
        assert workshop_get_for(actor=_membership(world, "entrepreneur_a"), pk=w.pk) == w
        for missing in (s.pk + 1000, w.pk + 1000):
            with pytest.raises(Http404):
                info_session_get_for(actor=_membership(world, "director_a"), pk=missing)
            with pytest.raises(Http404):
                workshop_get_for(actor=_membership(world, "director_a"), pk=missing)
