"""Download counts feed the network's figures: atomic increments, per CAE and month."""

from datetime import date

import pytest

from network.resources.models import DownloadCount
from network.resources.services import download_record
from network.resources.stats import downloads

from .helpers import make_resource

pytestmark = pytest.mark.django_db


def test_downloads_aggregate_per_month_cae_kind_and_theme(world):
    guide = make_resource(world, title="Guide", kind="guide", theme="support")
    report = make_resource(world, title="Rapport", kind="report", theme="evaluation")
    for _ in range(3):
        download_record(resource=guide, cooperative_id=world.cae_a.pk, on=date(2026, 3, 5))
    download_record(resource=guide, cooperative_id=world.cae_b.pk, on=date(2026, 3, 28))
    download_record(resource=report, cooperative_id=None, on=date(2026, 4, 2))
    download_record(resource=report, cooperative_id=None, on=date(2026, 4, 3))
    download_record(resource=report, cooperative_id=world.cae_a.pk, on=date(2026, 6, 1))  # outside the period
    assert DownloadCount.objects.filter(resource=guide, cooperative=world.cae_a).get().count == 3
    assert DownloadCount.objects.filter(resource=report, cooperative=None).count() == 1  # one row, count 2
    stats = downloads((date(2026, 3, 1), date(2026, 5, 31)))
    assert stats.total == 6
    assert stats.by_month == {date(2026, 3, 1): 4, date(2026, 4, 1): 2}
    assert stats.by_cooperative == {world.cae_a.pk: 3, world.cae_b.pk: 1, None: 2}
    assert stats.by_kind == {"guide": 4, "report": 2} and stats.by_theme == {"support": 4, "evaluation": 2}
    assert stats.cooperatives_downloading == 2
    assert stats.top_resources[0] == (guide.pk, "Guide", 4)


@pytest.fixture(scope="module")
def committed_resource(world, django_db_blocker):
    """Committed (the threads below use their own connections), and removed after this module."""
    with django_db_blocker.unblock():
        resource = make_resource(world, title="Guide très demandé (test de concurrence)", visibility="named",
                                 named=[world.cae_b])
    yield resource
    with django_db_blocker.unblock():
        resource.delete()


def test_parallel_first_downloads_of_the_month_are_all_counted(world, committed_resource, django_db_blocker):
    from tests.conftest import run_in_parallel

    outcomes = run_in_parallel(
        lambda _: download_record(resource=committed_resource, cooperative_id=world.cae_a.pk, on=date(2026, 9, 9)),
        list(range(12)), cooperative=world.cae_a, django_db_blocker=django_db_blocker)
    assert outcomes == [None] * 12, outcomes
    row = DownloadCount.objects.get(resource=committed_resource, cooperative=world.cae_a, month=date(2026, 9, 1))
    assert row.count == 12
