"""Collection as Celery tasks: one per CAE, inside its schema (the message carries it)."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from essaim.core.tasks import CooperativeTask


def nightly_years(today: date) -> list[int]:
    """What the nightly run collects: this year and, in January, the year before as well. The
    last collection of a year ran in the small hours of 31 December; its last day's invoices,
    the credit notes and journeys closed late come in January."""
    return [today.year - 1, today.year] if today.month == 1 else [today.year]


@shared_task(name="network.stats.tasks.collect", base=CooperativeTask)
def collect(year: int | None = None, today: str | None = None) -> dict:
    """Collect the current CAE (the task runs inside its schema) for `year` and its quarters;
    without a year (beat, every night), for `nightly_years`. `today` (AAAA-MM-JJ, default: today)
    is the day of collection. Safe to redeliver: acks late, one transaction per year, upsert by
    hash."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import get_public_schema_name

    from network.stats.collection import collection_run

    if connection.schema_name == get_public_schema_name():
        # Queued without a CAE in its headers: there is no CAE to collect (and none to write for).
        raise RuntimeError("network.stats.tasks.collect must be queued inside a CAE's schema")
    day = date.fromisoformat(today) if today else timezone.localdate()
    out = {"schema": connection.schema_name, "periods": [], "written": 0, "unchanged": 0}
    for y in [year] if year is not None else nightly_years(day):
        result = collection_run(cooperative=connection.tenant, year=y, today=day)
        out["periods"] += result.periods
        out["written"] += result.written
        out["unchanged"] += result.unchanged
    return out


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
