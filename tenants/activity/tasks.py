"""Background work of invoicing: the transmission of issued documents through the CAE's approved
platform and the directory checks of business customers (emission.py), each inside its CAE's
schema."""

from celery import shared_task

from essaim.core.tasks import CooperativeTask


@shared_task(name="tenants.activity.tasks.invoice_emit", base=CooperativeTask, acks_late=True,
             reject_on_worker_lost=True)
def invoice_emit(invoice_pk: int) -> str:
    from .emission import TASK_ACTOR
    from .emission import invoice_emit as emit

    emission = emit(invoice_pk=invoice_pk, acting_user=TASK_ACTOR)
    return emission.state if emission is not None else "ignoré"


@shared_task(name="tenants.activity.tasks.customer_directory_check", base=CooperativeTask)
def customer_directory_check(customer_pk: int) -> str:
    from .emission import customer_directory_refresh
    from .models import Customer

    customer = Customer.objects.filter(pk=customer_pk).first()
    if customer is None:
        return "ignoré"
    entry = customer_directory_refresh(customer)
    return "inscrit" if entry.found else "absent"


@shared_task(name="tenants.activity.tasks.emissions_retry", base=CooperativeTask)
def emissions_retry() -> int:
    from .emission import emissions_retry_unknown_buyers

    return emissions_retry_unknown_buyers()


@shared_task(name="tenants.activity.tasks.ereporting_due", base=CooperativeTask)
def ereporting_due() -> int:
    """The e-reporting of the period that ended yesterday, if the calendar says one did."""
    from django.utils import timezone

    from essaim.cooperatives.tenancy import current_cooperative

    from .emission import TASK_ACTOR
    from .ereporting import ereporting_due as due

    return len(due(today=timezone.localdate(), acting_user=TASK_ACTOR, cooperative=current_cooperative()))
