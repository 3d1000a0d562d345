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


def test_staff_see_downloads_per_cae_and_cae_users_do_not(world):
    from django.utils import timezone

    from tests.conftest import client_for

    guide = make_resource(world, title="Guide de l'accueil", kind="guide", theme="support", visibility="public")
    report = make_resource(world, title="Rapport annuel du réseau", kind="report", theme="evaluation",
                           visibility="public")
    today = timezone.localdate()
    for _ in range(3):
        download_record(resource=guide, cooperative_id=world.cae_a.pk, on=today)
    download_record(resource=guide, cooperative_id=world.cae_b.pk, on=today)
    download_record(resource=guide, cooperative_id=None, on=today)
    download_record(resource=report, cooperative_id=world.cae_b.pk, on=today)

    staff = client_for(None, world.user("network_staff"))
    this_month = f"{today:%Y-%m}"  # (the committed rows of the test above are in another month)
    page = staff.get("/ressources/telechargements/", {"du": this_month, "au": this_month}).content.decode()
    assert 'data-total="6"' in page
    per_cae = page.split('id="par-cae"')[1].split("</table>")[0]
    assert '<td>CAE Alpha</td><td class="num">3</td>' in per_cae
    assert '<td>CAE Bêta</td><td class="num">2</td>' in per_cae
    assert "Sans CAE" in per_cae
    top = page.split('id="plus-telechargees"')[1].split("</table>")[0]
    assert top.index("Guide de l&#x27;accueil") < top.index("Rapport annuel du réseau")
    assert '<td class="num">5</td>' in top
    # a period without downloads, and a bad month with a French message
    assert 'data-total="0"' in staff.get("/ressources/telechargements/", {"du": "2020-01", "au": "2020-12"}
                                         ).content.decode()
    bad = staff.get("/ressources/telechargements/", {"du": "mars"})
    assert bad.status_code == 400 and "Mois invalide" in bad.content.decode()
    far = staff.get("/ressources/telechargements/", {"du": "9999-01", "au": "9999-12"})  # was a 500 (year 10009)
    assert far.status_code == 400 and "Mois invalide" in far.content.decode()
    # the resource's page, for staff: its own downloads per CAE
    detail = staff.get(f"/ressources/{guide.pk}/").content.decode().split('id="telechargements"')[1]
    assert "5 téléchargements" in detail
    assert '<td>CAE Alpha</td><td class="num">3</td>' in detail and '<td>CAE Bêta</td><td class="num">1</td>' in detail

    # CAE users (director included) never see how much another CAE downloads
    for role in ("director_a", "entrepreneur_a", "director_b", "nobody"):
        client = client_for(None, world.user(role))
        assert client.get("/ressources/telechargements/").status_code == 404, role
        page = client.get(f"/ressources/{guide.pk}/").content.decode()
        assert 'id="telechargements"' not in page and "CAE Bêta" not in page and "CAE Alpha" not in page, role
    assert client_for(None).get("/ressources/telechargements/").status_code == 302  # to the login page
