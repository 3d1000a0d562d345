from .models import AuditEntry


def audit_record(*, action: str, target: str = "", acting_user=None, details: dict | None = None) -> AuditEntry:
    actor = acting_user if acting_user is not None and acting_user.is_authenticated else None
    return AuditEntry.objects.create(action=action, target=target, actor=actor, details=details or {})
