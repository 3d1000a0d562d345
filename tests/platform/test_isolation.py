"""Tenant isolation, the first security property: every page of a CAE's site, walked from the
URLconf, gives another CAE's users nothing; sessions, cache keys and the search path stay on
their own host."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import client_for, tenant_context

PUBLIC_PATHS = {"healthz", "readyz", "connexion/", "mot-de-passe/oubli/", "mot-de-passe/oubli/envoye/",
                "mot-de-passe/modifie/", "api/schema/", "api/docs/", "i18n/setlang/"}


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route, p


def tenant_get_paths() -> list[str]:
    """Every parameterless path of the CAE site (pages with ids are covered by their app's tests)."""
    paths = []
    for route, _ in _walk(get_resolver("essaim.urls_tenant").url_patterns):
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        paths.append(route.replace("^", "").replace("$", ""))
    return sorted(set(paths))


def test_the_walk_finds_the_pages():
    paths = tenant_get_paths()
    assert "" in paths and "api/v1/me" in paths


@pytest.mark.parametrize("path", tenant_get_paths())
@pytest.mark.parametrize("intruder", ["director_b", "counsellor_b", "entrepreneur_b", "network_admin", "network_staff"])
def test_other_cae_user_gets_nothing(world, db, path, intruder):
    # Log in where the intruder may (their CAE, or the public site), then aim at CAE A.
    home = world.cae_b if intruder.endswith("_b") else None
    client = client_for(home, world.user(intruder))
    stolen = client.cookies["essaim_session"].value
    attacker = Client(HTTP_HOST="alpha.localhost")
    attacker.cookies["essaim_session"] = stolen
    response = attacker.get("/" + path)
    body = response.content.decode(errors="replace")
    if path in PUBLIC_PATHS:
        assert response.status_code in (200, 302, 405)
    else:
        assert response.status_code in (302, 401, 403, 404, 405), (path, response.status_code)
        if response.status_code == 302:
            assert "/connexion/" in response["Location"]
    for secret in ("director.a@", "counsellor.a@", "entrepreneur.a@", world.cae_a.siren):
        assert secret not in body, (path, secret)


def test_cache_keys_are_per_cae(world, db):
    with tenant_context(world.cae_a):
        cache.set("tableau", "données de A")
    with tenant_context(world.cae_b):
        assert cache.get("tableau") is None
    with tenant_context(world.cae_a):
        assert cache.get("tableau") == "données de A"


def test_search_path_does_not_outlive_the_request(world, db):
    client_for(world.cae_a, world.user("director_a")).get("/")
    assert connection.schema_name == "public"
    client_for(world.cae_b).get("/does-not-exist")
    assert connection.schema_name == "public"
