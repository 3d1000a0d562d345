"""Effective-dated contribution rates: the activity account takes the rate in force on each
invoice's (or payment's) date; rates are set by the director or accounts, 0–50 %, one per date;
existing CAEs were seeded from their registry rate; the page is the CAE's own."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError
from tenants.activity.account import account_statement, contribution_rate
from tenants.activity.contributions import contribution_rate_on, contribution_rate_set
from tenants.activity.models import ActivitySettings, ContributionRate
from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise, payment_record
from tests.conftest import client_for, host_of, tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person

pytestmark = pytest.mark.django_db
YEAR = date.today().year - 1


@pytest.fixture
def activity(in_cae_a):
    person = make_person()
    return person, make_customer(person)


def issue(person, customer, on: date, amount="1000.00"):
    return invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer,
                                                         lines=[LineInput("Conseil", "1", amount)],
                                                         acting_user=TEST_ACTOR), on=on,
                            acting_user=TEST_ACTOR)


def test_a_rate_changed_mid_year_applies_from_its_date_invoiced_basis(activity):
    person, customer = activity
    contribution_rate_set(valid_from=date(2000, 1, 1), rate="10", acting_user=TEST_ACTOR)
    contribution_rate_set(valid_from=date(YEAR, 7, 15), rate="12,5", note="AG de juin",
                          acting_user=TEST_ACTOR)
    issue(person, customer, date(YEAR, 6, 20))
    issue(person, customer, date(YEAR, 7, 10))
    issue(person, customer, date(YEAR, 7, 15), "333.33")
    issue(person, customer, date(YEAR, 8, 1))
    months = account_statement(entrepreneur=person, year=YEAR)
    assert months[5].contribution == Decimal("100.00")
    assert months[6].invoiced == Decimal("1333.33")
    assert months[6].contribution == Decimal("141.67")  # 1000 × 10 % + 333.33 × 12.5 % (41.666 → 41.67)
    assert months[7].contribution == Decimal("125.00")
    assert months[6].net == Decimal("1333.33") - Decimal("141.67")
    assert months[-1].balance == sum(m.net for m in months)
    assert contribution_rate(date(YEAR, 7, 14)) == Decimal("10.00")
    assert contribution_rate(date(YEAR, 7, 15)) == Decimal("12.50")


def test_collected_basis_takes_the_rate_on_the_payment_date(activity):
    person, customer = activity
    ActivitySettings.objects.update_or_create(pk=ActivitySettings.current().pk,
                                              defaults={"contribution_basis": "collected"})
    contribution_rate_set(valid_from=date(YEAR, 7, 1), rate="8", acting_user=TEST_ACTOR)
    invoice = issue(person, customer, date(YEAR, 6, 10))  # 1200 TTC
    payment_record(invoice=invoice, amount="600.00", received_on=date(YEAR, 6, 30), acting_user=TEST_ACTOR)
    payment_record(invoice=invoice, amount="600.00", received_on=date(YEAR, 7, 1), acting_user=TEST_ACTOR)
    months = account_statement(entrepreneur=person, year=YEAR)
    # before the first dated rate: the registry's (10 % for CAE A)
    assert (months[5].collected, months[5].contribution) == (Decimal("500.00"), Decimal("50.00"))
    assert (months[6].collected, months[6].contribution) == (Decimal("500.00"), Decimal("40.00"))


def test_without_dated_rates_the_registry_rate_applies(activity, cae_a):
    person, customer = activity
    assert not ContributionRate.objects.exists()
    Cooperative.objects.filter(pk=cae_a.pk).update(contribution_rate=Decimal("7.50"))
    registered = connection.tenant.contribution_rate
    connection.tenant.contribution_rate = Decimal("7.50")  # as the middleware would load it
    try:
        issue(person, customer, date(YEAR, 3, 3))
        assert account_statement(entrepreneur=person, year=YEAR)[2].contribution == Decimal("75.00")
        assert contribution_rate_on(date(YEAR, 3, 3)) == Decimal("7.50")
    finally:
        connection.tenant.contribution_rate = registered


def test_the_migration_seeds_the_registry_rate_once(in_cae_a, cae_a):
    seed = importlib.import_module("tenants.activity.migrations.0007_contribution_rates").seed_from_registry
    Cooperative.objects.filter(pk=cae_a.pk).update(contribution_rate=Decimal("12.50"))
    with connection.schema_editor() as editor:
        seed(apps, editor)
        seed(apps, editor)
    assert list(ContributionRate.objects.values_list("valid_from", "rate")) == [(date(2000, 1, 1), Decimal("12.50"))]


@pytest.mark.parametrize(
    ("valid_from", "rate", "code", "message"),
    [
        (date(YEAR, 1, 1), "50.01", "contribution_rate_out_of_range", "entre 0 et 50 %"),
        (date(YEAR, 1, 1), "-1", "contribution_rate_out_of_range", "entre 0 et 50 %"),
        (date(YEAR, 1, 1), "dix", "contribution_rate_invalid", "Taux invalide"),
        (date(YEAR, 1, 1), "NaN", "contribution_rate_out_of_range", "entre 0 et 50 %"),
        (date(YEAR, 1, 1), "10.125", "contribution_rate_invalid", "centième"),
        (date(2000, 1, 1), "11", "contribution_rate_duplicate", "déjà en vigueur à partir du 01/01/2000"),
    ],
)
def test_bad_rates_are_refused_in_french_and_nothing_written(in_cae_a, valid_from, rate, code, message):
    contribution_rate_set(valid_from=date(2000, 1, 1), rate="10", acting_user=TEST_ACTOR)
    with pytest.raises(AppError, match=message) as refused:
        contribution_rate_set(valid_from=valid_from, rate=rate, acting_user=TEST_ACTOR)
    assert refused.value.code == code
    assert list(ContributionRate.objects.values_list("rate", flat=True)) == [Decimal("10.00")]


def test_a_note_with_a_nul_byte_is_refused_in_french(in_cae_a):
    with pytest.raises(AppError, match="caractère nul") as refused:
        contribution_rate_set(valid_from=date(YEAR, 1, 1), rate="10", note="CA\x00", acting_user=TEST_ACTOR)
    assert (refused.value.code, refused.value.field) == ("contribution_rate_invalid", "note")
    assert not ContributionRate.objects.exists()


def test_bounds_are_accepted(in_cae_a):
    assert contribution_rate_set(valid_from=date(YEAR, 1, 1), rate="0",
                                 acting_user=TEST_ACTOR).rate == Decimal("0")
    assert contribution_rate_set(valid_from=date(YEAR, 2, 1), rate="50",
                                 acting_user=TEST_ACTOR).rate == Decimal("50")


def test_the_page_is_for_director_and_accounts_of_this_cae(world):
    director = client_for(world.cae_a, world.user("director_a"))
    response = director.post("/activite/taux-de-contribution/", {"valid_from": f"{YEAR}-09-01", "rate": "11,25",
                                                                 "note": "Décision du CA Alpha"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "Taux de 11,25 % enregistré à partir du 01/09" in html and "Décision du CA Alpha" in html
    bad = director.post("/activite/taux-de-contribution/", {"valid_from": f"{YEAR}-10-01", "rate": "60"})
    assert bad.status_code == 400 and "entre 0 et 50 %" in bad.content.decode()
    duplicate = director.post("/activite/taux-de-contribution/", {"valid_from": f"{YEAR}-09-01", "rate": "12"})
    assert duplicate.status_code == 400 and "déjà en vigueur" in duplicate.content.decode()
    no_date = director.post("/activite/taux-de-contribution/", {"valid_from": "demain", "rate": "12"})
    assert no_date.status_code == 400 and "entrée en vigueur invalide" in no_date.content.decode()
    with tenant_context(world.cae_a):
        assert list(ContributionRate.objects.values_list("rate", flat=True)) == [Decimal("11.25")]
    assert client_for(world.cae_a, world.user("accounts_a")).get("/activite/taux-de-contribution/").status_code == 200
    for role in ("entrepreneur_a", "counsellor_a"):
        client = client_for(world.cae_a, world.user(role))
        assert client.get("/activite/taux-de-contribution/").status_code == 403
        assert client.post("/activite/taux-de-contribution/", {"valid_from": f"{YEAR}-11-01",
                                                               "rate": "1"}).status_code == 403
    other = client_for(world.cae_b, world.user("director_b")).get("/activite/taux-de-contribution/")
    assert other.status_code == 200 and "Décision du CA Alpha" not in other.content.decode()
    intruder = Client(HTTP_HOST=host_of(world.cae_a))
    intruder.force_login(world.user("director_b"))
    refused = intruder.get("/activite/taux-de-contribution/")
    assert refused.status_code in (302, 403) and b"Alpha" not in refused.content
    assert intruder.post("/activite/taux-de-contribution/", {"valid_from": f"{YEAR}-12-01",
                                                             "rate": "1"}).status_code in (302, 403)
    with tenant_context(world.cae_a):
        assert ContributionRate.objects.count() == 1
    with tenant_context(world.cae_b):
        assert not ContributionRate.objects.exists()
