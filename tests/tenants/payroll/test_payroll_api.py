"""Payroll over the accountants' API (scope payroll:read): runs with their lines, amounts only;
the contributions per fund as CSV; the payroll journal in the ledger entries. Isolation."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api.keys.services import apikey_create
from tenants.payroll.runs import payroll_run_check, payroll_run_close, payroll_run_create
from tests.conftest import tenant_context

from .cesa import cesa_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(world):
    director_a = world.user("director_a")
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        lea = cesa_person(first_name="Léa", email="lea.martin@exemple.fr", revenue=[(date(2026, 1, 5), 6000)])
        january = payroll_run_create(month="2026-01", acting_user=accounts_a)
        payroll_run_check(run=january, acting_user=accounts_a)
        payroll_run_close(run=january, render_payslips=False, acting_user=accounts_a)
        february = payroll_run_create(month="2026-02", acting_user=accounts_a)
        _, key = apikey_create(name="Cabinet", scopes=["payroll:read"], acting_user=director_a)
        _, ledger_key = apikey_create(name="Compta", scopes=["ledger:read"], acting_user=director_a)
        _, people_key = apikey_create(name="RH", scopes=["people:read"], acting_user=director_a)
    return {"lea": lea, "january": january, "february": february, "key": key, "ledger_key": ledger_key,
            "people_key": people_key}


def api(coop, key):
    return Client(HTTP_HOST=f"{coop.slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_runs_with_lines_amounts_only(world, books):
    client = api(world.cae_a, books["key"])
    response = client.get("/api/v1/payroll-runs")
    runs = response.json()["results"]
    assert [(r["month"], r["state"]) for r in runs] == [("2026-01-01", "closed"), ("2026-02-01", "draft")]
    line = runs[0]["lines"][0]
    assert line["entrepreneur_id"] == books["lea"].pk and line["gross"] == "1823.03" and line["funded"] is True
    assert set(line) >= {"net_before_tax", "pas", "net_paid", "rgdu", "total_cost", "employer_contributions"}
    assert "pas_rate" not in line and "adjust_reason" not in line
    body = response.content.decode()
    assert "Martin" not in body and "lea.martin" not in body
    assert client.get("/api/v1/payroll-runs?state=closed").json()["results"][0]["month"] == "2026-01-01"
    assert len(client.get("/api/v1/payroll-runs?year=2026").json()["results"]) == 2
    assert client.get("/api/v1/payroll-runs?year=2025").json()["results"] == []
    bad = client.get("/api/v1/payroll-runs?state=fini")
    assert bad.status_code == 400 and bad.json()["field"] == "state"
    detail = client.get(f"/api/v1/payroll-runs/{books['january'].pk}").json()
    assert detail["lines"][0]["total_cost"] == line["total_cost"]


def test_contributions_csv(world, books):
    response = api(world.cae_a, books["key"]).get(f"/api/v1/payroll-runs/{books['january'].pk}/contributions.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = [row.split(";") for row in response.content.decode().splitlines()]
    assert rows[0][:3] == ["mois", "organisme", "libelle_organisme"]
    funds = {row[1] for row in rows[1:]}
    assert {"urssaf", "agirc_arrco", "unemployment"} <= funds
    total_urssaf = next(row for row in rows if row[1] == "urssaf" and row[4] == "total")
    assert total_urssaf[3] == "431"


def test_contributions_csv_when_the_client_asks_for_csv(world, books):
    client = api(world.cae_a, books["key"])
    response = client.get(f"/api/v1/payroll-runs/{books['january'].pk}/contributions.csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response.content.decode().startswith("mois;organisme;")
    missing = client.get("/api/v1/payroll-runs/999999/contributions.csv", HTTP_ACCEPT="text/csv")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


@pytest.mark.parametrize("year", ["abc", "2026.5", "0", "-3", "99999999999"])
def test_a_bad_year_filter_is_a_400(world, books, year):
    response = api(world.cae_a, books["key"]).get(f"/api/v1/payroll-runs?year={year}")
    assert response.status_code == 400 and response.json()["field"] == "year"


def test_payroll_journal_is_in_the_ledger_entries(world, books):
    client = api(world.cae_a, books["ledger_key"])
    entries = client.get("/api/v1/ledger-entries?journal=PA").json()["results"]
    assert len(entries) == 1 and entries[0]["entrepreneur_id"] == books["lea"].pk
    accounts = {line["account"] for line in entries[0]["lines"]}
    assert {"641", "6451", "421", "431", "437"} <= accounts
    assert sum(float(line["debit"]) for line in entries[0]["lines"]) == pytest.approx(
        sum(float(line["credit"]) for line in entries[0]["lines"]))
    assert client.get("/api/v1/ledger-entries?account=641").json()["results"][0]["journal"] == "PA"


def test_scope_and_isolation(world, books):
    run = books["january"].pk
    paths = ("/api/v1/payroll-runs", f"/api/v1/payroll-runs/{run}", f"/api/v1/payroll-runs/{run}/contributions.csv")
    for path in paths:
        assert api(world.cae_a, books["people_key"]).get(path).status_code == 403
        response = api(world.cae_b, books["key"]).get(path)
        assert response.status_code == 401 and b"1823.03" not in response.content
    with tenant_context(world.cae_b):
        _, key_b = apikey_create(name="B", scopes=["payroll:read"], acting_user=world.user("director_b"))
    b = api(world.cae_b, key_b)
    assert b.get(f"/api/v1/payroll-runs/{run}").status_code == 404
    assert b.get(f"/api/v1/payroll-runs/{run}/contributions.csv").status_code == 404
    assert b.get("/api/v1/payroll-runs").json()["results"] == []


def test_query_count_does_not_grow_with_lines(world, books):
    client = api(world.cae_a, books["key"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/payroll-runs").status_code == 200
        return len(ctx.captured_queries)

    count()  # the first use of a key also records its last use
    before = count()
    with tenant_context(world.cae_a):
        for i in range(3):
            cesa_person(first_name=f"N{i}", last_name="Recrue")
        payroll_run_create(month="2026-03", acting_user=world.user("accounts_a"))
    assert count() == before
