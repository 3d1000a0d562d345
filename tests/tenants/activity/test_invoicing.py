"""Invoices: totals to the cent, gapless numbering under parallel finalisations, credit notes,
immutability of what was issued, bad input refused in French."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from essaim.core.errors import AppError
from tenants.activity.models import ActivitySettings, Invoice
from tenants.activity.services import (
    LineInput,
    credit_note_create,
    customer_create,
    invoice_create_draft,
    invoice_delete,
    invoice_finalise,
    invoice_update_draft,
)
from tenants.activity.totals import compute_totals, line_amount
from tests.conftest import tenant_context
from tests.factories import TEST_ACTOR, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(in_cae_a):
    person = make_person()
    customer = customer_create(entrepreneur=person, name="Boulangerie Dupont", siren="732829320",
                               siret="73282932000017", vat_number="FR44732829320", billing_address="3 rue Libergier",
                               billing_postal_code="51100", billing_city="Reims", acting_user=TEST_ACTOR)
    return person, customer


def draft(person, customer, *lines, **kwargs):
    lines = lines or (LineInput("Conception graphique", "3", "450.00"),)
    return invoice_create_draft(entrepreneur=person, customer=customer, lines=list(lines), acting_user=TEST_ACTOR,
                                **kwargs)


def test_totals_per_rate_to_the_cent(activity):
    person, customer = activity
    invoice = draft(person, customer,
                    LineInput("Atelier", "1.5", "33.33", "20.00"),  # 49.995 → 50.00
                    LineInput("Livre", "3", "9.99", "5.50"),        # 29.97, VAT 1.65
                    LineInput("Conseil", "2", "100", "20.00"))
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        Decimal("279.97"), Decimal("51.65"), Decimal("331.62"))


@given(st.lists(st.tuples(st.decimals(min_value="0.001", max_value="10000", places=3),
                          st.decimals(min_value="0", max_value="100000", places=2),
                          st.sampled_from([Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"), Decimal("0")])),
                min_size=1, max_size=20))
def test_totals_reconcile(lines):
    totals = compute_totals(lines)
    assert totals.excl_vat == sum(line_amount(q, p) for q, p, _ in lines)
    assert totals.incl_vat == totals.excl_vat + totals.vat
    for rate_total in totals.by_rate:
        assert rate_total.vat.as_tuple().exponent == -2
        assert abs(rate_total.vat - rate_total.base * rate_total.rate / 100) <= Decimal("0.005")


def test_finalise_numbers_in_order_and_freezes(activity):
    person, customer = activity
    first = invoice_finalise(invoice=draft(person, customer), on=date(2026, 3, 1), acting_user=TEST_ACTOR)
    second = invoice_finalise(invoice=draft(person, customer), on=date(2026, 3, 2), acting_user=TEST_ACTOR)
    assert (first.number, second.number) == ("F2026-00001", "F2026-00002")
    assert first.due_on == date(2026, 3, 31)
    with pytest.raises(AppError, match="ne se modifie plus"):
        invoice_update_draft(invoice=first, lines=[LineInput("x", "1", "1")], acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="ne se supprime jamais"):
        invoice_delete(invoice=first, acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="chronologique"):
        invoice_finalise(invoice=draft(person, customer), on=date(2026, 2, 1), acting_user=TEST_ACTOR)


def test_the_database_refuses_to_touch_an_issued_invoice(activity):
    person, customer = activity
    invoice = invoice_finalise(invoice=draft(person, customer), on=date(2026, 3, 1), acting_user=TEST_ACTOR)
    with pytest.raises(IntegrityError, match="ne se modifie"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(total_incl_vat=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        invoice.lines.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).delete()


def test_numbering_policies(activity):
    person, customer = activity
    settings = ActivitySettings.current()
    settings.numbering = ActivitySettings.Numbering.PER_ENTREPRENEUR
    settings.save()
    assert invoice_finalise(invoice=draft(person, customer),
                            acting_user=TEST_ACTOR).number == f"F-E{person.pk}-00001"
    settings.numbering = ActivitySettings.Numbering.CONTINUOUS
    settings.save()
    assert invoice_finalise(invoice=draft(person, customer), acting_user=TEST_ACTOR).number == "F-00001"


def test_credit_notes_fully_and_partly(activity):
    person, customer = activity
    invoice = invoice_finalise(invoice=draft(person, customer, LineInput("Logo", "1", "1000.00"),
                                             LineInput("Charte", "1", "500.00")), on=date(2026, 4, 1),
                               acting_user=TEST_ACTOR)
    partial = credit_note_create(invoice=invoice, lines=[LineInput("Remise sur logo", "1", "200.00")],
                                 acting_user=TEST_ACTOR)
    assert partial.total_incl_vat == Decimal("-240.00") and partial.corrects == invoice
    assert invoice_finalise(invoice=partial, on=date(2026, 4, 2),
                            acting_user=TEST_ACTOR).number == "AV2026-00001"
    with pytest.raises(AppError) as exc:
        credit_note_create(invoice=invoice, acting_user=TEST_ACTOR)  # the full amount no longer remains
    assert exc.value.code == "credit_note_exceeds_invoice"
    rest = credit_note_create(invoice=invoice, lines=[LineInput("Solde", "1", "1300.00")],
                              acting_user=TEST_ACTOR)
    assert rest.total_incl_vat == Decimal("-1560.00")
    with pytest.raises(AppError, match="facture émise"):
        credit_note_create(invoice=draft(person, customer), acting_user=TEST_ACTOR)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"siren": "123456789"}, "SIREN invalide"),
        ({"vat_number": "FR00123"}, "TVA intracommunautaire invalide"),
        ({"billing_postal_code": "5100"}, "Code postal"),
    ],
)
def test_customer_bad_input(activity, fields, message):
    person, _ = activity
    base = {"name": "Client", "billing_address": "1 rue", "billing_postal_code": "51100", "billing_city": "Reims"}
    with pytest.raises(ValidationError) as exc:
        customer_create(entrepreneur=person, acting_user=TEST_ACTOR, **(base | fields))
    assert message in str(exc.value)


def test_invoice_bad_input_writes_nothing(activity):
    person, customer = activity
    with pytest.raises(AppError, match="au moins une ligne"):
        invoice_create_draft(entrepreneur=person, customer=customer, lines=[], acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="Ligne 2"):
        draft(person, customer, LineInput("ok", "1", "10"), LineInput("négatif", "1", "-5"))
    with pytest.raises(AppError, match="quantité ou prix invalide"):
        draft(person, customer, LineInput("x", "deux", "10"))
    with pytest.raises(AppError, match="mention légale"):
        draft(person, customer, LineInput("Formation", "1", "800", "0.00"))
    assert Invoice.objects.count() == 0
    ok = draft(person, customer, LineInput("Formation", "1", "800", "0.00"),
               exemption_mention="Exonération de TVA, art. 261-4-4° du CGI")
    assert ok.total_vat == Decimal("0.00")


@pytest.fixture(scope="module")
def sixteen_drafts(world, django_db_blocker):
    """Committed drafts in a CAE of this module's own, for real parallel transactions."""
    from tenants.people.models import Site
    from tenants.people.services import entrepreneur_create
    from tests.conftest import _make_cooperative, drop_cooperative

    with django_db_blocker.unblock():
        cae = _make_cooperative("numerotation", "CAE Numérotation", 66666666)
        with tenant_context(cae):
            site = Site.objects.create(name="Siège", kind="head_office", city="Reims", department="51")
            person = entrepreneur_create(site=site, first_name="A", last_name="B", gender="F",
                                         acting_user=TEST_ACTOR)
            customer = customer_create(entrepreneur=person, name="C", billing_address="1 rue",
                                       billing_postal_code="51100", billing_city="Reims",
                                       acting_user=TEST_ACTOR)
            drafts = [draft(person, customer) for _ in range(16)]
    yield cae, drafts
    with django_db_blocker.unblock():
        drop_cooperative(cae)


