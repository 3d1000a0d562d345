from celery import shared_task

from essaim.core.tasks import CooperativeTask


@shared_task(name="tenants.ledger.tasks.fec_export", base=CooperativeTask)
def fec_export(export_id: int) -> str:
    """Runs inside the CAE's schema. Idempotent: a finished export is left as it is; a retried
    one rewrites the same file."""
    from .services import fec_export_run

    return fec_export_run(export_id=export_id)
