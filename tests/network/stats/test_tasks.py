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
    assert outcome == {"schema": coop.schema_name, "written": 35, "unchanged": 0}
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
