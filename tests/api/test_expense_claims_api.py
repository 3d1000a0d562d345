"""Expense claims over the API: lines, totals, dates, receipts flagged (never served), filters,
incremental sync, cursor pages, scope and isolation."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.keys.services import apikey_create
from tenants.activity.expenses import (
    ExpenseInput,
    expense_approve,
    expense_reimburse,
    expense_reject,
    expense_submit,
)
from tests.conftest import tenant_context
from tests.factories import make_person

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%fake receipt\n"
DAY = date.today() - timedelta(days=3)


def receipt():
    return SimpleUploadedFile("billet.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def claims(world):
    director_a = world.user("director_a")
    accounts_a = world.user("accounts_a")
    entrepreneur_a = world.user("entrepreneur_a")
    with tenant_context(world.cae_a):
        person = make_person()
        paid = expense_submit(entrepreneur=person, lines=[
            ExpenseInput(DAY, "travel", "Train Reims–Paris", "60.00", "10.00", receipt()),
            ExpenseInput(DAY, "supplies", "Papeterie", "24.00", "4.00")], acting_user=entrepreneur_a)
        expense_approve(claim=paid, acting_user=accounts_a)
        expense_reimburse(claim=paid, on=DAY, acting_user=accounts_a)
        refused = expense_submit(entrepreneur=person, lines=[ExpenseInput(DAY, "meals", "Dîner", "45.50")],
                                 acting_user=entrepreneur_a)
        expense_reject(claim=refused, reason="Repas non professionnel", acting_user=accounts_a)
        pending = expense_submit(entrepreneur=person, lines=[ExpenseInput(DAY, "software", "Abonnement", "12.00",
                                                                          "2.00", receipt())],
                                 acting_user=entrepreneur_a)
        _, key = apikey_create(name="Cabinet", scopes=["activity:read"], acting_user=director_a)
        _, ledger_key = apikey_create(name="Grand livre", scopes=["ledger:read"], acting_user=director_a)
    return {"person": person, "paid": paid, "refused": refused, "pending": pending, "key": key,
            "ledger_key": ledger_key}


def api(coop, key):
    return Client(HTTP_HOST=f"{coop.slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_claims_with_lines_totals_dates_and_receipt_flags(world, claims):
    results = api(world.cae_a, claims["key"]).get("/api/v1/expense-claims").json()["results"]
    paid, refused, pending = results
    assert [c["id"] for c in results] == [claims[k].pk for k in ("paid", "refused", "pending")]
    assert paid["status"] == "reimbursed" and paid["reimbursed_on"] == DAY.isoformat()
    assert (paid["total_excl_vat"], paid["total_vat"], paid["total_incl_vat"]) == ("70.00", "14.00", "84.00")
    assert paid["receipt_count"] == 1 and paid["decided_at"] and paid["entrepreneur_id"] == claims["person"].pk
    travel, supplies = paid["lines"]
    assert travel == {"id": travel["id"], "spent_on": DAY.isoformat(), "category": "travel",
                      "description": "Train Reims–Paris", "account": "6251", "amount_excl_vat": "50.00",
                      "vat_amount": "10.00", "amount_incl_vat": "60.00", "has_receipt": True}
    assert supplies["has_receipt"] is False and supplies["account"] == "6064"
    assert refused["status"] == "rejected" and refused["rejection_reason"] == "Repas non professionnel"
    assert refused["total_excl_vat"] == "45.50" and refused["receipt_count"] == 0 and refused["reimbursed_on"] is None
    assert pending["status"] == "submitted" and pending["decided_at"] is None and pending["receipt_count"] == 1
    assert pending["updated_at"] == pending["submitted_at"]


def test_receipt_contents_are_never_served(world, claims):
    client = api(world.cae_a, claims["key"])
    for path in ("/api/v1/expense-claims", f"/api/v1/expense-claims/{claims['paid'].pk}"):
        body = client.get(path).content
        assert b"%PDF" not in body and b"receipts/" not in body and b".pdf" not in body


def test_detail_and_missing(world, claims):
    client = api(world.cae_a, claims["key"])
    detail = client.get(f"/api/v1/expense-claims/{claims['refused'].pk}").json()
    assert detail["status"] == "rejected" and [line["description"] for line in detail["lines"]] == ["Dîner"]
    missing = client.get("/api/v1/expense-claims/999999")
    assert missing.status_code == 404 and missing.json() == {"code": "not_found", "field": None,
                                                             "message": "Ressource introuvable."}


def test_filters_by_status_dates_and_entrepreneur(world, claims):
    client = api(world.cae_a, claims["key"])

    def ids(**query):
        response = client.get("/api/v1/expense-claims", query)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["results"]]

    assert ids(status="rejected") == [claims["refused"].pk]
    today = timezone.localdate().isoformat()
    assert len(ids(submitted_from=today, submitted_to=today)) == 3
    assert ids(submitted_to=(timezone.localdate() - timedelta(days=1)).isoformat()) == []
    assert ids(reimbursed_from=DAY.isoformat(), reimbursed_to=DAY.isoformat()) == [claims["paid"].pk]
    assert ids(entrepreneur=claims["person"].pk + 1000) == []


def test_updated_since_sees_decisions_and_reimbursements(world, claims):
    accounts_a = world.user("accounts_a")
    client = api(world.cae_a, claims["key"])
    with tenant_context(world.cae_a):
        mark = timezone.now()
        expense_approve(claim=claims["pending"], acting_user=accounts_a)
    since = client.get("/api/v1/expense-claims", {"updated_since": mark.isoformat()}).json()["results"]
    assert [c["id"] for c in since] == [claims["pending"].pk] and since[0]["updated_at"] == since[0]["decided_at"]
    with tenant_context(world.cae_a):
        later = timezone.now()
        # Reimbursed "on" a past day, recorded now: the sync must still see it.
        expense_reimburse(claim=claims["pending"], on=DAY, acting_user=accounts_a)
    since = client.get("/api/v1/expense-claims", {"updated_since": later.isoformat()}).json()["results"]
    assert [(c["id"], c["status"]) for c in since] == [(claims["pending"].pk, "reimbursed")]
    assert since[0]["updated_at"] > since[0]["decided_at"]
    assert client.get("/api/v1/expense-claims", {"updated_since": timezone.now().isoformat()}).json()["results"] == []


@pytest.mark.parametrize(("query", "field", "word"), [
    ({"status": "payée"}, "status", "Sélectionnez un choix valide"),
    ({"submitted_from": "hier"}, "submitted_from", "Saisissez une date valide"),
    ({"reimbursed_to": "2026-13-01"}, "reimbursed_to", "Saisissez une date valide"),
    ({"updated_since": "lundi"}, "updated_since", "Saisissez une date et une heure valides"),
    ({"entrepreneur": "x"}, "entrepreneur", "Saisissez un nombre")])
def test_bad_parameters_get_a_french_400(world, claims, query, field, word):
    bad = api(world.cae_a, claims["key"]).get("/api/v1/expense-claims", query)
    body = bad.json()
    assert bad.status_code == 400 and body["field"] == field and word in body["message"], body
    assert set(body) == {"code", "field", "message", "errors"}


def test_cursor_pages_and_constant_queries(world, claims):
    with tenant_context(world.cae_a):
        for i in range(4):
            expense_submit(entrepreneur=claims["person"], lines=[
                ExpenseInput(DAY, "other", f"Dépense {i}", "10.00", "0", receipt()),
                ExpenseInput(DAY, "travel", f"Taxi {i}", "20.00", "2.00")],
                           acting_user=world.user("entrepreneur_a"))
    client = api(world.cae_a, claims["key"])
    client.get("/api/v1/expense-claims")  # warm-up: last_used_at is written once a minute
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/expense-claims", {"page_size": 1})
    with CaptureQueriesContext(connection) as large:
        first = client.get("/api/v1/expense-claims", {"page_size": 5}).json()
    # The domain, the key, the page (totals by subqueries), its lines; one SET search_path per schema switch.
    assert len(large) == len(small) == 6, [q["sql"][:80] for q in large]
    seen = [c["id"] for c in first["results"]]
    assert len(seen) == 5 and first["next"]
    page = client.get(first["next"].replace("http://alpha.localhost", "")).json()
    seen += [c["id"] for c in page["results"]]
    assert page["next"] is None and seen == sorted(seen) and len(set(seen)) == 7


def test_scope_and_isolation(world, claims):
    pk = claims["paid"].pk
    denied = api(world.cae_a, claims["ledger_key"]).get("/api/v1/expense-claims")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    assert api(world.cae_a, claims["ledger_key"]).get(f"/api/v1/expense-claims/{pk}").status_code == 403
    for path in ("/api/v1/expense-claims", f"/api/v1/expense-claims/{pk}"):
        response = api(world.cae_b, claims["key"]).get(path)
        assert response.status_code == 401 and b"Train" not in response.content
    with tenant_context(world.cae_b):
        _, key_b = apikey_create(name="B", scopes=["activity:read"], acting_user=world.user("director_b"))
    client_b = api(world.cae_b, key_b)
    assert client_b.get(f"/api/v1/expense-claims/{pk}").status_code == 404
    listed = client_b.get("/api/v1/expense-claims", {"updated_since": "2000-01-01T00:00:00Z"})
    assert listed.json()["results"] == [] and b"Train" not in listed.content
