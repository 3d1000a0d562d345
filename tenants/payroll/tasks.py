from celery import shared_task

from essaim.core.tasks import CooperativeTask


@shared_task(name="tenants.payroll.tasks.payslips_render", base=CooperativeTask)
def payslips_render(run_id: int) -> int:
    """Runs inside the CAE's schema (carried in the message headers). Idempotent: lines that
    already have their PDF are skipped, so a retried or repeated task renders only what is left."""
    from .payslips import payslips_render_run

    return payslips_render_run(run_id=run_id)
