"""The CAE API is fail-closed: a view that declares no scope refuses every key, and no view can
redefine the base class's scoping (refused when the class is created)."""

from __future__ import annotations

import pytest
from django.test import Client

from api.keys.models import ApiKey, Scope
from api.keys.permissions import HasApiKey
from api.views import SEALED, TenantAPIView, TenantListAPIView
from tests.conftest import host_of, tenant_context

from .urlconf import TENANT, routes

# Views on a CAE's /api/ that are not TenantAPIView: the schema and its documentation, which hold
# no CAE data and are readable without a key.
UNKEYED = {"/api/schema/", "/api/docs/"}


@pytest.mark.parametrize("name", SEALED)
def test_a_view_cannot_redefine_the_scoping(name):
    with pytest.raises(TypeError, match="redefines the API's scoping"):
        type("Sneaky", (TenantListAPIView,), {name: lambda self, *a, **k: None, "__module__": __name__})


def test_scopes_and_the_escape_hatch_exclude_each_other():
    with pytest.raises(TypeError, match="exclude each other"):
        type("Both", (TenantAPIView,), {"required_scopes": (Scope.LEDGER_READ,), "dangerously_any_scope": True,
                                         "__module__": __name__})
    with pytest.raises(TypeError, match="tuple of scopes"):
        type("Bare", (TenantAPIView,), {"required_scopes": Scope.LEDGER_READ.value, "__module__": __name__})


class _Request:
    def __init__(self, key):
        self.auth = key


def test_a_view_without_scopes_refuses_a_key_holding_them_all():
    key = ApiKey(name="toutes", scopes=list(Scope.values))
    forgetful = type("Forgetful", (TenantAPIView,), {"__module__": __name__})
    assert HasApiKey().has_permission(_Request(key), forgetful()) is False
    hatch = type("Hatch", (TenantAPIView,), {"dangerously_any_scope": True, "__module__": __name__})
    assert HasApiKey().has_permission(_Request(key), hatch()) is True
    scoped = type("Scoped", (TenantAPIView,), {"required_scopes": (Scope.LEDGER_READ,), "__module__": __name__})
    assert HasApiKey().has_permission(_Request(key), scoped()) is True
    assert HasApiKey().has_permission(_Request(ApiKey(name="paie", scopes=["payroll:read"])), scoped()) is False
    assert HasApiKey().has_permission(_Request(None), hatch()) is False


def test_every_cae_api_view_declares_its_scopes():
    """Walks the CAE URLconf: each /api/ view is a TenantAPIView with scopes, or the one escape
    hatch (MeView), or the schema and docs."""
    checked, hatches = 0, []
    for route in routes(TENANT):
        if not route.route.startswith("/api/"):
            continue
        cls = route.view_class
        if route.route in UNKEYED:
            continue
        assert cls is not None and issubclass(cls, TenantAPIView), f"{route.route}: not a TenantAPIView"
        if cls.dangerously_any_scope:
            hatches.append(cls.__name__)
        else:
            assert cls.required_scopes, f"{route.route} ({cls.__name__}) declares no required_scopes"
            assert set(cls.required_scopes) <= set(Scope.values), cls.__name__
        checked += 1
    assert hatches == ["MeView"]
    assert checked >= 20


@pytest.mark.django_db
def test_a_key_without_the_scope_is_refused_on_every_scoped_endpoint(world):
    """Through HTTP: a payroll key reaches /api/v1/me and the payroll, nothing else."""
    from api.keys.services import apikey_create

    with tenant_context(world.cae_a):
        _, raw = apikey_create(name="paie", scopes=[Scope.PAYROLL_READ], acting_user=world.user("director_a"))
    client = Client(HTTP_HOST=host_of(world.cae_a), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/payroll-runs").status_code == 200
    for path in ("/api/v1/people", "/api/v1/invoices", "/api/v1/ledger-entries", "/api/v1/trial-balance?year=2026"):
        response = client.get(path)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["code"] == "permission_denied"
