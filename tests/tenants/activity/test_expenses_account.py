"""Expense claims with receipts, their decisions and postings; the activity account reconciles
with the journal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from essaim.core.errors import AppError
from tenants.activity.account import account_statement
from tenants.activity.expenses import (
    ExpenseInput,
    expense_approve,
    expense_reimburse,
    expense_reject,
    expense_submit,
)
from tenants.activity.models import ExpenseClaim
from tenants.activity.services import (
    LineInput,
    credit_note_create,
    invoice_create_draft,
    invoice_finalise,
    payment_record,
)
from tenants.ledger.models import EntryLine
from tests.conftest import client_for, tenant_context
from tests.factories import make_customer, make_person

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%fake receipt\n"


@pytest.fixture
def person(world):
    with tenant_context(world.cae_a):
        return make_person(user=world.user("entrepreneur_a"))


def test_expense_lifecycle_and_postings(world, person):
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        claim = expense_submit(entrepreneur=person, lines=[
            ExpenseInput(date.today(), "travel", "Train Reims–Paris", "60.00", "10.00",
                         SimpleUploadedFile("billet.pdf", PDF, content_type="application/pdf")),
            ExpenseInput(date.today(), "supplies", "Papeterie", "24.00", "4.00")],
                               acting_user=world.user("entrepreneur_a"))
        expense_approve(claim=claim, acting_user=accounts_a)
        with pytest.raises(AppError, match="déjà été traitée"):
            expense_reject(claim=claim, reason="trop tard", acting_user=accounts_a)
        expense_reimburse(claim=claim, on=date.today(), acting_user=accounts_a)
        claim.refresh_from_db()
        assert claim.status == ExpenseClaim.Status.REIMBURSED
        sums = dict(EntryLine.objects.values_list("account").annotate(d=Sum("debit")))
        assert sums["6251"] == Decimal("50.00") and sums["6064"] == Decimal("20.00") and sums["44566"] == Decimal("14.00")
        assert EntryLine.objects.filter(account="4671").aggregate(d=Sum("debit"), c=Sum("credit")) == {
            "d": Decimal("84.00"), "c": Decimal("84.00")}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (ExpenseInput(date.today(), "meals", "Repas", "20", "25"), "TVA dépasse"),
        (ExpenseInput(date.today() + timedelta(days=2), "meals", "Repas", "20"), "futur"),
        (ExpenseInput(date.today(), "meals", "Repas", "vingt"), "montant invalide"),
        (ExpenseInput(date.today(), "meals", "Repas", "20", "0",
                      SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/pdf")), "PDF, PNG ou JPEG"),
        (ExpenseInput(date.today(), "meals", "Repas", "20", "0",
                      SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024), content_type="application/pdf")),
         "5 Mo"),
    ],
)
def test_bad_expenses_are_refused_and_nothing_written(world, person, item, message):
    with tenant_context(world.cae_a):
        with pytest.raises(AppError, match=message):
            expense_submit(entrepreneur=person, lines=[item], acting_user=world.user("entrepreneur_a"))
        assert ExpenseClaim.objects.count() == 0


def test_pages_receipts_and_isolation(world, person):
    me = client_for(world.cae_a, world.user("entrepreneur_a"))
    response = me.post("/activite/notes-de-frais/", {
        "e-0-date": date.today().isoformat(), "e-0-category": "travel", "e-0-description": "Péage",
        "e-0-amount": "12,40", "e-0-vat": "2,07",
        "e-0-receipt": SimpleUploadedFile("ticket.pdf", PDF, content_type="application/pdf")}, follow=True)
    assert "Note de frais soumise" in response.content.decode()
    with tenant_context(world.cae_a):
        line = ExpenseClaim.objects.get().lines.get()
    receipt = me.get(f"/activite/justificatifs/{line.pk}/")
    assert receipt.status_code == 200 and b"".join(receipt.streaming_content) == PDF
    assert receipt["Content-Disposition"].startswith("attachment")
    assert client_for(world.cae_b, world.user("director_b")).get(f"/activite/justificatifs/{line.pk}/").status_code == 404
    assert me.post(f"/activite/notes-de-frais/{line.claim_id}/action/", {"action": "approve"}).status_code == 403
    accounts = client_for(world.cae_a, world.user("accounts_a"))
    refused = accounts.post(f"/activite/notes-de-frais/{line.claim_id}/action/", {"action": "reject"}, follow=True)
    assert "motif du refus" in refused.content.decode()
    accounts.post(f"/activite/notes-de-frais/{line.claim_id}/action/", {"action": "approve"})
    with tenant_context(world.cae_a):
        assert ExpenseClaim.objects.get().status == "approved"
    assert me.get("/activite/compte/").status_code == 200


def test_account_reconciles_with_the_journal(world, person):
    accounts_a = world.user("accounts_a")
    with tenant_context(world.cae_a):
        customer = make_customer(person)
        year = date.today().year
        first = invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer, lines=[
            LineInput("Conseil", "3", "333.33")], acting_user=accounts_a), on=date(year, 1, 15),
                                 acting_user=accounts_a)
        invoice_finalise(invoice=credit_note_create(invoice=first, lines=[LineInput("Remise", "1", "99.99")],
                                                    acting_user=accounts_a),
                         on=date(year, 1, 20), acting_user=accounts_a)
        payment_record(invoice=first, amount="600.00", received_on=date(year, 1, 25), acting_user=accounts_a)
        months = account_statement(entrepreneur=person, year=year)
        january = months[0]
        assert january.invoiced == Decimal("900.00")  # 999.99 − 99.99
        assert january.collected == Decimal("500.00")  # 600 TTC of a 1199.99 TTC invoice at 20 %
        assert january.contribution == Decimal("90.00")  # 10 % of the invoiced basis
        revenue = EntryLine.objects.filter(account__in=["706", "707"], entry__entrepreneur=person,
                                           entry__date__year=year).aggregate(c=Sum("credit"), d=Sum("debit"))
        assert revenue["c"] - revenue["d"] == sum(m.invoiced for m in months)
        assert months[-1].balance == sum(m.net for m in months)
