"""Authentication by per-CAE API key: `Authorization: Bearer essaim_<prefix>_<secret>`."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from rest_framework import authentication, exceptions

from essaim.audit.actors import SystemActor

from .services import apikey_parse, apikey_verify


class ApiKeyPrincipal:
    """What request.user is for a key: not a person, a CAE's integration. What it writes is
    audited under `actor`, named after the key."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, key):
        self.key = key
        self.pk = None
        self.actor = SystemActor(f"clé d'API {key.prefix}")

    def __str__(self) -> str:
        return f"apikey:{self.key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] not in (self.keyword, "Api-Key"):
            raise exceptions.AuthenticationFailed(code="authentication_failed")
        if connection.schema_name == "public":
            raise exceptions.AuthenticationFailed(code="authentication_failed")
        parsed = apikey_parse(parts[1])
        if parsed is None:
            raise exceptions.AuthenticationFailed(code="authentication_failed")
        key = apikey_verify(prefix=parsed[0], secret=parsed[1])
        if key is None:
            raise exceptions.AuthenticationFailed(code="authentication_failed")
        if key.last_used_at is None or (timezone.now() - key.last_used_at).total_seconds() > 60:
            key.last_used_at = timezone.now()
            key.save(update_fields=["last_used_at"])
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request):
        return self.keyword
