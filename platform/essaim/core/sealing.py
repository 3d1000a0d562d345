"""Secrets kept at rest (a CAE's platform client secret): sealed with Fernet (AES-128-CBC +
HMAC-SHA256, `cryptography`) under keys that are not in the database.

Keys come from `ESSAIM_SEALING_KEYS` (comma-separated Fernet keys, the first one seals, all of them
open: rotation is adding a key in front, re-sealing, then removing the old one). In development and
tests, where none is set, one key is derived from SECRET_KEY (HKDF-SHA256), so a database copied
without the settings cannot be opened; production refuses to start without its own keys
(settings/production.py). Each value is sealed for a `purpose`, bound into the token: a secret
sealed for one use cannot be replayed as another."""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from .errors import AppError


@cache
def _fernet() -> MultiFernet:
    keys = [key.strip() for key in getattr(settings, "ESSAIM_SEALING_KEYS", []) if key.strip()]
    if not keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"essaim-sealing",
                       info=b"fernet").derive(settings.SECRET_KEY.encode())
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def seal(value: str, *, purpose: str) -> str:
    """The token to store in place of `value`."""
    return _fernet().encrypt(f"{purpose}\x1f{value}".encode()).decode()


def unseal(token: str, *, purpose: str) -> str:
    """The value sealed in `token` for `purpose`; a clear error if it cannot be opened (other keys,
    other purpose, altered)."""
    try:
        opened = _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise AppError("sealed_value_unreadable", "Ce secret ne peut pas être relu avec les clés de ce serveur : "
                       "saisissez-le à nouveau.") from exc
    bound, _, value = opened.partition("\x1f")
    if bound != purpose:
        raise AppError("sealed_value_unreadable", "Ce secret a été scellé pour un autre usage : saisissez-le à nouveau.")
    return value
