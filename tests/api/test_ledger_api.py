"""Trial balance and FEC export jobs over the API: queued through the real broker, run in the
CAE's schema, downloadable by that CAE's key only."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.keys.services import apikey_create
from tenants.activity.expenses import ExpenseInput, expense_approve, expense_submit
from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise, payment_record
from tenants.ledger.fec import fec_validate
from tenants.ledger.models import Entry, FecExport
from tenants.ledger.tasks import fec_export
from tests.conftest import tenant_context
from tests.factories import make_customer, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(world):
    director_a = world.user("director_a")
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        person = make_person()
        invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=make_customer(person),
                                                      lines=[LineInput("Conseil", "1", "800")],
                                                      acting_user=accounts_a), on=date(2026, 2, 2),
                         acting_user=accounts_a)
        _, key = apikey_create(name="Cabinet", scopes=["ledger:read"], acting_user=director_a)
        _, other_scope = apikey_create(name="Ventes", scopes=["activity:read"], acting_user=director_a)
    return {"key": key, "other_scope": other_scope}


def api(coop, key):
    return Client(HTTP_HOST=f"{coop.slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_trial_balance(world, books):
    from tenants.catalogue.models import AccountLabel

    with tenant_context(world.cae_a):
        AccountLabel.objects.create(number="706", label="Prestations des entrepreneur·es")
    rows = {r["account"]: r for r in api(world.cae_a, books["key"]).get("/api/v1/trial-balance?year=2026").json()}
    assert rows["706"]["credit"] == "800.00" and rows["411"]["debit"] == "960.00"
    assert rows["706"]["label"] == "Prestations des entrepreneur·es", "the CAE's chart of accounts first"
    assert rows["411"]["label"] == "Clients", "else the built-in label"
    assert set(rows["706"]) == {"account", "label", "debit", "credit", "balance"}
    bad = api(world.cae_a, books["key"]).get("/api/v1/trial-balance?year=deux-mille")
    assert bad.status_code == 400 and bad.json()["field"] == "year"


def test_fec_export_job_start_poll_download(world, books, django_capture_on_commit_callbacks):
    client = api(world.cae_a, books["key"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = client.post("/api/v1/fec-exports", {"year": 2026}, content_type="application/json")
    assert started.status_code == 202 and started.json()["status"] == "pending"
    assert len(callbacks) == 1, "the task is queued once the job row is committed"
    job_id = started.json()["id"]
    with tenant_context(world.cae_a):  # what the worker does, in the CAE's schema
        assert fec_export.run(job_id) == "done"
    polled = client.get(f"/api/v1/fec-exports/{job_id}").json()
    assert polled["status"] == "done" and polled["lines"] == 3
    download = client.get(polled["download"])
    body = b"".join(download.streaming_content).decode()
    assert fec_validate(body.splitlines(keepends=True), year=2026) == []
    assert download["Content-Disposition"].endswith(f'{world.cae_a.siren}FEC20261231.txt"')


def test_fec_export_refuses_bad_input_and_other_keys(world, books):
    client = api(world.cae_a, books["key"])
    bad = client.post("/api/v1/fec-exports", {"year": 1999}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "year"
    assert api(world.cae_a, books["other_scope"]).post("/api/v1/fec-exports", {"year": 2026},
                                                       content_type="application/json").status_code == 403
    with tenant_context(world.cae_a):
        assert not FecExport.objects.exists()
        export = FecExport.objects.create(year=2026)
        fec_export.run(export.pk)
    for path in (f"/api/v1/fec-exports/{export.pk}", f"/api/v1/fec-exports/{export.pk}/file", "/api/v1/trial-balance"):
        assert api(world.cae_b, books["key"]).get(path).status_code == 401
    with tenant_context(world.cae_b):
        _, key_b = apikey_create(name="B", scopes=["ledger:read"], acting_user=world.user("director_b"))
    assert api(world.cae_b, key_b).get(f"/api/v1/fec-exports/{export.pk}/file").status_code == 404


@pytest.fixture
def journal(world):
    """An invoice (VT), its payment (BQ) and an approved expense claim (HA) in CAE A."""
    director_a = world.user("director_a")
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        person = make_person()
        invoice = invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=make_customer(person),
                                                                lines=[LineInput("Conseil", "1", "800")],
                                                                acting_user=accounts_a),
                                   on=date(2026, 2, 2), acting_user=accounts_a)
        payment_record(invoice=invoice, amount="900", received_on=date(2026, 2, 20), acting_user=accounts_a)
        claim = expense_submit(entrepreneur=person, lines=[ExpenseInput(date(2026, 3, 1), "travel", "Train",
                                                                        "60.00", "10.00")],
                               acting_user=world.user("entrepreneur_a"))
        expense_approve(claim=claim, acting_user=accounts_a)
        entries = {e.journal: e for e in Entry.objects.all()}
        _, key = apikey_create(name="Cabinet", scopes=["ledger:read"], acting_user=director_a)
        _, other_scope = apikey_create(name="Ventes", scopes=["activity:read"], acting_user=director_a)
    return {"person": person, "invoice": invoice, "entries": entries, "key": key, "other_scope": other_scope}


def test_ledger_entries_with_their_lines(world, journal):
    results = api(world.cae_a, journal["key"]).get("/api/v1/ledger-entries").json()["results"]
    assert [e["journal"] for e in results] == ["VT", "BQ", "HA"]
    sale = results[0]
    entry = journal["entries"]["VT"]
    assert {k: sale[k] for k in ("id", "number", "date", "label", "piece_ref", "piece_date", "entrepreneur_id")} == {
        "id": entry.pk, "number": entry.number, "date": "2026-02-02", "label": entry.label,
        "piece_ref": journal["invoice"].number, "piece_date": "2026-02-02", "entrepreneur_id": journal["person"].pk}
    assert sale["validated_at"].startswith(timezone.localtime(entry.validated_at).isoformat()[:19])
    lines = {line["account"]: line for line in sale["lines"]}
    assert (lines["411"]["debit"], lines["411"]["credit"]) == ("960.00", "0.00")
    assert (lines["706"]["debit"], lines["706"]["credit"]) == ("0.00", "800.00")
    assert lines["44571"]["credit"] == "160.00" and lines["411"]["aux_account"]
    assert {line["entrepreneur_id"] for line in sale["lines"]} == {journal["person"].pk}
    assert set(sale["lines"][0]) == {"id", "account", "aux_account", "aux_label", "label", "debit", "credit",
                                     "entrepreneur_id"}
    for entry in results:
        assert sum(float(li["debit"]) for li in entry["lines"]) == sum(float(li["credit"]) for li in entry["lines"])


def test_ledger_entry_detail_and_missing(world, journal):
    client = api(world.cae_a, journal["key"])
    expense = client.get(f"/api/v1/ledger-entries/{journal['entries']['HA'].pk}").json()
    assert expense["journal"] == "HA" and {li["account"] for li in expense["lines"]} == {"6251", "44566", "4671"}
    missing = client.get("/api/v1/ledger-entries/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_ledger_entry_filters(world, journal):
    client = api(world.cae_a, journal["key"])

    def journals(**query):
        response = client.get("/api/v1/ledger-entries", query)
        assert response.status_code == 200, response.content
        return [e["journal"] for e in response.json()["results"]]

    assert journals(journal="BQ") == ["BQ"]
    assert journals(date_from="2026-02-10", date_to="2026-02-28") == ["BQ"]
    assert journals(date_from="2026-03-01") == ["HA"]
    assert journals(account="411") == ["VT", "BQ"], "each entry once, however many lines on the account"
    assert journals(account="41") == [], "the account number is matched exactly"
    assert journals(entrepreneur=journal["person"].pk) == ["VT", "BQ", "HA"]
    assert journals(entrepreneur=journal["person"].pk + 1000) == []
    with tenant_context(world.cae_a):
        mark = timezone.now()
        claim = expense_submit(entrepreneur=journal["person"], lines=[ExpenseInput(date(2026, 3, 2), "meals",
                                                                                   "Repas", "20.00", "2.00")],
                               acting_user=world.user("entrepreneur_a"))
        expense_approve(claim=claim, acting_user=world.user("accounts_a"))
    assert journals(updated_since=mark.isoformat()) == ["HA"]
    assert journals(updated_since=mark.isoformat(), journal="VT") == []


@pytest.mark.parametrize(("query", "field"), [
    ({"journal": "XX"}, "journal"), ({"date_from": "hier"}, "date_from"), ({"date_to": "2026-02-30"}, "date_to"),
    ({"updated_since": "demain"}, "updated_since"), ({"account": "4" * 11}, "account"),
    ({"entrepreneur": "léa"}, "entrepreneur")])
def test_bad_ledger_entry_filters_get_a_french_400(world, journal, query, field):
    bad = api(world.cae_a, journal["key"]).get("/api/v1/ledger-entries", query)
    body = bad.json()
    assert bad.status_code == 400 and body["field"] == field, body
    assert any(w in body["message"] for w in ("Saisissez", "Sélectionnez", "Assurez-vous")), body["message"]


def test_ledger_entries_pages_and_constant_queries(world, journal):
    with tenant_context(world.cae_a):
        for day in range(3, 8):
            payment_record(invoice=journal["invoice"], amount="1", received_on=date(2026, 3, day),
                           acting_user=world.user("accounts_a"))
    client = api(world.cae_a, journal["key"])
    client.get("/api/v1/ledger-entries")  # warm-up: last_used_at is written once a minute
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/ledger-entries", {"page_size": 1})
    with CaptureQueriesContext(connection) as large:
        first = client.get("/api/v1/ledger-entries", {"page_size": 5}).json()
    # The domain, the key, the page, its lines; one SET search_path per schema switch.
    assert len(large) == len(small) == 6, [q["sql"][:80] for q in large]
    seen = [e["id"] for e in first["results"]]
    page = client.get(first["next"].replace("http://alpha.localhost", "")).json()
    seen += [e["id"] for e in page["results"]]
    assert page["next"] is None and seen == sorted(seen) and len(set(seen)) == 8


def test_ledger_entries_scope_and_isolation(world, journal):
    pk = journal["entries"]["VT"].pk
    for path in ("/api/v1/ledger-entries", f"/api/v1/ledger-entries/{pk}"):
        denied = api(world.cae_a, journal["other_scope"]).get(path)
        assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
        foreign = api(world.cae_b, journal["key"]).get(path)
        assert foreign.status_code == 401 and b"Conseil" not in foreign.content
    with tenant_context(world.cae_b):
        _, key_b = apikey_create(name="B", scopes=["ledger:read"], acting_user=world.user("director_b"))
    client_b = api(world.cae_b, key_b)
    assert client_b.get(f"/api/v1/ledger-entries/{pk}").status_code == 404
    listed = client_b.get("/api/v1/ledger-entries", {"account": "411"})
    assert listed.json()["results"] == [] and journal["invoice"].number.encode() not in listed.content
