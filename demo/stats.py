"""The demo network's first published statistics: every CAE collected (the reference year and
the one before, for the trends), then a release of each prepared and published by the network
staff."""

from __future__ import annotations

import time
from datetime import date


def demo_statistics(*, reference: date, stdout=None):
    from essaim.accounts.models import User
    from essaim.cooperatives.models import Cooperative
    from network.stats.collection import collection_run
    from network.stats.models import Release
    from network.stats.releases import release_create, release_publish

    period = str(reference.year)
    if Release.objects.filter(period=period, status=Release.Status.PUBLISHED).exists():
        return None
    started = time.monotonic()
    for coop in Cooperative.objects.exclude(schema_name="public").order_by("pk"):
        for year in (reference.year - 1, reference.year):
            collection_run(cooperative=coop, year=year, today=reference)
    staff = User.objects.filter(network_role=User.NetworkRole.STAFF).order_by("pk").first()
    # The year before first, so that the dashboard's trends (read from published releases) have
    # two points; each release is published only if its audit passed.
    release = None
    for year in (reference.year - 1, reference.year):
        if Release.objects.filter(period=str(year), status=Release.Status.PUBLISHED).exists():
            continue
        release = release_create(period=str(year), acting_user=staff)
        if release.audit.get("ok"):
            release = release_publish(release=release, acting_user=staff)
        if stdout is not None:
            state = "publiée" if release.is_published else "en brouillon (audit échoué)"
            stdout.write(f"  Statistiques {release} {state} — {time.monotonic() - started:.1f} s")
    return release
