"""Expense entries are dated in the CAE's time zone and reconcile with the activity account's
expenses; the trial balance names accounts as the CAE's chart does, and only the CAE's finance
roles see it."""

from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from tenants.activity.account import account_statement
from tenants.activity.expenses import ExpenseInput, expense_approve, expense_reject, expense_submit
from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise
from tenants.ledger.models import Entry, EntryLine
from tests.conftest import client_for, host_of, tenant_context
from tests.factories import TEST_ACTOR, make_customer, make_person

pytestmark = pytest.mark.django_db


@contextmanager
def approved_at(monkeypatch, instant: datetime):
    """Approve at `instant` (the clock the service reads; the database and tenancy are real)."""
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: instant)
        yield


def _claim(person, *lines):
    return expense_submit(entrepreneur=person, lines=[ExpenseInput(*line) for line in lines],
                          acting_user=TEST_ACTOR)


def _expense_net(person, month: int) -> Decimal:
    """Expenses (6xx) of one activity for a month of 2026 in the journal: debits − credits, personnel
    costs (64x, the payroll's salary cost) aside."""
    sums = (EntryLine.objects.filter(entry__entrepreneur=person, account__startswith="6", entry__date__year=2026,
                                     entry__date__month=month).exclude(account__startswith="64")
            .aggregate(d=Sum("debit"), c=Sum("credit")))
    return (sums["d"] or Decimal("0.00")) - (sums["c"] or Decimal("0.00"))


def test_approval_at_half_past_midnight_in_paris_is_dated_that_day(in_cae_a, monkeypatch):
    assert settings.TIME_ZONE == "Europe/Paris"
    person = make_person()
    claim = _claim(person, (date(2026, 2, 26), "travel", "Train Reims–Paris", "60.00", "10.00"))
    # 1 March 2026 00:30 in Paris (UTC+1): still 28 February in UTC.
    with approved_at(monkeypatch, datetime(2026, 2, 28, 23, 30, tzinfo=UTC)):
        expense_approve(claim=claim, acting_user=TEST_ACTOR)
    entry = Entry.objects.get(source=f"expense:{claim.pk}")
    assert (entry.journal, entry.date, entry.piece_date) == ("HA", date(2026, 3, 1), date(2026, 3, 1))
    months = account_statement(entrepreneur=person, year=2026)
    assert (months[1].expenses, months[2].expenses) == (Decimal("0.00"), Decimal("50.00"))
    assert _expense_net(person, 3) == months[2].expenses and _expense_net(person, 2) == Decimal("0.00")


def test_activity_account_expenses_reconcile_with_the_6xx_accounts(in_cae_a, monkeypatch):
    person, other = make_person(), make_person(first_name="Hugo", last_name="Bernard", gender="M")
    invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=make_customer(person), lines=[
        LineInput("Conseil", "1", "1000")], acting_user=TEST_ACTOR), on=date(2026, 1, 10),
                     acting_user=TEST_ACTOR)  # revenue: not an expense
    approvals = [
        # (who, lines, approved at (UTC)): three categories, VAT to the cent, the Paris month edge both ways
        (person, [(date(2026, 1, 5), "travel", "Train", "87.33", "14.56"),
                  (date(2026, 1, 6), "meals", "Repas client", "33.10", "3.01")], datetime(2026, 1, 20, 9, 0, tzinfo=UTC)),
        (person, [(date(2026, 1, 30), "software", "Abonnement", "23.99", "4.00")], datetime(2026, 1, 31, 23, 15, tzinfo=UTC)),
        (person, [(date(2026, 2, 27), "supplies", "Papeterie", "12.00", "0")], datetime(2026, 2, 28, 22, 59, tzinfo=UTC)),
        (person, [(date(2026, 3, 2), "training", "Formation", "450.00", "75.00"),  # 1 April 00:30 in Paris (UTC+2)
                  (date(2026, 3, 3), "other", "Divers", "0.01", "0")], datetime(2026, 3, 31, 22, 30, tzinfo=UTC)),
        (other, [(date(2026, 1, 8), "travel", "Péage", "19.90", "3.32")], datetime(2026, 1, 9, 10, 0, tzinfo=UTC)),
    ]
    for who, lines, instant in approvals:
        claim = _claim(who, *lines)
        with approved_at(monkeypatch, instant):
            expense_approve(claim=claim, acting_user=TEST_ACTOR)
    expense_reject(claim=_claim(person, (date(2026, 1, 7), "meals", "Refusé", "99.00", "0")), reason="Hors activité",
                   acting_user=TEST_ACTOR)
    _claim(person, (date(2026, 1, 8), "meals", "En attente", "42.00", "0"))  # submitted, not decided

    months = account_statement(entrepreneur=person, year=2026)
    # January 72.77 + 30.09; February 19.99 (approved 1 Feb 00:15 in Paris) + 12.00 (28 Feb 23:59); April 375.01
    expected = {1: Decimal("102.86"), 2: Decimal("31.99"), 4: Decimal("375.01")}
    for month in range(1, 13):
        assert months[month - 1].expenses == _expense_net(person, month) == expected.get(month, Decimal("0.00")), month
    assert sum(m.expenses for m in months) == Decimal("509.86")
    assert account_statement(entrepreneur=other, year=2026)[0].expenses == _expense_net(other, 1) == Decimal("16.58")


