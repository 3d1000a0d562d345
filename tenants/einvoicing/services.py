"""Writes of the e-invoicing transport: the platform connection, flows queued and submitted,
incoming flows and statuses read back (docs/einvoicing.md).

Submission is at-least-once on our side and exactly-once at the platform: a flow gets its
trackingId when queued; a submission whose outcome is unknown (the worker died, the answer was
lost) is first looked up by that trackingId (`POST /v1/flows/search`) before it is sent again. Two
workers never submit the same flow at once (a PostgreSQL advisory lock held by the session, which
a killed worker's closed connection releases)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError
from essaim.core.sealing import seal

from .client import (
    SECRET_PURPOSE,
    PlatformClient,
    PlatformRefused,
    PlatformUnavailable,
    check_url,
    payload_row,
    payload_store,
)
from .models import Flow, LifecycleEvent, Payload, PlatformConnection, Syntax

# Delays between the scheduled attempts of a flow the platform could not take (seconds); the
# last one repeats. A flow is never given up on: it stays queued and visible until it goes.
RESUBMIT_DELAYS = (30, 120, 600, 1800, 3600)
# How long a queued or in-flight flow is left to its task before the sweeper sends it again.
LEASE_SECONDS = 300


# -- listeners: the app above (activity, purchases) learns what happened to its documents ------------
type LifecycleListener = Callable[[Flow, list[LifecycleEvent]], None]
type FlowListener = Callable[[Flow], None]
_lifecycle_listeners: list[LifecycleListener] = []
_inbound_listeners: list[FlowListener] = []
_state_listeners: list[FlowListener] = []


def register_lifecycle_listener(listener: LifecycleListener) -> None:
    """Called, inside the transaction that stores them, with a flow and its new statuses."""
    if listener not in _lifecycle_listeners:
        _lifecycle_listeners.append(listener)


def register_inbound_listener(listener: FlowListener) -> None:
    """Called with each incoming business document (a supplier invoice) once stored."""
    if listener not in _inbound_listeners:
        _inbound_listeners.append(listener)


def register_state_listener(listener: FlowListener) -> None:
    """Called when an outgoing flow's state changes (submitted, accepted, refused)."""
    if listener not in _state_listeners:
        _state_listeners.append(listener)


def _state_changed(flow: Flow) -> None:
    for listener in _state_listeners:
        listener(flow)


# -- the connection ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConnectionInput:
    name: str
    flow_url: str
    directory_url: str
    token_url: str
    client_id: str
    client_secret: str = ""  # blank: keep the stored one
    organization_id: str = ""
    syntax: str = Syntax.FACTURX
    platform_number: str = ""
    preset: str = ""


def connection_current() -> PlatformConnection | None:
    return PlatformConnection.objects.order_by("pk").first()


def connection_save(*, acting_user: Actor, data: ConnectionInput) -> PlatformConnection:
    """Create or update the CAE's connection. The secret is sealed at once and never returned."""
    for field in ("name", "flow_url", "directory_url", "token_url", "client_id"):
        if not getattr(data, field).strip():
            raise AppError("platform_field_required", "Ce champ est obligatoire.", field=field)
    for field in ("flow_url", "directory_url", "token_url"):
        try:
            check_url(getattr(data, field))
        except AppError as exc:
            raise AppError(exc.code, exc.message, field=field) from exc
    if data.platform_number.strip() and len(data.platform_number.strip()) != 4:
        raise AppError("platform_number_invalid", "Le matricule d'une plateforme agréée compte 4 caractères.",
                       field="platform_number")
    if data.syntax not in (Syntax.FACTURX, Syntax.CII, Syntax.UBL):
        raise AppError("platform_syntax_unknown", "Format d'émission inconnu.", field="syntax")
    with transaction.atomic():
        current = PlatformConnection.objects.select_for_update().order_by("pk").first()
        if current is None and not data.client_secret:
            raise AppError("platform_field_required", "Le secret client est obligatoire.", field="client_secret")
        conn = current or PlatformConnection()
        changed_endpoint = current is not None and (
            current.flow_url != data.flow_url or current.token_url != data.token_url or current.client_id != data.client_id)
        conn.name = data.name.strip()
        conn.flow_url = data.flow_url.strip()
        conn.directory_url = data.directory_url.strip()
        conn.token_url = data.token_url.strip()
        conn.client_id = data.client_id.strip()
        conn.organization_id = data.organization_id.strip()
        conn.syntax = data.syntax
        conn.platform_number = data.platform_number.strip()
        conn.preset = data.preset
        if data.client_secret:
            conn.client_secret_sealed = seal(data.client_secret, purpose=SECRET_PURPOSE)
        if changed_endpoint or data.client_secret:
            conn.tested_at, conn.test_ok, conn.test_message = None, None, ""
        if changed_endpoint:
            conn.sync_cursor, conn.sync_updated_after = "", None
        conn.updated_by = actor_user(acting_user)
        try:
            conn.full_clean(exclude=["client_secret_sealed", "updated_by"])
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise AppError("platform_field_invalid", messages[0], field=field) from exc
        conn.save()
        audit_record(action="einvoicing.connection_saved", target=conn.name, acting_user=acting_user,
                     details={"flow_url": conn.flow_url, "client_id": conn.client_id,
                              "secret_changed": bool(data.client_secret)})
    return conn


