"""Drafts edited in the app (invoices and credit notes), partial credit notes: a credit note never
goes beyond what remains of its invoice — on creation and on edition, per VAT rate and in total —
and the invoice's balance and state follow the credit notes issued."""

import re
from datetime import date
from decimal import Decimal

import pytest

from essaim.core.errors import AppError
from tenants.activity.models import Invoice
from tenants.activity.services import (
    LineInput,
    aged_receivables,
    credit_note_create,
    credit_note_remaining_lines,
    invoice_balance,
    invoice_create_draft,
    invoice_finalise,
    invoice_payment_state,
    invoice_update_draft,
    payment_record,
)
from tests.conftest import client_for, tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person

pytestmark = pytest.mark.django_db

LINES = [LineInput("Logo", "1", "1000.00"), LineInput("Charte graphique", "2", "250.00")]  # 1500 HT, 1800 TTC


@pytest.fixture
def issued(in_cae_a):
    person = make_person()
    customer = make_customer(person, "Boulangerie Dupont", siren="732829320")
    invoice = invoice_create_draft(entrepreneur=person, customer=customer, lines=LINES,
                                   acting_user=TEST_ACTOR)
    return invoice_finalise(invoice=invoice, on=date(2026, 4, 1), acting_user=TEST_ACTOR)


def lines_of(document) -> list[tuple]:
    return list(document.lines.values_list("description", "quantity", "unit_price", "vat_rate"))


# -- the services -------------------------------------------------------------------------------


def test_a_full_credit_note_issued_brings_the_balance_to_zero(issued):
    assert invoice_payment_state(issued, today=date(2026, 4, 2)) == "open"
    note = invoice_finalise(invoice=credit_note_create(invoice=issued,
                                                       acting_user=TEST_ACTOR), on=date(2026, 4, 2),
                            acting_user=TEST_ACTOR)
    assert note.total_incl_vat == Decimal("-1800.00") and note.number == "AV2026-00001"
    assert invoice_balance(issued) == Decimal("0.00")
    assert invoice_payment_state(issued, today=date(2026, 9, 1)) == "credited"  # not overdue: nothing is due
    assert aged_receivables(today=date(2026, 9, 1)) == []
    with pytest.raises(AppError) as refused:
        payment_record(invoice=issued, amount="0.01", received_on=date(2026, 4, 3), acting_user=TEST_ACTOR)
    assert refused.value.code == "payment_exceeds_balance"
    with pytest.raises(AppError) as refused:
        credit_note_create(invoice=issued, lines=[LineInput("Encore", "1", "0.01")], acting_user=TEST_ACTOR)
    assert refused.value.code == "credit_note_exceeds_invoice"


def test_a_partial_then_the_remainder_both_issued_reach_zero(issued):
    partial = credit_note_create(invoice=issued, lines=[LineInput("Charte graphique", "1", "250.00")],
                                 acting_user=TEST_ACTOR)
    invoice_finalise(invoice=partial, on=date(2026, 4, 5), acting_user=TEST_ACTOR)
    assert invoice_balance(issued) == Decimal("1500.00")  # 1800 − 300
    # A partly credited invoice is not "partly paid": nothing was paid.
    assert invoice_payment_state(issued, today=date(2026, 4, 6)) == "open"
    remainder = credit_note_remaining_lines(issued)
    assert [(line.description, line.quantity) for line in remainder] == [("Logo", Decimal("1")),
                                                                         ("Charte graphique", Decimal("1"))]
    with pytest.raises(AppError, match="dépasse le reste"):
        credit_note_create(invoice=issued, acting_user=TEST_ACTOR)  # the whole invoice no longer remains
    rest = invoice_finalise(invoice=credit_note_create(invoice=issued, lines=remainder,
                                                       acting_user=TEST_ACTOR), on=date(2026, 4, 6),
                            acting_user=TEST_ACTOR)
    assert rest.total_incl_vat == Decimal("-1500.00") and rest.number == "AV2026-00002"
    assert invoice_balance(issued) == Decimal("0.00")
    assert invoice_payment_state(issued, today=date(2026, 6, 1)) == "credited"
    assert credit_note_remaining_lines(issued) == []