@pytest.fixture
def labelled_books(world):
    accounts_a = world.user("accounts_a")
    from tenants.catalogue.models import AccountLabel

    with tenant_context(world.cae_a):
        person = make_person()
        invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=make_customer(person, "Verrerie"),
                                                      lines=[LineInput("Conseil", "1", "812.37")],
                                                      acting_user=accounts_a), on=date(2026, 2, 2),
                         acting_user=accounts_a)
        AccountLabel.objects.create(number="706", label="Prestations des entrepreneur·es")
        AccountLabel.objects.create(number="706100", label="Prestations de formation")  # no entry: not listed


def test_trial_balance_uses_the_cae_chart_of_accounts(world, labelled_books):
    from tenants.ledger.services import trial_balance

    with tenant_context(world.cae_a):
        labels = {row["account"]: row["label"] for row in trial_balance(year=2026)}
    assert labels == {"411": "Clients", "44571": "TVA collectée", "706": "Prestations des entrepreneur·es"}
    page = client_for(world.cae_a, world.user("accounts_a")).get("/comptabilite/balance/?annee=2026").content.decode()
    assert "Prestations des entrepreneur·es" in page and "Prestations de services" not in page
    assert "Clients" in page, "the built-in label where the CAE's chart has none"
    with tenant_context(world.cae_b):
        labels_b = {row["account"]: row["label"] for row in trial_balance(year=2026)}
    assert "Prestations des entrepreneur·es" not in labels_b.values()


def test_balance_page_isolation(world, labelled_books):
    director = client_for(world.cae_a, world.user("director_a")).get("/comptabilite/balance/?annee=2026")
    assert director.status_code == 200 and b"812,37" in director.content
    for role in ("counsellor_a", "entrepreneur_a"):
        refused = client_for(world.cae_a, world.user(role)).get("/comptabilite/balance/?annee=2026")
        assert refused.status_code == 403 and b"Prestations des entrepreneur" not in refused.content, role
    other = client_for(world.cae_b, world.user("director_b")).get("/comptabilite/balance/?annee=2026")
    assert other.status_code == 200
    assert b"Prestations des entrepreneur" not in other.content and b"812,37" not in other.content
    intruder = Client(HTTP_HOST=host_of(world.cae_a))
    intruder.force_login(world.user("director_b"))
    refused = intruder.get("/comptabilite/balance/?annee=2026")
    assert refused.status_code in (302, 403) and b"Prestations des entrepreneur" not in refused.content
    assert b"812,37" not in refused.content
    anonymous = Client(HTTP_HOST=host_of(world.cae_a)).get("/comptabilite/balance/?annee=2026")
    assert anonymous.status_code == 302 and b"812,37" not in anonymous.content
