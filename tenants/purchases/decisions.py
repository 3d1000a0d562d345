"""What the activity decides about a supplier invoice, and what follows: the lifecycle status sent
back to the supplier through the platform (XP Z12-012 / FNFE-MPE V1.4.0: 205 Approuvée, 207 En
litige, 210 Refusée, the last two with a reason of the official list), and for an approved one
its entry in the purchase journal (HA): the purchase's account by its nature (PCG), deductible VAT
(44566) and the supplier's account (401, an auxiliary account per supplier), analytical by
activity. The decision, the status and the entry commit together."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.cooperatives.tenancy import current_cooperative
from essaim.core.errors import AppError
from tenants.einvoicing import codes
from tenants.einvoicing.cdar import CdarDocument, CdarMessage, CdarParty, CdarStatus, cdar_build
from tenants.einvoicing.models import Syntax
from tenants.einvoicing.services import FlowInput, connection_current, flow_queue
from tenants.ledger.models import Entry
from tenants.ledger.services import Leg, entry_post

from .models import SupplierInvoice

# The nature of a purchase, as the entrepreneur picks it, and its account (PCG, class 6).
PURCHASE_CATEGORIES = {
    "goods": ("607", "Marchandises revendues"),
    "supplies": ("6068", "Matières et fournitures"),
    "office": ("6064", "Fournitures administratives"),
    "services": ("604", "Sous-traitance, études et prestations"),
    "rent": ("613", "Locations (salle, matériel)"),
    "fees": ("6226", "Honoraires"),
    "software": ("6512", "Logiciels et abonnements"),
    "travel": ("6251", "Voyages et déplacements"),
    "other": ("6288", "Autres services extérieurs"),
}


@dataclass(frozen=True)
class Decision:
    status: str  # the lifecycle status sent
    state: str
    needs_reason: bool


DECISIONS = {
    "approve": Decision("205", SupplierInvoice.State.APPROVED, False),
    "dispute": Decision("207", SupplierInvoice.State.DISPUTED, True),
    "refuse": Decision("210", SupplierInvoice.State.REFUSED, True),
}
# From which state each decision may be taken: a disputed invoice is settled later.
OPEN_STATES = (SupplierInvoice.State.INBOX, SupplierInvoice.State.DISPUTED)


def invoice_decide(*, invoice: SupplierInvoice, decision: str, acting_user: Actor, category: str = "",
                   reason_code: str = "", reason_text: str = "") -> SupplierInvoice:
    chosen = DECISIONS.get(decision)
    if chosen is None:
        raise AppError("purchase_decision_unknown", "Décision inconnue : approuver, contester ou refuser.",
                       field="decision")
    reason_code, reason_text = (reason_code or "").strip(), (reason_text or "").strip()
    if chosen.needs_reason:
        if not reason_code:
            raise AppError("purchase_reason_required", "Indiquez le motif (liste officielle) : il est transmis au "
                           "fournisseur.", field="reason_code")
        if not codes.reason_allowed(reason_code, chosen.status):
            raise AppError("purchase_reason_unknown", f"Motif « {reason_code} » non admis pour le statut "
                           f"{chosen.status} {codes.status(chosen.status).label}.", field="reason_code")
    if decision == "approve" and category not in PURCHASE_CATEGORIES:
        raise AppError("purchase_category_required", "Choisissez la nature de l'achat (compte de charge).",
                       field="category")
    with transaction.atomic():
        locked = (SupplierInvoice.objects.select_for_update(of=("self",)).select_related("supplier", "entrepreneur", "flow")
                  .get(pk=invoice.pk))
        if locked.state not in OPEN_STATES or locked.entrepreneur_id is None:
            raise AppError("purchase_already_decided", f"Cette facture est déjà {locked.get_state_display().lower()} : "
                           "la décision n'est pas prise deux fois.")
        locked.state, locked.decided_at, locked.decided_by = chosen.state, timezone.now(), actor_user(acting_user)
        locked.decision_reason = " — ".join(p for p in (reason_code, reason_text) if p)[:300]
        if decision == "approve":
            locked.category = category
            _book(locked)
        locked.status_sent = chosen.status if _send_status(locked, chosen.status, reason_code, reason_text,
                                                           acting_user) else ""
        locked.save(update_fields=["state", "decided_at", "decided_by", "decision_reason", "category",
                                   "status_sent", "updated_at"])
        audit_record(action=f"purchases.invoice_{decision}", target=f"supplier_invoice:{locked.pk}",
                     acting_user=acting_user, details={"status": chosen.status, "reason": reason_code})
    return locked


def _book(invoice: SupplierInvoice) -> Entry:
    """The approved invoice in the purchase journal (a credit note, 381, the other way round)."""
    account, _ = PURCHASE_CATEGORIES[invoice.category]
    sign = -1 if invoice.type_code == "381" else 1
    supplier = invoice.supplier
    label = f"Facture {supplier.name if supplier else ''} {invoice.number}".strip()
    legs = [Leg(account, label, debit=sign * (invoice.total_excl_vat or 0)),
            Leg("44566", label, debit=sign * (invoice.total_vat or 0)),
            Leg("401", label, credit=sign * (invoice.total_incl_vat or 0),
                aux_account=f"F{supplier.pk:06d}" if supplier else "", aux_label=supplier.name if supplier else "")]
    day = invoice.issue_date or timezone.localdate()
    return entry_post(journal="HA", date=day, piece_ref=invoice.number, piece_date=day, label=label, legs=legs,
                      source=f"supplier_invoice:{invoice.pk}", entrepreneur=invoice.entrepreneur)


def _send_status(invoice: SupplierInvoice, status: str, reason_code: str, reason_text: str, acting_user: Actor) -> bool:
    """The buyer's status to the supplier, as a CDAR queued to the platform (after commit). Not
    sent when the CAE has no platform or the supplier no SIREN to address it to."""
    supplier = invoice.supplier
    if connection_current() is None or supplier is None or not supplier.siren or invoice.issue_date is None:
        return False
    cooperative = current_cooperative()
    now = timezone.now()
    message = CdarMessage(
        message_id=f"ESSAIM-{status}-{uuid.uuid4().hex[:20]}", issued_at=now, type_code="23",
        sender=CdarParty(role="BY", identifier=cooperative.siren, scheme="0002", name=cooperative.legal_name),
        recipients=(CdarParty(role="SE", identifier=supplier.siren, scheme="0002", name=supplier.name),),
        document=CdarDocument(invoice_number=invoice.number, issue_date=invoice.issue_date,
                              type_code=invoice.type_code or "380", seller_siren=supplier.siren,
                              buyer_siren=cooperative.siren),
        statuses=(CdarStatus(code=status, sequence=1, issued_at=now, reason_code=reason_code,
                             reason_text=reason_text[:500]),))
    flow_queue(acting_user=acting_user, data=FlowInput(
        content=cdar_build(message), name=f"CDV-{status}-{invoice.number}.xml", syntax=Syntax.CDAR,
        flow_type="SupplierInvoiceLC", processing_rule="B2B", document_key=f"supplier_invoice:{invoice.pk}",
        document_number=invoice.number, document_date=invoice.issue_date, seller_siren=supplier.siren,
        about=invoice.flow))
    return True
