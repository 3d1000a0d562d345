"""What the sandbox platform does, independent of HTTP: clients and tokens, the directory, flows
received, checked, routed and answered with lifecycle statuses, and the admin's views.

Processing is synchronous: when `POST /v1/flows` answers, the flow's acknowledgement is final and
every lifecycle message it causes is already available (docs/sandbox.md)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import threading
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import cdar, codes
from .storage import Storage
from .xmlcheck import CDAR_ROOT, CII_ROOT, FRR_ROOT, UBL_ROOTS, InvoiceFacts, Schemas, XmlRefused

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_SEARCH_LIMIT = 100
DEFAULT_SEARCH_LIMIT = 25
NOT_ONLY_UUID_MAX = 64
SIREN_RE = re.compile(r"^[0-9]{9}$")
SIRET_RE = re.compile(r"^[0-9]{14}$")
ROUTING_RE = re.compile(r"^(?!\s+$)[\-_/a-zA-Z0-9]{1,100}$")
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")
SHA256_RE = re.compile(r"^[a-f0-9]{64}$")
FAR_FUTURE = 2**62

try:
    from zoneinfo import ZoneInfo

    LOCAL_TZ: Any = ZoneInfo("Europe/Paris")
except Exception:  # noqa: BLE001 - no tz database: the messages' local times fall back to UTC
    LOCAL_TZ = UTC


class ApiError(Exception):
    """An answer other than success, in the standard's Error shape."""

    def __init__(self, status: int, code: str, message: str, *, details: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details

    def body(self) -> dict:
        body = {"errorCode": self.code, "errorMessage": self.message}
        if self.details:
            body["details"] = self.details
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, "MISSING_REQUIRED_FIELD" if "absent" in message else "INVALID_FIELD", message)


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    siren: str


class Faults:
    """Failures the admin asks for, consumed one request at a time."""

    MODES = ("unavailable", "lost_response", "slow_response")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = dict.fromkeys(self.MODES, 0)

    def set(self, mode: str, count: int) -> dict:
        with self._lock:
            self._pending[mode] = count
            return dict(self._pending)

    def take(self, mode: str) -> bool:
        with self._lock:
            if self._pending[mode] > 0:
                self._pending[mode] -= 1
                return True
            return False

    def pending(self) -> dict:
        with self._lock:
            return dict(self._pending)


def iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1_000_000, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_iso(value: Any, field_name: str) -> int:
    if not isinstance(value, str):
        raise bad_request(f"{field_name} : date-heure ISO 8601 attendue")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise bad_request(f"{field_name} : date-heure ISO 8601 attendue") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    delta = parsed - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_name(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text).strip("-")[:80] or "document"


@dataclass
class FlowInfo:
    tracking_id: str | None
    name: str
    syntax: str
    profile: str | None
    rule: str | None
    sha256: str | None
    type_hint: str | None


@dataclass
class Examined:
    """What the checks made outside the write transaction found."""

    kind: str  # invoice, status, report, refused
    details: list[dict] = field(default_factory=list)
    facts: InvoiceFacts | None = None
    message: cdar.StatusMessage | None = None
    flow_type: str = "Undefined"
    schema_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.details

    def error(self, reason: str, message: str, item: str = "file") -> None:
        self.details.append({"level": "Error", "item": item, "reasonCode": reason, "reasonMessage": message[:2000]})


