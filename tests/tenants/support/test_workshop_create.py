"""Scheduling a workshop through its page, from the CAE's catalogue or not: the model prefills what
both have (title, theme, duration, places, description), its theme label is shown and mapped onto
the workshop's fixed themes; bad input writes nothing; only the CAE's director and counsellors
schedule, and another CAE's models are out of reach."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from essaim.audit.models import AuditEntry
from tenants.catalogue.models import WorkshopModel
from tenants.catalogue.selectors import workshop_theme_from_catalogue
from tenants.people.models import Site
from tenants.support.models import Workshop
from tests.conftest import client_for, tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue_a(world):
    with tenant_context(world.cae_a):
        site = Site.objects.create(name="Reims", kind="head_office", city="Reims", department="51")
        closed = Site.objects.create(name="Ancienne antenne", kind="branch", city="Sedan", department="08",
                                     is_active=False)
        model = WorkshopModel.objects.create(key="prospection", title="Prospecter ses premiers clients",
                                             theme="sales", duration_minutes=150, capacity=10,
                                             description="Cibler, contacter, relancer.")
    return {"site": site, "closed": closed, "model": model}


def _when(days=7) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _post(site_, **extra):
    data = {"title": "Gérer sa trésorerie", "theme": "management", "starts_at": _when(), "duration_minutes": "180",
            "site": site_.pk, "capacity": "12", "description": "", "open_to_self_registration": "on"}
    data.update(extra)
    return data


def test_a_catalogue_model_prefills_the_form(world, catalogue_a):
    model = catalogue_a["model"]
    client = client_for(world.cae_a, world.user("counsellor_a"))
    html = client.get("/accompagnement/ateliers/nouveau/", {"modele": model.pk}).content.decode()
    assert 'name="title" value="Prospecter ses premiers clients"' in html
    assert 'name="duration_minutes" value="150"' in html and 'name="capacity" value="10"' in html
    assert re.search(r'<option value="sales" selected>Commercial</option>', html)
    assert "Cibler, contacter, relancer.</textarea>" in html
    assert f'name="catalogue_model" value="{model.pk}"' in html
    assert "thème du catalogue : Commercial" in html


def test_scheduling_from_the_catalogue_creates_the_workshop(world, catalogue_a):
    model, site = catalogue_a["model"], catalogue_a["site"]
    client = client_for(world.cae_a, world.user("director_a"))
    response = client.post("/accompagnement/ateliers/nouveau/", _post(
        site, title="Prospecter ses premiers clients", theme="sales", duration_minutes="150", capacity="10",
        description="Cibler, contacter, relancer.", catalogue_model=model.pk,
        facilitator_staff=world.user("counsellor_a").pk))
    assert response.status_code == 302
    with tenant_context(world.cae_a):
        workshop = Workshop.objects.get()
        assert response["Location"] == f"/accompagnement/ateliers/{workshop.pk}/"
        assert (workshop.title, workshop.theme, workshop.duration_minutes, workshop.capacity, workshop.site_id,
                workshop.facilitator_staff_id) == ("Prospecter ses premiers clients", "sales", 150, 10, site.pk,
                                                   world.user("counsellor_a").pk)
        entry = AuditEntry.objects.get(action="workshop_create")
        assert entry.details == {"catalogue_model": "prospection"} and entry.actor_id == world.user("director_a").pk
    assert "Prospecter ses premiers clients" in client.get("/accompagnement/", {
        "du": timezone.localdate().isoformat(), "au": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }).content.decode()


def test_scheduling_without_the_catalogue(world, catalogue_a):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    assert client.post("/accompagnement/ateliers/nouveau/", _post(catalogue_a["site"])).status_code == 302
    with tenant_context(world.cae_a):
        assert Workshop.objects.get().title == "Gérer sa trésorerie"
        assert AuditEntry.objects.get(action="workshop_create").details == {}


def test_a_catalogue_theme_outside_the_workshop_themes_becomes_other(world, catalogue_a):
    assert workshop_theme_from_catalogue("legal") == "legal"
    assert workshop_theme_from_catalogue("coaching") == "other"
    with tenant_context(world.cae_a):
        # written outside the forms (an older template, SQL): the catalogue keeps its own label
        odd = WorkshopModel.objects.create(key="coaching", title="Coaching collectif", theme="coaching")
    html = client_for(world.cae_a, world.user("counsellor_a")).get(
        "/accompagnement/ateliers/nouveau/", {"modele": odd.pk}).content.decode()
    assert re.search(r'<option value="other" selected>Autre</option>', html)
    assert "thème du catalogue : coaching" in html and "Thème retenu pour l'atelier : Autre" in html


@pytest.mark.parametrize(("change", "message"), [
    ({"starts_at": "hier"}, "Saisissez une date et une heure valides."),
    ({"starts_at": (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")},
     "Un atelier se programme à une date à venir."),
    ({"capacity": "0"}, "supérieure ou égale à 1"),
    ({"duration_minutes": "5000"}, "inférieure ou égale à 1440"),
    ({"theme": "astrologie"}, "Sélectionnez un choix valide"),
    ({"title": "  "}, "Ce champ est obligatoire."),
    ({"site": "999999"}, "Sélectionnez un choix valide"),
    ({"catalogue_model": "999999"}, "Ce modèle n&#x27;est pas au catalogue des ateliers de la CAE."),
    ({"facilitator_staff": "999999"}, "Sélectionnez un choix valide"),
])
def test_bad_input_writes_nothing(world, catalogue_a, change, message):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    response = client.post("/accompagnement/ateliers/nouveau/", _post(catalogue_a["site"], **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(world.cae_a):
        assert not Workshop.objects.exists()
        assert not AuditEntry.objects.filter(action="workshop_create").exists()


def test_an_inactive_site_or_another_cae_facilitator_is_refused(world, catalogue_a):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    for change in ({"site": catalogue_a["closed"].pk}, {"facilitator_staff": world.user("director_b").pk},
                   {"facilitator_staff": world.user("entrepreneur_a").pk}):
        assert client.post("/accompagnement/ateliers/nouveau/", _post(catalogue_a["site"], **change)).status_code == 400
    with tenant_context(world.cae_a):
        assert not Workshop.objects.exists()


def test_unknown_or_junk_models_are_404(world, catalogue_a):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    for value in ("999999", "abc", "-1", "99999999999999999999"):
        assert client.get("/accompagnement/ateliers/nouveau/", {"modele": value}).status_code == 404, value


@pytest.mark.parametrize(("role", "status"), [("director_a", 200), ("counsellor_a", 200), ("accounts_a", 403),
                                              ("entrepreneur_a", 403)])
def test_who_schedules(world, catalogue_a, role, status):
    client = client_for(world.cae_a, world.user(role))
    assert client.get("/accompagnement/ateliers/nouveau/").status_code == status
    assert client.post("/accompagnement/ateliers/nouveau/", _post(catalogue_a["site"])).status_code == (
        302 if status == 200 else 403)
    with tenant_context(world.cae_a):
        assert Workshop.objects.exists() is (status == 200)
    calendar = client.get("/accompagnement/").content.decode()
    assert ('href="/accompagnement/ateliers/nouveau/"' in calendar) is (status == 200)


def test_another_cae_reaches_neither_the_models_nor_the_page(world, catalogue_a):
    model = catalogue_a["model"]
    client_b = client_for(world.cae_b, world.user("director_b"))
    response = client_b.get("/accompagnement/ateliers/nouveau/", {"modele": model.pk})
    assert response.status_code == 404 and "Prospecter" not in response.content.decode()
    page = client_b.get("/accompagnement/ateliers/nouveau/").content.decode()
    assert "Prospecter ses premiers clients" not in page and "Le catalogue des ateliers de la CAE est vide." in page
    with tenant_context(world.cae_b):
        site_b = Site.objects.create(name="Avignon", kind="head_office", city="Avignon", department="84")
    refused = client_b.post("/accompagnement/ateliers/nouveau/", _post(site_b, catalogue_model=model.pk))
    assert refused.status_code == 400
    # CAE A's site id is not a site of CAE B either
    assert client_b.post("/accompagnement/ateliers/nouveau/", _post(catalogue_a["site"])).status_code in (400, 302)
    with tenant_context(world.cae_a):
        assert not Workshop.objects.exists()
