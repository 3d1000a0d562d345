"""/personnes/reglages/: the director edits the CAE's people settings (CESA rule, retention,
reminder lead times); nobody else does, another CAE's session changes nothing anywhere, bad input
writes nothing and names the field, and the reminders follow what was saved."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from essaim.audit.models import AuditEntry
from tenants.people.journey import EventKind
from tenants.people.models import PeopleSettings, Reminder, Site
from tenants.people.services import entrepreneur_create, journey_record_event
from tenants.people.tasks import daily_reminders
from tests.conftest import client_for, tenant_context
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/personnes/reglages/"
GOOD = {"cesa_requires_first_revenue": "non", "retention_years": "8", "cape_warning_days": "45",
        "associate_warning_months": "9"}


def _settings(cooperative):
    with tenant_context(cooperative):
        s = PeopleSettings.current()
        return (s.cesa_requires_first_revenue, s.retention_years, s.cape_warning_days, s.associate_warning_months,
                s.edited_at, AuditEntry.objects.filter(action="people_settings_update").count())


DEFAULTS = (True, 5, 30, 6, None, 0)


def test_the_director_edits_the_settings(world):
    director = client_for(world.cae_a, world.user("director_a"))
    page = director.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="cape_warning_days" value="30"' in html and 'name="associate_warning_months" value="6"' in html
    assert "CAPE : 12 mois au plus, renouvelable 2 fois." in html
    response = director.post(URL, GOOD, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Réglages des parcours enregistrés" in response.content.decode()
    saved = _settings(world.cae_a)
    assert saved[:4] == (False, 8, 45, 9) and saved[4] is not None and saved[5] == 1
    with tenant_context(world.cae_a):
        entry = AuditEntry.objects.get(action="people_settings_update")
        assert entry.actor_id == world.user("director_a").pk
        assert entry.details["cape_warning_days"] == {"avant": 30, "apres": 45}
    assert "Modifiés par la CAE le" in response.content.decode()
    assert "9, 6, 3, 1 mois avant l'échéance du sociétariat" in response.content.decode()
    assert _settings(world.cae_b) == DEFAULTS  # the other CAE's row is its own


@pytest.mark.parametrize("role", ["counsellor_a", "accounts_a", "entrepreneur_a"])
def test_only_the_director(world, role):
    client = client_for(world.cae_a, world.user(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, GOOD).status_code == 403
    assert _settings(world.cae_a) == DEFAULTS


def test_anonymous_visitors_are_sent_to_login(world, db):
    client = client_for(world.cae_a)
    for response in (client.get(URL), client.post(URL, GOOD)):
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    assert _settings(world.cae_a) == DEFAULTS


@pytest.mark.parametrize("intruder", ["director_b", "counsellor_b", "entrepreneur_b"])
def test_a_user_of_another_cae_changes_nothing(world, intruder):
    own = client_for(world.cae_b, world.user(intruder))
    # their session replayed on CAE A's host is logged out; the page is never served there
    attacker = Client(HTTP_HOST=f"{world.cae_a.slug}.localhost")
    attacker.cookies["essaim_session"] = own.cookies["essaim_session"].value
    for response in (attacker.get(URL), attacker.post(URL, GOOD)):
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith("/connexion/")
        assert 'name="cape_warning_days"' not in response.content.decode()
    # and they cannot sign in on CAE A's host at all, right password or not
    signing_in = Client(HTTP_HOST=f"{world.cae_a.slug}.localhost")
    signing_in.post("/connexion/", {"username": world.user(intruder).email, "password": PASSWORD})
    assert signing_in.get(URL).status_code in (302, 403)
    assert _settings(world.cae_a) == DEFAULTS
    assert _settings(world.cae_b) == DEFAULTS


def test_cae_b_director_edits_cae_b_only(world):
    client_for(world.cae_a, world.user("director_a")).post(URL, GOOD)
    response = client_for(world.cae_b, world.user("director_b")).post(URL, {**GOOD, "cape_warning_days": "14"})
    assert response.status_code == 302
    assert _settings(world.cae_a)[:4] == (False, 8, 45, 9)
    assert _settings(world.cae_b)[:4] == (False, 8, 14, 9)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("cape_warning_days", "6", "« Rappel avant la fin d&#x27;un CAPE (jours) » : indiquez un nombre entier de jours, "
                               "de 7 à 90."),
    ("cape_warning_days", "91", "de 7 à 90"),
    ("cape_warning_days", "", "de 7 à 90"),
    ("cape_warning_days", "30,5", "de 7 à 90"),
    ("cape_warning_days", "٣٠", "de 7 à 90"),
    ("cape_warning_days", "-30", "de 7 à 90"),
    ("associate_warning_months", "0", "« Premier rappel avant l&#x27;échéance du sociétariat (mois) » : indiquez un "
                                      "nombre entier de mois, de 1 à 12."),
    ("associate_warning_months", "13", "de 1 à 12"),
    ("associate_warning_months", "six", "de 1 à 12"),
    ("retention_years", "31", "« Durée de conservation après la sortie (années) » : indiquez un nombre entier "
                              "d&#x27;années, de 1 à 30."),
    ("retention_years", "0", "de 1 à 30"),
    ("cesa_requires_first_revenue", "peut-être", "« Un CESA suppose un premier chiffre d&#x27;affaires » : répondez "
                                                 "oui ou non."),
    ("cesa_requires_first_revenue", None, "répondez oui ou non"),
])
def test_bad_input_names_the_field_and_writes_nothing(world, field, value, message):
    director = client_for(world.cae_a, world.user("director_a"))
    data = {**GOOD, field: value}
    if value is None:
        del data[field]
    response = director.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # the page keeps what was typed, so the director corrects one field
    assert f'name="retention_years" value="{data.get("retention_years", "")}"' in html
    assert _settings(world.cae_a) == DEFAULTS


def test_the_service_refuses_out_of_range_values_too(world):
    director_a = world.user("director_a")
    from essaim.core.errors import AppError
    from tenants.people.services import people_settings_update

    with tenant_context(world.cae_a):
        with pytest.raises(AppError) as caught:
            people_settings_update(retention_years=8, cape_warning_days=120, acting_user=director_a)
        assert caught.value.code == "people_settings_invalid" and caught.value.field == "cape_warning_days"
        assert "« Rappel avant la fin d'un CAPE (jours) »" in caught.value.message
        with pytest.raises(AppError) as caught:
            people_settings_update(edited_at=None, acting_user=director_a)
        assert caught.value.code == "people_settings_field"
    assert _settings(world.cae_a) == DEFAULTS  # not even the valid retention_years


def test_the_reminders_follow_the_saved_lead_time(world):
    counsellor_a = world.user("counsellor_a")
    client_for(world.cae_a, world.user("director_a")).post(URL, {**GOOD, "cape_warning_days": "60"})
    with tenant_context(world.cae_a):
        site = Site.objects.create(name="Siège", kind="head_office", city="Reims", department="51")
        person = entrepreneur_create(site=site, first_name="Inès", last_name="Roux", gender="F",
                                     opened_on=date(2024, 9, 1), counsellor=world.user("counsellor_a"),
                                     acting_user=counsellor_a)
        journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2024, 9, 20),
                             acting_user=counsellor_a)
        journey_record_event(person=person, kind=EventKind.CAPE_SIGNED, on=date(2024, 10, 1),
                             ends_on=date(2025, 9, 30), acting_user=counsellor_a)
        assert daily_reminders.run("2025-07-31") == 0
        assert daily_reminders.run("2025-08-01") == 1  # 60 days before 30/09, not 30
        assert Reminder.objects.get().due_on == date(2025, 8, 1)
        # the CESA rule saved on the page applies too: no first revenue needed
        journey_record_event(person=person, kind=EventKind.CESA_SIGNED, on=date(2025, 9, 1),
                             weekly_hours=Decimal("10"), monthly_gross=Decimal("600.00"),
                             acting_user=counsellor_a)


def test_links_to_the_page(world, db):
    director = client_for(world.cae_a, world.user("director_a"))
    counsellor = client_for(world.cae_a, world.user("counsellor_a"))
    for path in ("/personnes/", "/personnes/sites/", "/modeles/reglages/"):
        assert f'href="{URL}"' in director.get(path).content.decode(), path
        assert f'href="{URL}"' not in counsellor.get(path).content.decode(), path
    catalogue = director.get("/modeles/reglages/").content.decode()
    assert "aucune page" not in catalogue
    assert re.search(r'data-setting="cape_warning_days">30 jours avant<', catalogue)
    assert re.search(r'data-setting="associate_warning_months">6, 3, 1 mois avant<', catalogue)
    assert "La direction les modifie." in counsellor.get("/modeles/reglages/").content.decode()
    director.post(URL, GOOD)
    catalogue = director.get("/modeles/reglages/").content.decode()
    assert re.search(r'data-setting="cape_warning_days">45 jours avant<', catalogue)
    assert re.search(r'data-setting="associate_warning_months">9, 6, 3, 1 mois avant<', catalogue)
    assert "Modifiés par la CAE le" in catalogue
