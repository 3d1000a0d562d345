"""The API key named on the directors' page (api_key_get_for): another CAE's director gets 404
and the key stays valid; in the CAE, only its director revokes (403 for the other roles, and the
selector refuses them too)."""

import pytest
from django.http import Http404

from api.keys.models import ApiKey
from api.keys.selectors import api_key_get_for
from essaim.accounts.models import Membership
from tests.conftest import client_for, tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(world):
    with tenant_context(world.cae_a):
        return ApiKey.objects.create(name="Cabinet Laurent", prefix="a1b2c3d4", key_hash="0" * 64,
                                     scopes=["ledger:read"])


@pytest.mark.parametrize("intruder", ["director_b", "accounts_b"])
def test_another_cae_cannot_revoke(world, key, intruder):
    response = client_for(world.cae_b, world.user(intruder)).post(f"/cles-api/{key.pk}/revoquer/")
    assert response.status_code == (404 if intruder == "director_b" else 403)
    with tenant_context(world.cae_a):
        key.refresh_from_db()
        assert key.revoked_at is None


@pytest.mark.parametrize("role", ["counsellor_a", "accounts_a", "entrepreneur_a"])
def test_only_the_cae_s_director_reaches_a_key(world, key, role):
    assert client_for(world.cae_a, world.user(role)).post(f"/cles-api/{key.pk}/revoquer/").status_code == 403
    with tenant_context(world.cae_a):
        key.refresh_from_db()
        assert key.revoked_at is None
        with pytest.raises(Http404):
            api_key_get_for(actor=Membership.objects.get(user=world.user(role), cooperative=world.cae_a), pk=key.pk)
        director = Membership.objects.get(user=world.user("director_a"), cooperative=world.cae_a)
        assert api_key_get_for(actor=director, pk=key.pk) == key
        with pytest.raises(Http404):
            api_key_get_for(actor=director, pk=key.pk + 1000)
