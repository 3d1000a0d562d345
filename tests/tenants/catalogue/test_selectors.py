"""An item of the catalogue named in a request (catalogue_item_get_for): the staff's, 404 for an
entrepreneur, for an id that is not there and on another CAE's site; each call is a fresh copy."""

import pytest
from django.http import Http404

from essaim.accounts.models import Membership
from tenants.catalogue.selectors import SECTIONS, catalogue_item_get_for
from tests.conftest import tenant_context

pytestmark = pytest.mark.django_db


def _membership(world, key: str) -> Membership:
    return Membership.objects.get(user=world.user(key), cooperative=world.cae_a if key.endswith("_a") else world.cae_b)


def test_the_staff_reach_an_item_and_nobody_else(world, installed):
    pk = installed["cape"].pk
    with tenant_context(world.cae_a):
        for key in ("director_a", "counsellor_a", "accounts_a"):
            item = catalogue_item_get_for(actor=_membership(world, key), section=SECTIONS["documents"], pk=pk)
            assert item.title == "Convention CAPE" and item.from_network
        first = catalogue_item_get_for(actor=_membership(world, "director_a"), section=SECTIONS["documents"], pk=pk)
        second = catalogue_item_get_for(actor=_membership(world, "director_a"), section=SECTIONS["documents"], pk=pk)
        assert first == second and first is not second
        with pytest.raises(Http404):
            catalogue_item_get_for(actor=_membership(world, "entrepreneur_a"), section=SECTIONS["documents"], pk=pk)
        with pytest.raises(Http404):
            catalogue_item_get_for(actor=_membership(world, "director_a"), section=SECTIONS["documents"], pk=pk + 1000)
    with tenant_context(world.cae_b), pytest.raises(Http404):
        catalogue_item_get_for(actor=_membership(world, "director_b"), section=SECTIONS["documents"], pk=pk)
