"""Customers in France or elsewhere in the EU: postal code checked in France only, VAT number
checked with python-stdnum and against the country, a French company's SIREN required on the
form (a mandatory invoice mention); bad input explained in French, nothing written; a foreign
customer's country reaches the invoice, its snapshot and its Factur-X XML."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from facturx import get_xml_namespaces
from lxml import etree

from tenants.activity.facturx import invoice_facturx_xml
from tenants.activity.models import Customer
from tenants.activity.services import LineInput, customer_create, invoice_create_draft, invoice_finalise
from tests.conftest import client_for, tenant_context
from tests.factories import TEST_ACTOR, make_person

pytestmark = pytest.mark.django_db

BASE = {"name": "Client", "billing_address": "1 rue", "billing_postal_code": "51100", "billing_city": "Reims"}
BERLIN = {"name": "Bäckerei Schulz GmbH", "billing_address": "Unter den Linden 1", "billing_postal_code": "10117",
          "billing_city": "Berlin", "country": "DE", "vat_number": "DE 136 695 976"}


@pytest.fixture
def person(in_cae_a):
    return make_person()


@pytest.mark.parametrize("fields", [
    BERLIN,
    {"name": "Bakkerij", "billing_address": "Damrak 1", "billing_postal_code": "1012 LG", "billing_city": "Amsterdam",
     "country": "NL", "vat_number": "NL004495445B01"},
    {"name": "Fournos", "billing_address": "Odos 1", "billing_postal_code": "105 57", "billing_city": "Athènes",
     "country": "GR", "vat_number": "EL094259216"},
    {"name": "Maria Rossi", "kind": "individual", "billing_address": "Via Roma 1", "billing_postal_code": "00184",
     "billing_city": "Rome", "country": "IT"},
])
def test_eu_customers_are_accepted(person, fields):
    customer = customer_create(entrepreneur=person, acting_user=TEST_ACTOR, **fields)
    customer.refresh_from_db()
    assert customer.country == fields["country"]
    assert customer.vat_number == fields.get("vat_number", "").replace(" ", "")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"billing_postal_code": "5100"}, "billing_postal_code", "Code postal à 5 chiffres"),
        ({"billing_postal_code": "1012 LG"}, "billing_postal_code", "Code postal à 5 chiffres"),  # in France
        (BERLIN | {"country": "US"}, "country", "n’est pas un choix valide"),
        (BERLIN | {"vat_number": "DE123456789"}, "vat_number", "TVA intracommunautaire invalide"),
        (BERLIN | {"vat_number": "FR44732829320"}, "vat_number", "établi en Allemagne commence par DE"),
        (BASE | {"vat_number": "DE136695976"}, "vat_number", "établi en France commence par FR"),
        (BERLIN | {"vat_number": ""}, "vat_number", "autre pays de l'Union européenne est une mention obligatoire"),
        (BERLIN | {"billing_postal_code": ""}, "billing_postal_code", "ne peut pas être vide"),
        (BERLIN | {"billing_postal_code": "12345678901"}, "billing_postal_code", "au plus 10 caractères"),
        ({"siren": "123456789"}, "siren", "SIREN invalide"),
    ],
)
def test_bad_customers_are_refused_in_french_and_nothing_written(person, fields, field, message):
    with pytest.raises(ValidationError) as refused:
        customer_create(entrepreneur=person, acting_user=TEST_ACTOR, **(BASE | fields))
    assert field in refused.value.message_dict and message in " ".join(refused.value.message_dict[field])
    assert not Customer.objects.exists()


def test_a_foreign_customer_reaches_the_invoice_and_its_xml(world):
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        person = make_person()
        customer = customer_create(entrepreneur=person, **BERLIN, delivery_address="Lager, Hafenstraße 2, Hamburg",
                                   acting_user=accounts_a)
        invoice = invoice_finalise(invoice=invoice_create_draft(
            entrepreneur=person, customer=customer, lines=[LineInput("Beratung", "1", "100", "0.00")],
            exemption_mention="Autoliquidation, art. 283-2 du CGI", operation="services",
                                                                acting_user=accounts_a), on=date(2026, 3, 2),
                                   acting_user=accounts_a)
        assert invoice.issued_as["buyer"]["country"] == "DE"
        xml = invoice_facturx_xml(invoice=invoice, cooperative=world.cae_a)  # checked against the XSD
    tree = etree.fromstring(xml)
    ns = get_xml_namespaces("factur-x")
    agreement = "//ram:ApplicableHeaderTradeAgreement"
    assert tree.xpath(f"{agreement}/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID/text()",
                      namespaces=ns) == ["DE"]
    assert tree.xpath(f"{agreement}/ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID/text()",
                      namespaces=ns) == ["FR"]
    assert tree.xpath("//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID/text()", namespaces=ns) == ["DE"]
    assert tree.xpath(f"{agreement}/ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()",
                      namespaces=ns) == ["DE136695976"]
    page = client_for(world.cae_a, world.user("accounts_a")).get(f"/activite/factures/{invoice.pk}/")
    assert "10117 Berlin, Allemagne" in page.content.decode()


def _post(person, **fields):
    return {"entrepreneur": person.pk, "kind": "company", "name": "Société", "siren": "", "siret": "",
            "vat_number": "", "email": "", "billing_address": "1 rue", "billing_postal_code": "51100",
            "billing_city": "Reims", "country": "FR", "delivery_address": ""} | fields


def test_the_form_requires_a_french_companys_siren(world):
    with tenant_context(world.cae_a):
        person = make_person()
    staff = client_for(world.cae_a, world.user("accounts_a"))
    refused = staff.post("/activite/clients/", _post(person))
    assert refused.status_code == 400 and "Le SIREN est obligatoire pour une entreprise française" in \
        refused.content.decode()
    invalid = staff.post("/activite/clients/", _post(person, siren="123456789"))
    html = invalid.content.decode()
    assert invalid.status_code == 400 and "SIREN invalide" in html and "obligatoire pour une entreprise" not in html
    with tenant_context(world.cae_a):
        assert not Customer.objects.exists()
    for fields in ({"siren": "732 829 320"}, {"kind": "individual", "name": "Jeanne Client"},
                   BERLIN | {"name": "Bäckerei", "vat_number": "DE136695976"}):
        assert staff.post("/activite/clients/", _post(person, **fields)).status_code == 302, fields
    with tenant_context(world.cae_a):
        assert sorted(Customer.objects.values_list("country", "siren")) == [
            ("DE", ""), ("FR", ""), ("FR", "732829320")]
    foreign = staff.post("/activite/clients/", _post(person, **(BERLIN | {"name": "Sans TVA", "vat_number": ""})))
    assert foreign.status_code == 400 and "mention obligatoire" in foreign.content.decode()
    with tenant_context(world.cae_a):
        assert Customer.objects.count() == 3
