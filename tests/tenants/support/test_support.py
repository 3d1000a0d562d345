"""Support through its pages: registrations within capacity, attendance moving journeys on, self
registration, the sign-in sheet PDF, one-to-one meetings; and nobody else's data."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from essaim.core.errors import AppError
from tenants.people.journey import Stage
from tenants.people.models import Entrepreneur, Site
from tenants.people.services import entrepreneur_create
from tenants.support import services
from tenants.support.models import InfoSession, Meeting, Workshop, WorkshopRegistration
from tests.conftest import client_for, tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup_a(world):
    with tenant_context(world.cae_a):
        site = Site.objects.create(name="Reims", kind="head_office", city="Reims", department="51")
        # Journeys opened a week ago: the session two hours ago may be yesterday (just after midnight),
        # and no journey event may precede its journey's opening.
        opened = timezone.localdate() - timedelta(days=7)
        people = [entrepreneur_create(site=site, first_name=f"Prénom{i}", last_name=f"Nom{i}", gender="F",
                                      email=f"p{i}@exemple.fr", opened_on=opened,
                                      acting_user=world.user("counsellor_a")) for i in range(3)]
        me = people[0]
        me.user = world.user("entrepreneur_a")
        me.save(update_fields=["user"])
        soon = timezone.now() + timedelta(days=3)
        session = InfoSession.objects.create(starts_at=timezone.now() - timedelta(hours=2), site=site, capacity=2)
        workshop = Workshop.objects.create(title="Trouver ses premiers clients", theme="sales", starts_at=soon,
                                           site=site, capacity=2)
    return {"site": site, "people": people, "session": session, "workshop": workshop}


def test_info_session_capacity_and_attendance_moves_the_journey(world, setup_a):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    s, (p0, p1, p2) = setup_a["session"], setup_a["people"]
    for p in (p0, p1):
        client.post(f"/accompagnement/reunions/{s.pk}/", {"register": "1", "entrepreneur": p.pk})
    response = client.post(f"/accompagnement/reunions/{s.pk}/", {"register": "1", "entrepreneur": p2.pk}, follow=True)
    assert "complète" in response.content.decode()
    client.post(f"/accompagnement/reunions/{s.pk}/", {f"status_{p0.pk}": "attended", f"status_{p1.pk}": "absent"})
    with tenant_context(world.cae_a):
        assert Entrepreneur.objects.get(pk=p0.pk).stage == Stage.INFO_SESSION
        assert Entrepreneur.objects.get(pk=p1.pk).stage == Stage.CANDIDATE


def test_entrepreneur_self_registers_and_staff_print_the_sheet(world, setup_a):
    w = setup_a["workshop"]
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert "M'inscrire" in me.get(f"/accompagnement/ateliers/{w.pk}/").content.decode()
    me.post(f"/accompagnement/ateliers/{w.pk}/action/", {"action": "self_register"})
    again = me.post(f"/accompagnement/ateliers/{w.pk}/action/", {"action": "self_register"}, follow=True)
    assert "déjà inscrit" in again.content.decode()
    with tenant_context(world.cae_a):
        assert WorkshopRegistration.objects.filter(workshop=w, entrepreneur=setup_a["people"][0]).count() == 1
    # an entrepreneur cannot register someone else nor print the sheet
    me.post(f"/accompagnement/ateliers/{w.pk}/action/", {"action": "register", "entrepreneur": setup_a["people"][1].pk})
    with tenant_context(world.cae_a):
        assert not WorkshopRegistration.objects.filter(entrepreneur=setup_a["people"][1]).exists()
    assert me.get(f"/accompagnement/ateliers/{w.pk}/emargement.pdf").status_code == 403
    pdf = client_for(world.cae_a, world.user("counsellor_a")).get(f"/accompagnement/ateliers/{w.pk}/emargement.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_workshop_rules(world, setup_a):
    counsellor_a = world.user("counsellor_a")
    w, people = setup_a["workshop"], setup_a["people"]
    with tenant_context(world.cae_a):
        services.workshop_register(workshop=w, person=people[0], acting_user=counsellor_a)
        services.workshop_register(workshop=w, person=people[1], acting_user=counsellor_a)
        with pytest.raises(AppError, match="complet"):
            services.workshop_register(workshop=w, person=people[2], acting_user=counsellor_a)
        past = Workshop.objects.create(title="Passé", theme="it", site=setup_a["site"],
                                       starts_at=timezone.now() - timedelta(days=1))
        with pytest.raises(AppError, match="déjà eu lieu"):
            services.workshop_register(workshop=past, person=people[2], acting_user=counsellor_a)


def test_first_meeting_starts_the_follow_up(world, setup_a):
    person = setup_a["people"][2]
    client = client_for(world.cae_a, world.user("counsellor_a"))
    when = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/accompagnement/personnes/{person.pk}/entretien/",
                {"held_at": when, "notes": "Projet de graphisme", "next_steps": "Étude de marché",
                 "follow_up_on": (date.today() + timedelta(days=14)).isoformat()})
    with tenant_context(world.cae_a):
        assert Meeting.objects.get(entrepreneur=person).next_steps == "Étude de marché"
        assert Entrepreneur.objects.get(pk=person.pk).stage == Stage.FOLLOW_UP
    bad = client.post(f"/accompagnement/personnes/{person.pk}/entretien/", {"held_at": "pas une date"}, follow=True)
    assert "Date de l&#x27;entretien invalide" in bad.content.decode()


def test_calendar_lists_sessions_and_workshops(world, setup_a):
    html = client_for(world.cae_a, world.user("entrepreneur_a")).get("/accompagnement/").content.decode()
    assert "Trouver ses premiers clients" in html
    html_b = client_for(world.cae_b, world.user("director_b")).get("/accompagnement/").content.decode()
    assert "Trouver ses premiers clients" not in html_b


def test_entrepreneur_sees_only_their_own_record(world, setup_a):
    me, other = setup_a["people"][0], setup_a["people"][1]
    client = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert client.get("/personnes/moi/").status_code == 302
    assert client.get(f"/personnes/{me.pk}/").status_code == 200
    assert client.get(f"/personnes/{other.pk}/").status_code == 404
    assert client.get(f"/personnes/{other.pk}/export.json").status_code == 404
    assert client.get("/personnes/").status_code == 403
    assert client.get("/personnes/parcours/").status_code == 403


def test_staff_of_another_cae_reach_nothing(world, setup_a):
    person, w = setup_a["people"][0], setup_a["workshop"]
    client = client_for(world.cae_b, world.user("director_b"))
    for path in (f"/personnes/{person.pk}/", f"/personnes/{person.pk}/export.json",
                 f"/accompagnement/ateliers/{w.pk}/", f"/accompagnement/ateliers/{w.pk}/emargement.pdf",
                 f"/accompagnement/reunions/{setup_a['session'].pk}/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Nom0" not in response.content


def test_person_export_contains_the_journey(world, setup_a):
    person = setup_a["people"][0]
    data = client_for(world.cae_a, world.user("counsellor_a")).get(f"/personnes/{person.pk}/export.json").json()
    assert data["personne"]["email"] == "p0@exemple.fr"
    assert data["parcours"][0]["numero"] == 1


def test_board_and_list_filters_and_query_counts(world, setup_a, django_assert_max_num_queries):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    with django_assert_max_num_queries(20):
        board = client.get("/personnes/parcours/")
    assert board.status_code == 200 and 'data-count="3"' in board.content.decode()
    assert "Nom1" in client.get("/personnes/?q=nom1").content.decode()
    assert "Nom1" not in client.get("/personnes/?q=nom2").content.decode()
    assert "Prénom0" in client.get("/personnes/?q=prenom0").content.decode(), "accent-insensitive search"


def test_person_form_refuses_bad_input(world, setup_a):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    response = client.post("/personnes/nouvelle/", {"first_name": "A", "last_name": "B", "gender": "F",
                                                    "site": setup_a["site"].pk, "entry_situation": "job_seeker",
                                                    "sector_naf": "6201", "email": "p1@exemple.fr"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Code NAF invalide" in html
    with tenant_context(world.cae_a):
        assert Entrepreneur.objects.count() == 3




def test_sites_page(world, setup_a):
    director = client_for(world.cae_a, world.user("director_a"))
    assert "Reims" in director.get("/personnes/sites/").content.decode()
    bad = director.post("/personnes/sites/", {"name": "Troyes", "kind": "outreach", "city": "Troyes",
                                              "department": "10", "postal_code": "1000"})
    assert bad.status_code == 400 and "Code postal à 5 chiffres" in bad.content.decode()
    director.post("/personnes/sites/", {"name": "Troyes", "kind": "outreach", "city": "Troyes", "department": "10",
                                        "postal_code": "10000"})
    with tenant_context(world.cae_a):
        assert Site.objects.filter(name="Troyes").exists()
    counsellor = client_for(world.cae_a, world.user("counsellor_a"))
    assert counsellor.post("/personnes/sites/", {"name": "X", "kind": "outreach", "city": "X",
                                                 "department": "10"}).status_code == 403
    assert "Reims" not in client_for(world.cae_b, world.user("director_b")).get("/personnes/sites/").content.decode()
