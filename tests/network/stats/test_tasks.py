"""The collection task through the real broker and a real worker (as tests/platform/test_celery.py):
it runs inside its CAE's schema and computes the same contribution as the in-process run."""

import pytest

from network.stats.tasks import collect
from tests.conftest import tenant_context
from tests.platform.test_celery import worker  # noqa: F401 - the module's real worker fixture

pytestmark = pytest.mark.django_db


def test_collect_task_runs_in_its_cae_and_is_idempotent(collected, worker, django_db_blocker):  # noqa: F811
    coop = collected[0]
    with django_db_blocker.unblock():
        with tenant_context(coop):
            result = collect.delay(2026)
        outcome = worker.wait(result.id)
    assert outcome["schema"] == coop.schema_name
    # The module's fixture collected 2026 as of 1 November; the task collects as of today, so it
    # may rewrite the running quarter, never more than the year's 5 periods × 7 sources.
    assert outcome["written"] + outcome["unchanged"] >= 7
    assert collect.acks_late


def test_beat_collects_every_cae_nightly():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["network-stats-collect"]
    assert entry["task"] == "network.stats.tasks.collect" and entry["per_cooperative"]
    assert not entry.get("args") and not entry.get("kwargs")  # no year: the task picks nightly_years


def test_nightly_run_also_collects_the_previous_year_in_january():
    from datetime import date

    from network.stats.tasks import nightly_years

    assert nightly_years(date(2027, 1, 1)) == nightly_years(date(2027, 1, 31)) == [2026, 2027]
    assert nightly_years(date(2027, 2, 1)) == nightly_years(date(2027, 12, 31)) == [2027]


def test_the_nightly_task_in_january_recollects_last_year(collected, worker, django_db_blocker):  # noqa: F811
    """Beat queues the task without a year: on 10 January 2027 it collects 2027 (its first
    quarter) and the whole of 2026 again, up to 31 December, in the CAE's schema."""
    from network.stats.models import CaeContribution

    coop = collected[3]
    rows = CaeContribution.consolidation_rows
    before = dict(rows.filter(cooperative=coop, period__startswith="2026").values_list("period", "content_hash"))
    with django_db_blocker.unblock():
        with tenant_context(coop):
            result = collect.delay(None, "2027-01-10")
        outcome = worker.wait(result.id)
    assert outcome["schema"] == coop.schema_name
    assert outcome["periods"] == ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027", "2027-Q1"]
    assert outcome["written"] + outcome["unchanged"] == 7 * 7
    assert set(rows.filter(period__startswith="2027").values_list("cooperative_id", flat=True)) == {coop.pk}
    after = dict(rows.filter(cooperative=coop, period__startswith="2026").values_list("period", "content_hash"))
    assert after.keys() == before.keys()


def test_collect_now_queues_one_task_per_cae(collected, worker, world, django_db_blocker):  # noqa: F811
    """« Collecter maintenant »: one message per CAE through the real broker, each carrying its
    CAE's schema; the worker runs each inside its CAE."""
    from celery.signals import before_task_publish

    from essaim.cooperatives.models import Cooperative
    from tests.conftest import client_for

    published = []

    def record(sender=None, headers=None, **kwargs):
        if sender == "network.stats.tasks.collect":
            published.append(headers["id"])

    before_task_publish.connect(record, weak=False)
    try:
        with django_db_blocker.unblock():
            response = client_for(None, world.user("network_staff")).post("/statistiques/collecte/",
                                                                          {"year": "2022"}, follow=True)
            outcomes = [worker.wait(task_id) for task_id in published]
    finally:
        before_task_publish.disconnect(record)
    schemas = set(Cooperative.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    assert f"Collecte 2022 demandée pour {len(schemas)} CAE" in response.content.decode()
    assert len(published) == len(schemas)
    assert sorted(o["schema"] for o in outcomes) == sorted(schemas)
    assert all(o["periods"][0] == "2022" and o["written"] == 35 for o in outcomes), outcomes


def test_collect_task_writes_its_own_cae_only(collected, worker, django_db_blocker):  # noqa: F811
    """2024 is collected for nobody by the module's fixture: after the task of one CAE, only that
    CAE has 2024 rows, and every other CAE's rows are untouched."""
    from network.stats.models import CaeContribution

    coop = collected[1]
    rows = CaeContribution.consolidation_rows
    before = {(c.cooperative_id, c.period, c.source): (c.content_hash, c.collected_at)
              for c in rows.exclude(cooperative=coop)}
    with django_db_blocker.unblock():
        with tenant_context(coop):
            result = collect.delay(2024)
        outcome = worker.wait(result.id)
    assert outcome == {"schema": coop.schema_name, "periods": ["2024", "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"],
                       "written": 35, "unchanged": 0}
    assert set(rows.filter(period__startswith="2024").values_list("cooperative_id", flat=True)) == {coop.pk}
    assert {(c.cooperative_id, c.period, c.source): (c.content_hash, c.collected_at)
            for c in rows.exclude(cooperative=coop)} == before


def test_collect_task_queued_outside_a_cae_writes_nothing(collected, worker, django_db_blocker):  # noqa: F811
    from network.stats.models import CaeContribution

    before = CaeContribution.consolidation_rows.count()
    with django_db_blocker.unblock():
        result = collect.delay(2023)  # from the public schema: no CAE in the message
        outcome = worker.wait(result.id)
    assert isinstance(outcome, RuntimeError) and "inside a CAE's schema" in str(outcome)
    assert CaeContribution.consolidation_rows.count() == before
