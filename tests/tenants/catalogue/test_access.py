"""Who reaches the « Modèles du réseau » pages: staff read, only the director writes, an
entrepreneur gets 403, anonymous visitors go to the login page, and nobody of CAE B reaches a
byte of CAE A's catalogue (ids of A are 404 on B's site; B's session is refused on A's site)."""

import pytest
from django.test import Client

from tenants.catalogue.models import AccountLabel, DocumentModel, JournalLabel, WorkshopModel
from tests.conftest import client_for, tenant_context

pytestmark = pytest.mark.django_db

SECRETS = ("Gérer sa trésorerie", "Prospecter ses premiers clients", "Convention CAPE", "Entre la coopérative",
           "Prestations de services des activités", "Opérations diverses")


def read_paths(ids) -> list[str]:
    return ["/modeles/", "/modeles/reglages/", "/modeles/ateliers/", "/modeles/documents/", "/modeles/comptes/",
            "/modeles/journaux/", f"/modeles/documents/{ids['cape'].pk}/",
            f"/modeles/documents/{ids['cape'].pk}/telecharger/"]


def write_paths(ids) -> list[str]:
    paths = [f"/modeles/{s}/nouveau/" for s in ("ateliers", "documents", "comptes", "journaux")]
    for section, key in (("ateliers", "prospection"), ("documents", "cape"), ("comptes", "account"),
                         ("journaux", "journal")):
        paths += [f"/modeles/{section}/{ids[key].pk}/modifier/", f"/modeles/{section}/{ids[key].pk}/supprimer/"]
    return paths


def _snapshot():
    return (sorted(WorkshopModel.objects.values_list("key", "title", "capacity", "edited_at")),
            sorted(DocumentModel.objects.values_list("key", "title", "body")),
            sorted(AccountLabel.objects.values_list("number", "label")),
            sorted(JournalLabel.objects.values_list("code", "label")))


POST_DATA = {"key": "intrus", "title": "Piraté", "theme": "it", "duration_minutes": "60", "capacity": "3",
             "kind": "other", "body": "Piraté", "number": "601000", "code": "ZZ", "label": "Piraté"}


@pytest.mark.parametrize("role", ["director_a", "counsellor_a", "accounts_a"])
def test_staff_read_every_page(world, installed, role):
    client = client_for(world.cae_a, world.user(role))
    for path in read_paths(installed):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("role", ["counsellor_a", "accounts_a", "entrepreneur_a"])
def test_only_the_director_writes(world, installed, role):
    client = client_for(world.cae_a, world.user(role))
    with tenant_context(world.cae_a):
        before = _snapshot()
    for path in write_paths(installed):
        assert client.get(path).status_code == 403, path
        assert client.post(path, POST_DATA).status_code == 403, path
    with tenant_context(world.cae_a):
        assert _snapshot() == before


def test_an_entrepreneur_reads_nothing(world, installed):
    client = client_for(world.cae_a, world.user("entrepreneur_a"))
    for path in read_paths(installed):
        response = client.get(path)
        assert response.status_code == 403, path
        body = response.content.decode()
        assert not any(secret in body for secret in SECRETS), path


def test_anonymous_visitors_are_sent_to_login(world, installed):
    client = client_for(world.cae_a)
    for path in read_paths(installed) + write_paths(installed):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/"), path


@pytest.mark.parametrize("intruder", ["director_b", "counsellor_b", "entrepreneur_b"])
def test_cae_b_reaches_nothing_of_cae_a(world, installed, intruder):
    client = client_for(world.cae_b, world.user(intruder))
    with tenant_context(world.cae_a):
        before = _snapshot()
    read = read_paths(installed)
    for path in read + write_paths(installed):
        by_id = any(part.isdigit() for part in path.split("/"))
        for method in ("get", "post"):
            response = getattr(client, method)(path, POST_DATA)
            body = response.content.decode(errors="replace")
            assert not any(secret in body for secret in SECRETS), (method, path)
            if intruder == "entrepreneur_b":
                assert response.status_code == 403, (method, path)
            elif method == "post" and path in read:
                assert response.status_code == 405, (method, path)  # read-only page, whatever the id
            elif by_id and (intruder == "director_b" or path in read):
                # an id of CAE A is unknown in CAE B's schema
                assert response.status_code == 404, (method, path)
            elif by_id:
                assert response.status_code == 403, (method, path)  # a counsellor never writes
    with tenant_context(world.cae_a):
        assert _snapshot() == before


def test_cae_b_lists_hold_none_of_cae_a_items(world, installed):
    client = client_for(world.cae_b, world.user("director_b"))
    for path in read_paths(installed)[:6]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not any(secret in response.content.decode() for secret in SECRETS), path


def test_a_session_of_cae_b_is_refused_on_cae_a(world, installed):
    stolen = client_for(world.cae_b, world.user("director_b")).cookies["essaim_session"].value
    attacker = Client(HTTP_HOST=f"{world.cae_a.slug}.localhost")
    attacker.cookies["essaim_session"] = stolen
    with tenant_context(world.cae_a):
        before = _snapshot()
    for path in read_paths(installed) + write_paths(installed):
        for response in (attacker.get(path), attacker.post(path, POST_DATA)):
            assert response.status_code in (302, 403), path
            if response.status_code == 302:
                assert response["Location"].startswith("/connexion/")
            assert not any(secret in response.content.decode() for secret in SECRETS), path
    with tenant_context(world.cae_a):
        assert _snapshot() == before
