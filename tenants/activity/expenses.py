"""Expense claims: submitted by the entrepreneur with receipts, approved or rejected (with a
reason) by staff, then reimbursed from the activity account. Approval and reimbursement post to
the journal (HA: 6xx + 44566 / 4671 entrepreneur; BQ: 4671 / 512)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError

from .models import ExpenseClaim, ExpenseLine

MAX_RECEIPT_BYTES = 5 * 1024 * 1024
RECEIPT_SIGNATURES = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}


@dataclass
class ExpenseInput:
    spent_on: date
    category: str
    description: str
    amount_incl_vat: str | Decimal
    vat_amount: str | Decimal = "0"
    receipt: object = None  # an UploadedFile


def receipt_check(upload) -> None:
    """Type by content (PDF, PNG or JPEG), at most 5 MB."""
    if upload.size > MAX_RECEIPT_BYTES:
        raise AppError("receipt_too_large", "Le justificatif dépasse 5 Mo.", field="receipt")
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in RECEIPT_SIGNATURES):
        raise AppError("receipt_bad_type", "Justificatif refusé : PDF, PNG ou JPEG uniquement.", field="receipt")


@transaction.atomic
def expense_submit(*, entrepreneur, lines: list[ExpenseInput], acting_user: Actor) -> ExpenseClaim:
    if not lines:
        raise AppError("expense_no_line", "Une note de frais comporte au moins une dépense.", field="lines")
    claim = ExpenseClaim.objects.create(entrepreneur=entrepreneur)
    for position, item in enumerate(lines, start=1):
        try:
            amount, vat = Decimal(str(item.amount_incl_vat)), Decimal(str(item.vat_amount or "0"))
        except InvalidOperation as exc:
            raise AppError("expense_amount_invalid", f"Dépense {position} : montant invalide.", field="lines") from exc
        if vat > amount:
            raise AppError("expense_vat_exceeds", f"Dépense {position} : la TVA dépasse le montant TTC.",
                           field="lines")
        if item.spent_on > timezone.localdate():
            raise AppError("expense_in_future", f"Dépense {position} : date dans le futur.", field="lines")
        if item.receipt is not None:
            receipt_check(item.receipt)
        line = ExpenseLine(claim=claim, spent_on=item.spent_on, category=item.category,
                           description=item.description.strip(), amount_incl_vat=amount, vat_amount=vat)
        try:
            line.full_clean(exclude=["claim", "receipt"])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise AppError("expense_line_invalid", f"Dépense {position} ({field}) : {messages[0]}",
                           field="lines") from exc
        if item.receipt is not None:
            line.receipt.save(item.receipt.name, item.receipt, save=False)
        line.save()
    audit_record(action="expense_submit", target=f"expense:{claim.pk}", acting_user=acting_user)
    return claim


def _decide(claim: ExpenseClaim, acting_user: Actor, status: str, reason: str = "") -> ExpenseClaim:
    claim = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ExpenseClaim.Status.SUBMITTED:
        raise AppError("expense_already_decided", "Cette note de frais a déjà été traitée.")
    claim.status, claim.rejection_reason = status, reason
    claim.decided_by = actor_user(acting_user)
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
    return claim


@transaction.atomic
def expense_approve(*, claim: ExpenseClaim, acting_user: Actor) -> ExpenseClaim:
    from .journal import ledger_post_expense

    claim = _decide(claim, acting_user, ExpenseClaim.Status.APPROVED)
    ledger_post_expense(claim)
    audit_record(action="expense_approve", target=f"expense:{claim.pk}", acting_user=acting_user)
    return claim


@transaction.atomic
def expense_reject(*, claim: ExpenseClaim, reason: str, acting_user: Actor) -> ExpenseClaim:
    if not reason.strip():
        raise AppError("expense_reason_required", "Indiquez le motif du refus.", field="reason")
    claim = _decide(claim, acting_user, ExpenseClaim.Status.REJECTED, reason.strip()[:300])
    audit_record(action="expense_reject", target=f"expense:{claim.pk}", acting_user=acting_user)
    return claim


@transaction.atomic
def expense_reimburse(*, claim: ExpenseClaim, on: date, acting_user: Actor) -> ExpenseClaim:
    from .journal import ledger_post_expense_reimbursement

    claim = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ExpenseClaim.Status.APPROVED:
        raise AppError("expense_not_approved", "Seule une note de frais validée se rembourse.")
    claim.status, claim.reimbursed_on = ExpenseClaim.Status.REIMBURSED, on
    claim.save(update_fields=["status", "reimbursed_on"])
    ledger_post_expense_reimbursement(claim)
    audit_record(action="expense_reimburse", target=f"expense:{claim.pk}", acting_user=acting_user)
    return claim


def claim_total(claim: ExpenseClaim) -> Decimal:
    return sum((line.amount_incl_vat for line in claim.lines.all()), Decimal("0.00"))