class Sandbox:
    def __init__(self, *, db_path: Path, refs: Path | None, admin_token: str, token_ttl: int = 3600):
        self.storage = Storage(db_path)
        self.refs = refs if refs is not None and refs.is_dir() else None
        self.schemas = Schemas(self.refs)
        self.schemas.warm()
        self.admin_token = admin_token
        self.token_ttl = token_ttl
        self.faults = Faults()
        self.stopping = threading.Event()  # set at shutdown: a slow answer stops waiting
        self._tokens: dict[str, tuple[Client, int]] = {}
        self._tokens_lock = threading.Lock()

    def close(self) -> None:
        self.stopping.set()
        self.storage.close()

    # -- admin: clients and directory ----------------------------------------------------------------
    def is_admin(self, token: str) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.admin_token.encode())

    def client_upsert(self, body: Any) -> dict:
        if not isinstance(body, dict):
            raise bad_request("corps JSON objet attendu")
        client_id, secret = body.get("client_id"), body.get("client_secret")
        name, siren = body.get("name") or "", body.get("siren")
        if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
            raise bad_request("client_id : 1 à 128 caractères parmi A-Z a-z 0-9 . _ ~ -")
        if not isinstance(secret, str) or not secret:
            raise bad_request("client_secret absent")
        if not isinstance(name, str) or len(name) > 255:
            raise bad_request("name : texte de 255 caractères au plus")
        if not isinstance(siren, str) or not SIREN_RE.match(siren):
            raise bad_request("siren : 9 chiffres")
        digest = sha256_hex(secret.encode())
        with self.storage.write() as conn:
            now = self.storage.tick()
            before = conn.execute("SELECT secret_sha256 FROM clients WHERE client_id = ?", (client_id,)).fetchone()
            conn.execute(
                "INSERT INTO clients (client_id, secret_sha256, name, siren, created_us, updated_us) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET secret_sha256 = excluded.secret_sha256, "
                "name = excluded.name, siren = excluded.siren, updated_us = excluded.updated_us",
                (client_id, digest, name, siren, now, now))
            if before is not None and before["secret_sha256"] != digest:
                conn.execute("DELETE FROM tokens WHERE client_id = ?", (client_id,))
        with self._tokens_lock:
            # A new secret ends the tokens of the old one; a new name or SIREN shows at once.
            self._tokens = {key: value for key, value in self._tokens.items() if value[0].client_id != client_id}
        return {"client_id": client_id, "name": name, "siren": siren, "created": before is None}

    def directory_upsert(self, body: Any) -> dict:
        if not isinstance(body, dict):
            raise bad_request("corps JSON objet attendu")
        siren, siret = body.get("siren"), body.get("siret") or None
        routing, suffix = body.get("routing_code") or None, body.get("suffix") or None
        name, client_id = body.get("name"), body.get("client_id")
        if not isinstance(siren, str) or not SIREN_RE.match(siren):
            raise bad_request("siren : 9 chiffres")
        if siret is not None and (not isinstance(siret, str) or not SIRET_RE.match(siret) or siret[:9] != siren):
            raise bad_request("siret : 14 chiffres commençant par le SIREN")
        if routing is not None and (siret is None or not isinstance(routing, str) or not ROUTING_RE.match(routing)):
            raise bad_request("routing_code : exige un siret ; 1 à 100 caractères parmi A-Z a-z 0-9 - _ /")
        if suffix is not None and (siret is not None or not isinstance(suffix, str) or not ROUTING_RE.match(suffix)):
            raise bad_request("suffix : sans siret ; 1 à 100 caractères parmi A-Z a-z 0-9 - _ /")
        if not isinstance(name, str) or not name or len(name) > 150:
            raise bad_request("name absent (150 caractères au plus)")
        if not isinstance(client_id, str):
            raise bad_request("client_id absent")
        # The addressing identifier as the directory and the official examples write it:
        # SIREN, SIREN_SIRET, SIREN_SIRET_ROUTING-CODE, or SIREN_SUFFIX (e.g. 100000009_STATUTS).
        identifier = "_".join(part for part in (siren, siret, routing, suffix) if part)
        with self.storage.write() as conn:
            if conn.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone() is None:
                raise ApiError(404, "MISSING_RESOURCE", f"client {client_id!r} inconnu : POST /sandbox/clients d'abord")
            now = self.storage.tick()
            conn.execute(
                "INSERT INTO directory_lines (addressing_identifier, siren, siret, routing_code, suffix, name, client_id, "
                "created_us, updated_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (addressing_identifier) DO UPDATE "
                "SET name = excluded.name, client_id = excluded.client_id, updated_us = excluded.updated_us",
                (identifier, siren, siret, routing, suffix, name, client_id, now, now))
            row = conn.execute("SELECT * FROM directory_lines WHERE addressing_identifier = ?", (identifier,)).fetchone()
        return {**line_json(row, include=()), "client_id": client_id}

    def directory_delete(self, identifier: str) -> None:
        with self.storage.write() as conn:
            deleted = conn.execute("DELETE FROM directory_lines WHERE addressing_identifier = ?", (identifier,)).rowcount
        if not deleted:
            raise ApiError(404, "MISSING_RESOURCE", f"ligne d'annuaire {identifier!r} inconnue")

    def faults_set(self, body: Any) -> dict:
        if not isinstance(body, dict) or body.get("mode") not in Faults.MODES:
            raise bad_request(f"mode : l'un de {', '.join(Faults.MODES)}")
        count = body.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 1_000_000:
            raise bad_request("count : entier de 0 à 1 000 000")
        return {"pending": self.faults.set(body["mode"], count)}

    def reset(self) -> dict:
        self.storage.reset()
        for mode in Faults.MODES:
            self.faults.set(mode, 0)
        return {"reset": True}

    def client_flows(self, client_id: str) -> dict:
        conn = self.storage.connection()
        if conn.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone() is None:
            raise ApiError(404, "MISSING_RESOURCE", f"client {client_id!r} inconnu")
        rows = conn.execute("SELECT * FROM flows WHERE client_id = ? ORDER BY updated_us, seq", (client_id,)).fetchall()
        invoice_ids = sorted({row["invoice_id"] for row in rows if row["invoice_id"] is not None})
        ids = json.dumps(invoice_ids)
        invoices = {row["id"]: row for row in conn.execute(
            "SELECT * FROM invoices WHERE id IN (SELECT value FROM json_each(?))", (ids,))}
        statuses: dict[int, list[dict]] = {}
        for row in conn.execute("SELECT * FROM statuses WHERE invoice_id IN (SELECT value FROM json_each(?)) "
                                "ORDER BY at_us, id", (ids,)):
            statuses.setdefault(row["invoice_id"], []).append({
                "code": row["code"], "reasonCode": row["reason_code"], "origin": row["origin"],
                "flowId": row["flow_id"], "at": iso(row["at_us"])})
        flows = []
        for row in rows:
            extra: dict[str, Any] = {"origin": row["origin"], "statusCode": row["status_code"],
                                     "reasonCode": row["reason_code"]}
            invoice = invoices.get(row["invoice_id"])
            if invoice is not None:
                extra["invoice"] = {
                    "number": invoice["number"], "issueDate": invoice["issue_date"],
                    "sellerSiren": invoice["seller_siren"], "buyerAddress": invoice["buyer_address"],
                    "deposited": bool(invoice["deposited"]), "lastStatus": invoice["last_status"]}
                if row["flow_type"] in ("CustomerInvoice", "SupplierInvoice"):
                    extra["statuses"] = statuses.get(invoice["id"], [])
            flows.append({**flow_json(row), "sandbox": extra})
        return {"client_id": client_id, "flows": flows}

    def stats(self) -> dict:
        conn = self.storage.connection()
        clients: dict[str, dict] = {}
        for row in conn.execute("SELECT client_id, name, siren FROM clients ORDER BY client_id"):
            clients[row["client_id"]] = {"name": row["name"], "siren": row["siren"], "flows": 0, "byType": {}}
        for row in conn.execute("SELECT client_id, flow_type, flow_direction, count(*) AS n FROM flows "
                                "GROUP BY client_id, flow_type, flow_direction"):
            entry = clients.setdefault(row["client_id"], {"flows": 0, "byType": {}})
            entry["flows"] += row["n"]
            entry["byType"][f"{row['flow_type']}/{row['flow_direction']}"] = row["n"]
        one = conn.execute(
            "SELECT (SELECT count(*) FROM flows) AS flows, "
            "(SELECT count(*) FROM flows WHERE origin = 'delivery') AS deliveries, "
            "(SELECT count(*) FROM flows WHERE ack_status = 'Error') AS errors, "
            "(SELECT count(*) FROM invoices WHERE deposited = 1) AS deposited, "
            "(SELECT count(*) FROM statuses WHERE code = '213') AS rejected, "
            "(SELECT count(*) FROM statuses WHERE code = '213' AND reason_code = 'DOUBLON') AS duplicates").fetchone()
        return {"clients": clients, "flows": one["flows"], "deliveries": one["deliveries"],
                "acknowledgementErrors": one["errors"], "invoicesDeposited": one["deposited"],
                "rejected": one["rejected"], "duplicatesRefused": one["duplicates"], "faults": self.faults.pending()}

    # -- OAuth2 client credentials ------------------------------------------------------------------
    def client_authenticate(self, client_id: str, secret: str) -> Client | None:
        row = self.storage.connection().execute(
            "SELECT client_id, secret_sha256, name, siren FROM clients WHERE client_id = ?", (client_id,)).fetchone()
        candidate = sha256_hex(secret.encode())
        stored = row["secret_sha256"] if row is not None else "0" * 64
        if not hmac.compare_digest(candidate, stored) or row is None:
            return None
        return Client(row["client_id"], row["name"], row["siren"])

    def token_issue(self, client: Client) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        digest = sha256_hex(token.encode())
        with self.storage.write() as conn:
            now = self.storage.tick()
            expires = now + self.token_ttl * 1_000_000
            conn.execute("DELETE FROM tokens WHERE expires_us < ?", (now,))
            conn.execute("INSERT INTO tokens (token_sha256, client_id, expires_us) VALUES (?, ?, ?)",
                         (digest, client.client_id, expires))
        with self._tokens_lock:
            self._tokens[digest] = (client, expires)
        return token, self.token_ttl

    def token_client(self, token: str) -> Client | None:
        digest = sha256_hex(token.encode())
        now = datetime.now(UTC).timestamp() * 1_000_000
        with self._tokens_lock:
            cached = self._tokens.get(digest)
        if cached is None:
            row = self.storage.connection().execute(
                "SELECT c.client_id, c.name, c.siren, t.expires_us FROM tokens t JOIN clients c USING (client_id) "
                "WHERE t.token_sha256 = ?", (digest,)).fetchone()
            if row is None:
                return None
            cached = (Client(row["client_id"], row["name"], row["siren"]), row["expires_us"])
            with self._tokens_lock:
                self._tokens[digest] = cached
        return cached[0] if cached[1] > now else None

    # -- Flow Service: submission ------------------------------------------------------------------
    def flow_info(self, raw: Any, filename: str | None) -> FlowInfo:
        if not isinstance(raw, dict):
            raise bad_request("flowInfo : objet JSON attendu")
        tracking = raw.get("trackingId")
        if tracking is not None and (not isinstance(tracking, str) or not 0 < len(tracking) <= NOT_ONLY_UUID_MAX):
            raise bad_request(f"trackingId : texte de 1 à {NOT_ONLY_UUID_MAX} caractères")
        name = raw.get("name") or filename
        if not isinstance(name, str) or not name or len(name) > 255:
            raise bad_request("name absent (255 caractères au plus)")
        syntax = raw.get("flowSyntax")
        if syntax not in codes.FLOW_SYNTAXES:
            raise bad_request(f"flowSyntax absent ou inconnu : l'un de {', '.join(sorted(codes.FLOW_SYNTAXES))}")
        profile, rule = raw.get("flowProfile"), raw.get("processingRule")
        if profile is not None and profile not in codes.FLOW_PROFILES:
            raise bad_request(f"flowProfile inconnu : l'un de {', '.join(sorted(codes.FLOW_PROFILES))}")
        if rule is not None and rule not in codes.PROCESSING_RULES:
            raise bad_request(f"processingRule inconnu : l'un de {', '.join(sorted(codes.PROCESSING_RULES))}")
        digest = raw.get("sha256")
        if digest is not None and (not isinstance(digest, str) or not SHA256_RE.match(digest)):
            raise bad_request("sha256 : 64 caractères hexadécimaux minuscules")
        hint = raw.get("flowType")
        return FlowInfo(tracking_id=tracking, name=name, syntax=syntax, profile=profile, rule=rule, sha256=digest,
                        type_hint=hint if hint in codes.FLOW_TYPES else None)

    def flow_submit(self, client: Client, info: FlowInfo, content: bytes) -> dict:
        """Take one flow; the same trackingId again gives back the flow it made, untouched."""
        if info.tracking_id:
            existing = self._by_tracking(self.storage.connection(), client, info.tracking_id)
            if existing is not None:
                return full_flow_info(existing)
        if len(content) > MAX_FILE_BYTES:
            raise ApiError(413, "FILE_SIZE_EXCEEDED", f"Fichier de {len(content)} octets : {MAX_FILE_BYTES} au plus.")
        digest = sha256_hex(content)
        examined = self._examine(info, content, digest)
        with self.storage.write() as conn:
            if info.tracking_id:
                existing = self._by_tracking(conn, client, info.tracking_id)
                if existing is not None:
                    return full_flow_info(existing)
            row = self._apply(conn, client, info, content, digest, examined)
        return full_flow_info(row)

    @staticmethod
    def _by_tracking(conn: sqlite3.Connection, client: Client, tracking_id: str) -> sqlite3.Row | None:
        return conn.execute("SELECT * FROM flows WHERE client_id = ? AND tracking_id = ?",
                            (client.client_id, tracking_id)).fetchone()

    def _examine(self, info: FlowInfo, content: bytes, digest: str) -> Examined:
        from . import xmlcheck

        kind = {"CDAR": "status", "FRR": "report"}.get(info.syntax, "invoice")
        examined = Examined(kind=kind)
        if not content:
            examined.error(codes.EMPTY_FLOW, "Le fichier est vide.")
            return examined
        if info.sha256 and info.sha256 != digest:
            examined.error(codes.CHECKSUM_MISMATCH, f"sha256 annoncé {info.sha256}, calculé {digest}.", item="sha256")
            return examined
        try:
            if info.syntax == "Factur-X":
                if not content.startswith(b"%PDF-"):
                    raise XmlRefused(codes.FLOW_TYPE_ERROR, "Factur-X : un PDF est attendu.")
                root = xmlcheck.parse(xmlcheck.xml_from_pdf(content))
            else:
                root = xmlcheck.parse(content)
        except XmlRefused as refused:
            examined.error(refused.reason, refused.message)
            return examined

        if kind == "invoice":
            expected = (CII_ROOT,) if info.syntax in ("CII", "Factur-X") else tuple(UBL_ROOTS)
            if root.tag not in expected:
                examined.error(codes.FLOW_TYPE_ERROR, f"Racine {root.tag!r} inattendue pour la syntaxe {info.syntax}.")
                return examined
            examined.flow_type = "CustomerInvoice"
            examined.facts = xmlcheck.invoice_facts(root)
            schema = UBL_ROOTS.get(root.tag) or (
                "cii-extended-ctc-fr" if info.profile == "Extended-CTC-FR" else "cii-en16931")
            problems = self.schemas.errors(schema, root) or []
        elif kind == "status":
            if root.tag != CDAR_ROOT:
                examined.error(codes.FLOW_TYPE_ERROR, f"Racine {root.tag!r} : un message CDAR est attendu.")
                return examined
            problems = self.schemas.errors("cdar", root) or []
            if not problems:
                examined.message = cdar.read(root)
                for reason, message in cdar.problems(examined.message):
                    examined.error(reason, message, item="ReferenceReferencedDocument")
        else:
            if root.tag != FRR_ROOT:
                examined.error(codes.FLOW_TYPE_ERROR, f"Racine {root.tag!r} : un flux 10 (Report) est attendu.")
                return examined
            problems = self.schemas.errors("frr", root) or []
            examined.flow_type = info.type_hint if info.type_hint in codes.REPORT_FLOW_TYPES else (
                xmlcheck.report_flow_type(root))
        for where, message in problems:
            examined.error(codes.INVALID_SCHEMA, message, item=where)
        if problems:
            examined.schema_note = f"{problems[0][0]} : {problems[0][1]}"
        return examined

    def _apply(self, conn: sqlite3.Connection, client: Client, info: FlowInfo, content: bytes, digest: str,
               examined: Examined) -> sqlite3.Row:
        if examined.kind == "invoice":
            return self._invoice(conn, client, info, content, digest, examined)
        if examined.kind == "status" and examined.ok:
            return self._status(conn, client, info, content, digest, examined)
        flow_type = examined.flow_type if examined.kind == "report" else (info.type_hint or "Undefined")
        if examined.kind == "status" and flow_type not in ("CustomerInvoiceLC", "SupplierInvoiceLC"):
            flow_type = "Undefined"
        rule, source = self._rule(info, report_rule(flow_type) if examined.ok else "Undefined")
        return self._insert(conn, client_id=client.client_id, origin="client", info=info, rule=rule, source=source,
                            flow_type=flow_type, direction="Out", content=content, digest=digest,
                            details=examined.details)

    @staticmethod
    def _rule(info: FlowInfo, computed: str) -> tuple[str, str]:
        return (info.rule, "Input") if info.rule else (computed, "Computed")

    def _insert(self, conn: sqlite3.Connection, *, client_id: str, origin: str, info: FlowInfo | None, rule: str,
                source: str, flow_type: str, direction: str, content: bytes, digest: str, details: list[dict],
                syntax: str | None = None, profile: str | None = None, name: str | None = None,
                invoice_id: int | None = None, status_code: str | None = None,
                reason_code: str | None = None) -> sqlite3.Row:
        now = self.storage.tick()
        conn.execute("INSERT OR IGNORE INTO blobs (sha256, content) VALUES (?, ?)", (digest, content))
        flow_id = str(uuid.uuid4())
        syntax = syntax or (info.syntax if info else "CDAR")
        profile = profile or (info.profile if info and info.profile else ("Undefined" if details else "Basic"))
        conn.execute(
            "INSERT INTO flows (flow_id, client_id, origin, tracking_id, name, processing_rule, processing_rule_source, "
            "flow_syntax, flow_profile, flow_type, flow_direction, sha256, size, content_type, submitted_us, "
            "updated_us, ack_status, ack_details, invoice_id, status_code, reason_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (flow_id, client_id, origin, info.tracking_id if info and origin == "client" else None,
             name or (info.name if info else flow_id), rule, source, syntax, profile, flow_type, direction, digest,
             len(content), "application/pdf" if content.startswith(b"%PDF-") else "application/xml", now, now,
             "Error" if details else "Ok", json.dumps(details, ensure_ascii=False) if details else None, invoice_id,
             status_code, reason_code))
        return conn.execute("SELECT * FROM flows WHERE flow_id = ?", (flow_id,)).fetchone()

    # -- invoices: deposit, routing, the platform's statuses -------------------------------------
    def _invoice(self, conn: sqlite3.Connection, client: Client, info: FlowInfo, content: bytes, digest: str,
                 examined: Examined) -> sqlite3.Row:
        facts = examined.facts
        if examined.ok and facts is not None and not facts.identified:
            examined.error(codes.INVALID_SCHEMA, "Numéro (BT-1) ou date (BT-2, AAAAMMJJ) de la facture illisible.")
        rule, source = self._rule(info, "B2B" if examined.ok else "Undefined")
        flow = self._insert(conn, client_id=client.client_id, origin="client", info=info, rule=rule, source=source,
                            flow_type="CustomerInvoice" if facts is not None else "Undefined", direction="Out",
                            content=content, digest=digest, details=examined.details)
        if facts is None or not facts.identified:
            return flow  # nothing to address a status to: the acknowledgement says it all

        # Same seller, number and year as an invoice already deposited: a duplicate (DOUBLON: "même
        # numéro même fournisseur et même année de la date de facture").
        duplicate = conn.execute(
            "SELECT 1 FROM invoices WHERE seller_siren = ? AND number = ? AND issue_year = ? AND deposited = 1",
            (facts.seller_siren, facts.number, facts.issue_date[:4])).fetchone() is not None
        reason, note, line = "", "", None
        if not examined.ok:
            reason, note = codes.SEMANTIC_ERROR, examined.schema_note
        elif not SIREN_RE.match(facts.seller_siren):
            reason, note = codes.SEMANTIC_ERROR, "SIREN du vendeur (BT-30, schéma 0002) absent ou invalide."
        elif duplicate:
            reason, note = codes.DUPLICATE, f"Facture {facts.number} de {facts.issue_date[:4]} déjà déposée."
        elif not facts.buyer_address or facts.buyer_address_scheme != "0225":
            reason, note = codes.BAD_ADDRESS, "Adresse électronique de l'acheteur (BT-49, schéma 0225) absente."
        else:
            line = conn.execute(
                "SELECT d.addressing_identifier, d.client_id FROM directory_lines d JOIN clients c USING (client_id) "
                "WHERE d.addressing_identifier = ?", (facts.buyer_address,)).fetchone()
            if line is None:
                reason, note = codes.UNKNOWN_RECIPIENT, f"Adresse {facts.buyer_address} absente de l'annuaire."

        now = self.storage.tick()
        cursor = conn.execute(
            "INSERT INTO invoices (seller_client, seller_siren, seller_name, seller_address, number, issue_date, "
            "issue_year, type_code, buyer_siren, buyer_name, buyer_address, buyer_client, deposited, created_us) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (client.client_id, facts.seller_siren if SIREN_RE.match(facts.seller_siren) else client.siren,
             facts.seller_name or client.name, facts.seller_address, facts.number, facts.issue_date,
             facts.issue_date[:4], facts.type_code or "380", facts.buyer_siren, facts.buyer_name, facts.buyer_address,
             line["client_id"] if line is not None else None, 0 if reason else 1, now))
        invoice_id = int(cursor.lastrowid or 0)
        conn.execute("UPDATE flows SET invoice_id = ? WHERE flow_id = ?", (invoice_id, flow["flow_id"]))
        invoice = conn.execute("SELECT * FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
        deposited_at = datetime.now(LOCAL_TZ)
        if reason:
            self._emit(conn, invoice, "213", rule=rule, received_at=deposited_at, reason=reason, note=note)
        else:
            assert line is not None
            self._emit(conn, invoice, "200", rule=rule, received_at=deposited_at)
            self._insert(conn, client_id=line["client_id"], origin="delivery", info=info, rule=rule, source=source,
                         flow_type="SupplierInvoice", direction="In", content=content, digest=digest, details=[],
                         invoice_id=invoice_id)
            received_at = datetime.now(LOCAL_TZ)
            self._emit(conn, invoice, "202", rule=rule, received_at=received_at)
            self._emit(conn, invoice, "203", rule=rule, received_at=received_at)
        return conn.execute("SELECT * FROM flows WHERE flow_id = ?", (flow["flow_id"],)).fetchone()

    def _emit(self, conn: sqlite3.Connection, invoice: sqlite3.Row, code: str, *, rule: str, received_at: datetime,
              reason: str = "", note: str = "") -> None:
        """One lifecycle message from the platform, made available to the seller."""
        sequence = conn.execute("SELECT count(*) FROM statuses WHERE invoice_id = ?", (invoice["id"],)).fetchone()[0]
        label = _safe_name(codes.STATUS_LABELS[code][0])
        name = f"{_safe_name(invoice['number'])}_{sequence + 1:02d}-CDV-{code}_{label}"
        content = cdar.platform_status(
            code=code, name=name, issued_at=datetime.now(LOCAL_TZ), received_at=received_at, reason=reason, note=note,
            invoice=cdar.InvoiceRef(
                number=invoice["number"], issue_date=invoice["issue_date"], type_code=invoice["type_code"],
                seller_siren=invoice["seller_siren"], seller_name=invoice["seller_name"],
                seller_address=invoice["seller_address"], buyer_siren=invoice["buyer_siren"],
                buyer_name=invoice["buyer_name"], buyer_address=invoice["buyer_address"]))
        flow = self._insert(conn, client_id=invoice["seller_client"], origin="platform", info=None, rule=rule,
                            source="Computed", flow_type="CustomerInvoiceLC", direction="In", content=content,
                            digest=sha256_hex(content), details=[], syntax="CDAR", profile="Basic", name=f"{name}.xml",
                            invoice_id=invoice["id"], status_code=code, reason_code=reason or None)
        self._record_status(conn, invoice["id"], code, reason or None, "platform", flow["flow_id"])

    def _record_status(self, conn: sqlite3.Connection, invoice_id: int, code: str, reason: str | None, origin: str,
                       flow_id: str) -> None:
        conn.execute("INSERT INTO statuses (invoice_id, code, reason_code, origin, flow_id, at_us) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (invoice_id, code, reason, origin, flow_id, self.storage.tick()))
        conn.execute("UPDATE invoices SET last_status = ? WHERE id = ?", (code, invoice_id))

    # -- statuses posted by the buyer's or the seller's side -------------------------------------
    def _status(self, conn: sqlite3.Connection, client: Client, info: FlowInfo, content: bytes, digest: str,
                examined: Examined) -> sqlite3.Row:
        message = examined.message
        assert message is not None
        plans: list[tuple[sqlite3.Row, str, str, list[str]]] = []
        for detail in message.details:
            invoice = conn.execute(
                "SELECT * FROM invoices WHERE seller_siren = ? AND number = ? AND deposited = 1 "
                "ORDER BY (issue_year = ?) DESC, id DESC LIMIT 1",
                (detail.seller_siren, detail.number, detail.issue_date[:4])).fetchone()
            if invoice is None:
                examined.error(codes.LC_RULE_ERROR, f"Facture {detail.number} du SIREN {detail.seller_siren} inconnue "
                                                    "de la plateforme.", item="IssuerAssignedID")
                continue
            is_buyer = invoice["buyer_client"] == client.client_id
            is_seller = invoice["seller_client"] == client.client_id
            if is_buyer and is_seller:  # an invoice to oneself: the message says which side speaks
                is_buyer = message.issuer_role != "SE"
            if is_buyer:
                side, forbidden, target = "buyer", codes.SELLER_STATUSES, invoice["seller_client"]
            elif is_seller:
                side, forbidden, target = "seller", codes.BUYER_STATUSES, invoice["buyer_client"]
            else:
                examined.error(codes.LC_ACCESS_DENIED, f"La facture {detail.number} n'a été ni émise ni reçue par ce "
                                                       "client.", item="IssuerAssignedID")
                continue
            if detail.code in forbidden:  # the other side's status
                examined.error(codes.LC_STATUS_ERROR, f"Le statut {detail.code} n'est pas émis par le "
                                                      f"{'vendeur' if side == 'seller' else 'acheteur'}.",
                               item="ProcessConditionCode")
                continue
            plans.append((invoice, side, target or "", detail.reasons))
        sides = {side for _, side, _, _ in plans}
        flow_type = "CustomerInvoiceLC" if sides == {"seller"} else (
            "SupplierInvoiceLC" if sides == {"buyer"} else "Undefined")
        rule, source = self._rule(info, "B2B" if examined.ok else "Undefined")
        first = message.details[0]
        flow = self._insert(conn, client_id=client.client_id, origin="client", info=info, rule=rule, source=source,
                            flow_type=flow_type, direction="Out", content=content, digest=digest,
                            details=examined.details, syntax="CDAR", profile=info.profile or "Basic",
                            invoice_id=plans[0][0]["id"] if plans else None, status_code=first.code,
                            reason_code=first.reasons[0] if first.reasons else None)
        if not examined.ok:
            return flow
        delivered: set[str] = set()
        for (invoice, side, target, reasons), detail in zip(plans, message.details, strict=True):
            reason = reasons[0] if reasons else None
            self._record_status(conn, invoice["id"], detail.code, reason, side, flow["flow_id"])
            if target and target not in delivered:
                delivered.add(target)
                self._insert(conn, client_id=target, origin="delivery", info=info, rule=rule, source=source,
                             flow_type="SupplierInvoiceLC" if side == "seller" else "CustomerInvoiceLC",
                             direction="In", content=content, digest=digest, details=[], syntax="CDAR",
                             profile=info.profile or "Basic", invoice_id=invoice["id"], status_code=detail.code,
                             reason_code=reason)
        return flow

    # -- Flow Service: reading -------------------------------------------------------------------
    def flow_get(self, client: Client, flow_id: str) -> sqlite3.Row:
        row = self.storage.connection().execute("SELECT * FROM flows WHERE flow_id = ? AND client_id = ?",
                                                (flow_id, client.client_id)).fetchone()
        if row is None:  # another client's flow does not exist for this one
            raise ApiError(404, "MISSING_RESOURCE", f"Flux {flow_id} introuvable.")
        return row

    def blob(self, digest: str) -> bytes:
        row = self.storage.connection().execute("SELECT content FROM blobs WHERE sha256 = ?", (digest,)).fetchone()
        return bytes(row["content"])

    def flow_search(self, client: Client, body: Any) -> dict:
        if not isinstance(body, dict):
            raise bad_request("corps JSON objet attendu")
        limit = body.get("limit", DEFAULT_SEARCH_LIMIT)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_SEARCH_LIMIT:
            raise bad_request(f"limit : entier de 1 à {MAX_SEARCH_LIMIT}")
        where = body.get("where")
        if not isinstance(where, dict):
            raise bad_request("where absent : au moins un critère est exigé")
        known = {"updatedAfter", "updatedBefore", "processingRule", "flowType", "flowDirection", "trackingId",
                 "ackStatus"}
        unknown = sorted(set(where) - known)
        if unknown:
            raise bad_request(f"where : critère inconnu {unknown[0]!r}")
        if not any(where.get(key) not in (None, [], "") for key in known):
            raise bad_request("where : au moins un critère est exigé")
        after = (-1, -1)
        if where.get("updatedAfter") is not None:
            after = (parse_iso(where["updatedAfter"], "updatedAfter"), FAR_FUTURE)  # strict: updatedAt > updatedAfter
        before = parse_iso(where["updatedBefore"], "updatedBefore") if where.get("updatedBefore") is not None else (
            FAR_FUTURE)
        cursor = body.get("cursor")
        if cursor:
            after = max(after, decode_cursor(cursor))
        lists: dict[str, str | None] = {}
        for key, allowed in (("processingRule", codes.PROCESSING_RULES), ("flowType", codes.FLOW_TYPES),
                             ("flowDirection", codes.FLOW_DIRECTIONS)):
            values = where.get(key)
            if values is None or values == []:
                lists[key] = None
                continue
            if not isinstance(values, list) or any(value not in allowed for value in values):
                raise bad_request(f"{key} : liste de valeurs parmi {', '.join(sorted(allowed))}")
            lists[key] = json.dumps(values)
        ack = where.get("ackStatus")
        if ack is not None and ack not in codes.ACK_STATUSES:
            raise bad_request(f"ackStatus : l'un de {', '.join(sorted(codes.ACK_STATUSES))}")
        tracking = where.get("trackingId")
        if tracking is not None and (not isinstance(tracking, str) or len(tracking) > NOT_ONLY_UUID_MAX):
            raise bad_request(f"trackingId : texte de {NOT_ONLY_UUID_MAX} caractères au plus")
        params = {"client": client.client_id, "after_us": after[0], "after_seq": after[1], "before_us": before,
                  "ack": ack, "types": lists["flowType"], "dirs": lists["flowDirection"],
                  "rules": lists["processingRule"], "tracking": tracking, "limit": limit + 1}
        query = SEARCH_BY_TRACKING if tracking else SEARCH
        rows = self.storage.connection().execute(query, params).fetchall()
        page = rows[:limit]
        answer: dict[str, Any] = {"limit": limit, "filters": where, "results": [flow_json(row) for row in page]}
        if len(rows) > limit:
            answer["nextCursor"] = encode_cursor(page[-1]["updated_us"], page[-1]["seq"])
        return answer

    # -- Directory Service -------------------------------------------------------------------------
    def legal_unit(self, siren: str) -> dict:
        if not SIREN_RE.match(siren):
            raise bad_request("siren : 9 chiffres")
        row = self.storage.connection().execute(
            "SELECT siren, name FROM directory_lines WHERE siren = ? ORDER BY (siret IS NULL AND suffix IS NULL) DESC, "
            "created_us LIMIT 1", (siren,)).fetchone()
        if row is None:
            raise ApiError(404, "MISSING_RESOURCE", f"SIREN {siren} absent de l'annuaire.")
        return legal_unit_json(row)

    def facility(self, siret: str, include: tuple[str, ...]) -> dict:
        if not SIRET_RE.match(siret):
            raise bad_request("siret : 14 chiffres")
        conn = self.storage.connection()
        row = conn.execute("SELECT siren, siret, name FROM directory_lines WHERE siret = ? ORDER BY created_us LIMIT 1",
                           (siret,)).fetchone()
        if row is None:
            raise ApiError(404, "MISSING_RESOURCE", f"SIRET {siret} absent de l'annuaire.")
        answer = facility_json(row, instructions_key="siretInstructions")
        if "siren" in include:
            answer["legalUnit"] = self.legal_unit(row["siren"])
        return answer

    def directory_line(self, identifier: str, include: tuple[str, ...]) -> dict:
        row = self.storage.connection().execute("SELECT * FROM directory_lines WHERE addressing_identifier = ?",
                                                (identifier,)).fetchone()
        if row is None:
            raise ApiError(404, "MISSING_RESOURCE", f"Ligne d'annuaire {identifier} inconnue.")
        return line_json(row, include=include)

    def directory_search(self, body: Any) -> dict:
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise bad_request("corps JSON objet attendu")
        filters = body.get("filters") or {}
        if not isinstance(filters, dict):
            raise bad_request("filters : objet attendu")
        tests = []
        for key, column, ops in (("addressingIdentifier", "addressing_identifier", ("contains", "strict")),
                                 ("siren", "siren", ("strict",)), ("siret", "siret", ("strict",)),
                                 ("routingIdentifier", "routing_code", ("contains", "strict")),
                                 ("addressingSuffix", "suffix", ("contains", "strict"))):
            criterion = filters.get(key)
            if criterion is None:
                continue
            if not isinstance(criterion, dict) or not isinstance(criterion.get("value"), str):
                raise bad_request(f"filters.{key} : {{\"op\": …, \"value\": …}} attendu")
            op = criterion.get("op", "strict")
            if op not in ops:
                raise bad_request(f"filters.{key}.op : l'un de {', '.join(ops)}")
            if key in ("siren", "siret") and not criterion["value"].isdigit():
                raise bad_request(f"filters.{key}.value : chiffres attendus")
            tests.append((column, op, criterion["value"]))
        limit, ignore = body.get("limit", 100), body.get("ignore", 0)
        if not isinstance(limit, int) or not 1 <= limit <= 1000 or not isinstance(ignore, int) or ignore < 0:
            raise bad_request("limit : 1 à 1000 ; ignore : entier positif")
        include = tuple(value for value in (body.get("include") or []) if value in ("siren", "siret", "routingCode"))
        siren = next((value for column, _, value in tests if column == "siren"), None)
        conn = self.storage.connection()
        rows = (conn.execute("SELECT * FROM directory_lines WHERE siren = ?", (siren,)) if siren else
                conn.execute("SELECT * FROM directory_lines")).fetchall()
        matching = [row for row in rows if all(
            (row[column] or "") == value if op == "strict" else value in (row[column] or "")
            for column, op, value in tests)]
        sorting = body.get("sorting") or [{"field": "addressingIdentifier", "order": "ascending"}]
        columns = {"addressingIdentifier": "addressing_identifier", "siren": "siren", "siret": "siret",
                   "routingIdentifier": "routing_code", "addressingSuffix": "suffix"}
        for rule in reversed(sorting if isinstance(sorting, list) else []):
            if isinstance(rule, dict) and rule.get("field") in columns:
                matching.sort(key=lambda row, c=columns[rule["field"]]: row[c] or "",
                              reverse=rule.get("order") == "descending")
        fields = body.get("fields")
        results = [select_fields(line_json(row, include=include), fields) for row in matching[ignore:ignore + limit]]
        return {"search": body, "totalNumberOfResults": len(matching), "results": results}


SEARCH = """
SELECT * FROM flows
WHERE client_id = :client AND (updated_us, seq) > (:after_us, :after_seq) AND updated_us < :before_us
  AND (:ack IS NULL OR ack_status = :ack)
  AND (:types IS NULL OR flow_type IN (SELECT value FROM json_each(:types)))
  AND (:dirs IS NULL OR flow_direction IN (SELECT value FROM json_each(:dirs)))
  AND (:rules IS NULL OR processing_rule IN (SELECT value FROM json_each(:rules)))
ORDER BY updated_us, seq LIMIT :limit
"""
# The same with the trackingId (unique per client: its own index), so that looking a flow up by
# it stays one index probe however many flows the client has.
SEARCH_BY_TRACKING = """
SELECT * FROM flows
WHERE client_id = :client AND tracking_id = :tracking
  AND (updated_us, seq) > (:after_us, :after_seq) AND updated_us < :before_us
  AND (:ack IS NULL OR ack_status = :ack)
  AND (:types IS NULL OR flow_type IN (SELECT value FROM json_each(:types)))
  AND (:dirs IS NULL OR flow_direction IN (SELECT value FROM json_each(:dirs)))
  AND (:rules IS NULL OR processing_rule IN (SELECT value FROM json_each(:rules)))
ORDER BY updated_us, seq LIMIT :limit
"""


def encode_cursor(updated_us: int, seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{updated_us}:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: Any) -> tuple[int, int]:
    try:
        text = base64.urlsafe_b64decode(str(cursor) + "=" * (-len(str(cursor)) % 4)).decode()
        version, updated_us, seq = text.split(":")
        if version != "v1":
            raise ValueError(version)
        return int(updated_us), int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise bad_request("cursor : valeur inconnue (reprendre le nextCursor d'une réponse)") from exc


def report_rule(flow_type: str) -> str:
    if flow_type.startswith("Aggregated"):
        return "B2C"
    if flow_type.startswith("Unitary"):
        return "B2BInt"
    return "Undefined"


def full_flow_info(row: sqlite3.Row) -> dict:
    """FullFlowInfo: the flow's info, its id and its submission time."""
    info = {"flowId": row["flow_id"], "submittedAt": iso(row["submitted_us"]), "name": row["name"],
            "processingRule": row["processing_rule"], "flowSyntax": row["flow_syntax"],
            "flowProfile": row["flow_profile"], "sha256": row["sha256"]}
    if row["tracking_id"] is not None:
        info["trackingId"] = row["tracking_id"]
    return info


def flow_json(row: sqlite3.Row) -> dict:
    """Flow: FullFlowInfo plus type, direction, update time and acknowledgement."""
    flow = full_flow_info(row)
    acknowledgement: dict[str, Any] = {"status": row["ack_status"]}
    if row["ack_details"]:
        acknowledgement["details"] = json.loads(row["ack_details"])
    flow.update({"updatedAt": iso(row["updated_us"]), "flowType": row["flow_type"],
                 "flowDirection": row["flow_direction"], "processingRuleSource": row["processing_rule_source"],
                 "acknowledgement": acknowledgement})
    return flow


def legal_unit_json(row: sqlite3.Row) -> dict:
    return {"siren": row["siren"], "businessName": row["name"], "entityType": "PrivateVatRegistered",
            "administrativeStatus": "A", "instructions": {"isSalesProspectingForbidden": False}}


def facility_json(row: sqlite3.Row, *, instructions_key: str = "instructions") -> dict:
    return {"siret": row["siret"], "siren": row["siren"], "name": row["name"], "facilityType": "P",
            "administrativeStatus": "A", instructions_key: {"isSalesProspectingForbidden": False}}


def line_json(row: sqlite3.Row, *, include: tuple[str, ...]) -> dict:
    line: dict[str, Any] = {"addressingIdentifier": row["addressing_identifier"], "platformType": "WK",
                            "directoryLineStatus": "Enabled", "siren": row["siren"]}
    if row["siret"]:
        line["siret"] = row["siret"]
    if row["routing_code"]:
        line["routingIdentifier"] = row["routing_code"]
    if row["suffix"]:
        line["addressingSuffix"] = row["suffix"]
    if "routingCode" in include and row["routing_code"]:
        line["routingCode"] = {"routingIdentifier": row["routing_code"], "routingCodeName": row["name"][:100],
                               "administrativeStatus": "A"}
    if "siren" in include:
        line["legalUnit"] = legal_unit_json(row)
    if "siret" in include and row["siret"]:
        line["facility"] = facility_json(row)
    return line


def select_fields(resource: dict, fields: Any) -> dict:
    """The `fields` parameter: only those, plus the included relations."""
    if not fields:
        return resource
    wanted = set(fields) | {"legalUnit", "facility", "routingCode"}
    return {key: value for key, value in resource.items() if key in wanted}
