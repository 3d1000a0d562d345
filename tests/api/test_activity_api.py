"""Accountants' invoice endpoints: issued documents only, scope, filters, isolation."""

from datetime import date

import pytest
from django.test import Client

from api.keys.services import apikey_create
from tenants.activity.services import (
    LineInput,
    credit_note_create,
    invoice_create_draft,
    invoice_finalise,
    payment_record,
)
from tests.conftest import tenant_context
from tests.factories import make_customer, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(world):
    with tenant_context(world.cae_a):
        person = make_person()
        customer = make_customer(person, "Client A")
        issued = invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer,
                                                               lines=[LineInput("Conseil", "2", "250")]),
                                  on=date(2026, 3, 2))
        invoice_create_draft(entrepreneur=person, customer=customer, lines=[LineInput("Brouillon", "1", "1")])
        note = invoice_finalise(invoice=credit_note_create(invoice=issued, lines=[LineInput("Remise", "1", "50")]),
                                on=date(2026, 3, 10))
        payment_record(invoice=issued, amount="300", received_on=date(2026, 3, 20))
        _, key = apikey_create(name="Cabinet", scopes=["activity:read"])
        _, people_key = apikey_create(name="RH", scopes=["people:read"])
    return {"issued": issued, "note": note, "key": key, "people_key": people_key}


def api(coop, key):
    return Client(HTTP_HOST=f"{coop.slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_issued_documents_only_with_lines_and_totals(world, books):
    results = api(world.cae_a, books["key"]).get("/api/v1/invoices").json()["results"]
    assert [r["number"] for r in results] == ["F2026-00001", "AV2026-00001"]
    invoice, note = results
    assert invoice["total_incl_vat"] == "600.00" and invoice["lines"][0]["amount"] == "500.00"
    assert note["corrects"] == "F2026-00001" and note["total_incl_vat"] == "-60.00"


def test_filters_and_payments(world, books):
    client = api(world.cae_a, books["key"])
    assert [r["kind"] for r in client.get("/api/v1/invoices?kind=credit_note").json()["results"]] == ["credit_note"]
    assert client.get("/api/v1/invoices?issued_from=2026-03-05").json()["results"][0]["number"] == "AV2026-00001"
    assert client.get("/api/v1/payments").json()["results"][0]["amount"] == "300.00"
    bad = client.get("/api/v1/invoices?issued_from=mars")
    assert bad.status_code == 400 and bad.json()["field"] == "issued_from"


def test_scope_and_isolation(world, books):
    assert api(world.cae_a, books["people_key"]).get("/api/v1/invoices").status_code == 403
    for path in ("/api/v1/invoices", f"/api/v1/invoices/{books['issued'].pk}", "/api/v1/customers",
                 "/api/v1/payments"):
        response = api(world.cae_b, books["key"]).get(path)
        assert response.status_code == 401 and b"Client A" not in response.content
    with tenant_context(world.cae_b):
        _, key_b = apikey_create(name="B", scopes=["activity:read"])
    assert api(world.cae_b, key_b).get(f"/api/v1/invoices/{books['issued'].pk}").status_code == 404
    assert api(world.cae_b, key_b).get("/api/v1/invoices").json()["results"] == []


def test_etags_let_clients_skip_unchanged_pages(world, books):
    client = api(world.cae_a, books["key"])
    first = client.get("/api/v1/invoices")
    etag = first["ETag"]
    assert client.get("/api/v1/invoices", HTTP_IF_NONE_MATCH=etag).status_code == 304
    with tenant_context(world.cae_a):
        issued = books["issued"]
        invoice_finalise(invoice=invoice_create_draft(entrepreneur=issued.entrepreneur, customer=issued.customer,
                                                      lines=[LineInput("Nouveau", "1", "10")]), on=date(2026, 4, 1))
    changed = client.get("/api/v1/invoices", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
