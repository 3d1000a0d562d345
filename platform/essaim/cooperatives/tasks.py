from celery import shared_task
from django.db import connection

from essaim.core.tasks import CooperativeTask


@shared_task(name="essaim.cooperatives.tasks.pool_refill", acks_late=True)
def pool_refill() -> int:
    from .provisioning import pool_refill as refill

    return refill()


@shared_task(name="essaim.cooperatives.tasks.cooperative_heartbeat", base=CooperativeTask, bind=True)
def cooperative_heartbeat(self) -> str:
    """Runs inside one CAE's schema (the schema travels in the task headers)."""
    from essaim.audit.actors import task_actor
    from essaim.audit.services import audit_record

    audit_record(action="heartbeat", target=f"task:{self.request.id or ''}", acting_user=task_actor("cooperative-heartbeat"))
    return connection.schema_name
