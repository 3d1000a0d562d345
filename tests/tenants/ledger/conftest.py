from datetime import date

import pytest

from tenants.activity.services import (
    LineInput,
    credit_note_create,
    invoice_create_draft,
    invoice_finalise,
    payment_record,
)
from tests.factories import TEST_ACTOR, make_customer, make_person


@pytest.fixture
def books(in_cae_a):
    """In CAE A: two invoices (one mixing two VAT rates), a credit note, a payment: four entries,
    2026-000001 to 2026-000004, and 1530.00 of revenue (706) for the year."""
    person = make_person()
    customer = make_customer(person, "Boulangerie\tDupont \\ fils")
    a = invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer, lines=[
        LineInput("Conseil", "2", "250", "20.00"), LineInput("Livre", "1", "30", "5.50")],
                                                      acting_user=TEST_ACTOR), on=date(2026, 2, 1),
                         acting_user=TEST_ACTOR)
    b = invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer, lines=[
        LineInput("Site", "1", "1200")], acting_user=TEST_ACTOR), on=date(2026, 3, 1), acting_user=TEST_ACTOR)
    invoice_finalise(invoice=credit_note_create(invoice=b, lines=[LineInput("Remise", "1", "200")],
                                                acting_user=TEST_ACTOR),
                     on=date(2026, 3, 5), acting_user=TEST_ACTOR)
    payment_record(invoice=a, amount=str(a.total_incl_vat), received_on=date(2026, 2, 20),
                   acting_user=TEST_ACTOR)
    return person, customer, [a, b]
