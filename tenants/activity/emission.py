"""Issuing through the CAE's approved platform (the French e-invoicing reform; docs/einvoicing.md).

The CAE is one legal issuer (its SIREN) for every activity. An invoice or credit note issued to a
French business buyer (processing rule B2B) is transmitted once issued: `emission_schedule`, called
by `invoice_finalise` inside its transaction, records it as to be transmitted and queues
`invoice_emit` after the commit; the task re-checks the buyer in the national directory, builds
the document in the CAE's chosen syntax (Factur-X by default, CII alone as an option) and hands it
to the transport (tenants.einvoicing), which submits it exactly once. Sales that are not B2B France
are e-reported instead (ereporting.py).

Statuses come back through the transport's listener (`on_lifecycle`): the latest is kept on the
document for lists and filters, the entrepreneur is told by e-mail when one asks for action
(refused, disputed, rejected…). A payment recorded on a service invoice whose VAT is due on receipt
sends 212 Encaissée with the amount received per VAT rate (`payment_status_schedule`)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor, task_actor
from essaim.cooperatives.tenancy import current_cooperative
from tenants.einvoicing import codes
from tenants.einvoicing.models import Flow, LifecycleEvent, Syntax
from tenants.einvoicing.services import (
    FlowInput,
    connection_current,
    directory_lookup,
    flow_queue,
    record_events,
    register_lifecycle_listener,
    register_state_listener,
)

from .emission_models import CustomerDirectoryEntry, InvoiceEmission, PaymentStatus
from .models import Customer, Invoice, Payment

DOCUMENT_KEY = "invoice:{pk}"
CENT = Decimal("0.01")


def document_key(invoice: Invoice) -> str:
    return DOCUMENT_KEY.format(pk=invoice.pk)


def processing_rule(invoice: Invoice) -> str:
    """XP Z12-013 ProcessingRule of a document, from its frozen parties (facturx.py, vat.py)."""
    from .facturx import invoice_processing_rule

    return invoice_processing_rule(invoice)


# -- the customer in the directory ---------------------------------------------------------------
def customer_directory_schedule(customer: Customer) -> None:
    """After the commit that saved a French business customer, look it up in the directory."""
    if customer.kind != Customer.Kind.COMPANY or customer.country != "FR" or not customer.siren:
        return
    if connection_current() is None:
        return
    from .tasks import customer_directory_check

    pk = customer.pk
    transaction.on_commit(lambda: customer_directory_check.delay(pk))


def customer_directory_refresh(customer: Customer) -> CustomerDirectoryEntry:
    """Ask the directory now and keep its answer on the customer."""
    from tenants.einvoicing.client import PlatformUnavailable

    try:
        answer = directory_lookup(siren=customer.siren, siret=customer.siret)
        found, address, message = answer.found, answer.addressing_identifier, answer.message
    except PlatformUnavailable as exc:
        found, address, message = None, "", exc.message
    entry, _ = CustomerDirectoryEntry.objects.update_or_create(customer=customer, defaults={
        "found": found, "addressing_identifier": address[:125], "message": message[:300],
        "checked_at": timezone.now()})
    return entry


def customer_directory_current(customer: Customer) -> CustomerDirectoryEntry:
    """The directory's answer for this customer as checked at issue: a positive answer younger
    than EINVOICING_DIRECTORY_FRESH_SECONDS is taken as it is (a run of invoices to one buyer asks
    once); anything else, an absence included, is asked again now."""
    from datetime import timedelta

    from django.conf import settings

    fresh_after = timezone.now() - timedelta(seconds=settings.EINVOICING_DIRECTORY_FRESH_SECONDS)
    entry = CustomerDirectoryEntry.objects.filter(customer=customer, found=True, checked_at__gte=fresh_after).first()
    return entry or customer_directory_refresh(customer)


# -- issuing ----------------------------------------------------------------------------------------
def emission_schedule(invoice: Invoice) -> InvoiceEmission | None:
    """Called inside invoice_finalise's transaction: a B2B France document is recorded as to be
    transmitted, and its transmission queued after the commit. Nothing when no platform is
    configured (the CAE has not connected one yet) or the sale is e-reported instead."""
    conn = connection_current()
    if conn is None or not conn.enabled or processing_rule(invoice) != "B2B":
        return None
    emission = InvoiceEmission.objects.create(invoice=invoice, processing_rule="B2B")
    from .tasks import invoice_emit

    pk = invoice.pk
    transaction.on_commit(lambda: invoice_emit.delay(pk))
    return emission


def invoice_emit(*, invoice_pk: int, acting_user: Actor) -> InvoiceEmission | None:
    """Build the document and hand it to the transport (the Celery task's body; idempotent: a
    document already handed over is left alone)."""
    from .facturx import invoice_facturx_pdf, invoice_facturx_xml
    from .ubl import invoice_ubl_xml

    with transaction.atomic():
        emission = (InvoiceEmission.objects.select_for_update().select_related("invoice__customer")
                    .filter(invoice_id=invoice_pk).first())
        if emission is None or emission.state not in (InvoiceEmission.State.PENDING,
                                                      InvoiceEmission.State.BUYER_UNKNOWN):
            return emission
        invoice = emission.invoice
        customer = invoice.customer
        conn = connection_current()
        if conn is None:
            return emission
        entry = customer_directory_current(customer)  # re-checked at issue
        if entry.found is None:
            emission.message = entry.message
            emission.save(update_fields=["message", "updated_at"])
            return emission  # the platform is unreachable: the sweeper tries again
        if not entry.found:
            emission.state = InvoiceEmission.State.BUYER_UNKNOWN
            emission.message = (f"{customer.name} (SIREN {customer.siren}) ne figure pas dans l'annuaire de la "
                                "facturation électronique : la facture ne peut pas lui être transmise par la "
                                "plateforme. Elle n'est pas envoyée par e-mail à sa place ; elle le sera dès "
                                "que ce client sera inscrit (vérification chaque jour).")
            emission.save(update_fields=["state", "message", "updated_at"])
            return emission
        cooperative = current_cooperative()
        address = entry.addressing_identifier  # BT-49, from the directory
        if conn.syntax == Syntax.FACTURX:
            content = invoice_facturx_pdf(invoice=invoice, cooperative=cooperative, buyer_address=address)
            name = f"{invoice.number}.pdf"
        elif conn.syntax == Syntax.UBL:
            content = invoice_ubl_xml(invoice=invoice, cooperative=cooperative, buyer_address=address)
            name = f"{invoice.number}.xml"
        else:
            content = invoice_facturx_xml(invoice=invoice, cooperative=cooperative, buyer_address=address)
            name = f"{invoice.number}.xml"
        flow = flow_queue(acting_user=acting_user, data=FlowInput(
            content=content, name=name, syntax=conn.syntax,
            flow_type="CustomerInvoice", processing_rule="B2B", profile="CIUS",
            document_key=document_key(invoice), document_number=invoice.number or "",
            document_date=invoice.issued_on, seller_siren=cooperative.siren))
        emission.flow, emission.state = flow, InvoiceEmission.State.QUEUED
        emission.buyer_address, emission.message = entry.addressing_identifier, ""
        emission.save(update_fields=["flow", "state", "buyer_address", "message", "updated_at"])
    return emission


def emissions_retry_unknown_buyers() -> int:
    """Daily: documents whose buyer was absent from the directory are tried again."""
    from .tasks import invoice_emit as task

    pending = list(InvoiceEmission.objects.filter(state__in=[InvoiceEmission.State.BUYER_UNKNOWN,
                                                             InvoiceEmission.State.PENDING])
                   .values_list("invoice_id", flat=True))
    for pk in pending:
        task.delay(pk)
    return len(pending)


# -- statuses coming back -------------------------------------------------------------------------
def _emission_of(flow: Flow) -> InvoiceEmission | None:
    if not flow.document_key.startswith("invoice:"):
        return None
    return InvoiceEmission.objects.filter(flow=flow).order_by().first()


def on_lifecycle(flow: Flow, events: list[LifecycleEvent]) -> None:
    emission = _emission_of(flow)
    if emission is None:
        return
    latest = max(events, key=lambda e: (e.issued_at, e.pk))
    emission.status, emission.status_at = flow.last_status or latest.code, latest.issued_at
    fields = ["status", "status_at", "updated_at"]
    if any(e.code == "213" for e in events):
        emission.state = InvoiceEmission.State.REJECTED
        emission.message = "Rejetée : corrigez-la par un avoir puis une nouvelle facture (elle ne peut plus être modifiée)."
        fields += ["state", "message"]
    emission.save(update_fields=fields)
    asking = [e for e in events if codes.status(e.code).seller_action]
    if asking:
        _notify(emission, asking)


def on_flow_state(flow: Flow) -> None:
    if flow.state != Flow.State.ERROR:
        return
    emission = _emission_of(flow)
    if emission is None:
        return
    emission.state, emission.message = InvoiceEmission.State.ERROR, flow.last_error[:300]
    emission.save(update_fields=["state", "message", "updated_at"])
    _notify(emission, [])


def _notify(emission: InvoiceEmission, events: list[LifecycleEvent]) -> None:
    """An e-mail to the entrepreneur whose activity issued the document."""
    invoice = Invoice.objects.select_related("entrepreneur__user", "customer").get(pk=emission.invoice_id)
    person = invoice.entrepreneur
    email = (person.user.email if person.user_id and person.user else "") or person.email
    if not email:
        return
    lines = [f"- {e.code} {codes.status(e.code).label}"
             + (f" : {codes_reason_label(e.reason_code)}" if e.reason_code else "")
             + (f" — {e.reason_text}" if e.reason_text else "") for e in events]
    if not events:
        lines = [f"- {emission.message}"]
    body = (f"Bonjour,\n\nLa facture {invoice.number} ({invoice.customer.name}) demande votre attention :\n"
            + "\n".join(lines) + "\n\nConsultez-la dans Essaim, rubrique Factures.\n")
    subject = f"[Essaim] Facture {invoice.number} : action requise"
    transaction.on_commit(lambda: send_mail(subject=subject, message=body, from_email=None, recipient_list=[email]))


def codes_reason_label(code: str) -> str:
    """The official label, or the code itself for an extension code outside the list."""
    return codes.reason(code).label if codes.is_reason(code) else code


# -- 212 Encaissée on a payment ----------------------------------------------------------------
def payment_amounts_by_rate(payment: Payment) -> list[tuple[Decimal, Decimal]]:
    """The payment's amount (VAT included) split over the invoice's VAT rates (totals.payment_split)."""
    from .totals import invoice_totals, payment_split

    return payment_split(payment.amount, invoice_totals(payment.invoice))


def payment_status_due(payment: Payment) -> bool:
    """212 is sent for a transmitted service invoice whose VAT is due on receipt (no option for
    VAT on debits at its issue date; CGI art. 269-2-c)."""
    from .parties import issued_vat
    from .policy import vat_on_debits

    invoice = payment.invoice
    emission = InvoiceEmission.objects.filter(invoice=invoice).exclude(flow=None).first()
    if emission is None or invoice.kind != Invoice.Kind.INVOICE:
        return False
    if invoice.operation != Invoice.Operation.SERVICES:
        return False
    frozen = issued_vat(invoice.issued_as or {})
    on_debits = frozen["on_debits"] if "vat" in (invoice.issued_as or {}) else vat_on_debits(on=invoice.issued_on)
    return not on_debits


def payment_status_schedule(payment: Payment, *, acting_user: Actor) -> PaymentStatus | None:
    """Inside payment_record's transaction: build the 212 Encaissée and queue it."""
    from tenants.einvoicing.cdar import (
        CdarAmount,
        CdarDocument,
        CdarMessage,
        CdarParty,
        CdarStatus,
        cdar_build,
    )

    if not payment_status_due(payment):
        return None
    invoice = payment.invoice
    emission = InvoiceEmission.objects.select_related("flow").get(invoice=invoice)
    cooperative = current_cooperative()
    amounts = payment_amounts_by_rate(payment)
    now = timezone.now()
    message = CdarMessage(
        message_id=f"ESSAIM-212-{uuid.uuid4().hex[:20]}", issued_at=now, type_code="23",
        sender=CdarParty(role="SE", identifier=cooperative.siren, scheme="0002", name=cooperative.legal_name),
        recipients=(CdarParty(role="DFH", identifier="9998", scheme="0238", name="PPF"),),
        document=CdarDocument(invoice_number=invoice.number or "", issue_date=invoice.issued_on,
                              type_code="381" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "380",
                              seller_siren=cooperative.siren, buyer_siren=invoice.customer.siren or None),
        statuses=(CdarStatus(code="212", sequence=1, issued_at=now,
                             amounts=tuple(CdarAmount(rate=rate, amount=amount) for rate, amount in amounts)),),
    )
    content = cdar_build(message)
    flow = flow_queue(acting_user=acting_user, data=FlowInput(
        content=content, name=f"CDV-212-{invoice.number}-{payment.pk}.xml", syntax=Syntax.CDAR,
        flow_type="CustomerInvoiceLC", processing_rule="B2B", document_key=document_key(invoice),
        document_number=invoice.number or "", document_date=invoice.issued_on, seller_siren=cooperative.siren,
        about=emission.flow))
    record_events(source=flow, about=emission.flow, message=message)
    emission.status, emission.status_at = "212", now
    emission.save(update_fields=["status", "status_at", "updated_at"])
    return PaymentStatus.objects.create(payment=payment, flow=flow,
                                        amounts=[{"rate": str(r), "amount": str(a)} for r, a in amounts])


def listeners_register() -> None:
    register_lifecycle_listener(on_lifecycle)
    register_state_listener(on_flow_state)


TASK_ACTOR = task_actor("facturation électronique")
