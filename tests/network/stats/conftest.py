"""A small demo network, collected, built once per module and committed (the Celery worker's own
connection must see it), then removed: shared by the collection, release, page and API tests."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection

from demo.generator import cooperative_write, network_plan, network_users
from demo.logins import DEMO_PASSWORD
from essaim.cooperatives.models import Cooperative
from essaim.cooperatives.provisioning import schema_drop

AS_OF = date(2026, 11, 1)
PREFIX = "st-"


@pytest.fixture(scope="module")
def network(world, django_db_blocker):
    """Four demo CAEs as of 1 November 2026 (slugs prefixed "st-"), collected for 2025 and 2026
    with the two CAEs of the test world (which have nobody)."""
    from network.stats.collection import collection_run
    from network.stats.models import CaeContribution, Release

    with django_db_blocker.unblock():
        password_hash = make_password(DEMO_PASSWORD)
        network_users(password_hash)
        made = []
        for index, plan in enumerate(network_plan(cooperatives=4, entrepreneurs=30, seed=11, reference=AS_OF)):
            plan.slug = f"{PREFIX}{plan.slug}"[:40].rstrip("-")
            made.append(cooperative_write(plan, index=index, password_hash=password_hash))
        for coop in Cooperative.objects.order_by("pk"):
            for year in (2025, 2026):
                collection_run(cooperative=coop, year=year, today=AS_OF)
        connection.set_schema_to_public()
    yield made
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        Release.objects.all().delete()
        CaeContribution.consolidation_rows.all().delete()
        for coop in made:
            # Their users stay (a user's deletion reaches tables of the CAE schemas): without
            # a membership they open nothing.
            schema = coop.schema_name
            coop.delete()
            schema_drop(schema)


@pytest.fixture
def collected(network, db):
    return network
