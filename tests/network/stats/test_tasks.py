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
