"""A platform the network negotiated: network staff publish it as a template, a CAE installs it,
its director finds the addresses already typed and adds only the credentials the platform gave it.
Addresses travel, credentials never; plain http to a real host is refused in French."""

from __future__ import annotations

import html

import pytest

from essaim.core.errors import AppError
from network.resources.templates import templates_install
from tenants.einvoicing.models import PlatformConnection, PlatformOffer
from tests.conftest import client_for, tenant_context
from tests.network.resources.helpers import make_resource

pytestmark = pytest.mark.django_db

OFFER = {"key": "pa-reseau", "name": "Plateforme Réseau", "flow_url": "https://pa.example.com/flow-service",
         "directory_url": "https://pa.example.com/directory-service", "token_url": "https://pa.example.com/oauth/token",
         "platform_number": "0042", "syntax": "CII", "note": "Tarif négocié : 0,10 € par facture."}


def test_the_offer_prefills_the_connection_of_the_caes_that_install_it(world):
    resource = make_resource(world, title="Plateforme agréée du réseau", kind="template", theme="setup",
                             payload={"einvoicing_platform": OFFER}, visibility="network")
    first = templates_install(cooperative=world.cae_a, resources=[resource], acting_user=world.user("director_a"))
    again = templates_install(cooperative=world.cae_a, resources=[resource], acting_user=world.user("director_a"))
    assert first.created == {"einvoicing_platform": 1} and not again.created
    with tenant_context(world.cae_a):
        offer = PlatformOffer.objects.get()
        assert (offer.flow_url, offer.platform_number, offer.offered_by) == (
            OFFER["flow_url"], "0042", "Plateforme agréée du réseau")
        assert not PlatformConnection.objects.exists()  # credentials are the CAE's own
    page = html.unescape(client_for(world.cae_a, world.user("director_a")).get("/facturation-electronique/")
                         .content.decode())
    assert "Le réseau a négocié" in page and 'value="https://pa.example.com/flow-service"' in page
    assert 'value="pa-reseau"' in page and "Tarif négocié" in page
    # Another CAE that did not install it sees nothing of it.
    other = client_for(world.cae_b, world.user("director_b")).get("/facturation-electronique/").content.decode()
    assert "pa.example.com" not in other
    with tenant_context(world.cae_b):
        assert not PlatformOffer.objects.exists()


@pytest.mark.parametrize(("change", "words"), [
    ({"flow_url": "http://pa.example.com/flow"}, "https://"),
    ({"client_secret": "s3cr3t"}, "attend key"),
    ({"platform_number": "42"}, "4 caractères"),
    ({"syntax": "PDF"}, "l'un de"),
    ({"name": ""}, "obligatoire"),
])
def test_a_bad_offer_is_refused_in_french_before_anything_is_written(world, change, words):
    with pytest.raises(AppError) as error:
        make_resource(world, title="Plateforme", kind="template", theme="setup",
                      payload={"einvoicing_platform": {**OFFER, **change}}, visibility="network")
    assert error.value.code == "template_payload_invalid" and words in error.value.message
