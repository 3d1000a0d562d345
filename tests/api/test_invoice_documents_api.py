"""Accountants' document downloads: an issued invoice or credit note as Factur-X PDF or XML;
drafts, unknown ids and other CAEs' documents are 404; the scope is enforced."""

from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from facturx import get_facturx_xml_from_pdf, xml_check_xsd

from api.keys.services import apikey_create
from tenants.activity.services import LineInput, credit_note_create, invoice_create_draft, invoice_finalise
from tests.conftest import tenant_context
from tests.factories import make_customer, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(world):
    director_a = world.user("director_a")
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        person = make_person()
        customer = make_customer(person, "Client Alpha")
        issued = invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer, lines=[
            LineInput("Conseil", "2", "250"), LineInput("Livres", "4", "18.90", "5.50")],
                                                               acting_user=accounts_a), on=date(2026, 3, 2),
                                  acting_user=accounts_a)
        note = invoice_finalise(invoice=credit_note_create(invoice=issued, lines=[LineInput("Remise", "1", "50")],
                                                           acting_user=accounts_a),
                                on=date(2026, 3, 10), acting_user=accounts_a)
        draft = invoice_create_draft(entrepreneur=person, customer=customer, lines=[LineInput("Brouillon", "1", "1")],
                                     acting_user=accounts_a)
        _, key = apikey_create(name="Cabinet", scopes=["activity:read"], acting_user=director_a)
        _, people_key = apikey_create(name="RH", scopes=["people:read"], acting_user=director_a)
    with tenant_context(world.cae_b):
        _, key_b = apikey_create(name="Cabinet B", scopes=["activity:read"],
                                 acting_user=world.user("director_b"))
    return {"issued": issued, "note": note, "draft": draft, "key": key, "people_key": people_key, "key_b": key_b}


def api(coop, key, **headers):
    return Client(HTTP_HOST=f"{coop.slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {key}", **headers)


def test_xml_of_an_issued_invoice_and_credit_note(world, books):
    client = api(world.cae_a, books["key"])
    for doc, type_code in ((books["issued"], b"<ram:TypeCode>380<"), (books["note"], b"<ram:TypeCode>381<")):
        response = client.get(f"/api/v1/invoices/{doc.pk}/xml")
        assert response.status_code == 200 and response["Content-Type"] == "application/xml"
        assert f"{doc.number}-factur-x.xml" in response["Content-Disposition"]
        assert xml_check_xsd(response.content, flavor="factur-x", level="en16931")
        assert type_code in response.content and b"Client Alpha" in response.content


def test_pdf_embeds_the_same_xml(world, books):
    client = api(world.cae_a, books["key"], HTTP_ACCEPT="application/pdf")
    pk = books["issued"].pk
    response = client.get(f"/api/v1/invoices/{pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    _, embedded = get_facturx_xml_from_pdf(BytesIO(response.content))
    assert embedded == api(world.cae_a, books["key"]).get(f"/api/v1/invoices/{pk}/xml").content


def test_drafts_and_unknown_ids_are_404_in_json(world, books):
    for suffix in ("pdf", "xml"):
        for accept in (f"application/{suffix}", "*/*"):
            client = api(world.cae_a, books["key"], HTTP_ACCEPT=accept)
            for pk in (books["draft"].pk, 999999):
                response = client.get(f"/api/v1/invoices/{pk}/{suffix}")
                assert response.status_code == 404, (accept, pk, suffix)
                assert response["Content-Type"].startswith("application/json")
                assert response.json()["code"] == "not_found"


def test_scope_and_isolation(world, books):
    pk = books["issued"].pk
    for suffix in ("pdf", "xml"):
        path = f"/api/v1/invoices/{pk}/{suffix}"
        denied = api(world.cae_a, books["people_key"]).get(path)
        assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
        # a CAE A key is unknown on CAE B's domain
        assert api(world.cae_b, books["key"]).get(path).status_code == 401
        # CAE B's own key finds no such document in CAE B
        response = api(world.cae_b, books["key_b"]).get(path)
        assert response.status_code == 404 and b"Client Alpha" not in response.content


def test_documented_in_openapi(world, books):
    response = Client(HTTP_HOST=f"{world.cae_a.slug}.localhost").get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    pdf = schema["paths"]["/api/v1/invoices/{id}/pdf"]["get"]
    xml = schema["paths"]["/api/v1/invoices/{id}/xml"]["get"]
    assert "application/pdf" in pdf["responses"]["200"]["content"]
    assert "application/xml" in xml["responses"]["200"]["content"]
    assert "404" in pdf["responses"] and "404" in xml["responses"]
