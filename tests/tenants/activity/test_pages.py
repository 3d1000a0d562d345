"""Invoicing pages: an entrepreneur drafts for their own activity, accounts issue it, the PDF;
nobody reaches another activity's or another CAE's invoices."""

import pytest

from tenants.activity.models import Invoice
from tenants.activity.services import LineInput, customer_create, invoice_create_draft
from tenants.people.models import Site
from tenants.people.services import entrepreneur_create
from tests.conftest import client_for, tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    accounts_a = world.user("accounts_a")
    counsellor_a = world.user("counsellor_a")
    with tenant_context(world.cae_a):
        site = Site.objects.create(name="Reims", kind="head_office", city="Reims", department="51")
        me = entrepreneur_create(site=site, first_name="Léa", last_name="Martin", gender="F",
                                 acting_user=counsellor_a)
        me.user = world.user("entrepreneur_a")
        me.save(update_fields=["user"])
        other = entrepreneur_create(site=site, first_name="Paul", last_name="Autre", gender="M",
                                    acting_user=counsellor_a)
        mine = customer_create(entrepreneur=me, name="Client de Léa", billing_address="1 rue",
                               billing_postal_code="51100", billing_city="Reims", acting_user=accounts_a)
        theirs = customer_create(entrepreneur=other, name="Client de Paul", billing_address="2 rue",
                                 billing_postal_code="51100", billing_city="Reims", acting_user=accounts_a)
        their_invoice = invoice_create_draft(entrepreneur=other, customer=theirs,
                                             lines=[LineInput("Secret", "1", "999")], acting_user=accounts_a)
    return {"me": me, "mine": mine, "theirs": theirs, "their_invoice": their_invoice}


def test_entrepreneur_drafts_accounts_issue_and_print(world, setup):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    response = me.post("/activite/factures/nouvelle/", {
        "customer": setup["mine"].pk, "operation": "services",
        "line-0-description": "Site vitrine", "line-0-quantity": "1", "line-0-unit_price": "1200.00",
        "line-0-vat_rate": "20.00"}, follow=True)
    html = response.content.decode()
    assert "Total TTC 1440,00 €" in html
    invoice_pk = response.redirect_chain[-1][0].rstrip("/").split("/")[-1]
    assert me.post(f"/activite/factures/{invoice_pk}/action/", {"action": "finalise"}).status_code == 403
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    issued = accounts.post(f"/activite/factures/{invoice_pk}/action/", {"action": "finalise"}, follow=True)
    assert "Facture émise sous le numéro F" in issued.content.decode()
    pdf = me.get(f"/activite/factures/{invoice_pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_bad_invoice_form_is_explained(world, setup):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    response = me.post("/activite/factures/nouvelle/", {
        "customer": setup["mine"].pk, "operation": "services",
        "line-0-description": "Site", "line-0-quantity": "un", "line-0-unit_price": "1200"})
    assert response.status_code == 400 and "quantité ou prix invalide" in response.content.decode()
    with tenant_context(world.cae_a):
        assert Invoice.objects.count() == 1  # only the other activity's draft


def test_entrepreneur_sees_only_their_activity(world, setup):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert "Client de Paul" not in me.get("/activite/clients/").content.decode()
    assert me.get(f"/activite/factures/{setup['their_invoice'].pk}/").status_code == 404
    bad = me.post("/activite/factures/nouvelle/", {"customer": setup["theirs"].pk, "operation": "services",
                                                  "line-0-description": "x", "line-0-quantity": "1",
                                                  "line-0-unit_price": "1"})
    assert bad.status_code == 400
    assert "Secret" not in me.get("/activite/factures/").content.decode()


def test_other_cae_gets_nothing(world, setup):
    client = client_for(world.cae_b, world.user("director_b"))
    pk = setup["their_invoice"].pk
    for path in (f"/activite/factures/{pk}/", f"/activite/factures/{pk}/pdf/"):
        assert client.get(path).status_code == 404
    assert "Client de" not in client.get("/activite/clients/").content.decode()
    assert client.post(f"/activite/factures/{pk}/action/", {"action": "finalise"}).status_code == 404


def test_customer_form_refuses_bad_identifiers(world, setup):
    staff = client_for(world.cae_a, world.user("accounts_a"))
    response = staff.post("/activite/clients/", {"entrepreneur": setup["me"].pk, "kind": "company", "name": "X",
                                                 "siren": "123456789", "billing_address": "1 rue",
                                                 "billing_postal_code": "51100", "billing_city": "Reims"})
    assert response.status_code == 400 and "SIREN invalide" in response.content.decode()


