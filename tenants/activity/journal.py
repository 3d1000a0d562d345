"""The activity's entries in the CAE's journal: the activity builds the legs of each document it
issues or settles and posts them through the ledger's `entry_post` (the ledger knows no activity
model: it is the leaf that activity and payroll post to)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from tenants.ledger.models import Entry
from tenants.ledger.services import Leg, entry_post

from .models import ExpenseClaim, ExpenseLine, Invoice, Payment


def _customer_aux(customer) -> tuple[str, str]:
    return f"C{customer.pk:06d}", customer.name


def ledger_post_invoice(invoice: Invoice) -> Entry:
    """An issued invoice or credit note: 411 (customer) against 706/707 and 44571 per rate.

    The stored totals are net of the allowances and include the charges shown on the invoice
    (totals.py: 411 = BT-112, 706/707 = BT-109, 44571 = BT-110): the plan comptable records a sale
    at its net amount when the discount is on the invoice itself (709 is for reductions granted
    afterwards), and charges billed with a sale are part of its revenue here."""
    revenue_account = "707" if invoice.operation == Invoice.Operation.GOODS else "706"
    aux, aux_label = _customer_aux(invoice.customer)
    label = f"{invoice.get_kind_display()} {invoice.number} {invoice.customer.name}"
    legs = [Leg("411", label, debit=invoice.total_incl_vat, aux_account=aux, aux_label=aux_label),
            Leg(revenue_account, label, credit=invoice.total_excl_vat)]
    if invoice.total_vat:
        legs.append(Leg("44571", label, credit=invoice.total_vat))
    return entry_post(journal="VT", date=invoice.issued_on, piece_ref=invoice.number, piece_date=invoice.issued_on,
                      label=label, legs=legs, source=f"invoice:{invoice.pk}", entrepreneur=invoice.entrepreneur)


def ledger_post_payment(payment: Payment) -> Entry:
    """A payment received: 512 (bank) against 411 (customer)."""
    invoice = payment.invoice
    aux, aux_label = _customer_aux(invoice.customer)
    label = f"Règlement {invoice.number} {invoice.customer.name}"
    legs = [Leg("512", label, debit=payment.amount),
            Leg("411", label, credit=payment.amount, aux_account=aux, aux_label=aux_label)]
    return entry_post(journal="BQ", date=payment.received_on, piece_ref=payment.reference or invoice.number,
                      piece_date=payment.received_on, label=label, legs=legs, source=f"payment:{payment.pk}",
                      entrepreneur=invoice.entrepreneur)


def ledger_post_expense(claim: ExpenseClaim) -> Entry:
    """An approved expense claim: each expense account (HT) and deductible VAT (44566) against the
    amount owed to the entrepreneur (4671, auxiliary account per entrepreneur)."""
    lines = list(claim.lines.all())
    person = claim.entrepreneur
    label = f"Note de frais {claim.pk} {person}"
    by_account: dict[str, Decimal] = {}
    vat = Decimal("0.00")
    for line in lines:
        account = ExpenseLine.ACCOUNTS[line.category]
        by_account[account] = by_account.get(account, Decimal("0.00")) + line.amount_incl_vat - line.vat_amount
        vat += line.vat_amount
    total = sum((line.amount_incl_vat for line in lines), Decimal("0.00"))
    legs = [Leg(account, label, debit=amount) for account, amount in sorted(by_account.items())]
    legs.append(Leg("44566", label, debit=vat))
    legs.append(Leg("4671", label, credit=total, aux_account=f"E{person.pk:06d}", aux_label=str(person)))
    # The day in the CAE's time zone (TIME_ZONE, Europe/Paris), as the activity statement groups
    # `decided_at` by month: an approval at 00:30 on 1 March is a March expense, not February's (UTC).
    day = timezone.localdate(claim.decided_at or timezone.now())
    return entry_post(journal="HA", date=day, piece_ref=f"NDF-{claim.pk}", piece_date=day, label=label,
                      legs=legs, source=f"expense:{claim.pk}", entrepreneur=person)


def ledger_post_expense_reimbursement(claim: ExpenseClaim) -> Entry:
    person = claim.entrepreneur
    total = sum((line.amount_incl_vat for line in claim.lines.all()), Decimal("0.00"))
    label = f"Remboursement note de frais {claim.pk} {person}"
    legs = [Leg("4671", label, debit=total, aux_account=f"E{person.pk:06d}", aux_label=str(person)),
            Leg("512", label, credit=total)]
    return entry_post(journal="BQ", date=claim.reimbursed_on, piece_ref=f"NDF-{claim.pk}",
                      piece_date=claim.reimbursed_on, label=label, legs=legs,
                      source=f"expense-paid:{claim.pk}", entrepreneur=person)