def connection_test(*, acting_user: Actor) -> PlatformConnection:
    """Obtain a token and call both services' healthcheck; the result is kept on the connection."""
    conn = connection_current()
    if conn is None:
        raise AppError("platform_not_configured", "Aucune plateforme agréée n'est configurée.")
    try:
        with PlatformClient(conn) as client:
            flow_ok, directory_ok = client.healthcheck()
        if flow_ok and directory_ok:
            ok, message = True, "Connexion réussie : jeton obtenu, services Flow et Annuaire disponibles."
        else:
            ok = False
            message = "Jeton obtenu, mais le service " + ("Annuaire" if flow_ok else "Flow") + " ne répond pas."
    except AppError as exc:
        ok, message = False, exc.message
    conn.tested_at, conn.test_ok, conn.test_message = timezone.now(), ok, message[:300]
    PlatformConnection.objects.filter(pk=conn.pk).update(tested_at=conn.tested_at, test_ok=ok,
                                                         test_message=conn.test_message)
    audit_record(action="einvoicing.connection_tested", target=conn.name, acting_user=acting_user,
                 details={"ok": ok})
    return conn


# -- the directory ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DirectoryAnswer:
    found: bool
    addressing_identifier: str = ""
    message: str = ""
    checked_at: datetime | None = None


def directory_lookup(*, siren: str, siret: str = "") -> DirectoryAnswer:
    """Where this company receives its invoices (the national directory, through our platform).
    A line for the SIRET wins over the company-wide one (the directory's addressing rule)."""
    conn = connection_current()
    now = timezone.now()
    if conn is None:
        return DirectoryAnswer(False, message="Aucune plateforme agréée n'est configurée : l'annuaire ne peut "
                                              "pas être consulté.", checked_at=now)
    with PlatformClient(conn) as client:
        lines = client.directory_lines(siren=siren)
    enabled = [line for line in lines if line.get("directoryLineStatus", "Enabled") == "Enabled"]
    if siret:
        exact = [line for line in enabled if line.get("siret") == siret and not line.get("routingIdentifier")]
        if exact:
            return DirectoryAnswer(True, str(exact[0].get("addressingIdentifier", "")), checked_at=now)
    company = [line for line in enabled if not line.get("siret")]
    if company:
        return DirectoryAnswer(True, str(company[0].get("addressingIdentifier", "")), checked_at=now)
    if enabled:
        return DirectoryAnswer(True, str(enabled[0].get("addressingIdentifier", "")), checked_at=now)
    return DirectoryAnswer(False, message=f"Le SIREN {siren} ne figure pas dans l'annuaire de la facturation "
                                          "électronique : cette entreprise ne peut pas encore recevoir de facture "
                                          "électronique.", checked_at=now)


# -- outgoing flows ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlowInput:
    content: bytes
    name: str
    syntax: str
    flow_type: str
    processing_rule: str = ""
    profile: str = ""
    document_key: str = ""
    document_number: str = ""
    document_date: date | None = None
    seller_siren: str = ""
    about: Flow | None = None


