"""What EN 16931 and the French e-invoicing reform need an invoice to say: the option for VAT on
debits (BT-8), the processing rule of EU business buyers (BAR B2BINT), reverse charge and
intra-community supplies (AE, K), allowances and charges (BG-20/21/27/28), a structured delivery
address with its date or period (BG-13/BG-15, BT-72, BG-14), the currency (BT-5). Each through the
service, the page, the printed document and the Factur-X XML (valid against the XSD, its terms
read by XPath)."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import pytest
from facturx import get_xml_namespaces, xml_check_xsd
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from essaim.core.errors import AppError
from tenants.activity.content import AdjustmentInput
from tenants.activity.facturx import invoice_facturx_data, invoice_facturx_xml, invoice_processing_rule
from tenants.activity.models import Invoice, VatOnDebitsChange
from tenants.activity.policy import vat_on_debits, vat_on_debits_set
from tenants.activity.services import (
    LineInput,
    credit_note_create,
    invoice_create_draft,
    invoice_finalise,
    invoice_html,
    invoice_update_draft,
)
from tenants.activity.totals import compute_totals
from tests.conftest import client_for, tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person, siren_from, siret_from

pytestmark = pytest.mark.django_db

NS = get_xml_namespaces("factur-x")
SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
SUMMATION = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
EXEMPTION = "TVA non applicable, art. 293 B du CGI"
ISSUE = date(2026, 3, 2)


@pytest.fixture
def parties(world):
    with tenant_context(world.cae_a):
        me = make_person(user=world.user("entrepreneur_a"))
        siren = siren_from(44444444)
        french = make_customer(me, "Brasserie du Cygne SARL", siren=siren, siret=siret_from(siren))
        belgian = make_customer(me, "Atelier Bruxellois SPRL", country="BE", vat_number="BE0123456749",
                                billing_address="12 rue Haute", billing_postal_code="1000", billing_city="Bruxelles")
        person = make_customer(me, "Jeanne Client", kind="individual", email="jeanne@exemple.fr")
    return {"me": me, "french": french, "belgian": belgian, "person": person}


def _issue(world, customer, lines, *, on=ISSUE, **fields) -> Invoice:
    with tenant_context(world.cae_a):
        draft = invoice_create_draft(entrepreneur=customer.entrepreneur, customer=customer, lines=lines,
                                     acting_user=TEST_ACTOR, **fields)
        return invoice_finalise(invoice=draft, on=on, acting_user=TEST_ACTOR)


def _xml(world, invoice) -> bytes:
    with tenant_context(world.cae_a):
        xml = invoice_facturx_xml(invoice=Invoice.objects.get(pk=invoice.pk), cooperative=world.cae_a)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    return xml


def _tree(world, invoice):
    return etree.fromstring(_xml(world, invoice))


def _html(world, invoice) -> str:
    with tenant_context(world.cae_a):
        return unescape(invoice_html(invoice=Invoice.objects.get(pk=invoice.pk), cooperative=world.cae_a))


def _all(tree, path: str) -> list[str]:
    return [node if isinstance(node, str) else node.text for node in tree.xpath(path, namespaces=NS)]


def _one(tree, path: str) -> str:
    found = _all(tree, path)
    assert len(found) == 1, f"{path}: {found}"
    return found[0]


def _code(call) -> str:
    with pytest.raises(AppError) as err:
        call()
    return err.value.code


# -- 1. the option for VAT on debits (BT-8) ------------------------------------------------------------

def test_vat_on_debits_is_effective_dated(world):
    with tenant_context(world.cae_a):
        assert vat_on_debits(on=date(2026, 1, 1)) is False  # the legal rule without option: on payment
        vat_on_debits_set(on=True, valid_from=date(2026, 2, 1), acting_user=TEST_ACTOR)
        vat_on_debits_set(on=False, valid_from="2026-06-01", acting_user=TEST_ACTOR)
        assert [vat_on_debits(on=d) for d in (date(2026, 1, 31), date(2026, 2, 1), date(2026, 5, 31),
                                              date(2026, 6, 1))] == [False, True, True, False]
        # the same state again is no change; a later date replaces what was scheduled from it on
        assert vat_on_debits_set(on=False, valid_from=date(2026, 7, 1), acting_user=TEST_ACTOR) is None
        vat_on_debits_set(on=True, valid_from=date(2026, 4, 1), acting_user=TEST_ACTOR)
        assert list(VatOnDebitsChange.objects.values_list("valid_from", "on")) == [
            (date(2026, 2, 1), True)]


def test_vat_on_debits_cannot_reach_back_over_issued_invoices(world, parties):
    _issue(world, parties["french"], [LineInput("Conseil", "1", "100")])
    with tenant_context(world.cae_a):
        assert _code(lambda: vat_on_debits_set(on=True, valid_from=ISSUE, acting_user=TEST_ACTOR)) \
            == "vat_on_debits_backdated"
        assert _code(lambda: vat_on_debits_set(on=True, valid_from="02/03/2026", acting_user=TEST_ACTOR)) \
            == "vat_on_debits_date_invalid"
        vat_on_debits_set(on=True, valid_from=ISSUE + timedelta(days=1), acting_user=TEST_ACTOR)


def test_an_invoice_under_the_option_says_so_in_print_and_in_bt8(world, parties):
    before = _issue(world, parties["french"], [LineInput("Conseil", "1", "100")])
    with tenant_context(world.cae_a):
        vat_on_debits_set(on=True, valid_from=date(2026, 3, 3), acting_user=TEST_ACTOR)
    services = _issue(world, parties["french"], [LineInput("Conseil", "1", "100")], on=date(2026, 3, 3))
    goods = _issue(world, parties["french"], [LineInput("Livre", "1", "20", "5.50")], on=date(2026, 3, 3),
                   operation="goods")
    tree = _tree(world, services)
    assert _all(tree, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:DueDateTypeCode") == ["5"]
    assert "Option pour le paiement de la taxe d'après les débits" in _html(world, services)
    # before the option, and goods (taxed on delivery whatever the option): no BT-8, no mention
    for invoice in (before, goods):
        assert not _all(_tree(world, invoice), "//ram:DueDateTypeCode")
        assert "débits" not in _html(world, invoice)
    # frozen at issue: giving the option up later changes nothing on the issued invoice
    xml = _xml(world, services)
    with tenant_context(world.cae_a):
        vat_on_debits_set(on=False, valid_from=date(2026, 3, 4), acting_user=TEST_ACTOR)
        assert vat_on_debits(on=services.issued_on) is True
    assert _xml(world, services) == xml


def test_the_settings_page_records_the_option(world):
    director = client_for(world.cae_a, world.user("director_a"))
    response = director.post("/activite/reglages/", {"section": "vat_on_debits", "debits-on": "yes",
                                                     "debits-valid_from": "2026-12-20"}, follow=True)
    assert "Option pour la TVA d'après les débits enregistrée" in unescape(response.content.decode())
    with tenant_context(world.cae_a):
        assert vat_on_debits(on=date(2026, 12, 20)) and not vat_on_debits(on=date(2026, 12, 19))
    bad = director.post("/activite/reglages/", {"section": "vat_on_debits", "debits-on": "no",
                                                "debits-valid_from": "1999-01-01"})
    assert bad.status_code == 400 and "une année entre 2000 et 2099" in bad.content.decode()
    entrepreneur = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert entrepreneur.post("/activite/reglages/", {"section": "vat_on_debits", "debits-on": "no"}).status_code \
        in (403, 404)
    other = client_for(world.cae_b, world.user("director_b"))
    assert "avec option" not in other.get("/activite/reglages/").content.decode()


# -- 2. the processing rule (BAR) -----------------------------------------------------------------------

def test_processing_rule_and_bar_note(world, parties):
    french = _issue(world, parties["french"], [LineInput("Conseil", "1", "100")])
    belgian = _issue(world, parties["belgian"], [LineInput("Conseil", "1", "100", "0.00")])
    person = _issue(world, parties["person"], [LineInput("Cours", "1", "100")])
    with tenant_context(world.cae_a):
        assert [invoice_processing_rule(Invoice.objects.get(pk=i.pk)) for i in (french, belgian, person)] == [
            "B2B", "B2BInt", "B2C"]
    bar = "//rsm:ExchangedDocument/ram:IncludedNote[ram:SubjectCode='BAR']/ram:Content"
    assert [_one(_tree(world, i), bar) for i in (french, belgian, person)] == ["B2B", "B2BINT", "B2C"]


# -- 3. reverse charge and intra-community supplies ---------------------------------------------------

def test_services_to_an_eu_business_are_reverse_charged(world, parties):
    invoice = _issue(world, parties["belgian"], [LineInput("Conception graphique", "2", "450", "0.00", "jour")])
    tree = _tree(world, invoice)
    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert _one(tree, f"{tax}/ram:CategoryCode") == "AE"
    assert _one(tree, f"{tax}/ram:ExemptionReasonCode") == "VATEX-EU-AE"
    assert _one(tree, f"{tax}/ram:ExemptionReason") == "Autoliquidation"
    assert _one(tree, f"{tax}/ram:CalculatedAmount") == "0.00"
    assert _all(tree, "//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode") == ["AE"]
    assert _one(tree, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == "BE0123456749"
    html = _html(world, invoice)
    assert "Autoliquidation (TVA due par le preneur, art. 283-2 du CGI" in html
    # no exemption mention to type: the reverse charge's is the law's
    assert invoice.exemption_mention == ""


def test_a_french_rate_on_an_eu_business_service_is_refused(world, parties):
    belgian = parties["belgian"]
    with tenant_context(world.cae_a):
        with pytest.raises(AppError) as err:
            invoice_create_draft(entrepreneur=parties["me"], customer=belgian,
                                 lines=[LineInput("Conseil", "1", "100", "20.00")], acting_user=TEST_ACTOR)
        assert err.value.code == "vat_rate_on_eu_business_services" and err.value.field == "lines"
        assert "TVA à 20 % refusée" in err.value.message and "283-2 du CGI" in err.value.message
        # the exception of CGI art. 259 A (place of supply in France) keeps French VAT
        draft = invoice_create_draft(entrepreneur=parties["me"], customer=belgian,
                                     lines=[LineInput("Travaux à Reims", "1", "100", "20.00")],
                                     place_of_supply_france=True, acting_user=TEST_ACTOR)
        # … and finalising checks again: a draft whose exception was withdrawn behind the services' back
        Invoice.objects.filter(pk=draft.pk).update(place_of_supply_france=False)
        assert _code(lambda: invoice_finalise(invoice=draft, on=ISSUE, acting_user=TEST_ACTOR)) \
            == "vat_rate_on_eu_business_services"
        assert Invoice.objects.get(pk=draft.pk).status == Invoice.Status.DRAFT
        Invoice.objects.filter(pk=draft.pk).update(place_of_supply_france=True)
        issued = invoice_finalise(invoice=draft, on=ISSUE, acting_user=TEST_ACTOR)
        assert issued.total_vat == Decimal("20.00")
        # goods and services together for an EU business: two invoices
        assert _code(lambda: invoice_create_draft(
            entrepreneur=parties["me"], customer=belgian, lines=[LineInput("Lot", "1", "100", "0.00")],
            operation="mixed", acting_user=TEST_ACTOR)) == "vat_eu_mixed_invoice"
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    page = me.post("/activite/factures/nouvelle/", {
        "customer": belgian.pk, "operation": "services", "currency": "EUR",
        "line-0-description": "Conseil", "line-0-quantity": "1", "line-0-unit_price": "100",
        "line-0-vat_rate": "20.00"})
    assert page.status_code == 400 and "une prestation de services à un client professionnel" in page.content.decode()


def test_goods_dispatched_to_an_eu_business_are_an_intra_community_supply(world, parties):
    invoice = _issue(world, parties["belgian"], [LineInput("Mobilier", "2", "600", "0.00")], operation="goods")
    tree = _tree(world, invoice)
    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert (_one(tree, f"{tax}/ram:CategoryCode"), _one(tree, f"{tax}/ram:ExemptionReasonCode")) == ("K", "VATEX-EU-IC")
    assert _one(tree, f"{tax}/ram:ExemptionReason") == "Exonération de TVA, article 262 ter I du CGI"
    assert _one(tree, "//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID") == "BE"  # BR-IC-12
    assert _one(tree, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID") == "B1"
    assert "Exonération de TVA, article 262 ter I du CGI" in _html(world, invoice)
    with tenant_context(world.cae_a):
        assert _code(lambda: invoice_create_draft(
            entrepreneur=parties["me"], customer=parties["belgian"], lines=[LineInput("Mobilier", "1", "600")],
            operation="goods", acting_user=TEST_ACTOR)) == "vat_rate_on_intra_community_supply"
        # delivered in France, the goods are taxed in France
        draft = invoice_create_draft(entrepreneur=parties["me"], customer=parties["belgian"],
                                     lines=[LineInput("Mobilier", "1", "600")], operation="goods",
                                     delivery_street="4 rue Gambetta", delivery_postal_code="51200",
                                     delivery_city="Épernay", delivery_country="FR", acting_user=TEST_ACTOR)
        assert draft.total_vat == Decimal("120.00")


def test_a_credit_note_of_a_reverse_charged_invoice_is_reverse_charged(world, parties):
    invoice = _issue(world, parties["belgian"], [LineInput("Conseil", "1", "900", "0.00")])
    with tenant_context(world.cae_a):
        note = invoice_finalise(invoice=credit_note_create(invoice=invoice, acting_user=TEST_ACTOR),
                                on=date(2026, 3, 5), acting_user=TEST_ACTOR)
    tree = _tree(world, note)
    assert _one(tree, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert _one(tree, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode") == "AE"


def test_documents_issued_before_the_treatment_was_frozen_keep_their_categories(world, parties):
    invoice = _issue(world, parties["belgian"], [LineInput("Conseil", "1", "900", "0.00")],
                     exemption_mention="Exonération, art. 259-1° du CGI")
    with tenant_context(world.cae_a):
        legacy = Invoice.objects.get(pk=invoice.pk)
        del legacy.issued_as["vat"]  # as a snapshot taken before activity.0011
        data = invoice_facturx_data(invoice=legacy, cooperative=world.cae_a)
    assert [(t["BT-118"], t.get("BT-121")) for t in data["BG-23"]] == [("E", None)]
    assert data["BG-23"][0]["BT-120"] == "Exonération, art. 259-1° du CGI"
    assert "BT-8" not in data


# -- 4. allowances and charges ------------------------------------------------------------------------

LINES = [LineInput("Développement", "3", "100.00", "20.00", "jour", allowance="30", allowance_reason="Remise fidélité",
                   allowance_code="95"),
         LineInput("Livres", "10", "12.50", "5.50", charge="4.50", charge_code="FC")]
ADJUSTMENTS = [AdjustmentInput("20", "Remise commerciale", "", "20.00"),
               AdjustmentInput("15", "", "FC", "20.00", is_charge=True)]


def test_totals_with_allowances_and_charges_hand_computed(world, parties):
    invoice = _issue(world, parties["french"], LINES, adjustments=ADJUSTMENTS)
    # lines: 3 × 100 − 30 = 270.00 (20 %); 10 × 12.50 + 4.50 = 129.50 (5.5 %): BT-106 = 399.50
    # document: − 20.00 + 15.00 at 20 %: BT-109 = 394.50; bases 265.00 (VAT 53.00) and 129.50 (VAT 7.1225 → 7.12)
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        Decimal("394.50"), Decimal("60.12"), Decimal("454.62"))
    assert (invoice.total_allowances, invoice.total_charges) == (Decimal("20.00"), Decimal("15.00"))
    tree = _tree(world, invoice)
    assert [_one(tree, f"{SUMMATION}/ram:{name}") for name in (
        "LineTotalAmount", "AllowanceTotalAmount", "ChargeTotalAmount", "TaxBasisTotalAmount", "GrandTotalAmount",
        "DuePayableAmount")] == ["399.50", "20.00", "15.00", "394.50", "454.62", "454.62"]
    assert _one(tree, f"{SUMMATION}/ram:TaxTotalAmount") == "60.12"
    breakdown = {t.findtext("ram:RateApplicablePercent", namespaces=NS): (
        t.findtext("ram:BasisAmount", namespaces=NS), t.findtext("ram:CalculatedAmount", namespaces=NS))
        for t in tree.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)}
    assert breakdown == {"20.00": ("265.00", "53.00"), "5.50": ("129.50", "7.12")}
    line_settlement = "//ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement"
    assert _all(tree, f"{line_settlement}/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount") \
        == ["270.00", "129.50"]
    line_allowance = f"{line_settlement}/ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator='false']"
    assert (_one(tree, f"{line_allowance}/ram:ActualAmount"), _one(tree, f"{line_allowance}/ram:ReasonCode"),
            _one(tree, f"{line_allowance}/ram:Reason")) == ("30.00", "95", "Remise fidélité")
    line_charge = f"{line_settlement}/ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator='true']"
    assert (_one(tree, f"{line_charge}/ram:ActualAmount"), _one(tree, f"{line_charge}/ram:ReasonCode"),
            _one(tree, f"{line_charge}/ram:Reason")) == ("4.50", "FC", "Transport")
    header = f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge"
    assert _one(tree, f"{header}[ram:ChargeIndicator/udt:Indicator='false']/ram:Reason") == "Remise commerciale"
    assert _one(tree, f"{header}[ram:ChargeIndicator/udt:Indicator='true']/ram:ReasonCode") == "FC"
    assert _all(tree, f"{header}/ram:CategoryTradeTax/ram:CategoryCode") == ["S", "S"]
    assert _all(tree, f"{header}/ram:CategoryTradeTax/ram:RateApplicablePercent") == ["20.00", "20.00"]
    html = _html(world, invoice)
    assert "Remise : Remise commerciale" in html and "Frais : Transport" in html and "dont remise : Remise fidélité" in html


def test_the_ledger_posts_the_totals_with_allowances_and_charges(world, parties):
    from tenants.ledger.models import Entry

    invoice = _issue(world, parties["french"], LINES, adjustments=ADJUSTMENTS)
    with tenant_context(world.cae_a):
        entry = Entry.objects.get(source=f"invoice:{invoice.pk}")
        legs = {(line.account, line.debit, line.credit) for line in entry.lines.all()}
    assert legs == {("411", Decimal("454.62"), Decimal("0")), ("706", Decimal("0"), Decimal("394.50")),
                    ("44571", Decimal("0"), Decimal("60.12"))}


def test_a_full_credit_note_carries_the_allowances_and_charges(world, parties):
    invoice = _issue(world, parties["french"], LINES, adjustments=ADJUSTMENTS)
    with tenant_context(world.cae_a):
        note = credit_note_create(invoice=invoice, acting_user=TEST_ACTOR)
        assert (note.total_excl_vat, note.total_vat, note.total_incl_vat) == (
            Decimal("-394.50"), Decimal("-60.12"), Decimal("-454.62"))
        note = invoice_finalise(invoice=note, on=date(2026, 3, 5), acting_user=TEST_ACTOR)
        from tenants.activity.services import credit_note_remaining

        assert credit_note_remaining(invoice).incl_vat == 0
        assert _code(lambda: credit_note_create(invoice=invoice, lines=[LineInput("x", "1", "1")],
                                                acting_user=TEST_ACTOR)) == "credit_note_exceeds_invoice"
    assert _one(_tree(world, note), f"{SUMMATION}/ram:AllowanceTotalAmount") == "20.00"


@pytest.mark.parametrize(("lines", "adjustments", "code", "text"), [
    ([LineInput("A", "1", "100")], [AdjustmentInput("20")], "invoice_allowance_invalid", "indiquez un motif"),
    ([LineInput("A", "1", "100")], [AdjustmentInput("20", reason_code="FC")], "invoice_allowance_invalid",
     "« FC » inconnu (liste UNTDID 5189)"),
    ([LineInput("A", "1", "100")], [AdjustmentInput("20,555", "Remise")], "invoice_allowance_invalid",
     "au centime près"),
    ([LineInput("A", "1", "100")], [AdjustmentInput("150", "Remise")], "invoice_allowance_exceeds_base", "20 %"),
    ([LineInput("A", "1", "100")], [AdjustmentInput("5", "Remise", vat_rate="10.00")],
     "invoice_allowance_exceeds_base", "10 %"),
    ([LineInput("A", "1", "100", allowance="101", allowance_reason="Geste")], [], "invoice_line_invalid",
     "la remise dépasse le montant de la ligne"),
    ([LineInput("A", "1", "100", charge="5")], [], "invoice_line_invalid", "indiquez un motif"),
])
def test_bad_allowances_and_charges_are_refused(world, parties, lines, adjustments, code, text):
    with tenant_context(world.cae_a), pytest.raises(AppError) as err:
        invoice_create_draft(entrepreneur=parties["me"], customer=parties["french"], lines=lines,
                             adjustments=adjustments, acting_user=TEST_ACTOR)
    assert err.value.code == code and text in err.value.message
    with tenant_context(world.cae_a):
        assert not Invoice.objects.filter(customer=parties["french"]).exists()


def test_the_form_takes_allowances_and_charges(world, parties):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    response = me.post("/activite/factures/nouvelle/", {
        "customer": parties["french"].pk, "operation": "services", "currency": "EUR",
        "line-0-description": "Développement", "line-0-quantity": "3", "line-0-unit_price": "100",
        "line-0-vat_rate": "20.00", "line-0-allowance": "30", "line-0-allowance_code": "95",
        "adj-0-kind": "allowance", "adj-0-amount": "20", "adj-0-reason": "Remise commerciale", "adj-0-vat_rate": "20.00",
        "adj-1-kind": "charge", "adj-1-amount": "15", "adj-1-code": "FC", "adj-1-vat_rate": "20.00",
    }, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "Total HT 265,00 €" in html and "Remise commerciale" in html
    pk = response.redirect_chain[-1][0].rstrip("/").split("/")[-1]
    edit = me.get(f"/activite/factures/{pk}/modifier/").content.decode()
    assert 'value="Remise commerciale"' in edit and 'name="line-0-allowance" value="30.00"' in edit
    with tenant_context(world.cae_a):
        invoice = Invoice.objects.get(pk=pk)
        assert [(a.is_charge, a.amount, a.reason_code) for a in invoice.allowances_charges.all()] == [
            (False, Decimal("20.00"), ""), (True, Decimal("15.00"), "FC")]
        # an edit without `adjustments` keeps them
        invoice_update_draft(invoice=invoice, lines=[LineInput("Développement", "3", "100")], acting_user=TEST_ACTOR)
        assert Invoice.objects.get(pk=pk).total_excl_vat == Decimal("295.00")
    bad = me.post("/activite/factures/nouvelle/", {
        "customer": parties["french"].pk, "operation": "services", "line-0-description": "A",
        "line-0-quantity": "1", "line-0-unit_price": "10", "adj-0-kind": "allowance", "adj-0-amount": "1"})
    assert bad.status_code == 400 and "Remise 1 : indiquez un motif" in bad.content.decode()


MONEY = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.99"), places=2, allow_nan=False,
                    allow_infinity=False)
RATES = st.sampled_from([Decimal("20.00"), Decimal("10.00"), Decimal("5.50"), Decimal("2.10"), Decimal("0.00")])


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.tuples(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999"), places=3),
                                MONEY, RATES, MONEY, MONEY), min_size=1, max_size=8),
       allowances=st.lists(st.tuples(MONEY, RATES), max_size=3),
       charges=st.lists(st.tuples(MONEY, RATES), max_size=3))
def test_bt109_and_bt112_always_reconcile(lines, allowances, charges):
    totals = compute_totals(lines, allowances=allowances, charges=charges)
    cent = Decimal("0.01")
    # BT-131 = quantity × price, to the cent, − the line's allowance + its charge; BT-106 = Σ BT-131
    assert totals.lines == sum(((q * p).quantize(cent, ROUND_HALF_UP) - a + c for q, p, _, a, c in lines), Decimal("0"))
    assert totals.excl_vat == totals.lines - sum((a for a, _ in allowances), Decimal("0")) \
        + sum((c for c, _ in charges), Decimal("0"))  # BT-109 = BT-106 − BT-107 + BT-108
    assert totals.incl_vat == totals.excl_vat + totals.vat  # BT-112 = BT-109 + BT-110
    assert totals.vat == sum((r.vat for r in totals.by_rate), Decimal("0"))  # BT-110 = Σ BT-117
    assert sum((r.base for r in totals.by_rate), Decimal("0")) == totals.excl_vat  # Σ BT-116 = BT-109
    for r in totals.by_rate:
        assert r.vat == (r.base * r.rate / 100).quantize(cent, ROUND_HALF_UP)


# -- 5. delivery address, delivery date, invoicing period -----------------------------------------------

def test_structured_delivery_address_and_date(world, parties):
    invoice = _issue(world, parties["french"], [LineInput("Pose", "1", "500")], delivery_street="4 rue Gambetta",
                     delivery_postal_code="51200", delivery_city="Épernay", delivery_country="FR",
                     delivery_date=date(2026, 2, 20))
    tree = _tree(world, invoice)
    address = "//ram:ShipToTradeParty/ram:PostalTradeAddress"
    assert [_one(tree, f"{address}/ram:{name}") for name in ("LineOne", "PostcodeCode", "CityName", "CountryID")] \
        == ["4 rue Gambetta", "51200", "Épernay", "FR"]
    assert _one(tree, "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString") == "20260220"
    html = _html(world, invoice)
    assert "Livraison : 4 rue Gambetta, 51200 Épernay" in html and "Date de livraison ou d'exécution : 20/02/2026" in html


def test_invoicing_period_and_the_default_date(world, parties):
    period = _issue(world, parties["french"], [LineInput("Maintenance février", "1", "300")],
                    period_start="2026-02-01", period_end="2026-02-28")
    tree = _tree(world, period)
    assert _one(tree, f"{SETTLEMENT}/ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString") == "20260201"
    assert _one(tree, f"{SETTLEMENT}/ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString") == "20260228"
    # the service was completed at the end of its period
    assert _one(tree, "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString") == "20260228"
    assert "Période facturée : du 01/02/2026 au 28/02/2026" in _html(world, period)
    plain = _issue(world, parties["french"], [LineInput("Conseil", "1", "300")])
    plain_tree = _tree(world, plain)
    assert _one(plain_tree, "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString") \
        == "20260302"
    assert not _all(plain_tree, "//ram:BillingSpecifiedPeriod") and not _all(plain_tree, "//ram:ShipToTradeParty")
    assert "Période" not in _html(world, plain) and "Date de livraison" not in _html(world, plain)


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"delivery_street": "4 rue Gambetta", "delivery_country": "FR", "delivery_postal_code": "51200"},
     "invoice_delivery_incomplete", "delivery_city"),
    ({"delivery_street": "4 rue Gambetta", "delivery_city": "Épernay", "delivery_country": "FR",
      "delivery_postal_code": "512"}, "invoice_delivery_invalid", "delivery_postal_code"),
    ({"delivery_street": "1 Main St", "delivery_city": "Boston", "delivery_country": "US"},
     "invoice_delivery_invalid", "delivery_country"),
    ({"delivery_city": "Épernay"}, "invoice_delivery_invalid", "delivery_country"),
    ({"period_start": "2026-02-28", "period_end": "2026-02-01"}, "invoice_period_reversed", "period_end"),
    ({"period_start": "2026-02-01"}, "invoice_period_incomplete", "period_end"),
    ({"delivery_date": "31/02/2026"}, "invoice_date_invalid", "delivery_date"),
    ({"delivery_date": "1850-01-01"}, "invoice_date_invalid", "delivery_date"),
    ({"delivery_street": "4 rue\x00 Gambetta"}, "invoice_field_invalid", "delivery_street"),
])
def test_bad_delivery_data_is_refused(world, parties, fields, code, field):
    with tenant_context(world.cae_a), pytest.raises(AppError) as err:
        invoice_create_draft(entrepreneur=parties["me"], customer=parties["french"],
                             lines=[LineInput("A", "1", "10")], acting_user=TEST_ACTOR, **fields)
    assert (err.value.code, err.value.field) == (code, field)


def test_the_form_takes_the_delivery_and_the_period(world, parties):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    response = me.post("/activite/factures/nouvelle/", {
        "customer": parties["french"].pk, "operation": "goods", "currency": "EUR",
        "line-0-description": "Table", "line-0-quantity": "1", "line-0-unit_price": "400",
        "line-0-vat_rate": "20.00", "delivery_street": "4 rue Gambetta", "delivery_postal_code": "51200",
        "delivery_city": "Épernay", "delivery_country": "FR", "delivery_date": "2026-02-20"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "4 rue Gambetta, 51200 Épernay" in html and "20/02/2026" in html
    bad = me.post("/activite/factures/nouvelle/", {
        "customer": parties["french"].pk, "operation": "services", "line-0-description": "A",
        "line-0-quantity": "1", "line-0-unit_price": "10", "period_start": "2026-02-28", "period_end": "2026-02-01"})
    assert bad.status_code == 400 and "la fin ne peut précéder le début" in bad.content.decode()


# -- 6. currency ------------------------------------------------------------------------------------

def test_euros_only(world, parties):
    with tenant_context(world.cae_a), pytest.raises(AppError) as err:
        invoice_create_draft(entrepreneur=parties["me"], customer=parties["belgian"],
                             lines=[LineInput("A", "1", "10", "0.00")], currency="USD", acting_user=TEST_ACTOR)
    assert err.value.code == "invoice_currency_not_eur" and "euros uniquement" in err.value.message
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    bad = me.post("/activite/factures/nouvelle/", {
        "customer": parties["french"].pk, "operation": "services", "currency": "GBP", "line-0-description": "A",
        "line-0-quantity": "1", "line-0-unit_price": "10"})
    assert bad.status_code == 400 and "Devise « GBP » refusée" in bad.content.decode()
    invoice = _issue(world, parties["french"], [LineInput("A", "1", "10")])
    tree = _tree(world, invoice)
    assert _one(tree, f"{SETTLEMENT}/ram:InvoiceCurrencyCode") == "EUR"
    assert not _all(tree, f"{SETTLEMENT}/ram:TaxCurrencyCode")  # BT-6 only for another currency


# -- the API ---------------------------------------------------------------------------------------

def test_the_api_serves_the_new_content(world, parties):
    from django.test import Client

    from api.keys.services import apikey_create

    invoice = _issue(world, parties["french"], LINES, adjustments=ADJUSTMENTS, period_start="2026-02-01",
                     period_end="2026-02-28")
    with tenant_context(world.cae_a):
        _, secret = apikey_create(name="Cabinet", scopes=["activity:read"], acting_user=world.user("director_a"))
    client = Client(HTTP_HOST=f"{world.cae_a.slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = client.get(f"/api/v1/invoices/{invoice.pk}").json()
    assert body["currency"] == "EUR"
    assert (body["total_allowances"], body["total_charges"], body["total_excl_vat"]) == ("20.00", "15.00", "394.50")
    assert (body["period_start"], body["period_end"], body["delivery_date"]) == ("2026-02-01", "2026-02-28", None)
    assert [(a["is_charge"], a["amount"], a["reason_code"]) for a in body["allowances_charges"]] == [
        (False, "20.00", ""), (True, "15.00", "FC")]
    assert [(line["amount"], line["allowance_amount"], line["charge_amount"]) for line in body["lines"]] == [
        ("270.00", "30.00", "0.00"), ("129.50", "0.00", "4.50")]


def test_the_api_rows_match_the_serializer_over_instances(world, parties):
    from api.activity.serializers import InvoiceSerializer
    from api.activity.views import INVOICE_PLAN, _issued

    invoice = _issue(world, parties["belgian"], [LineInput("Conseil", "2", "100", "0.00", allowance="15",
                                                           allowance_reason="Geste")],
                     adjustments=[AdjustmentInput("5", "", "FC", "0.00", is_charge=True)],
                     delivery_street="Rue Haute 12", delivery_city="Bruxelles", delivery_country="BE",
                     delivery_date="2026-02-27")
    with tenant_context(world.cae_a):
        expected = InvoiceSerializer(Invoice.objects.filter(pk=invoice.pk), many=True).data
        assert INVOICE_PLAN.render(INVOICE_PLAN.values(_issued().filter(pk=invoice.pk))) == expected
    assert expected[0]["lines"][0]["amount"] == "185.00" and expected[0]["delivery_country"] == "BE"