def test_paid_in_part_then_the_rest_credited_is_settled(issued):
    payment_record(invoice=issued, amount="600.00", received_on=date(2026, 4, 3), acting_user=TEST_ACTOR)
    note = credit_note_create(invoice=issued, lines=[LineInput("Geste commercial", "1", "1000.00")],
                              acting_user=TEST_ACTOR)
    invoice_finalise(invoice=note, on=date(2026, 4, 4), acting_user=TEST_ACTOR)
    assert invoice_balance(issued) == Decimal("0.00")
    assert invoice_payment_state(issued, today=date(2026, 6, 1)) == "paid"
    # Another line than the invoice's: the remainder is offered per VAT rate.
    assert [(line.description, line.unit_price) for line in credit_note_remaining_lines(issued)] == [
        (f"Solde de la facture {issued.number}", Decimal("500.00"))]


@pytest.mark.parametrize(("lines", "message"), [
    ([LineInput("Trop", "1", "1500.01")], "au taux de TVA de 20 % (1500.00 € HT restent à créditer)"),
    ([LineInput("Charte graphique", "3", "250.00"), LineInput("Logo", "1", "800")], "au taux de TVA de 20 %"),
    ([LineInput("Livre", "1", "10", "5.50")], "au taux de TVA de 5,5 % (0.00 € HT restent à créditer)"),
])
def test_over_crediting_is_refused_and_nothing_written(issued, lines, message):
    with pytest.raises(AppError, match=re.escape(message)) as refused:
        credit_note_create(invoice=issued, lines=lines, acting_user=TEST_ACTOR)
    assert refused.value.code == "credit_note_exceeds_invoice"
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_editing_a_credit_note_draft_keeps_within_what_remains(issued):
    first = credit_note_create(invoice=issued, lines=[LineInput("Remise", "1", "200.00")],
                               acting_user=TEST_ACTOR)  # 240 TTC
    second = credit_note_create(invoice=issued, lines=[LineInput("Solde", "1", "1300.00")],
                                acting_user=TEST_ACTOR)  # 1560 TTC
    # The other draft holds 1560 of the 1800: this one can hold 240 at most.
    with pytest.raises(AppError) as refused:
        invoice_update_draft(invoice=first, lines=[LineInput("Remise", "1", "200.01")],
                             acting_user=TEST_ACTOR)
    assert refused.value.code == "credit_note_exceeds_invoice"
    assert lines_of(first) == [("Remise", Decimal("1.000"), Decimal("200.00"), "20.00")]
    first.refresh_from_db()
    assert first.total_incl_vat == Decimal("-240.00")
    # Within what remains (its own amount does not count against itself).
    edited = invoice_update_draft(invoice=first, lines=[LineInput("Remise", "1", "150.00")],
                                  acting_user=TEST_ACTOR)
    assert edited.total_incl_vat == Decimal("-180.00")
    assert invoice_update_draft(invoice=second, lines=[LineInput("Solde", "1", "1350.00")],
                                acting_user=TEST_ACTOR).total_incl_vat == \
        Decimal("-1620.00")
    with pytest.raises(AppError, match="taux de TVA de 10 %"):
        invoice_update_draft(invoice=second, lines=[LineInput("Solde", "1", "1", "10.00")],
                             acting_user=TEST_ACTOR)
    with pytest.raises(AppError) as refused:
        invoice_update_draft(invoice=second, lines=[LineInput("Solde", "1", "1350.00")],
                             customer=make_customer(issued.entrepreneur, "Autre client", siren="552100554"),
                             acting_user=TEST_ACTOR)
    assert refused.value.code == "credit_note_customer_fixed"


def test_editing_an_invoice_draft_and_its_customer(issued):
    person = issued.entrepreneur
    draft = invoice_create_draft(entrepreneur=person, customer=issued.customer, lines=LINES,
                                 acting_user=TEST_ACTOR)
    other_customer = make_customer(person, "Épicerie Martin", siren="552100554")
    edited = invoice_update_draft(invoice=draft, lines=[LineInput("Site", "1", "100")], customer=other_customer,
                                  purchase_order="BC-12", acting_user=TEST_ACTOR)
    assert (edited.customer, edited.purchase_order, edited.total_incl_vat) == (other_customer, "BC-12",
                                                                               Decimal("120.00"))
    stranger = make_customer(make_person(first_name="Paul", last_name="Autre"), "Client de Paul", siren="552100554")
    with pytest.raises(AppError) as refused:
        invoice_update_draft(invoice=draft, lines=[LineInput("Site", "1", "100")], customer=stranger,
                             acting_user=TEST_ACTOR)
    assert refused.value.code == "customer_of_another_activity"
    draft.refresh_from_db()
    assert draft.customer == other_customer
    with pytest.raises(AppError, match="ne se modifie plus"):
        invoice_update_draft(invoice=issued, lines=[LineInput("x", "1", "1")], acting_user=TEST_ACTOR)
    note = invoice_finalise(invoice=credit_note_create(invoice=issued, lines=[LineInput("R", "1", "1")],
                                                       acting_user=TEST_ACTOR),
                            on=date(2026, 4, 2), acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="ne se modifie plus"):
        invoice_update_draft(invoice=note, lines=[LineInput("R", "1", "2")], acting_user=TEST_ACTOR)