def flow_queue(*, acting_user: Actor, data: FlowInput) -> Flow:
    """Keep the file and queue its submission, sent once the caller's transaction commits."""
    if not data.content:
        raise AppError("flow_empty", "Le fichier à transmettre est vide.")
    content_type = "application/pdf" if data.content[:5] == b"%PDF-" else "application/xml"
    flow = Flow.objects.create(
        direction=Flow.Direction.OUT, flow_type=data.flow_type, syntax=data.syntax,
        processing_rule=data.processing_rule, profile=data.profile, name=data.name[:255],
        payload=payload_store(data.content, content_type), tracking_id=uuid.uuid4().hex,
        state=Flow.State.QUEUED, next_attempt_at=timezone.now() + timedelta(seconds=LEASE_SECONDS), document_key=data.document_key,
        document_number=data.document_number, document_date=data.document_date, seller_siren=data.seller_siren,
        about=data.about)
    audit_record(action="einvoicing.flow_queued", target=f"{flow.flow_type} {flow.document_number or flow.name}",
                 acting_user=acting_user, details={"flow": flow.pk, "tracking_id": flow.tracking_id})
    transaction.on_commit(lambda: _enqueue(flow.pk))
    return flow


def _enqueue(flow_pk: int) -> None:
    from .tasks import flow_submit

    flow_submit.delay(flow_pk)


def _lock_key(flow_pk: int) -> int:
    # One key space per schema: the advisory lock is database-wide.
    return hash((getattr(db_connection, "schema_name", ""), "einvoicing.flow", flow_pk)) & 0x7FFF_FFFF_FFFF_FFFF


def flow_submit(*, flow_pk: int, client: PlatformClient | None = None) -> Flow | None:
    """Send one queued flow (the Celery task's body). Returns the flow, or None when another worker
    holds it or it is no longer to be sent. Raises PlatformUnavailable after rescheduling it."""
    key = _lock_key(flow_pk)
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return None
    try:
        return _submit_locked(flow_pk, client)
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _submit_locked(flow_pk: int, client: PlatformClient | None) -> Flow | None:
    flow = Flow.objects.select_related("payload").filter(pk=flow_pk).first()
    if flow is None or flow.state not in (Flow.State.QUEUED, Flow.State.SUBMITTING):
        return None
    conn = connection_current()
    if conn is None or not conn.enabled:
        _reschedule(flow, "Aucune plateforme agréée active : le flux attend sa configuration.")
        raise PlatformUnavailable("platform_not_configured", "Aucune plateforme agréée n'est configurée.")
    outcome_unknown = flow.state == Flow.State.SUBMITTING
    flow.state, flow.attempts = Flow.State.SUBMITTING, flow.attempts + 1
    # A lease: the sweeper leaves an attempt in progress alone until it expires.
    Flow.objects.filter(pk=flow.pk).update(state=flow.state, attempts=flow.attempts,
                                           next_attempt_at=timezone.now() + timedelta(seconds=LEASE_SECONDS))
    own_client = client is None
    client = client or PlatformClient(conn)
    try:
        info: dict[str, Any] | None = None
        if outcome_unknown:
            # An earlier attempt may have reached the platform: look for it before sending again.
            found = client.search({"trackingId": flow.tracking_id, "flowDirection": ["Out"]}, limit=1, flow=flow)
            results = found.get("results") or []
            info = results[0] if results else None
        if info is None:
            info = client.submit(flow=flow, content=bytes(flow.payload.content))
    except PlatformUnavailable as exc:
        _reschedule(flow, exc.message)
        raise
    except PlatformRefused as exc:
        flow.state, flow.last_error, flow.next_attempt_at = Flow.State.ERROR, exc.message[:300], None
        flow.ack_status = Flow.Ack.ERROR
        flow.ack_details = exc.body.get("details", []) if isinstance(exc.body, dict) else []
        flow.save(update_fields=["state", "last_error", "next_attempt_at", "ack_status", "ack_details", "updated_at"])
        _state_changed(flow)
        return flow
    finally:
        if own_client:
            client.close()
    _apply_remote(flow, info, submitted=True)
    return flow


def _reschedule(flow: Flow, message: str) -> None:
    delay = RESUBMIT_DELAYS[min(max(flow.attempts - 1, 0), len(RESUBMIT_DELAYS) - 1)]
    Flow.objects.filter(pk=flow.pk).update(next_attempt_at=timezone.now() + timedelta(seconds=delay),
                                           last_error=message[:300])