def test_sixteen_concurrent_finalisations_no_gap_no_duplicate(sixteen_drafts, django_db_blocker):
    from tests.conftest import run_in_parallel

    cae, drafts = sixteen_drafts
    outcomes = run_in_parallel(lambda d: invoice_finalise(invoice=d, on=date(2026, 5, 4),
                                                          acting_user=TEST_ACTOR).number, drafts,
                               cooperative=cae, django_db_blocker=django_db_blocker)
    assert sorted(outcomes) == [f"F2026-{n:05d}" for n in range(1, 17)], outcomes
    with tenant_context(cae):
        numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"F2026-{n:05d}" for n in range(1, 17)]


def test_first_finalised_invoice_opens_the_cesa(activity):
    from tenants.people.journey import EventKind, Stage
    from tenants.people.services import journey_record_event

    person, customer = activity
    from datetime import timedelta

    today = date.today()
    journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=today, acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CAPE_SIGNED, on=today, ends_on=today + timedelta(days=300),
                         acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="premier chiffre"):
        journey_record_event(person=person, kind=EventKind.CESA_SIGNED, on=date.today(),
                             weekly_hours=Decimal("10"), monthly_gross=Decimal("600"), acting_user=TEST_ACTOR)
    invoice_finalise(invoice=draft(person, customer), on=date.today(), acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CESA_SIGNED, on=date.today(),
                         weekly_hours=Decimal("10"), monthly_gross=Decimal("600"), acting_user=TEST_ACTOR)
    person.refresh_from_db()
    assert person.stage == Stage.CESA


