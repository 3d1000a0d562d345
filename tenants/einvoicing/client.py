"""The one way Essaim talks to an approved platform: AFNOR XP Z12-013 1.3.0, the Flow Service
(`POST /v1/flows`, `POST /v1/flows/search`, `GET /v1/flows/{flowId}`, `GET /v1/healthcheck`) and
the Directory Service (`GET /v1/siren/code-insee:{siren}`, `POST /v1/directory-line/search`,
`GET /v1/healthcheck`), authenticated by OAuth2 client credentials (RFC 6749 §4.4), the standard's
security scheme.

Every call goes through `_call`: a timeout, retries with exponential backoff on what is worth
retrying (transport errors, 429, 500, 502, 503, 504; `Retry-After` honoured up to the cap), one
token refresh on a 401, and an `Exchange` row per attempt in the CAE's schema with its bodies kept
by digest. The token request's body (the secret) is never kept, nor the token itself. What cannot
be retried here raises `PlatformUnavailable` (try again later: the caller keeps the work queued) or
`PlatformRefused` (the platform said no: a 4xx other than 401/429)."""

from __future__ import annotations

import functools
import hashlib
import json
import random
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import certifi
import httpx
from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from essaim.core.errors import AppError
from essaim.core.sealing import unseal

from .models import Exchange, Flow, Payload, PlatformConnection

SECRET_PURPOSE = "einvoicing.client_secret"
RETRYABLE = frozenset({429, 500, 502, 503, 504})
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_LOGGED_BYTES = 5 * 1024 * 1024
BACKOFF_CAP_SECONDS = 8.0


class PlatformUnavailable(AppError):
    """The platform could not be reached or asked us to come back later: nothing is lost, the
    work stays queued."""

    status = 503


class PlatformRefused(AppError):
    """The platform answered that the request is wrong (4xx): retrying the same request is useless."""

    status = 502

    def __init__(self, code: str, message: str, *, http_status: int, body: Any = None):
        super().__init__(code, message)
        self.http_status = http_status
        self.body = body


def payload_row(content: bytes, content_type: str) -> Payload:
    return Payload(sha256=hashlib.sha256(content).hexdigest(), content=content, size=len(content),
                   content_type=content_type[:100])


