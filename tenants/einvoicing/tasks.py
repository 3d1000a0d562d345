"""Background work of the e-invoicing transport, each task inside its CAE's schema
(tenant-schemas-celery). Submission is queued after the commit that created the flow; a beat
sweeper re-queues what is due, so a lost message or a dead worker never loses a flow; a second
beat entry reads what the platform has for us."""

from celery import shared_task

from essaim.core.tasks import CooperativeTask

from .client import PlatformUnavailable


@shared_task(name="tenants.einvoicing.tasks.flow_submit", base=CooperativeTask, bind=True,
             acks_late=True, reject_on_worker_lost=True, max_retries=None)
def flow_submit(self, flow_pk: int) -> str:
    """Send one flow. On an unavailable platform the flow is rescheduled (services._reschedule)
    and the sweeper sends it when due; nothing is retried here blindly."""
    from .services import flow_submit as submit

    try:
        flow = submit(flow_pk=flow_pk)
    except PlatformUnavailable as exc:
        return f"reporté : {exc.message}"
    return "ignoré" if flow is None else flow.state


@shared_task(name="tenants.einvoicing.tasks.flows_resume", base=CooperativeTask)
def flows_resume() -> int:
    from .services import flows_due

    due = flows_due()
    for pk in due:
        flow_submit.delay(pk)
    return len(due)


@shared_task(name="tenants.einvoicing.tasks.flows_sync", base=CooperativeTask)
def flows_sync() -> int:
    from .services import flows_sync as sync

    try:
        return sync()
    except PlatformUnavailable:
        return 0