# -- the pages ----------------------------------------------------------------------------------


@pytest.fixture
def pages(world):
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        me = make_person(user=world.user("entrepreneur_a"))
        other = make_person(first_name="Paul", last_name="Autre")
        mine = make_customer(me, "Client de Léa", siren="732829320")
        theirs = make_customer(other, "Client de Paul", siren="552100554")
        my_draft = invoice_create_draft(entrepreneur=me, customer=mine, lines=LINES, acting_user=accounts_a)
        their_draft = invoice_create_draft(entrepreneur=other, customer=theirs, lines=[LineInput("Secret", "1", "9")],
                                           acting_user=accounts_a)
        issued = invoice_finalise(invoice=invoice_create_draft(entrepreneur=me, customer=mine, lines=LINES,
                                                               acting_user=accounts_a),
                                  on=date.today(), acting_user=accounts_a)
    return {"me": me, "mine": mine, "my_draft": my_draft, "their_draft": their_draft, "issued": issued}


def _lines_post(*rows, **extra) -> dict:
    data = {"rows": "6"} | extra
    for i, (description, quantity, price) in enumerate(rows):
        data |= {f"line-{i}-description": description, f"line-{i}-quantity": quantity,
                 f"line-{i}-unit_price": price, f"line-{i}-vat_rate": "20.00"}
    return data


def test_entrepreneur_edits_their_invoice_draft_on_the_page(world, pages):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    draft = pages["my_draft"]
    form = me.get(f"/activite/factures/{draft.pk}/modifier/")
    html = form.content.decode()
    assert form.status_code == 200 and 'value="Charte graphique"' in html and 'value="250.00"' in html
    assert "Modifier le brouillon" in me.get(f"/activite/factures/{draft.pk}/").content.decode()
    saved = me.post(f"/activite/factures/{draft.pk}/modifier/", _lines_post(
        ("Logo", "1", "1000.00"), ("Charte graphique", "1", "250.00"),
        customer=pages["mine"].pk, operation="services", purchase_order="BC-7"), follow=True)
    assert "Brouillon enregistré" in saved.content.decode() and "Total TTC 1500,00 €" in saved.content.decode()
    bad = me.post(f"/activite/factures/{draft.pk}/modifier/", _lines_post(
        ("Logo", "un", "1000.00"), customer=pages["mine"].pk, operation="services"))
    assert bad.status_code == 400 and "Ligne 1 : quantité ou prix invalide" in bad.content.decode()
    assert 'value="un"' in bad.content.decode()  # what was typed is shown again
    with tenant_context(world.cae_a):
        draft.refresh_from_db()
        assert (draft.total_incl_vat, draft.purchase_order) == (Decimal("1500.00"), "BC-7")


def test_issued_documents_and_other_activities_drafts_cannot_be_edited(world, pages):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    issued = pages["issued"]
    refused = me.post(f"/activite/factures/{issued.pk}/modifier/", _lines_post(
        ("Changé", "1", "1"), customer=pages["mine"].pk, operation="services"), follow=True)
    assert "est émis : il ne se modifie plus" in refused.content.decode()
    assert me.get(f"/activite/factures/{pages['their_draft'].pk}/modifier/").status_code == 404
    assert me.post(f"/activite/factures/{pages['their_draft'].pk}/modifier/", _lines_post(
        ("Changé", "1", "1"), customer=pages["mine"].pk, operation="services")).status_code == 404
    other_cae = client_for(world.cae_b, world.user("director_b"))
    assert other_cae.get(f"/activite/factures/{pages['my_draft'].pk}/modifier/").status_code == 404
    assert other_cae.post(f"/activite/factures/{pages['my_draft'].pk}/modifier/", _lines_post(
        ("Changé", "1", "1"), operation="services")).status_code == 404
    with tenant_context(world.cae_a):
        assert lines_of(Invoice.objects.get(pk=issued.pk)) == lines_of(Invoice.objects.get(pk=pages["my_draft"].pk))
        assert not Invoice.objects.filter(lines__description="Changé").exists()


