"""E-reporting of a month with B2C sales, a sale to an EU business and payments for services:
the periods of each calendar, the flux 10 files valid against the official XSD with the books'
amounts, handed to the sandbox platform as FRR flows and acknowledged; a report is sent once per
period; the page refuses other CAEs and roles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from lxml import etree

from tenants.activity.ereporting import ereporting_build, ereporting_frequency_set, ereporting_send
from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise, payment_record
from tenants.einvoicing.flux10 import flux10_check_xsd
from tenants.einvoicing.models import Flow, Report
from tenants.einvoicing.periods import Period, period_containing
from tenants.einvoicing.services import flow_submit, flows_sync
from tests.conftest import client_for, host_of, tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person
from tests.tenants.einvoicing.conftest import connect

REFS = Path(__file__).resolve().parents[3].parent / "shared" / "design" / "refs" / "einvoicing_fr"
pytestmark = pytest.mark.django_db
MONTH = Period(date(2026, 10, 1), date(2026, 10, 31))


def test_calendars():
    assert period_containing(date(2026, 10, 15), "decade") == Period(date(2026, 10, 11), date(2026, 10, 20))
    assert period_containing(date(2026, 2, 25), "decade") == Period(date(2026, 2, 21), date(2026, 2, 28))
    assert period_containing(date(2026, 10, 15), "monthly") == MONTH
    assert period_containing(date(2026, 12, 2), "bimonthly") == Period(date(2026, 11, 1), date(2026, 12, 31))


def _issue(person, customer, amount: str, on: date, rate: str = "20.00", **extra):
    draft = invoice_create_draft(entrepreneur=person, customer=customer, operation="services", acting_user=TEST_ACTOR,
                                 lines=[LineInput("Atelier", Decimal("1"), Decimal(amount), rate)], **extra)
    return invoice_finalise(invoice=draft, on=on, acting_user=TEST_ACTOR)


@pytest.fixture
def month(sandbox, world, db):
    connect(sandbox, world.cae_a)
    with tenant_context(world.cae_a):
        from tenants.einvoicing.models import PlatformConnection

        PlatformConnection.objects.update(platform_number="9999")
        person = make_person()
        jeanne = make_customer(person, "Jeanne Particulier", kind="individual")
        eu = make_customer(person, "Berlin GmbH", kind="company", country="DE", vat_number="DE136695976",
                           billing_postal_code="10115", billing_city="Berlin")
        first = _issue(person, jeanne, "100.00", date(2026, 10, 5))
        _issue(person, jeanne, "50.00", date(2026, 10, 5), rate="10.00")
        abroad = _issue(person, eu, "1000.00", date(2026, 10, 12), rate="0.00",
                        exemption_mention="Autoliquidation (article 196 de la directive 2006/112/CE)")
        _issue(person, jeanne, "30.00", date(2026, 10, 20))
        payment_record(invoice=first, amount=Decimal("120.00"), received_on=date(2026, 10, 25), acting_user=TEST_ACTOR)
        payment_record(invoice=abroad, amount=Decimal("400.00"), received_on=date(2026, 10, 28), acting_user=TEST_ACTOR)
    return {"abroad": abroad}


@pytest.mark.skipif(not REFS.exists(), reason=f"official XSDs absent ({REFS})")
def test_a_month_with_b2c_eu_and_payments(month, world):
    with tenant_context(world.cae_a):
        built = ereporting_build(period=MONTH, cooperative=world.cae_a)
    transactions, counted = built[Report.Kind.TRANSACTIONS]
    payments, paid = built[Report.Kind.PAYMENTS]
    flux10_check_xsd(transactions)
    flux10_check_xsd(payments)
    tree = etree.fromstring(transactions)
    assert len(tree.findall(".//TransactionsReport/Invoice")) == 1
    days = tree.findall(".//TransactionsReport/Transactions")
    assert len(days) == 2  # 5 and 20 October
    fifth = days[0]
    assert fifth.findtext("Date") == "20261005" and fifth.findtext("TransactionsCount") == "2"
    assert sorted(t.text for t in fifth.iter("TaxPercent")) == ["10.00", "20.00"]
    assert days[1].findtext("TransactionsCount") == "1"
    assert counted["b2c_sales"] == "3" and Decimal(counted["b2c_excl_vat"]) == Decimal("180.00")
    assert Decimal(counted["b2c_vat"]) == Decimal("31.00")  # 20 + 5 + 6
    assert paid["payments"] == "2" and Decimal(paid["payments_amount"]) == Decimal("520.00")
    assert month["abroad"].number.encode() in transactions and month["abroad"].number.encode() in payments


def test_sent_once_through_the_platform_and_acknowledged(month, world):
    with tenant_context(world.cae_a):
        reports = ereporting_send(period=MONTH, cooperative=world.cae_a, acting_user=TEST_ACTOR)
        assert {r.kind for r in reports} == {Report.Kind.TRANSACTIONS, Report.Kind.PAYMENTS}
        for report in reports:
            assert report.flow.syntax == "FRR"
            flow_submit(flow_pk=report.flow_id)
        flows_sync()
        for report in reports:
            report.flow.refresh_from_db()
            assert report.flow.ack_status == Flow.Ack.OK, report.flow.ack_details
        from essaim.core.errors import AppError

        with pytest.raises(AppError, match="déjà été transmis"):
            ereporting_send(period=MONTH, cooperative=world.cae_a, acting_user=TEST_ACTOR)
        with pytest.raises(AppError, match="refusé"):
            ereporting_send(period=MONTH, cooperative=world.cae_a, acting_user=TEST_ACTOR, replaces=reports[0])


def test_frequency_is_effective_dated(world, db):
    from essaim.core.errors import AppError

    with tenant_context(world.cae_a):
        with pytest.raises(AppError):
            ereporting_frequency_set(frequency="decade", valid_from=date(2027, 1, 15), acting_user=TEST_ACTOR,
                                     today=date(2026, 12, 7))
        ereporting_frequency_set(frequency="decade", valid_from=date(2027, 1, 1), acting_user=TEST_ACTOR,
                                 today=date(2026, 12, 7))
        from tenants.einvoicing.periods import frequency_on

        assert frequency_on(date(2026, 12, 31)) == "monthly" and frequency_on(date(2027, 1, 1)) == "decade"


def test_page_refuses_other_caes_and_roles(world, db):
    assert client_for(world.cae_a, world.user("accounts_a")).get("/activite/e-reporting/").status_code == 200
    for user in ("entrepreneur_a", "counsellor_a"):
        assert client_for(world.cae_a, world.user(user)).get("/activite/e-reporting/").status_code == 403
    assert client_for(world.cae_a).get("/activite/e-reporting/").status_code == 302
    intruder = Client(HTTP_HOST=host_of(world.cae_a))
    intruder.force_login(world.user("director_b"))
    assert intruder.get("/activite/e-reporting/").status_code in (302, 403)
    assert intruder.post("/activite/e-reporting/action/", {"start": "2026-10-01", "end": "2026-10-31"}).status_code \
        in (302, 403)
    with tenant_context(world.cae_a):
        assert not Report.objects.exists()
    response = client_for(world.cae_a, world.user("entrepreneur_a")).post(
        "/activite/e-reporting/action/", {"start": "2026-10-01", "end": "2026-10-31"})
    assert response.status_code == 403


def test_resending_an_odd_report_is_a_message_not_a_500(world, db):
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    for value in ("²", "abc", "99999999"):
        response = accounts.post("/activite/e-reporting/action/", {"replaces": value})
        assert response.status_code == 302, value
    with tenant_context(world.cae_a):
        assert not Report.objects.exists()
