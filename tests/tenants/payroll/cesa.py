"""People on a CESA with a funded activity account, for payroll tests (in the current schema)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise
from tenants.people.journey import EventKind
from tenants.people.services import journey_record_event
from tests.factories import TEST_ACTOR, make_customer, make_person


def cesa_person(*, first_name="Léa", last_name="Martin", email="", user=None, starts_on=date(2026, 1, 1),
                weekly_hours="35", monthly_gross="1823.03", revenue=(), ends_on=None):
    """A person whose CESA starts on `starts_on`, with issued invoices `revenue` = [(date, excl. VAT)]
    (the activity account's revenue; the first one at least a day before the CESA)."""
    person = make_person(first_name=first_name, last_name=last_name, email=email, user=user,
                         opened_on=date(2025, 1, 2))
    journey_record_event(person=person, kind=EventKind.FOLLOW_UP, on=date(2025, 1, 3), acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CAPE_SIGNED, on=date(2025, 2, 1), ends_on=date(2026, 1, 31),
                         acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.FIRST_REVENUE, on=date(2025, 3, 1),
                         acting_user=TEST_ACTOR)
    journey_record_event(person=person, kind=EventKind.CESA_SIGNED, on=starts_on, weekly_hours=Decimal(weekly_hours),
                         monthly_gross=Decimal(monthly_gross), acting_user=TEST_ACTOR)
    if revenue:
        customer = make_customer(person, f"Client de {first_name}")
        for on, amount in revenue:
            invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer,
                                                          lines=[LineInput("Prestation", "1", str(amount))],
                                                          acting_user=TEST_ACTOR), on=on,
                             acting_user=TEST_ACTOR)
    if ends_on is not None:
        journey_record_event(person=person, kind=EventKind.EXIT, on=ends_on, outcome="found_job",
                             acting_user=TEST_ACTOR)
    return person