def test_payment_through_the_page_and_receivables(world, setup):
    from datetime import date

    from tenants.activity.services import invoice_finalise

    with tenant_context(world.cae_a):
        issued = invoice_finalise(invoice=setup["their_invoice"], acting_user=world.user("accounts_a"))
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    bad = accounts.post(f"/activite/factures/{issued.pk}/action/", {"action": "payment", "received_on": "hier",
                                                                    "amount": "10"}, follow=True)
    assert "Date de règlement invalide" in bad.content.decode()
    ok = accounts.post(f"/activite/factures/{issued.pk}/action/", {
        "action": "payment", "received_on": date.today().isoformat(), "amount": "100,50", "method": "cheque"},
        follow=True)
    assert "Règlement enregistré" in ok.content.decode()
    page = accounts.get("/activite/creances/").content.decode()
    assert issued.number in page
    assert client_for(world.cae_a, world.user("entrepreneur_a")).get("/activite/creances/").status_code == 403
    assert issued.number not in client_for(world.cae_b, world.user("director_b")).get("/activite/creances/").content.decode()


def test_junk_in_the_invoice_pages_is_refused_without_a_500(world, setup):
    from datetime import date

    from tenants.activity.models import Payment
    from tenants.activity.services import invoice_finalise

    with tenant_context(world.cae_a):
        issued = invoice_finalise(invoice=setup["their_invoice"], acting_user=world.user("accounts_a"))
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    accounts.raise_request_exception = False
    # A NUL character is refused at the edge (RejectNulMiddleware), in French, naming the field.
    listing = accounts.get("/activite/factures/", {"q": "Cli\x00ent de Paul"})
    assert listing.status_code == 400 and "« q »" in listing.content.decode()
    today = date.today().isoformat()
    refused = accounts.post(f"/activite/factures/{issued.pk}/action/", {
        "action": "payment", "received_on": today, "amount": "NaN", "reference": ""}, follow=True)
    assert refused.status_code == 200 and "Le montant est positif" in refused.content.decode()
    refused = accounts.post(f"/activite/factures/{issued.pk}/action/", {
        "action": "payment", "received_on": today, "amount": "10", "reference": "VIR\x00"})
    assert refused.status_code == 400 and "« reference »" in refused.content.decode()
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    me.raise_request_exception = False
    nul = me.post("/activite/factures/nouvelle/", {
        "customer": setup["mine"].pk, "operation": "services",
        "line-0-description": "Site", "line-0-quantity": "1", "line-0-unit_price": "10", "line-0-unit": "h\x00"})
    assert nul.status_code == 400 and "« line-0-unit »" in nul.content.decode()
    with tenant_context(world.cae_a):
        assert not Payment.objects.exists()
        assert Invoice.objects.count() == 1


def test_receivables_are_searched_filtered_charted_in_constant_queries(world, setup):
    accounts_a = world.user("accounts_a")
    from datetime import date, timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.activity.services import invoice_finalise

    today = date.today()
    with tenant_context(world.cae_a):
        old = invoice_finalise(invoice=setup["their_invoice"], on=today - timedelta(days=75),
                               acting_user=accounts_a)  # 45 days late
        recent = invoice_finalise(invoice=invoice_create_draft(
            entrepreneur=setup["me"], customer=setup["mine"], lines=[LineInput("Récent", "1", "100")],
                                                               acting_user=accounts_a), on=today,
                                  acting_user=accounts_a)
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    page = accounts.get("/activite/creances/").content.decode()
    assert old.number in page and recent.number in page and "<svg" in page and "1318,80 €" in page
    late = accounts.get("/activite/creances/", {"bucket": "31-60"}).content.decode()
    assert old.number in late and recent.number not in late
    found = accounts.get("/activite/creances/", {"q": "Client de Léa"}).content.decode()
    assert recent.number in found and old.number not in found

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert accounts.get("/activite/creances/").status_code == 200
        return len(ctx)

    few = queries()
    with tenant_context(world.cae_a):
        for n in range(5):
            invoice_finalise(invoice=invoice_create_draft(
                entrepreneur=setup["me"], customer=setup["mine"], lines=[LineInput(f"Encore {n}", "1", "10")],
                                                          acting_user=accounts_a), on=today,
                             acting_user=accounts_a)
    assert queries() == few


def test_pagination_links_keep_a_search_with_an_ampersand(world, setup):
    from tenants.activity.views import querystring

    assert querystring({"q": "Dupont & Fils", "status": "", "kind": "invoice"}) == "q=Dupont+%26+Fils&kind=invoice&"
    assert querystring({"q": ""}) == ""
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    for url in ("/activite/factures/", "/activite/devis/", "/activite/creances/"):
        assert accounts.get(url, {"q": "Dupont & Fils"}).status_code == 200
