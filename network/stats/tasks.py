"""Collection as Celery tasks: one per CAE, inside its schema (the message carries it)."""

from __future__ import annotations

from celery import shared_task

from essaim.core.tasks import CooperativeTask


@shared_task(name="network.stats.tasks.collect", base=CooperativeTask)
def collect(year: int | None = None) -> dict:
    """Collect the current CAE (the task runs inside its schema) for `year` (default: this
    year) and its quarters. Safe to redeliver: acks late, one transaction, upsert by hash."""
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    from network.stats.collection import collection_run

    if connection.schema_name == get_public_schema_name():
        # Queued without a CAE in its headers: there is no CAE to collect (and none to write for).
        raise RuntimeError("network.stats.tasks.collect must be queued inside a CAE's schema")
    result = collection_run(cooperative=connection.tenant, year=year)
    return {"schema": result.cooperative, "written": result.written, "unchanged": result.unchanged}


def collect_all(*, year: int | None = None) -> int:
    """Queue one collection per CAE (the network staff's button); returns how many."""
    from django.db import connection

    from essaim.cooperatives.models import Cooperative

    queued = 0
    for coop in Cooperative.objects.exclude(schema_name="public").order_by("pk"):
        connection.set_tenant(coop)
        try:
            collect.delay(year)
        finally:
            connection.set_schema_to_public()
        queued += 1
    return queued
