"""Trial balance and FEC export jobs over the API: queued through the real broker, run in the
CAE's schema, downloadable by that CAE's key only."""

from datetime import date

import pytest
from django.test import Client

from api.keys.services import apikey_create
from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise
from tenants.ledger.fec import fec_validate
from tenants.ledger.models import FecExport
from tenants.ledger.tasks import fec_export
from tests.conftest import tenant_context
from tests.factories import make_customer, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(world):
    with tenant_context(world.cae_a):
        person = make_person()
        invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=make_customer(person),
                                                      lines=[LineInput("Conseil", "1", "800")]), on=date(2026, 2, 2))
        _, key = apikey_create(name="Cabinet", scopes=["ledger:read"])
        _, other_scope = apikey_create(name="Ventes", scopes=["activity:read"])
    return {"key": key, "other_scope": other_scope}


def api(coop, key):
    return Client(HTTP_HOST=f"{coop.slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_trial_balance(world, books):
    rows = {r["account"]: r for r in api(world.cae_a, books["key"]).get("/api/v1/trial-balance?year=2026").json()}
    assert rows["706"]["credit"] == "800.00" and rows["411"]["debit"] == "960.00"
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
        _, key_b = apikey_create(name="B", scopes=["ledger:read"])
    assert api(world.cae_b, key_b).get(f"/api/v1/fec-exports/{export.pk}/file").status_code == 404
