"""People endpoints: scopes, personal fields, filters, cursor pagination, isolation."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from api.keys.services import apikey_create
from tenants.people.journey import EventKind
from tenants.people.models import Site
from tenants.people.services import entrepreneur_create, journey_record_event
from tests.conftest import tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_a(world):
    director_a = world.user("director_a")
    counsellor_a = world.user("counsellor_a")
    with tenant_context(world.cae_a):
        site = Site.objects.create(name="Reims", kind="head_office", city="Reims", department="51")
        people = [entrepreneur_create(site=site, first_name=f"P{i}", last_name=f"Nom{i}", gender="F",
                                      email=f"p{i}@exemple.fr", opened_on=date(2024, 1, 1),
                                      acting_user=counsellor_a) for i in range(7)]
        p = people[0]
        journey_record_event(person=p, kind=EventKind.FOLLOW_UP, on=date(2024, 1, 5),
                             acting_user=counsellor_a)
        journey_record_event(person=p, kind=EventKind.CAPE_SIGNED, on=date(2024, 2, 1), ends_on=date(2025, 1, 31),
                             acting_user=counsellor_a)
        journey_record_event(person=p, kind=EventKind.FIRST_REVENUE, on=date(2024, 3, 1),
                             acting_user=counsellor_a)
        journey_record_event(person=p, kind=EventKind.CESA_SIGNED, on=date(2024, 6, 1),
                             weekly_hours=Decimal("20"), monthly_gross=Decimal("1100"),
                             acting_user=counsellor_a)
        _, people_key = apikey_create(name="Compta", scopes=["people:read"], acting_user=director_a)
        _, personal_key = apikey_create(name="RH", scopes=["people:read", "people:personal"],
                                        acting_user=director_a)
        _, ledger_key = apikey_create(name="Grand livre", scopes=["ledger:read"], acting_user=director_a)
    return {"site": site, "people": people, "people_key": people_key, "personal_key": personal_key,
            "ledger_key": ledger_key}


def api(coop, key):
    return Client(HTTP_HOST=f"{coop.slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_accountant_scope_sees_names_and_contract_dates_only(world, data_a):
    body = api(world.cae_a, data_a["people_key"]).get("/api/v1/people?stage=cesa").json()
    (person,) = body["results"]
    assert person["first_name"] == "P0" and person["stage"] == "cesa"
    assert [c["kind"] for c in person["contracts"]] == ["cape", "cesa"]
    assert set(person["contracts"][1]) == {"id", "kind", "starts_on", "ends_on"}
    assert "email" not in person and "birth_date" not in person


def test_personal_scope_adds_personal_fields(world, data_a):
    pk = data_a["people"][0].pk
    person = api(world.cae_a, data_a["personal_key"]).get(f"/api/v1/people/{pk}").json()
    assert person["email"] == "p0@exemple.fr"


def test_cursor_pagination_and_constant_queries(world, data_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(world.cae_a, data_a["people_key"])
    client.get("/api/v1/people?page_size=1")  # warm-up: last_used_at is written once a minute
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/people?page_size=1")
    with CaptureQueriesContext(connection) as large:
        first = client.get("/api/v1/people?page_size=3").json()
    assert 0 < len(large) == len(small), "the query count does not grow with the page"
    assert len(first["results"]) == 3 and first["next"]
    seen = [p["id"] for p in first["results"]]
    url = first["next"]
    while url:
        page = client.get(url.replace("http://alpha.localhost", "")).json()
        seen += [p["id"] for p in page["results"]]
        url = page["next"]
    assert sorted(seen) == seen and len(seen) == 7


def test_contracts_and_sites(world, data_a):
    client = api(world.cae_a, data_a["people_key"])
    contracts = client.get("/api/v1/contracts?kind=cesa&active_on=2025-01-01").json()["results"]
    assert len(contracts) == 1 and contracts[0]["weekly_hours"] == "20.00"
    assert client.get("/api/v1/contracts?active_on=2023-01-01").json()["results"] == []
    assert client.get("/api/v1/sites?department=51").json()["results"][0]["name"] == "Reims"


def test_bad_filters_and_missing_rows_use_the_error_shape(world, data_a):
    client = api(world.cae_a, data_a["people_key"])
    bad = client.get("/api/v1/people?stage=astronaute")
    assert bad.status_code == 400 and bad.json()["field"] == "stage"
    bad_date = client.get("/api/v1/contracts?active_on=2025-13-45")
    assert bad_date.status_code == 400 and bad_date.json()["field"] == "active_on"
    missing = client.get("/api/v1/people/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_scope_is_required(world, data_a):
    response = api(world.cae_a, data_a["ledger_key"]).get("/api/v1/people")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("path", ["/api/v1/people", "/api/v1/sites", "/api/v1/contracts", "/api/v1/people/1"])
def test_key_of_a_gets_nothing_from_b(world, data_a, path):
    response = api(world.cae_b, data_a["personal_key"]).get(path)
    assert response.status_code == 401
    assert b"Nom0" not in response.content and b"Reims" not in response.content


def test_b_key_sees_only_b(world, data_a):
    with tenant_context(world.cae_b):
        _, key_b = apikey_create(name="B", scopes=["people:read"], acting_user=world.user("director_b"))
    assert api(world.cae_b, key_b).get("/api/v1/people").json()["results"] == []
    assert api(world.cae_b, key_b).get(f"/api/v1/people/{data_a['people'][0].pk}").status_code == 404