def test_accounts_credit_part_then_the_rest_through_the_page(world, pages):
    issued = pages["issued"]
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    detail = accounts.get(f"/activite/factures/{issued.pk}/").content.decode()
    assert f'href="/activite/factures/{issued.pk}/avoir/"' in detail
    offer = accounts.get(f"/activite/factures/{issued.pk}/avoir/").content.decode()
    assert 'name="line-1-quantity" value="2"' in offer and "1800,00 € TTC" in offer
    # One of the two days of graphic charter.
    created = accounts.post(f"/activite/factures/{issued.pk}/avoir/", _lines_post(("Charte graphique", "1", "250.00")),
                            follow=True)
    assert "Avoir créé en brouillon" in created.content.decode()
    with tenant_context(world.cae_a):
        note = Invoice.objects.get(kind="credit_note")
    assert note.corrects_id == issued.pk and note.total_incl_vat == Decimal("-300.00")
    # The draft is edited, within what remains, then issued.
    too_much = accounts.post(f"/activite/factures/{note.pk}/modifier/", _lines_post(
        ("Charte graphique", "8", "250.00"), operation="services"))
    assert too_much.status_code == 400 and "dépasse le reste de la facture" in too_much.content.decode()
    accounts.post(f"/activite/factures/{note.pk}/action/", {"action": "finalise"})
    # What remains is offered: the logo and the other day.
    offer = accounts.get(f"/activite/factures/{issued.pk}/avoir/").content.decode()
    assert 'name="line-0-description" value="Logo"' in offer and 'name="line-1-quantity" value="1"' in offer
    over = accounts.post(f"/activite/factures/{issued.pk}/avoir/", _lines_post(
        ("Logo", "1", "1000.00"), ("Charte graphique", "2", "250.00")))
    assert over.status_code == 400 and "dépasse le reste de la facture" in over.content.decode()
    accounts.post(f"/activite/factures/{issued.pk}/avoir/", _lines_post(
        ("Logo", "1", "1000.00"), ("Charte graphique", "1", "250.00")))
    with tenant_context(world.cae_a):
        rest = Invoice.objects.filter(kind="credit_note", status="draft").get()
        assert Invoice.objects.filter(kind="credit_note").count() == 2
    accounts.post(f"/activite/factures/{rest.pk}/action/", {"action": "finalise"})
    page = accounts.get(f"/activite/factures/{issued.pk}/").content.decode()
    assert "annulée par avoir" in page and "0,00 €" in page
    done = accounts.get(f"/activite/factures/{issued.pk}/avoir/", follow=True)
    assert "déjà entièrement couverte par ses avoirs" in done.content.decode()


def test_only_director_and_accounts_of_this_cae_establish_or_edit_credit_notes(world, pages):
    issued = pages["issued"]
    with tenant_context(world.cae_a):
        note = credit_note_create(invoice=issued, lines=[LineInput("Remise", "1", "10")],
                                  acting_user=world.user("accounts_a"))
    for role in ("entrepreneur_a", "counsellor_a"):
        client = client_for(world.cae_a, world.user(role))
        assert client.get(f"/activite/factures/{issued.pk}/avoir/").status_code == 403
        assert client.post(f"/activite/factures/{issued.pk}/avoir/", _lines_post(("X", "1", "1"))).status_code == 403
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert me.get(f"/activite/factures/{note.pk}/modifier/").status_code == 403
    assert me.post(f"/activite/factures/{note.pk}/modifier/", _lines_post(
        ("X", "1", "1"), operation="services")).status_code == 403
    other = client_for(world.cae_b, world.user("director_b"))
    assert other.get(f"/activite/factures/{issued.pk}/avoir/").status_code == 404
    assert other.post(f"/activite/factures/{issued.pk}/avoir/", _lines_post(("X", "1", "1"))).status_code == 404
    assert other.post(f"/activite/factures/{note.pk}/modifier/", _lines_post(
        ("X", "1", "1"), operation="services")).status_code == 404
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    on_a_draft = accounts.get(f"/activite/factures/{pages['my_draft'].pk}/avoir/", follow=True)
    assert "Un avoir corrige une facture émise" in on_a_draft.content.decode()
    with tenant_context(world.cae_a):
        assert list(Invoice.objects.filter(kind="credit_note").values_list("pk", flat=True)) == [note.pk]
        assert lines_of(Invoice.objects.get(pk=note.pk)) == [("Remise", Decimal("1.000"), Decimal("10.00"), "20.00")]
