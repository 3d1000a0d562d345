"""The API shell: per-CAE keys, /api/v1/me, one error shape, OpenAPI served from local assets."""

import pytest
from django.test import Client

from api.keys.models import ApiKey
from api.keys.services import apikey_create, apikey_revoke
from tests.conftest import host_of, tenant_context


@pytest.fixture
def key_a(world, db):
    with tenant_context(world.cae_a):
        key, raw = apikey_create(name="Cabinet comptable", scopes=["ledger:read"],
                                 acting_user=world.user("director_a"))
    return key, raw


def api(cooperative, raw=None) -> Client:
    headers = {"HTTP_HOST": host_of(cooperative)}
    if raw:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return Client(**headers)


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "field", "message"}
    assert body["code"] == code
    assert body["message"]


def test_me_answers_with_the_key_cae_and_scopes(world, key_a):
    key, raw = key_a
    response = api(world.cae_a, raw).get("/api/v1/me")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "cooperative": {"name": "CAE Alpha", "slug": "alpha", "siren": world.cae_a.siren},
        "key": {"name": "Cabinet comptable", "prefix": key.prefix},
        "scopes": ["ledger:read"],
    }


def test_key_is_stored_hashed_and_shown_once(world, key_a):
    key, raw = key_a
    with tenant_context(world.cae_a):
        stored = ApiKey.objects.get(pk=key.pk)
    assert raw.split("_")[2] not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64


def test_key_of_a_is_refused_on_b(world, key_a):
    _, raw = key_a
    response = api(world.cae_b, raw).get("/api/v1/me")
    assert_error_shape(response, 401, "authentication_failed")
    assert b"Alpha" not in response.content


def test_revoked_key_is_refused(world, key_a):
    key, raw = key_a
    with tenant_context(world.cae_a):
        apikey_revoke(key=key, acting_user=world.user("director_a"))
    assert_error_shape(api(world.cae_a, raw).get("/api/v1/me"), 401, "authentication_failed")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nimportequoi", "Basic dXNlcjpwYXNz", "Bearer essaim_x_y"])
def test_missing_or_malformed_key(world, db, header):
    client = Client(HTTP_HOST=host_of(world.cae_a), HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] in {"not_authenticated", "authentication_failed"}
    assert "Alpha" not in response.content.decode()


def test_session_of_a_member_is_not_an_api_credential(world, db):
    from tests.conftest import client_for

    client = client_for(world.cae_a, world.user("director_a"))
    assert_error_shape(client.get("/api/v1/me"), 401, "not_authenticated")


def test_api_is_not_served_on_the_public_host(world, key_a):
    _, raw = key_a
    assert api(None, raw).get("/api/v1/me").status_code == 404


def test_bad_scope_and_name_are_refused_in_french(world, db):
    director_a = world.user("director_a")
    from essaim.core.errors import AppError

    with tenant_context(world.cae_a):
        with pytest.raises(AppError) as exc:
            apikey_create(name="x", scopes=["tout:ecrire"], acting_user=director_a)
        assert exc.value.code == "apikey_unknown_scope" and "Portée inconnue" in exc.value.message
        with pytest.raises(AppError):
            apikey_create(name=" ", scopes=["ledger:read"], acting_user=director_a)
        assert not ApiKey.objects.filter(name="x").exists()


def test_openapi_schema_and_docs_use_local_assets(world, db):
    schema = api(world.cae_a).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    spec = schema.json()
    assert "/api/v1/me" in spec["paths"]
    assert "CleApi" in spec["components"]["securitySchemes"]
    docs = api(world.cae_a).get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    asset = api(world.cae_a).get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
