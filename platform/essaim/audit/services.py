from __future__ import annotations

from typing import Any

from essaim.accounts.models import User

from .actors import Actor, SystemActor
from .models import AuditEntry


def audit_record(*, action: str, target: str = "", acting_user: Actor,
                 details: dict[str, Any] | None = None) -> AuditEntry:
    """One row of the trail of the current schema (a CAE's, or public for the network's own
    writes), naming its actor. Anything but a user or a SystemActor (None, an anonymous visitor)
    is a programming error: no write is anonymous."""
    if isinstance(acting_user, SystemActor):
        return AuditEntry.objects.create(action=action, target=target, system_actor=acting_user.name,
                                         details=details or {})
    if isinstance(acting_user, User) and acting_user.is_authenticated:
        return AuditEntry.objects.create(action=action, target=target, actor=acting_user, details=details or {})
    raise TypeError(f"audit_record: acting_user must be a User or a SystemActor, not {acting_user!r}")