def _apply_remote(flow: Flow, info: dict, *, submitted: bool = False) -> None:
    """Copy what the platform says of our flow (FullFlowInfo or Flow) onto it."""
    fields = ["updated_at"]
    if info.get("flowId") and flow.flow_id != info["flowId"]:
        flow.flow_id = str(info["flowId"])[:64]
        fields.append("flow_id")
    if submitted and flow.state in (Flow.State.QUEUED, Flow.State.SUBMITTING):
        flow.state, flow.next_attempt_at, flow.last_error = Flow.State.SUBMITTED, None, ""
        flow.submitted_at = parse_datetime(str(info.get("submittedAt") or "")) or timezone.now()
        fields += ["state", "next_attempt_at", "last_error", "submitted_at"]
    ack = info.get("acknowledgement") or {}
    status = ack.get("status") if isinstance(ack, dict) else None
    if status in Flow.Ack.values and status != flow.ack_status:
        flow.ack_status = status
        flow.ack_details = ack.get("details") or []
        fields += ["ack_status", "ack_details"]
        if status == Flow.Ack.OK and flow.state in (Flow.State.SUBMITTED, Flow.State.SUBMITTING):
            flow.state = Flow.State.ACCEPTED
            fields.append("state")
        elif status == Flow.Ack.ERROR:
            flow.state = Flow.State.ERROR
            reasons = [str(d.get("reasonMessage") or d.get("reasonCode") or "") for d in flow.ack_details
                       if isinstance(d, dict)]
            flow.last_error = ("Refusé par la plateforme : " + " ; ".join(r for r in reasons if r))[:300]
            fields += ["state", "last_error"]
    flow.save(update_fields=sorted(set(fields)))
    if len(fields) > 1:
        _state_changed(flow)


def flows_due(*, now: datetime | None = None) -> list[int]:
    """Flows whose scheduled attempt has come (the beat sweeper re-queues them: a message lost by
    the broker never loses a flow)."""
    now = now or timezone.now()
    return list(Flow.objects.filter(state__in=[Flow.State.QUEUED, Flow.State.SUBMITTING], next_attempt_at__lte=now)
                .order_by("next_attempt_at").values_list("pk", flat=True)[:500])


# -- incoming flows and statuses ------------------------------------------------------------------------------
LC_TYPES = ("CustomerInvoiceLC", "SupplierInvoiceLC")
SYNC_LOCK = 7_204_024  # pg_advisory_xact_lock(<schema>, SYNC_LOCK): one reader of a CAE's incoming flows
INVOICE_TYPES = ("SupplierInvoice",)


def flows_sync(*, client: PlatformClient | None = None, max_pages: int = 50) -> int:
    """Read what changed at the platform since the last run: our flows' acknowledgements, the
    statuses sent to us (CDAR) and the invoices received. Idempotent (a flow already read is not
    read again). Returns the number of flows looked at."""
    conn = connection_current()
    if conn is None or not conn.client_secret_sealed:
        return 0
    own_client = client is None
    client = client or PlatformClient(conn)
    seen = 0
    try:
        for _ in range(max_pages):
            where: dict[str, Any] = {"flowDirection": ["In", "Out"]}
            if conn.sync_updated_after:
                where["updatedAfter"] = conn.sync_updated_after.isoformat()
            page = client.search(where, cursor=conn.sync_cursor, limit=100)
            results = [r for r in page.get("results") or [] if isinstance(r, dict)]
            contents = _prefetch(client, results)
            latest = conn.sync_updated_after
            for info in results:
                if info.get("flowDirection") == "Out":
                    _sync_outgoing(info)
            _store_incoming(client, [info for info in results if info.get("flowDirection") != "Out"], contents)
            for info in results:
                seen += 1
                updated = parse_datetime(str(info.get("updatedAt") or ""))
                if updated and (latest is None or updated > latest):
                    latest = updated
            next_cursor = str(page.get("nextCursor") or "")
            conn.sync_cursor = next_cursor
            conn.sync_updated_after = latest
            conn.synced_at = timezone.now()
            PlatformConnection.objects.filter(pk=conn.pk).update(
                sync_cursor=conn.sync_cursor, sync_updated_after=latest, synced_at=conn.synced_at)
            if not next_cursor:
                break
    finally:
        if own_client:
            client.close()
    return seen


def _prefetch(client: PlatformClient, results: list[dict]) -> dict[str, bytes]:
    """The files of a page's incoming flows not read yet, downloaded concurrently
    (EINVOICING_SYNC_DOWNLOADS at once): a page of statuses costs the time of a few requests,
    not of a hundred in a row."""
    incoming = [str(info.get("flowId")) for info in results
                if info.get("flowDirection") != "Out" and info.get("flowId")]
    known = set(Flow.objects.filter(flow_id__in=incoming).values_list("flow_id", flat=True))
    return client.originals([flow_id for flow_id in incoming if flow_id not in known],
                            threads=settings.EINVOICING_SYNC_DOWNLOADS)


