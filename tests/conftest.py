"""Test set-up: two CAEs are provisioned once per session (cloned schemas make this cheap) with a
user per role; each test runs in a rolled-back transaction and activates a CAE's schema when it
needs one."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client

from essaim.accounts.models import Membership, User
from essaim.cooperatives.models import Cooperative
from essaim.cooperatives.services import cooperative_create
from tests.factories import PASSWORD, TEST_ACTOR, MembershipFactory, UserFactory, siren_from, siret_from


@dataclass
class World:
    """What every test can rely on (committed once per session)."""

    cae_a: Cooperative
    cae_b: Cooperative
    users: dict[str, User]

    def user(self, key: str) -> User:
        return self.users[key]


def drop_cooperative(cooperative: Cooperative) -> None:
    """Remove a CAE a module committed for its own (parallel transactions): its schema, domains,
    memberships and registry row — so that later tests that count the network's CAEs (the
    statistics) do not depend on which modules ran before them."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{cooperative.schema_name}" CASCADE')
    Membership.objects.filter(cooperative=cooperative).delete()
    cooperative.domains.all().delete()
    Cooperative.objects.filter(pk=cooperative.pk).delete()


def _make_cooperative(slug: str, name: str, seed: int, **extra) -> Cooperative:
    siren = siren_from(seed)
    return cooperative_create(
        name=name, legal_name=f"{name} SCOP SA", slug=slug, siren=siren, siret=siret_from(siren),
        region=extra.pop("region", "44"), address="1 place de la République", postal_code="51100",
        city="Reims", acting_user=TEST_ACTOR, **extra,
    )


@pytest.fixture(scope="session")
def _no_stray_sessions(django_db_setup, django_db_blocker):
    """Threads of the session (browser server, Celery worker) may still hold a connection when
    the test database is dropped: end them first, so the drop never fails."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session")
def world(django_db_setup, django_db_blocker, _no_stray_sessions) -> World:
    # pytest-django only creates the test database if a collected test asks for `db`: never let
    # this fixture write to the development database.
    name = connection.settings_dict["NAME"]
    assert name.startswith("test_"), f"refusing to build the test world in {name!r}: mark the test django_db"
    with django_db_blocker.unblock():
        cae_a = _make_cooperative("alpha", "CAE Alpha", 11111111)
        cae_b = _make_cooperative("beta", "CAE Bêta", 22222222, region="84", kind="sector", sector="construction")
        users = {}
        for cae, tag in ((cae_a, "a"), (cae_b, "b")):
            for role in Membership.Role.values:
                user = UserFactory(email=f"{role}.{tag}@exemple.fr")
                MembershipFactory(user=user, cooperative=cae, role=role)
                users[f"{role}_{tag}"] = user
        users["network_staff"] = UserFactory(email="reseau@exemple.fr", network_role=User.NetworkRole.STAFF)
        users["network_admin"] = UserFactory(email="admin@exemple.fr", network_role=User.NetworkRole.ADMIN)
        users["nobody"] = UserFactory(email="personne@exemple.fr")
        connection.set_schema_to_public()
    return World(cae_a=cae_a, cae_b=cae_b, users=users)


@pytest.fixture
def cae_a(world, db) -> Cooperative:
    return world.cae_a


@pytest.fixture
def cae_b(world, db) -> Cooperative:
    return world.cae_b


@contextmanager
def tenant_context(cooperative: Cooperative):
    previous = connection.tenant
    connection.set_tenant(cooperative)
    try:
        yield cooperative
    finally:
        connection.set_tenant(previous)


@pytest.fixture
def in_cae_a(cae_a):
    """Run the test body inside CAE A's schema."""
    with tenant_context(cae_a):
        yield cae_a


def host_of(cooperative: Cooperative | None) -> str:
    return "localhost" if cooperative is None else f"{cooperative.slug}.localhost"


def client_for(cooperative: Cooperative | None, user: User | None = None) -> Client:
    """A test client on a CAE's host (or the public host), optionally logged in through the
    real login form, so the session is bound to that host like a browser's."""
    client = Client(HTTP_HOST=host_of(cooperative))
    if user is not None:
        response = client.post("/connexion/", {"username": user.email, "password": PASSWORD})
        assert response.status_code == 302, f"login failed for {user.email} on {host_of(cooperative)}"
    return client


@pytest.fixture(autouse=True)
def _back_to_public():
    yield
    connection.set_schema_to_public()


@pytest.fixture(scope="session", autouse=True)
def _empty_test_broker():
    """Messages left by an interrupted run must not be delivered to this one."""
    import shutil
    from pathlib import Path

    from django.conf import settings

    for sub in ("queue", "processed"):
        folder = Path(settings.CELERY_BROKER_DIR) / sub
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
    yield


def pytest_collection_modifyitems(config, items):
    """Browser tests last: they are the slowest, and a failure there should not hide the rest."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))


def run_in_parallel(fn, items, *, cooperative, django_db_blocker, timeout=60) -> list:
    """Run fn(item) in one thread per item, all released at once inside `cooperative`'s schema,
    each with its own connection (real parallel transactions). Returns what each returned, or
    the AppError code / exception repr it raised."""
    import threading

    from django.db import connections

    from essaim.core.errors import AppError

    barrier = threading.Barrier(len(items))
    outcomes = []

    def worker(item):
        with django_db_blocker.unblock():
            try:
                with tenant_context(cooperative):
                    barrier.wait()
                    outcomes.append(fn(item))
            except AppError as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001 - reported to the test
                outcomes.append(repr(exc))
            finally:
                connections.close_all()

    threads = [threading.Thread(target=worker, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return outcomes
