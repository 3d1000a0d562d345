"""The HTTP side: a threading `http.server` speaking HTTP/1.1 with keep-alive (a client that keeps
its connection pays no new handshake per request), the URL layout, authentication, faults and the
standard's Error shape.

    POST /oauth/token                                    OAuth2 client credentials (RFC 6749 §4.4)
    /flow-service/v1/...                                 Flow Service (xp_z12_013.yaml)
    /directory-service/v1/...                            Directory Service (xp_z12_013_directory.yaml)
    /sandbox/...                                         the sandbox's own admin API (not standard;
                                                         POST /sandbox/reset forgets everything)
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sys
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, unquote_plus

from . import multipart
from .service import MAX_FILE_BYTES, ApiError, Client, Sandbox, bad_request, flow_json, select_fields

MAX_FLOW_BODY = MAX_FILE_BYTES + 1024 * 1024  # the file plus its flowInfo and multipart framing
MAX_JSON_BODY = 1024 * 1024
DISCARD_LIMIT = 128 * 1024 * 1024  # beyond this an oversized body is not even read: the connection closes
REALM = 'realm="pa-sandbox"'
SLOW_RESPONSE_SECONDS = 60  # the `slow_response` fault: how long a submission's answer waits

Response = tuple[int, dict[str, str], bytes]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(
        body, ensure_ascii=False, separators=(",", ":")).encode()


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    return json_response(error.status, error.body(), headers)


class OAuthError(Exception):
    """RFC 6749 §5.2 error answer of the token endpoint."""

    def __init__(self, status: int, error: str, description: str, *, basic: bool = False):
        super().__init__(description)
        self.status, self.error, self.description, self.basic = status, error, description, basic


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, *, verbose: bool = False):
        self.sandbox = sandbox
        self.verbose = verbose
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PA-Sandbox/1.0"
    timeout = 120  # an idle keep-alive connection gives its thread back
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK would hold each answer ~40 ms on a kept-alive connection.
    disable_nagle_algorithm = True
    server: SandboxServer

    # -- plumbing ----------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sandbox.storage.release()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's signature
        if self.server.verbose:
            super().log_message(format, *args)

    def _handle(self) -> None:
        path, _, query = self.path.partition("?")
        path = unquote(path)
        try:
            body = self._read_body(MAX_FLOW_BODY if path.endswith("/v1/flows") else MAX_JSON_BODY)
            status, headers, content = self._route(path, parse_qs(query), body)
        except ApiError as error:
            status, headers, content = error_response(error)
        except Exception:  # noqa: BLE001 - answered as the standard's 500, logged for the developer
            traceback.print_exc(file=sys.stderr)
            status, headers, content = error_response(ApiError(500, "INTERNAL_ERROR", "Erreur interne du bac à sable."))
        self.send_response(status)
        request_id = self.headers.get("Request-Id")
        if request_id:
            headers = {**headers, "Request-Id": request_id[:100]}
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def _read_body(self, limit: int) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise ApiError(411, "LENGTH_REQUIRED", "Content-Length exigé (pas de transfert par morceaux).")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as exc:
            self.close_connection = True
            raise bad_request("Content-Length invalide") from exc
        if length > limit:
            if length <= DISCARD_LIMIT:
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 1024 * 1024))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            else:
                self.close_connection = True
            raise ApiError(413, "FILE_SIZE_EXCEEDED", f"Requête de {length} octets : le fichier est limité à "
                                                      f"{MAX_FILE_BYTES} octets.")
        return self.rfile.read(length) if length > 0 else b""

    # -- routing -----------------------------------------------------------------------------------
    def _route(self, path: str, query: dict[str, list[str]], body: bytes) -> Response:
        for pattern, service, methods in ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            view = methods.get(self.command)
            if view is None:
                return json_response(405, {"errorCode": "METHOD_NOT_ALLOWED",
                                           "errorMessage": f"{self.command} non permis ici."},
                                     {"Allow": ", ".join(sorted(methods))})
            sandbox = self.server.sandbox
            if service in ("flow", "directory", "token") and sandbox.faults.take("unavailable"):
                return error_response(ApiError(503, "RESOURCE_ERROR", "Service indisponible (panne simulée)."))
            if service == "admin":
                token = self._bearer()
                if not token or not sandbox.is_admin(token):
                    return error_response(ApiError(401, "INVALID_TOKEN", "Jeton d'administration du bac à sable exigé."),
                                          {"WWW-Authenticate": f"Bearer {REALM}"})
                return view(self, match, query, body, None)
            if service in ("flow", "directory") and not path.endswith("/healthcheck"):
                token = self._bearer()
                if token is None:
                    return error_response(ApiError(401, "MISSING_TOKEN", "Jeton d'accès (Bearer) absent."),
                                          {"WWW-Authenticate": f"Bearer {REALM}"})
                client = sandbox.token_client(token)
                if client is None:
                    return error_response(ApiError(401, "INVALID_TOKEN", "Jeton d'accès inconnu ou expiré."),
                                          {"WWW-Authenticate": f'Bearer {REALM}, error="invalid_token"'})
                return view(self, match, query, body, client)
            return view(self, match, query, body, None)
        return error_response(ApiError(404, "MISSING_RESOURCE", f"Aucune ressource {path}."))

    def _bearer(self) -> str | None:
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    def _json(self, body: bytes) -> Any:
        if not body:
            return None
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"JSON illisible : {exc}") from exc

    # -- OAuth2 ------------------------------------------------------------------------------------
    def token(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        try:
            found = self._token(body)
        except OAuthError as error:
            headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
            if error.status == 401:
                headers["WWW-Authenticate"] = f"Basic {REALM}"
            return json_response(error.status, {"error": error.error, "error_description": error.description}, headers)
        token, ttl = self.server.sandbox.token_issue(found)
        return json_response(200, {"access_token": token, "token_type": "Bearer", "expires_in": ttl},
                             {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _token(self, body: bytes) -> Client:
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise OAuthError(400, "invalid_request", "Corps application/x-www-form-urlencoded attendu.")
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError as exc:
            raise OAuthError(400, "invalid_request", "Corps illisible.") from exc
        if any(len(values) > 1 for values in form.values()):
            raise OAuthError(400, "invalid_request", "Paramètre répété.")
        grant = form.get("grant_type", [""])[0]
        basic = None
        header = self.headers.get("Authorization") or ""
        if header[:6].lower() == "basic ":
            try:
                user, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise OAuthError(401, "invalid_client", "En-tête Basic illisible.", basic=True) from exc
            if not sep:
                raise OAuthError(401, "invalid_client", "En-tête Basic illisible.", basic=True)
            # RFC 6749 §2.3.1: each part is form-encoded before Basic encoding.
            basic = (unquote_plus(user), unquote_plus(password))
        in_body = ("client_id" in form or "client_secret" in form)
        if basic and in_body:
            raise OAuthError(400, "invalid_request", "Identifiants du client à la fois en Basic et dans le corps.")
        if not grant:
            raise OAuthError(400, "invalid_request", "grant_type absent.")
        if grant != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", "Seul grant_type=client_credentials est servi.")
        client_id, secret = basic or (form.get("client_id", [""])[0], form.get("client_secret", [""])[0])
        found = self.server.sandbox.client_authenticate(client_id, secret) if client_id else None
        if found is None:
            raise OAuthError(401, "invalid_client", "Client inconnu ou secret erroné.", basic=basic is not None)
        return found

    # -- Flow Service ------------------------------------------------------------------------------
    def healthcheck(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        return 200, {}, b""

    def flows_post(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        assert client is not None
        sandbox = self.server.sandbox
        try:
            parts = multipart.parse(body, self.headers.get("Content-Type") or "")
        except multipart.MultipartError as exc:
            raise bad_request(f"multipart/form-data : {exc}") from exc
        if "flowInfo" not in parts:
            raise bad_request("partie flowInfo absente")
        if "file" not in parts:
            raise bad_request("partie file absente")
        try:
            raw_info = json.loads(parts["flowInfo"].content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"flowInfo : JSON illisible ({exc})") from exc
        info = sandbox.flow_info(raw_info, parts["file"].filename)
        answer = sandbox.flow_submit(client, info, parts["file"].content)
        if sandbox.faults.take("slow_response"):
            # Taken and stored, then the answer waits: long enough for a test to kill the client
            # mid-call (a worker dying after sending), short enough never to hang the sandbox.
            sandbox.stopping.wait(SLOW_RESPONSE_SECONDS)
        if sandbox.faults.take("lost_response"):
            # Taken and stored, but the answer "is lost on the way": the client must find it again
            # by its trackingId rather than send it twice.
            return error_response(ApiError(503, "RESOURCE_ERROR", "Réponse perdue (panne simulée)."))
        return json_response(202, answer)

    def flows_search(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        assert client is not None
        return json_response(200, self.server.sandbox.flow_search(client, self._json(body)))

    def flow_get(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        assert client is not None
        sandbox = self.server.sandbox
        row = sandbox.flow_get(client, match["flow_id"])
        doc_type = (query.get("docType") or ["Metadata"])[0]
        if doc_type == "Metadata":
            return json_response(200, flow_json(row))
        if doc_type == "Original":
            name = row["name"]
            fallback = re.sub(r'[^A-Za-z0-9._-]', "_", name) or "flow"
            return 200, {"Content-Type": row["content_type"],
                         "Content-Disposition": f"attachment; filename=\"{fallback}\"; "
                                                f"filename*=UTF-8''{quote(name, safe='')}"}, sandbox.blob(row["sha256"])
        if doc_type in ("Converted", "ReadableView"):
            raise ApiError(404, "MISSING_RESOURCE", f"Pas de document {doc_type} : le bac à sable ne convertit pas.")
        raise bad_request("docType : Metadata, Original, Converted ou ReadableView")

    # -- Directory Service -------------------------------------------------------------------------
    @staticmethod
    def _list_param(query: dict, name: str) -> tuple[str, ...]:
        values: list[str] = []
        for raw in query.get(name, []):
            values.extend(value.strip() for value in raw.split(",") if value.strip())
        return tuple(values)

    def siren_get(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        found = self.server.sandbox.legal_unit(match["siren"])
        return json_response(200, select_fields(found, self._list_param(query, "fields")))

    def siret_get(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        found = self.server.sandbox.facility(match["siret"], self._list_param(query, "include"))
        return json_response(200, select_fields(found, self._list_param(query, "fields")))

    def line_get(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        found = self.server.sandbox.directory_line(match["identifier"], self._list_param(query, "include"))
        return json_response(200, select_fields(found, self._list_param(query, "fields")))

    def lines_search(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        return json_response(200, self.server.sandbox.directory_search(self._json(body)))

    # -- admin -------------------------------------------------------------------------------------
    def admin_clients(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        answer = self.server.sandbox.client_upsert(self._json(body))
        return json_response(201 if answer.pop("created") else 200, answer)

    def admin_directory(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        return json_response(200, self.server.sandbox.directory_upsert(self._json(body)))

    def admin_directory_delete(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        self.server.sandbox.directory_delete(match["identifier"])
        return 204, {}, b""

    def admin_faults(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        if self.command == "GET":
            return json_response(200, {"pending": self.server.sandbox.faults.pending()})
        return json_response(200, self.server.sandbox.faults_set(self._json(body)))

    def admin_flows(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        client_id = (query.get("client_id") or [""])[0]
        if not client_id:
            raise bad_request("client_id absent")
        return json_response(200, self.server.sandbox.client_flows(client_id))

    def admin_reset(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        return json_response(200, self.server.sandbox.reset())

    def admin_stats(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        return json_response(200, self.server.sandbox.stats())

    def index(self, match: re.Match, query: dict, body: bytes, client: Client | None) -> Response:
        host = self.headers.get("Host") or "127.0.0.1"
        base = f"http://{host}"
        return json_response(200, {
            "service": "Bac à sable de plateforme agréée (AFNOR XP Z12-013 1.3.0), voir docs/sandbox.md",
            "tokenUrl": f"{base}/oauth/token", "flowService": f"{base}/flow-service",
            "directoryService": f"{base}/directory-service", "admin": f"{base}/sandbox/"})


View = Callable[[Handler, re.Match, dict, bytes, Client | None], Response]
ROUTES: list[tuple[re.Pattern[str], str, dict[str, View]]] = [
    (re.compile(r"/"), "index", {"GET": Handler.index}),
    (re.compile(r"/oauth/token"), "token", {"POST": Handler.token}),
    (re.compile(r"/flow-service/v1/healthcheck"), "flow", {"GET": Handler.healthcheck}),
    (re.compile(r"/flow-service/v1/flows"), "flow", {"POST": Handler.flows_post}),
    (re.compile(r"/flow-service/v1/flows/search"), "flow", {"POST": Handler.flows_search}),
    (re.compile(r"/flow-service/v1/flows/(?P<flow_id>[^/]{1,64})"), "flow", {"GET": Handler.flow_get}),
    (re.compile(r"/directory-service/v1/healthcheck"), "directory", {"GET": Handler.healthcheck}),
    (re.compile(r"/directory-service/v1/siren/code-insee:(?P<siren>[^/]*)"), "directory", {"GET": Handler.siren_get}),
    (re.compile(r"/directory-service/v1/siret/code-insee:(?P<siret>[^/]*)"), "directory", {"GET": Handler.siret_get}),
    (re.compile(r"/directory-service/v1/directory-line/code:(?P<identifier>[^/]{1,125})"), "directory",
     {"GET": Handler.line_get}),
    (re.compile(r"/directory-service/v1/directory-line/search"), "directory", {"POST": Handler.lines_search}),
    (re.compile(r"/sandbox/clients"), "admin", {"POST": Handler.admin_clients}),
    (re.compile(r"/sandbox/directory"), "admin", {"POST": Handler.admin_directory}),
    (re.compile(r"/sandbox/directory/(?P<identifier>[^/]{1,125})"), "admin", {"DELETE": Handler.admin_directory_delete}),
    (re.compile(r"/sandbox/faults"), "admin", {"GET": Handler.admin_faults, "POST": Handler.admin_faults}),
    (re.compile(r"/sandbox/flows"), "admin", {"GET": Handler.admin_flows}),
    (re.compile(r"/sandbox/stats"), "admin", {"GET": Handler.admin_stats}),
    (re.compile(r"/sandbox/reset"), "admin", {"POST": Handler.admin_reset}),
]