def _sync_outgoing(info: dict) -> None:
    """What the platform says of one of our flows (its id, its acknowledgement)."""
    flow_id = str(info.get("flowId") or "")
    if not flow_id:
        return
    flow = Flow.objects.filter(flow_id=flow_id).first()
    if flow is None and info.get("trackingId"):
        flow = Flow.objects.filter(tracking_id=str(info["trackingId"])).first()
    if flow is not None:
        _apply_remote(flow, info)


@dataclass
class _Incoming:
    info: dict
    flow: Flow
    message: Any = None


def _store_incoming(client: PlatformClient, infos: list[dict], contents: dict[str, bytes]) -> None:
    """A page's incoming flows (statuses and received invoices) stored together: one transaction,
    a few statements for the whole page rather than a dozen per flow. A flow read already is
    skipped; a status flow is attached to the document it is about and moves that document's
    latest status; the listeners hear of each document once per page, with all its new statuses."""
    wanted = {str(info["flowId"]): info for info in infos if info.get("flowId")}
    if not wanted:
        return
    known = set(Flow.objects.filter(flow_id__in=list(wanted)).values_list("flow_id", flat=True))
    # Files the concurrent download missed are read one by one here, with their retries.
    files = {flow_id: contents.get(flow_id) or client.original(flow_id) for flow_id in wanted if flow_id not in known}
    if not files:
        return
    items: list[_Incoming] = []
    payloads: dict[str, Payload] = {}
    for flow_id, content in files.items():
        info = wanted[flow_id]
        flow_type, syntax = str(info.get("flowType") or ""), str(info.get("flowSyntax") or "")
        message, error = _lifecycle_read(content) if (syntax == Syntax.CDAR or flow_type in LC_TYPES) else (None, "")
        payload = payload_row(content, "application/pdf" if content[:5] == b"%PDF-" else "application/xml")
        payloads.setdefault(payload.sha256, payload)
        flow = Flow(direction=Flow.Direction.IN, flow_type=flow_type[:40], syntax=syntax[:10] or Syntax.CII,
                    processing_rule=str(info.get("processingRule") or "")[:20],
                    profile=str(info.get("flowProfile") or "")[:20], name=str(info.get("name") or flow_id)[:255],
                    payload_id=payload.sha256, flow_id=flow_id, state=Flow.State.RECEIVED, ack_status=Flow.Ack.OK,
                    last_error=error[:300])
        if message is not None:
            flow.document_number = message.document.invoice_number[:40]
            flow.document_date = message.document.issue_date
            flow.seller_siren = (message.document.seller_siren or "")[:9]
        items.append(_Incoming(info, flow, message))
    with transaction.atomic():
        # One reader of this CAE's flows at a time (two syncs would store a page twice).
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()), %s)", [SYNC_LOCK])
        known = set(Flow.objects.filter(flow_id__in=[i.flow.flow_id for i in items]).values_list("flow_id", flat=True))
        items = [item for item in items if item.flow.flow_id not in known]
        if not items:
            return
        statuses = [item for item in items if item.message is not None]
        documents = _document_flows([(item.flow.flow_type, item.flow.seller_siren, item.flow.document_number)
                                     for item in statuses])
        for item in statuses:
            item.flow.about = documents.get((item.flow.flow_type, item.flow.seller_siren, item.flow.document_number))
        Payload.objects.bulk_create(list(payloads.values()), ignore_conflicts=True)
        Flow.objects.bulk_create([item.flow for item in items])
        events = [event for item in statuses for event in _events(item.flow, item.flow.about, item.message)]
        LifecycleEvent.objects.bulk_create(events)
        by_document: dict[int, list[LifecycleEvent]] = defaultdict(list)
        for event in events:
            if event.flow_id is not None:
                by_document[event.flow_id].append(event)
        abouts = {item.flow.about.pk: item.flow.about for item in statuses if item.flow.about is not None}
        _latest_statuses([abouts[pk] for pk in by_document])
        for pk, new_events in by_document.items():
            for lifecycle_listener in _lifecycle_listeners:
                lifecycle_listener(abouts[pk], new_events)
        for item in items:
            if item.message is None and item.flow.flow_type in INVOICE_TYPES:
                for inbound_listener in _inbound_listeners:
                    inbound_listener(item.flow)


