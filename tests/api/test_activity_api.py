"""Accountants' invoice endpoints: issued documents only, scope, filters, isolation."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.keys.services import apikey_create
from tenants.activity.models import Invoice
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
    director_a = world.user("director_a")
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        person = make_person()
        customer = make_customer(person, "Client A")
        issued = invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer,
                                                               lines=[LineInput("Conseil", "2", "250")],
                                                               acting_user=accounts_a),
                                  on=date(2026, 3, 2), acting_user=accounts_a)
        invoice_create_draft(entrepreneur=person, customer=customer, lines=[LineInput("Brouillon", "1", "1")],
                             acting_user=accounts_a)
        note = invoice_finalise(invoice=credit_note_create(invoice=issued, lines=[LineInput("Remise", "1", "50")],
                                                           acting_user=accounts_a),
                                on=date(2026, 3, 10), acting_user=accounts_a)
        payment_record(invoice=issued, amount="300", received_on=date(2026, 3, 20), acting_user=accounts_a)
        _, key = apikey_create(name="Cabinet", scopes=["activity:read"], acting_user=director_a)
        _, people_key = apikey_create(name="RH", scopes=["people:read"], acting_user=director_a)
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
        _, key_b = apikey_create(name="B", scopes=["activity:read"], acting_user=world.user("director_b"))
    assert api(world.cae_b, key_b).get(f"/api/v1/invoices/{books['issued'].pk}").status_code == 404
    assert api(world.cae_b, key_b).get("/api/v1/invoices").json()["results"] == []


def test_etags_let_clients_skip_unchanged_pages(world, books):
    accounts_a = world.user("accounts_a")
    client = api(world.cae_a, books["key"])
    first = client.get("/api/v1/invoices")
    etag = first["ETag"]
    assert client.get("/api/v1/invoices", HTTP_IF_NONE_MATCH=etag).status_code == 304
    with tenant_context(world.cae_a):
        issued = books["issued"]
        invoice_finalise(invoice=invoice_create_draft(entrepreneur=issued.entrepreneur, customer=issued.customer,
                                                      lines=[LineInput("Nouveau", "1", "10")],
                                                      acting_user=accounts_a), on=date(2026, 4, 1),
                         acting_user=accounts_a)
    changed = client.get("/api/v1/invoices", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_updated_since_on_every_activity_list(world, books):
    accounts_a = world.user("accounts_a")
    client = api(world.cae_a, books["key"])
    with tenant_context(world.cae_a):
        mark = timezone.now()
        person = books["issued"].entrepreneur
        late_customer = make_customer(person, "Client tardif")
        late = invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=late_customer,
                                                             lines=[LineInput("Suite", "1", "10")],
                                                             acting_user=accounts_a), on=date(2026, 4, 5),
                                acting_user=accounts_a)
        late_payment = payment_record(invoice=late, amount="12", received_on=date(2026, 4, 6),
                                      acting_user=accounts_a)
    since = {"updated_since": mark.isoformat()}
    assert [r["number"] for r in client.get("/api/v1/invoices", since).json()["results"]] == [late.number]
    assert [r["name"] for r in client.get("/api/v1/customers", since).json()["results"]] == ["Client tardif"]
    payments = client.get("/api/v1/payments", since).json()["results"]
    assert [p["id"] for p in payments] == [late_payment.pk] and payments[0]["recorded_at"] >= mark.isoformat()[:19]
    assert len(client.get("/api/v1/customers").json()["results"]) == 2
    assert client.get("/api/v1/customers", {"entrepreneur": person.pk + 1000}).json()["results"] == []
    assert len(client.get("/api/v1/payments", {"received_to": "2026-03-31"}).json()["results"]) == 1


@pytest.mark.parametrize(("query", "field"), [
    ({"updated_since": "hier"}, "updated_since"), ({"issued_to": "2026-02-30"}, "issued_to"),
    ({"kind": "devis"}, "kind"), ({"entrepreneur": "léa"}, "entrepreneur")])
def test_bad_invoice_filters_get_a_french_400(world, books, query, field):
    bad = api(world.cae_a, books["key"]).get("/api/v1/invoices", query)
    body = bad.json()
    assert bad.status_code == 400 and body["field"] == field and body["code"] in ("invalid", "invalid_choice")
    assert any(word in body["message"] for word in ("Saisissez", "Sélectionnez")), body["message"]


@pytest.mark.parametrize("path", ["/api/v1/customers?updated_since=hier", "/api/v1/payments?updated_since=1er mars",
                                  "/api/v1/payments?received_from=mars"])
def test_bad_filters_on_customers_and_payments(world, books, path):
    bad = api(world.cae_a, books["key"]).get(path)
    assert bad.status_code == 400 and bad.json()["field"] == path.split("?")[1].split("=")[0]


def test_invoice_detail_and_unknown_or_draft_ids(world, books):
    client = api(world.cae_a, books["key"])
    note = client.get(f"/api/v1/invoices/{books['note'].pk}").json()
    assert note["corrects"] == "F2026-00001" and note["lines"][0]["description"] == "Remise"
    with tenant_context(world.cae_a):
        draft = Invoice.objects.get(status="draft")
    for pk in (draft.pk, 999999):
        missing = client.get(f"/api/v1/invoices/{pk}")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"


# The domain and the key (public), the page (and its lines, and for invoices its document-level
# allowances and charges): one SET search_path per schema switch.
@pytest.mark.parametrize(("path", "queries"), [("/api/v1/invoices", 7), ("/api/v1/customers", 5),
                                               ("/api/v1/payments", 5)])
def test_cursor_pages_and_constant_queries(world, books, path, queries):
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        person = books["issued"].entrepreneur
        for i in range(5):
            invoice = invoice_finalise(invoice=invoice_create_draft(
                entrepreneur=person, customer=make_customer(person, f"C{i}"),
                lines=[LineInput("A", "1", "10"), LineInput("B", "2", "5")],
                                                                    acting_user=accounts_a), on=date(2026, 4, 1),
                                       acting_user=accounts_a)
            payment_record(invoice=invoice, amount="5", received_on=date(2026, 4, 2), acting_user=accounts_a)
    client = api(world.cae_a, books["key"])
    client.get(path)  # warm-up: last_used_at is written once a minute
    with CaptureQueriesContext(connection) as small:
        client.get(path, {"page_size": 1})
    with CaptureQueriesContext(connection) as large:
        first = client.get(path, {"page_size": 4}).json()
    assert len(large) == len(small) == queries, [q["sql"][:80] for q in large]
    seen = [r["id"] for r in first["results"]]
    url = first["next"]
    while url:
        page = client.get(url.replace("http://alpha.localhost", "")).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == {"/api/v1/invoices": 7, "/api/v1/customers": 6,
                                                                    "/api/v1/payments": 6}[path]


def test_another_caes_key_reads_none_of_the_new_filters(world, books):
    with tenant_context(world.cae_b):
        _, key_b = apikey_create(name="B", scopes=["activity:read"], acting_user=world.user("director_b"))
    client = api(world.cae_b, key_b)
    for path in ("/api/v1/invoices", "/api/v1/customers", "/api/v1/payments"):
        response = client.get(path, {"updated_since": "2000-01-01T00:00:00Z"})
        assert response.status_code == 200 and response.json()["results"] == [] and b"Client A" not in response.content
