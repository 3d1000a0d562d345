"""Accountants' quotes endpoint: sent quotes only (never drafts), with lines, totals, state and
filters; `updated_since` sees acceptances and refusals; scope and isolation; the OpenAPI schema
documents every field and filter."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.keys.services import apikey_create
from tenants.activity.quotes import quote_accept, quote_create, quote_refuse, quote_send
from tenants.activity.services import LineInput
from tests.conftest import tenant_context
from tests.factories import make_customer, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def quotes(world):
    director_a = world.user("director_a")
    with tenant_context(world.cae_a):
        person = make_person()
        customer = make_customer(person, "Client Devis A", siren="732829320")

        def sent(on, *lines, **kwargs):
            return quote_send(quote=quote_create(entrepreneur=person, customer=customer, lines=list(lines),
                                              acting_user=world.user("accounts_a"), **kwargs),
                              on=on, acting_user=world.user("accounts_a"))

        today = date.today()
        expired = sent(today - timedelta(days=10), LineInput("Atelier", "1", "100"),
                       valid_until=today - timedelta(days=1))
        first = sent(today, LineInput("Conseil", "2.5", "333.33"), LineInput("Livre", "3", "9.99", "5.50"),
                     subject="Identité visuelle")
        quote_create(entrepreneur=person, customer=customer, lines=[LineInput("Brouillon", "1", "1")],
                     acting_user=world.user("accounts_a"))
        _, key = apikey_create(name="Cabinet", scopes=["activity:read"], acting_user=director_a)
        _, people_key = apikey_create(name="RH", scopes=["people:read"], acting_user=director_a)
    return {"person": person, "first": first, "expired": expired, "key": key, "people_key": people_key,
            "sent": sent}


def api(coop, key):
    return Client(HTTP_HOST=f"{coop.slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_sent_quotes_only_with_lines_totals_and_state(world, quotes):
    results = api(world.cae_a, quotes["key"]).get("/api/v1/quotes").json()["results"]
    assert [r["number"] for r in results] == [quotes["expired"].number, quotes["first"].number]
    expired, first = results
    # 833.33 (2.5 × 333.33 = 833.325 → 833.33) at 20 % + 29.97 at 5.5 %
    assert (first["total_excl_vat"], first["total_vat"], first["total_incl_vat"]) == ("863.30", "168.32", "1031.62")
    assert [line["amount"] for line in first["lines"]] == ["833.33", "29.97"]
    assert first["subject"] == "Identité visuelle" and first["status"] == "sent" and first["expired"] is False
    assert first["valid_until"] == (date.today() + timedelta(days=30)).isoformat() and first["decided_on"] is None
    assert expired["expired"] is True and expired["status"] == "sent"
    detail = api(world.cae_a, quotes["key"]).get(f"/api/v1/quotes/{quotes['first'].pk}").json()
    assert detail == first


def test_filters_and_updated_since_see_the_decisions(world, quotes):
    accounts_a = world.user("accounts_a")
    client = api(world.cae_a, quotes["key"])
    first, expired = quotes["first"].number, quotes["expired"].number
    assert [r["number"] for r in client.get("/api/v1/quotes", {"expired": "true"}).json()["results"]] == [expired]
    assert [r["number"] for r in client.get("/api/v1/quotes", {"expired": "false"}).json()["results"]] == [first]
    since = quotes["first"].issued_on.isoformat()
    assert [r["number"] for r in client.get("/api/v1/quotes", {"issued_from": since}).json()["results"]] == [first]
    mark = timezone.now()
    today = date.today()
    with tenant_context(world.cae_a):
        quote_accept(quote=quotes["first"], on=today, acting_user=accounts_a)
        quote_refuse(quote=quotes["expired"], on=today, acting_user=accounts_a)
        third = quotes["sent"](today, LineInput("Suite", "1", "10"))
    changed = client.get("/api/v1/quotes", {"updated_since": mark.isoformat()}).json()["results"]
    assert [(r["number"], r["status"]) for r in changed] == [
        (expired, "refused"), (first, "accepted"), (third.number, "sent")]
    assert changed[1]["decided_on"] == today.isoformat() and changed[1]["updated_at"] >= mark.isoformat()[:19]
    assert [r["number"] for r in client.get("/api/v1/quotes", {"status": "refused"}).json()["results"]] == [expired]
    assert client.get("/api/v1/quotes", {"entrepreneur": quotes["person"].pk + 1000}).json()["results"] == []


@pytest.mark.parametrize(("query", "field"), [
    ({"status": "draft"}, "status"), ({"status": "devis"}, "status"), ({"issued_to": "2026-02-30"}, "issued_to"),
    ({"updated_since": "hier"}, "updated_since"), ({"expired": "peut-être"}, "expired"),
    ({"entrepreneur": "léa"}, "entrepreneur")])
def test_bad_filters_get_a_french_400(world, quotes, query, field):
    bad = api(world.cae_a, quotes["key"]).get("/api/v1/quotes", query)
    assert bad.status_code == 400 and bad.json()["field"] == field


def test_drafts_unknown_ids_scope_and_isolation(world, quotes):
    from tenants.activity.models import Quote

    client = api(world.cae_a, quotes["key"])
    with tenant_context(world.cae_a):
        draft = Quote.objects.get(status="draft")
    for pk in (draft.pk, 999999):
        missing = client.get(f"/api/v1/quotes/{pk}")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert api(world.cae_a, quotes["people_key"]).get("/api/v1/quotes").status_code == 403
    for path in ("/api/v1/quotes", f"/api/v1/quotes/{quotes['first'].pk}"):
        response = api(world.cae_b, quotes["key"]).get(path)
        assert response.status_code == 401 and b"Client Devis A" not in response.content
    with tenant_context(world.cae_b):
        _, key_b = apikey_create(name="B", scopes=["activity:read"], acting_user=world.user("director_b"))
    other = api(world.cae_b, key_b)
    assert other.get(f"/api/v1/quotes/{quotes['first'].pk}").status_code == 404
    listing = other.get("/api/v1/quotes", {"updated_since": "2000-01-01T00:00:00Z"})
    assert listing.status_code == 200 and listing.json()["results"] == [] and b"Client Devis A" not in listing.content


def test_constant_queries_whatever_the_page_size(world, quotes):
    with tenant_context(world.cae_a):
        for _ in range(4):
            quotes["sent"](date.today(), LineInput("A", "1", "10"), LineInput("B", "2", "5"))
    client = api(world.cae_a, quotes["key"])
    client.get("/api/v1/quotes")  # warm-up: last_used_at is written once a minute
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/quotes", {"page_size": 1})
    with CaptureQueriesContext(connection) as large:
        page = client.get("/api/v1/quotes", {"page_size": 5}).json()
    assert len(large) == len(small) and len(page["results"]) == 5 and page["next"]


def test_the_schema_documents_every_field_and_filter(world):
    spec = Client(HTTP_HOST=f"{world.cae_a.slug}.localhost").get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/v1/quotes", "/api/v1/quotes/{id}"):
        operation = spec["paths"][path]["get"]
        assert operation["security"] == [{"CleApi": []}], path
        assert all(parameter.get("description") for parameter in operation.get("parameters", [])), path
    filters = {p["name"] for p in spec["paths"]["/api/v1/quotes"]["get"]["parameters"]}
    assert {"status", "expired", "issued_from", "issued_to", "entrepreneur", "updated_since", "cursor",
            "page_size"} <= filters
    components = spec["components"]["schemas"]
    for name in ("Quote", "QuoteLine"):
        undocumented = [prop for prop, schema in components[name]["properties"].items()
                        if not schema.get("description")]
        assert not undocumented, (name, undocumented)
    assert "country" in components["Customer"]["properties"]
