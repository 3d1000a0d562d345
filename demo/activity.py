"""The life of the demo invoices after they are issued, through the services (so the ledger, the
activity accounts and the numbering see exactly what a CAE would): customers' payments (most on
time, some late or in part, a few still overdue), a few credit notes, quotes in every state, and
expense claims waiting for staff, approved, reimbursed or rejected.

Everything is dated on or before the reference date and drawn from the CAE's own random stream,
so a demo network is the same on every run."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from essaim.audit.actors import DEMO
from tenants.people.journey import Stage

# Share of the invoices due long enough ago that are paid in full, paid in part, or still unpaid.
PAID, PARTLY_PAID = 0.82, 0.08
CREDIT_NOTE_EVERY = 45  # about one invoice in 45 is cancelled by a credit note
METHODS = ("transfer", "transfer", "transfer", "cheque", "card")
EXPENSES = (
    ("travel", "Train Reims – Paris, rendez-vous client", 40, 120),
    ("meals", "Repas avec un client", 18, 60),
    ("supplies", "Fournitures de bureau", 12, 90),
    ("software", "Abonnement logiciel de dessin", 10, 45),
    ("training", "Formation en ligne", 60, 300),
    ("other", "Frais postaux", 5, 25),
)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def _payments(rng: random.Random, invoices, ref: date) -> None:
    from tenants.activity.services import payment_record

    for invoice in invoices:
        if invoice.issued_on >= ref:
            continue
        overdue_long = invoice.due_on < ref - timedelta(days=15)
        draw = rng.random()
        if not overdue_long and draw > 0.35:
            continue  # not due yet, or only just: most are still open
        if overdue_long and draw >= PAID + PARTLY_PAID:
            continue  # still unpaid: the aged receivables have something to show
        received = min(ref, invoice.issued_on + timedelta(days=rng.randint(8, 55)))
        amount = invoice.total_incl_vat
        if overdue_long and draw >= PAID:
            amount = (amount / 2).quantize(Decimal("0.01"))
        payment_record(invoice=invoice, amount=amount, received_on=received, method=rng.choice(METHODS),
                       reference=f"VIR {invoice.number}" if received.day % 2 else "", acting_user=DEMO)


def _credit_notes(rng: random.Random, invoices, ref: date) -> None:
    """A few unpaid invoices cancelled, wholly or in part, on the reference date."""
    from tenants.activity.models import Payment
    from tenants.activity.services import LineInput, credit_note_create, invoice_finalise

    paid = set(Payment.objects.values_list("invoice_id", flat=True))
    candidates = [invoice for invoice in invoices if invoice.pk not in paid]
    for position, invoice in enumerate(rng.sample(candidates, len(candidates) // CREDIT_NOTE_EVERY)):
        if position % 2:
            line = invoice.lines.first()
            part = max(Decimal("1"), (line.unit_price * Decimal("0.3")).quantize(Decimal("1")))
            note = credit_note_create(invoice=invoice, lines=[
                LineInput(f"Remise commerciale sur {invoice.number}", Decimal("1"), part, line.vat_rate, line.unit)],
                acting_user=DEMO)
        else:
            note = credit_note_create(invoice=invoice, acting_user=DEMO)
        invoice_finalise(invoice=note, on=ref, acting_user=DEMO)


def _quotes(rng: random.Random, people, customers_of, ref: date) -> None:
    """Quotes sent in the last weeks: accepted (some already turned into an invoice draft),
    refused, still waiting, and a draft or two."""
    from tenants.activity.quotes import quote_accept, quote_convert, quote_create, quote_refuse, quote_send
    from tenants.activity.services import LineInput

    active = [p for p in people if p.stage in (Stage.CAPE, Stage.CESA, Stage.ASSOCIATE) and customers_of.get(p.pk)]
    for position, person in enumerate(rng.sample(active, min(len(active), max(2, len(active) // 3)))):
        quote = quote_create(
            entrepreneur=person, customer=rng.choice(customers_of[person.pk]),
            subject=f"{person.activity_description or 'Prestation'} — proposition",
            lines=[LineInput(person.activity_description or "Prestation", Decimal(rng.randint(1, 5)),
                             Decimal(rng.randint(80, 600)), "20.00", "jour")], acting_user=DEMO)
        fate = position % 7  # in turn, so that a small CAE has quotes in every state
        if fate == 6:
            continue  # a draft
        quote_send(quote=quote, on=ref, acting_user=DEMO)
        if fate <= 2:
            quote_accept(quote=quote, on=ref, acting_user=DEMO)
            if fate == 0:
                quote_convert(quote=quote, acting_user=DEMO)
        elif fate == 3:
            quote_refuse(quote=quote, on=ref, acting_user=DEMO)


def _expenses(rng: random.Random, people, ref: date) -> None:
    """Claims of the month before the reference date: half approved (half of those already
    reimbursed), one in eight refused with a reason, the rest waiting for staff."""
    from tenants.activity.expenses import (
        ExpenseInput,
        expense_approve,
        expense_reimburse,
        expense_reject,
        expense_submit,
    )

    active = [p for p in people if p.stage in (Stage.CAPE, Stage.CESA, Stage.ASSOCIATE)]
    for position, person in enumerate(rng.sample(active, min(len(active), max(2, len(active) // 4)))):
        lines = []
        for _ in range(rng.randint(1, 3)):
            category, label, low, high = rng.choice(EXPENSES)
            amount = _money(rng, low, high)
            vat = (amount / 6).quantize(Decimal("0.01")) if category in ("supplies", "software", "travel") else 0
            lines.append(ExpenseInput(spent_on=ref - timedelta(days=rng.randint(1, 30)), category=category,
                                      description=label, amount_incl_vat=amount, vat_amount=vat))
        claim = expense_submit(entrepreneur=person, lines=lines, acting_user=DEMO)
        fate = position % 8  # in turn, so that a small CAE has claims in every state
        if fate == 0:
            expense_reject(claim=claim, reason="Justificatif manquant : joignez la facture du fournisseur.",
                           acting_user=DEMO)
        elif fate <= 4:
            claim = expense_approve(claim=claim, acting_user=DEMO)
            if fate <= 2:  # approval is dated today (the service's clock): so is the transfer
                expense_reimburse(claim=claim, on=timezone.localdate(), acting_user=DEMO)


def activity_life(rng: random.Random, people, ref: date) -> None:
    """After `_invoicing`: payments, credit notes, quotes and expense claims for this CAE."""
    from tenants.activity.models import Customer, Invoice

    invoices = list(Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.FINALISED)
                    .order_by("issued_on", "pk"))
    _payments(rng, invoices, ref)
    _credit_notes(rng, invoices, ref)
    customers_of: dict[int, list] = {}
    for customer in Customer.objects.order_by("pk"):
        customers_of.setdefault(customer.entrepreneur_id, []).append(customer)
    _quotes(rng, people, customers_of, ref)
    _expenses(rng, people, ref)