def _document_flows(keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], Flow]:
    """The flow of the document each status is about, for a page in one query: our outgoing
    invoice for a CustomerInvoiceLC, an invoice we received for a SupplierInvoiceLC, the newest of
    that seller and number (the seller's SIREN matched when the status names it)."""
    numbers = {number for _, _, number in keys if number}
    if not numbers:
        return {}
    candidates = Flow.objects.filter(document_number__in=numbers,
                                     flow_type__in=["CustomerInvoice", "SupplierInvoice"]).order_by()
    newest: dict[tuple[str, str, str], Flow] = {}
    for flow in candidates:
        status_type = "SupplierInvoiceLC" if flow.direction == Flow.Direction.IN else "CustomerInvoiceLC"
        for key in ((status_type, flow.seller_siren, flow.document_number), (status_type, "", flow.document_number)):
            current = newest.get(key)
            if current is None or (flow.created_at, flow.pk) > (current.created_at, current.pk):
                newest[key] = flow
    found = {}
    for flow_type, seller, number in keys:
        status_type = "SupplierInvoiceLC" if flow_type == "SupplierInvoiceLC" else "CustomerInvoiceLC"
        match = newest.get((status_type, seller, number))
        if match is not None:
            found[(flow_type, seller, number)] = match
    return found


def _events(source: Flow, about: Flow | None, message: Any) -> list[LifecycleEvent]:
    return [LifecycleEvent(
        source=source, sequence=detail.sequence or 1, code=detail.code, flow=about,
        reason_code=(detail.reason_code or "")[:40], reason_text=(detail.reason_text or "")[:500],
        issued_at=_aware(detail.issued_at or message.issued_at), issuer_role=message.sender.role[:3],
        amounts=[{"rate": str(a.rate), "amount": str(a.amount)} for a in detail.amounts],
        document_number=message.document.invoice_number[:40],
        seller_siren=(message.document.seller_siren or "")[:9]) for detail in message.statuses]


def _latest_statuses(documents: list[Flow]) -> None:
    """Each document's latest status (by issue time), its row locked while it moves: statuses of
    one document read at once by two runs move it in turn."""
    if not documents:
        return
    pks = [flow.pk for flow in documents]
    list(Flow.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", flat=True))
    latest: dict[int, str] = {}
    for flow_id, code in (LifecycleEvent.objects.filter(flow_id__in=pks).order_by("flow_id", "-issued_at", "-pk")
                          .values_list("flow_id", "code")):
        if flow_id is not None:
            latest.setdefault(flow_id, code)
    changed = []
    for flow in documents:
        newest = latest.get(flow.pk)
        if newest and newest != flow.last_status:
            flow.last_status, flow.updated_at = newest, timezone.now()
            changed.append(flow)
    Flow.objects.bulk_update(changed, ["last_status", "updated_at"])


def _lifecycle_read(content: bytes) -> tuple[Any, str]:
    """The CDAR message of a status flow, or None and why it could not be read (the file is kept)."""
    from .cdar import CdarError, cdar_parse

    try:
        return cdar_parse(content), ""
    except CdarError as exc:
        return None, exc.message


def record_events(*, source: Flow, about: Flow | None, message: Any) -> list[LifecycleEvent]:
    """Store the statuses of one CDAR message (once: a message read twice adds nothing) and move
    the document's latest status."""
    created = []
    for row in _events(source, about, message):
        event, new = LifecycleEvent.objects.get_or_create(
            source=source, sequence=row.sequence, code=row.code, defaults={
                f.name: getattr(row, f.name) for f in LifecycleEvent._meta.concrete_fields
                if f.name not in ("id", "source", "sequence", "code", "created_at")})
        if new:
            created.append(event)
    if about is not None and created:
        _latest_statuses([about])
    return created


def _aware(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.get_current_timezone())
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def flows_for_documents(keys: Iterable[str]) -> dict[str, Flow]:
    """The latest outgoing flow of each document key."""
    result: dict[str, Flow] = {}
    for flow in Flow.objects.filter(document_key__in=list(keys), direction=Flow.Direction.OUT).order_by("created_at"):
        result[flow.document_key] = flow
    return result