def test_payments_states_and_aged_receivables(activity):
    from tenants.activity.services import aged_receivables, invoice_payment_state, payment_record

    person, customer = activity
    invoice = invoice_finalise(invoice=draft(person, customer), on=date(2026, 3, 1),
                               acting_user=TEST_ACTOR)  # 1620.00 TTC, due 31/03
    assert invoice_payment_state(invoice, today=date(2026, 3, 10)) == "open"
    payment_record(invoice=invoice, amount="620.00", received_on=date(2026, 3, 15), acting_user=TEST_ACTOR)
    assert invoice_payment_state(invoice, today=date(2026, 3, 20)) == "partly_paid"
    assert invoice_payment_state(invoice, today=date(2026, 5, 15)) == "overdue"
    (row,) = aged_receivables(today=date(2026, 5, 15))
    assert row["balance"] == Decimal("1000.00") and row["bucket"] == "31-60"
    with pytest.raises(AppError, match="dépasse le reste dû"):
        payment_record(invoice=invoice, amount="1000.01", received_on=date(2026, 4, 1),
                       acting_user=TEST_ACTOR)
    for bad in ("0", "-5", "12.345", "abc"):
        with pytest.raises(AppError):
            payment_record(invoice=invoice, amount=bad, received_on=date(2026, 4, 1), acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match="précéder"):
        payment_record(invoice=invoice, amount="10", received_on=date(2026, 2, 1), acting_user=TEST_ACTOR)
    note = credit_note_create(invoice=invoice, lines=[LineInput("Geste", "1", "500.00")],
                              acting_user=TEST_ACTOR)
    invoice_finalise(invoice=note, on=date(2026, 4, 2), acting_user=TEST_ACTOR)  # -600.00
    payment_record(invoice=invoice, amount="400.00", received_on=date(2026, 4, 3), acting_user=TEST_ACTOR)
    assert invoice_payment_state(invoice, today=date(2026, 6, 1)) == "paid"
    assert aged_receivables(today=date(2026, 6, 1)) == []
