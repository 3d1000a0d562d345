"""API keys: generated once, stored as a SHA-256 digest (the secret has 256 bits of entropy, so
a fast hash is enough), shown to the director a single time, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError

from .models import ApiKey, Scope

KEY_PREFIX = "essaim"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def apikey_parse(raw: str) -> tuple[str, str] | None:
    parts = raw.strip().split("_")
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def apikey_verify(*, prefix: str, secret: str) -> ApiKey | None:
    key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, _digest(secret)):
        return None
    return key


@transaction.atomic
def apikey_create(*, name: str, scopes: list[str], acting_user: Actor) -> tuple[ApiKey, str]:
    """Returns the key and its full secret value, which is never stored nor shown again."""
    name = (name or "").strip()
    if not name:
        raise AppError("apikey_name_required", "Donnez un nom à la clé.", field="name")
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise AppError("apikey_unknown_scope", f"Portée inconnue : {', '.join(unknown)}.", field="scopes")
    if not scopes:
        raise AppError("apikey_scope_required", "Choisissez au moins une portée.", field="scopes")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32).replace("_", "-")
    key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=_digest(secret), scopes=sorted(set(scopes)),
        created_by=actor_user(acting_user),
    )
    audit_record(action="apikey_create", target=f"apikey:{key.pk}", acting_user=acting_user)
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def apikey_revoke(*, key: ApiKey, acting_user: Actor) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(action="apikey_revoke", target=f"apikey:{key.pk}", acting_user=acting_user)
    return key