def payload_store(content: bytes, content_type: str) -> Payload:
    """The row holding `content`, created once per digest: one INSERT … ON CONFLICT DO NOTHING,
    whoever wrote it first (the digest is the key, so the row is the same either way)."""
    payload = payload_row(content, content_type)
    Payload.objects.bulk_create([payload], ignore_conflicts=True)
    return payload


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Verifying certificates against certifi's bundle (httpx's default), loaded once per process:
    loading it costs some 20 ms, and a client is made per task."""
    return ssl.create_default_context(cafile=certifi.where())


def check_url(url: str) -> None:
    """https only, except to the hosts the settings allow plain http to (the sandbox, on the
    loopback, in development and tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in settings.EINVOICING_HTTP_ALLOWED_HOSTS:
        return
    raise AppError("platform_url_insecure", "L'adresse de la plateforme doit commencer par https:// .", field="flow_url")


# Access tokens, per process: keyed by schema, connection and its last change, so a new secret
# or a new URL never reuses an old token.
_tokens: dict[tuple[str, int, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    content: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.content or b"null")
        except ValueError as exc:
            raise PlatformRefused("platform_bad_answer", "La plateforme a répondu un contenu illisible.",
                                  http_status=self.status) from exc


class PlatformClient:
    def __init__(self, connection: PlatformConnection, *, http: httpx.Client | None = None):
        self.connection = connection
        self.http = http or httpx.Client(timeout=settings.EINVOICING_TIMEOUT_SECONDS, follow_redirects=False,
                                         verify=_tls_context())
        self.retries = settings.EINVOICING_RETRIES
        self.backoff = settings.EINVOICING_BACKOFF_SECONDS

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the token ------------------------------------------------------------------------------
    def _token_key(self) -> tuple[str, int, str]:
        return (getattr(db_connection, "schema_name", ""), self.connection.pk or 0,
                self.connection.updated_at.isoformat() if self.connection.updated_at else "")

    def _token(self, *, refresh: bool = False) -> str:
        key = self._token_key()
        with _tokens_lock:
            cached = _tokens.get(key)
        if cached and not refresh and cached[1] > time.monotonic():
            return cached[0]
        if not self.connection.client_secret_sealed:
            raise AppError("platform_no_secret", "Aucun secret client n'est enregistré pour la plateforme.")
        secret = unseal(self.connection.client_secret_sealed, purpose=SECRET_PURPOSE)
        answer = self._call("token", "POST", self.connection.token_url, auth=False,
                            data={"grant_type": "client_credentials"},
                            basic=(self.connection.client_id, secret), log_request=False)
        if answer.status != 200:
            raise PlatformRefused("platform_auth_refused",
                                  "La plateforme a refusé l'identifiant ou le secret client.", http_status=answer.status)
        body = answer.json()
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise PlatformRefused("platform_auth_refused", "La plateforme n'a pas délivré de jeton d'accès.",
                                  http_status=answer.status)
        lifetime = max(30, min(int(body.get("expires_in") or 300), 86400))
        with _tokens_lock:
            _tokens[key] = (token, time.monotonic() + lifetime - 15)
        return token

    # -- one call, retried and logged ------------------------------------------------------------
    def _call(self, operation: str, method: str, url: str, *, auth: bool = True, json_body: Any = None,
              data: dict | None = None, files: dict | None = None, params: dict | None = None,
              basic: tuple[str, str] | None = None, flow: Flow | None = None, log_request: bool = True,
              request_log: bytes | None = None, ok_statuses: frozenset[int] = frozenset(),
              retries: int | None = None) -> Answer:
        check_url(url)
        retries = self.retries if retries is None else retries
        request_payload = None
        if log_request:
            body = request_log if request_log is not None else (
                json.dumps(json_body, sort_keys=True).encode() if json_body is not None else None)
            if body:
                request_payload = payload_store(body, "application/json")
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            exchange = Exchange(operation=operation, method=method, url=_loggable(url, params), attempt=attempt,
                                request_payload=request_payload, flow=flow)
            headers = self._headers(exchange, self._token(refresh=refreshed) if auth else None)
            started = time.monotonic()
            try:
                response = self.http.request(method, url, headers=headers, json=json_body, data=data, files=files,
                                             params=params, auth=basic)
                content = response.content
            except httpx.HTTPError as exc:
                exchange.duration_ms = int((time.monotonic() - started) * 1000)
                exchange.error = f"{type(exc).__name__}: {exc}"[:300]
                exchange.save()
                if attempt > retries:
                    raise PlatformUnavailable("platform_unreachable",
                                              "La plateforme agréée ne répond pas : l'envoi sera retenté.") from exc
                self._sleep(attempt, None)
                continue
            self._log(exchange, started, response, content)
            status = response.status_code
            if status == 401 and auth and not refreshed:
                refreshed = True
                attempt -= 1  # a new token is not a retry
                continue
            if status in RETRYABLE and status not in ok_statuses:
                if attempt > retries:
                    raise PlatformUnavailable("platform_unavailable",
                                              "La plateforme agréée est indisponible : l'envoi sera retenté.")
                self._sleep(attempt, response.headers.get("retry-after"))
                continue
            return Answer(status=status, headers=response.headers, content=content)

    def _headers(self, exchange: Exchange, token: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json, application/octet-stream", "Request-Id": str(exchange.request_id)}
        if self.connection.organization_id:
            headers["Organization-Id"] = self.connection.organization_id
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    @staticmethod
    def _log(exchange: Exchange, started: float, response: httpx.Response, content: bytes) -> None:
        exchange.duration_ms = int((time.monotonic() - started) * 1000)
        exchange.status_code = response.status_code
        # Never the token itself: of the token answer, its type and lifetime only.
        logged = _token_answer_redacted(content) if exchange.operation == "token" else content[:MAX_LOGGED_BYTES]
        if logged:
            exchange.response_payload = payload_store(logged, response.headers.get("content-type", ""))
        exchange.save()

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = min(BACKOFF_CAP_SECONDS, self.backoff * (2 ** (attempt - 1)))
        if retry_after and retry_after.isascii() and retry_after.isdecimal():
            delay = min(BACKOFF_CAP_SECONDS, max(delay, float(retry_after)))
        time.sleep(delay * (0.75 + random.random() / 2))  # noqa: S311 - jitter, not a secret

    def _expect(self, answer: Answer, *expected: int) -> Answer:
        if answer.status in expected:
            return answer
        body: Any = None
        try:
            body = answer.json()
        except PlatformRefused:
            body = None
        detail = ""
        if isinstance(body, dict):
            detail = str(body.get("errorCode") or "")
        raise PlatformRefused("platform_refused",
                              f"La plateforme a refusé la demande (HTTP {answer.status}{' ' + detail if detail else ''}).",
                              http_status=answer.status, body=body)

    # -- Flow Service ------------------------------------------------------------------------------
    def _flow(self, path: str) -> str:
        return self.connection.flow_url.rstrip("/") + path

    def _directory(self, path: str) -> str:
        return self.connection.directory_url.rstrip("/") + path

    def healthcheck(self) -> tuple[bool, bool]:
        flow = self._call("health", "GET", self._flow("/v1/healthcheck"))
        directory = self._call("health", "GET", self._directory("/v1/healthcheck"))
        return flow.status == 200, directory.status == 200

    def submit(self, *, flow: Flow, content: bytes) -> dict:
        """`POST /v1/flows`: the file and its flowInfo (trackingId, name, processingRule,
        flowSyntax, flowProfile, sha256)."""
        info = {"trackingId": flow.tracking_id, "name": flow.name, "flowSyntax": flow.syntax,
                "sha256": flow.payload_id}
        if flow.processing_rule:
            info["processingRule"] = flow.processing_rule
        if flow.profile:
            info["flowProfile"] = flow.profile
        content_type = "application/pdf" if content[:5] == b"%PDF-" else "application/xml"
        envelope = json.dumps({"flowInfo": info, "file": {"sha256": flow.payload_id, "size": len(content)}},
                              sort_keys=True).encode()
        # Never retried within the call: after a timeout or a 5xx the platform may have taken it.
        # The next attempt looks it up by trackingId first (services.flow_submit).
        answer = self._call("submit", "POST", self._flow("/v1/flows"), flow=flow, request_log=envelope, retries=0,
                            files={"flowInfo": (None, json.dumps(info), "application/json"),
                                   "file": (flow.name, content, content_type)})
        return self._expect(answer, 200, 201, 202).json()

    def search(self, where: dict, *, cursor: str = "", limit: int = 100, flow: Flow | None = None) -> dict:
        body: dict[str, Any] = {"where": where, "limit": limit}
        if cursor:
            body["cursor"] = cursor
        answer = self._call("search", "POST", self._flow("/v1/flows/search"), json_body=body, flow=flow)
        return self._expect(answer, 200).json()

    def metadata(self, flow_id: str) -> dict:
        answer = self._call("get", "GET", self._flow(f"/v1/flows/{quote(flow_id, safe='')}"),
                            params={"docType": "Metadata"})
        return self._expect(answer, 200).json()

    def original(self, flow_id: str) -> bytes:
        answer = self._call("download", "GET", self._flow(f"/v1/flows/{quote(flow_id, safe='')}"),
                            params={"docType": "Original"})
        content = self._expect(answer, 200).content
        if len(content) > MAX_DOWNLOAD_BYTES:
            raise PlatformRefused("platform_file_too_big", "Le fichier reçu de la plateforme dépasse 20 Mo.",
                                  http_status=answer.status)
        return content

    def originals(self, flow_ids: list[str], *, threads: int) -> dict[str, bytes]:
        """Several flows downloaded at once (`GET /v1/flows/{flowId}?docType=Original`, read-only,
        so concurrent requests are safe): the requests run in `threads` threads, which touch no
        database; each is logged here afterwards, as `_call` logs. A flow missing from the answer
        (an error, a refused token, a file too big) is left to `original`, with its retries."""
        if not flow_ids:
            return {}
        token = self._token()  # once, here: the threads never call the token endpoint

        def fetch(flow_id: str) -> tuple[str, Exchange, float, httpx.Response | None, str]:  # in a thread
            url = self._flow(f"/v1/flows/{quote(flow_id, safe='')}")
            params = {"docType": "Original"}
            exchange = Exchange(operation="download", method="GET", url=_loggable(url, params), attempt=1)
            started = time.monotonic()
            try:
                response = self.http.request("GET", url, headers=self._headers(exchange, token), params=params)
                response.read()
            except httpx.HTTPError as exc:
                return flow_id, exchange, time.monotonic() - started, None, f"{type(exc).__name__}: {exc}"[:300]
            return flow_id, exchange, time.monotonic() - started, response, ""

        found: dict[str, bytes] = {}
        exchanges: list[Exchange] = []
        payloads: dict[str, Payload] = {}
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            for flow_id, exchange, elapsed, response, error in pool.map(fetch, flow_ids):
                exchange.duration_ms = int(elapsed * 1000)
                exchanges.append(exchange)
                if response is None:
                    exchange.error = error
                    continue
                exchange.status_code = response.status_code
                content = response.content
                if content:
                    payload = payload_row(content[:MAX_LOGGED_BYTES], response.headers.get("content-type", ""))
                    exchange.response_payload = payloads.setdefault(payload.sha256, payload)
                if response.status_code == 200 and len(content) <= MAX_DOWNLOAD_BYTES:
                    found[flow_id] = content
        # The trail of the whole batch in one transaction (two statements), not two per request.
        with transaction.atomic():
            Payload.objects.bulk_create(list(payloads.values()), ignore_conflicts=True)
            Exchange.objects.bulk_create(exchanges)
        return found

    # -- Directory Service -------------------------------------------------------------------------
    def directory_lines(self, *, siren: str, siret: str = "") -> list[dict]:
        """The lines of the national directory for this SIREN (and SIRET): where it receives."""
        filters: dict[str, Any] = {"siren": {"op": "strict", "value": siren}}
        if siret:
            filters["siret"] = {"op": "strict", "value": siret}
        answer = self._call("directory", "POST", self._directory("/v1/directory-line/search"),
                            json_body={"filters": filters, "limit": 100})
        if answer.status == 404:
            return []
        body = self._expect(answer, 200).json()
        results = body.get("results") if isinstance(body, dict) else None
        return [line for line in (results or []) if isinstance(line, dict)]


def _loggable(url: str, params: dict | None) -> str:
    if params:
        url = url + "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url[:500]


def _token_answer_redacted(content: bytes) -> bytes:
    try:
        body = json.loads(content or b"{}")
    except ValueError:
        return b""
    if not isinstance(body, dict):
        return b""
    kept = {key: body[key] for key in ("token_type", "expires_in", "error", "error_description") if key in body}
    return json.dumps(kept, sort_keys=True).encode()


def now_iso() -> str:
    return timezone.now().isoformat()
