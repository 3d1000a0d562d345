"""Who sees which resource, on the pages and for the files: every visibility for every role.
A CAE not named on a named-CAE resource gets 404 for its page and for its file."""

import pytest
from django.utils.html import escape

from essaim.accounts.models import Membership
from network.resources.models import DownloadCount, Resource
from network.resources.services import resource_version_add
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory

from .helpers import PDF, make_resource, pdf

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "nobody", "entrepreneur_a", "director_a", "director_b", "network_staff", "founder",
         "founder_abandoned", "group_member"]
# visibility → roles that see it (the resources are named for CAE A / authored by network). A founder
# of an open setup project and a working group's member user (neither in any CAE) count as network
# members; a founder whose project was abandoned does not.
NETWORK_MEMBERS = {"entrepreneur_a", "director_a", "director_b", "network_staff", "founder", "group_member"}
EXPECTED = {
    "public": set(ROLES),
    "network": NETWORK_MEMBERS,
    "named": {"entrepreneur_a", "director_a", "network_staff"},
    "proposed": {"network_staff"},
    "rejected": {"network_staff"},
}
# Each visibility for each kind that is served differently: a file, a video's link (a redirect),
# a template (a file, plus what it installs).
KINDS = {
    "guide": {"kind": "guide"},
    "video": {"kind": "video", "url": "https://video.exemple.fr/parcours"},
    "template": {"kind": "template", "payload": {"journals": [{"code": "OD", "label": "Opérations diverses"}]}},
}
TITLES = {"public": "Présentation partagée du parcours", "network": "Guide des ateliers collectifs",
          "named": "Convention de partenariat avec la Région", "proposed": "Brouillon", "rejected": "Refusée"}


@pytest.fixture
def library(world):
    from network.resources.services import resource_reject

    made = {}
    for kind, extra in KINDS.items():
        def one(name, kind=kind, extra=extra, **options):
            return make_resource(world, title=f"{TITLES[name]} [{kind}]", **extra, **options)

        made[("public", kind)] = one("public", visibility="public")
        made[("network", kind)] = one("network", visibility="network")
        made[("named", kind)] = one("named", visibility="named", named=[world.cae_a])
        made[("proposed", kind)] = one("proposed", visibility="public", publish=False)
        made[("rejected", kind)] = resource_reject(resource=one("rejected", visibility="public", publish=False),
                                                   reason="Doublon", acting_user=world.user("network_staff"))
    return made


@pytest.fixture
def outside_users(world):
    """Users with no CAE membership: founders of an open and of an abandoned setup project, and a
    member user of a working group."""
    from network.resources.services import group_create

    from .helpers import make_founder

    group_member = UserFactory(email="membre.groupe@exemple.fr")
    group_create(name="Groupe des partenaires", theme="partners", member_users=[group_member.pk],
                 acting_user=world.user("network_staff"))
    return {"founder": make_founder(world), "founder_abandoned": make_founder(world, status="abandoned"),
            "group_member": group_member}


def _client(world, role, outside=None):
    if role == "anonymous":
        return client_for(None)
    return client_for(None, outside[role] if outside and role in outside else world.user(role))


@pytest.mark.parametrize("role", ROLES)
def test_each_visibility_for_each_role_pages_files_and_search(world, library, outside_users, role):
    client = _client(world, role, outside_users)
    listing = client.get("/ressources/").content.decode()
    api = {item["id"] for item in client.get("/api/v1/network/resources", {"page_size": 100}).json()["results"]}
    for (name, kind), resource in library.items():
        allowed = role in EXPECTED[name]
        listed = allowed and name not in ("proposed", "rejected")
        assert (resource.title in listing) == listed, (name, kind, role)
        assert (resource.pk in api) == listed, (name, kind, role)
        page = client.get(f"/ressources/{resource.pk}/")
        assert page.status_code == (200 if allowed else 404), (name, kind, role)
        # the current version is the latest *published* one: a proposal has none
        for url, served in ((f"/ressources/{resource.pk}/versions/1/telecharger/", allowed),
                            (f"/ressources/{resource.pk}/telecharger/", listed)):
            download = client.get(url)
            if not served:
                assert download.status_code == 404, (name, kind, role, url)
                continue
            if kind == "video":
                assert download.status_code == 302, (name, kind, role)
                assert download["Location"] == "https://video.exemple.fr/parcours"
            else:
                assert download.status_code == 200, (name, kind, role)
                assert b"".join(download.streaming_content) == PDF
                assert download["Content-Type"] == "application/pdf"
                assert "attachment" in download["Content-Disposition"]
            assert download["Cache-Control"] == "private, no-store"
        if not allowed:
            assert resource.title.encode() not in page.content
    # what a template installs is offered only to a CAE's directors, for the CAEs they direct
    template = client.get(f"/ressources/{library[('public', 'template')].pk}/").content.decode()
    assert ("Installer dans CAE Alpha" in template) == (role == "director_a")
    assert ("Installer dans CAE Bêta" in template) == (role == "director_b")


def test_current_version_download_is_the_latest_published_and_counted_per_cae(world, library):
    resource = library[("named", "guide")]
    resource_version_add(resource=resource, upload=pdf("v2.pdf", PDF + b"%v2"), notes="Mise à jour 2026",
                         acting_user=world.user("network_staff"))
    response = client_for(None, world.user("director_a")).get(f"/ressources/{resource.pk}/telecharger/")
    assert b"".join(response.streaming_content).endswith(b"%v2")
    client_for(None, world.user("entrepreneur_a")).get(f"/ressources/{resource.pk}/telecharger/")
    client_for(None, world.user("network_staff")).get(f"/ressources/{resource.pk}/telecharger/")
    rows = {(r.cooperative_id, r.count) for r in DownloadCount.objects.filter(resource=resource)}
    assert rows == {(world.cae_a.pk, 2), (None, 1)}
    assert resource.versions.count() == 2  # the old version is kept


def test_a_cae_not_named_gets_404_even_with_a_director_of_another_cae(world, library):
    resource = library[("named", "guide")]
    client = client_for(None, world.user("director_b"))
    for url in (f"/ressources/{resource.pk}/", f"/ressources/{resource.pk}/telecharger/",
                f"/ressources/{resource.pk}/versions/1/telecharger/", f"/api/v1/network/resources/{resource.pk}",
                f"/api/v1/network/resources/{resource.pk}/download"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert resource.title.encode() not in response.content
    assert not DownloadCount.objects.filter(resource=resource).exists()


def test_ended_membership_loses_network_resources_at_once(world, library):
    user = UserFactory(email="ancienne@exemple.fr")
    membership = MembershipFactory(user=user, cooperative=world.cae_a, role=Membership.Role.ENTREPRENEUR)
    client = client_for(None, user)
    assert client.get(f"/ressources/{library[('network', 'guide')].pk}/").status_code == 200
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    assert client.get(f"/ressources/{library[('network', 'guide')].pk}/").status_code == 404


def test_author_cae_director_sees_own_proposal_and_the_rejection_reason(world):
    mine = make_resource(world, title="Notre guide d'accueil", author=world.cae_a, publish=False)
    assert client_for(None, world.user("director_a")).get(f"/ressources/{mine.pk}/").status_code == 200
    assert client_for(None, world.user("counsellor_a")).get(f"/ressources/{mine.pk}/").status_code == 404
    assert client_for(None, world.user("director_b")).get(f"/ressources/{mine.pk}/").status_code == 404
    staff = client_for(None, world.user("network_staff"))
    assert escape(mine.title) in staff.get("/ressources/a-relire/").content.decode()
    staff.post(f"/ressources/{mine.pk}/refuser/", {"reason": "Merci de préciser le public visé."})
    mine.refresh_from_db()
    assert mine.state == Resource.State.REJECTED
    page = client_for(None, world.user("director_a")).get(f"/ressources/{mine.pk}/").content.decode()
    assert "Merci de préciser le public visé." in page


def test_director_proposes_through_the_page_and_staff_publish(world):
    director = client_for(None, world.user("director_a"))
    response = director.post("/ressources/proposer/", {
        "author": str(world.cae_a.pk), "title": "Modèle de convention d'accompagnement CAPE", "kind": "template",
        "theme": "contracts", "sector": "all", "audience": "staff", "language": "fr",
        "summary": "La convention signée à l'entrée en CAPE.", "visibility": "network", "file": pdf("cape.pdf")})
    assert response.status_code == 302
    resource = Resource.objects.get(title="Modèle de convention d'accompagnement CAPE")
    assert resource.state == "proposed" and resource.author_cooperative == world.cae_a
    assert resource.proposed_by == world.user("director_a")
    # not in the library before review, nor can a director publish it
    assert escape(resource.title) not in client_for(None, world.user("director_b")).get("/ressources/").content.decode()
    assert director.post(f"/ressources/{resource.pk}/publier/").status_code == 404
    client_for(None, world.user("network_staff")).post(f"/ressources/{resource.pk}/publier/")
    resource.refresh_from_db()
    assert resource.state == "published" and resource.versions.get().published_at is not None
    assert escape(resource.title) in client_for(None, world.user("director_b")).get("/ressources/").content.decode()


def test_only_directors_and_staff_may_propose(world):
    for role in ("entrepreneur_a", "counsellor_a", "nobody"):
        assert client_for(None, world.user(role)).get("/ressources/proposer/").status_code == 403
    director = client_for(None, world.user("director_a"))
    response = director.post("/ressources/proposer/", {
        "author": str(world.cae_b.pk), "title": "Au nom d'une autre CAE", "kind": "guide", "theme": "support",
        "sector": "all", "audience": "staff", "language": "fr", "summary": "…", "visibility": "public",
        "file": pdf()})
    assert response.status_code == 400
    assert not Resource.objects.filter(title="Au nom d'une autre CAE").exists()


def test_unpublished_new_version_is_not_served_to_readers(world, library):
    resource = library[("public", "guide")]
    resource_version_add(resource=resource, upload=pdf("v2.pdf", PDF + b"%draft"), acting_user=world.user("network_staff"))
    author_version = make_resource(world, title="Guide CAE A", author=world.cae_a)
    resource_version_add(resource=author_version, upload=pdf("v2.pdf", PDF + b"%pending"),
                         acting_user=world.user("director_a"))
    assert author_version.versions.get(number=2).published_at is None
    reader = client_for(None, world.user("director_b"))
    assert reader.get(f"/ressources/{author_version.pk}/versions/2/telecharger/").status_code == 404
    current = reader.get(f"/ressources/{author_version.pk}/telecharger/")
    assert not b"".join(current.streaming_content).endswith(b"%pending")
    own = client_for(None, world.user("director_a")).get(f"/ressources/{author_version.pk}/versions/2/telecharger/")
    assert own.status_code == 200


def test_a_named_resource_is_seen_by_its_author_cae_and_the_named_ones_only(world):
    """Authored by CAE B for CAE A: both reach page and files (pages and API), counted for the
    CAE that grants access; anyone else gets 404 and nothing is counted for them."""
    resource = make_resource(world, title="Convention inter-CAE", visibility="named", author=world.cae_b,
                             named=[world.cae_a])
    urls = (f"/ressources/{resource.pk}/", f"/ressources/{resource.pk}/telecharger/",
            f"/ressources/{resource.pk}/versions/1/telecharger/", f"/api/v1/network/resources/{resource.pk}",
            f"/api/v1/network/resources/{resource.pk}/download",
            f"/api/v1/network/resources/{resource.pk}/versions/1/download")
    for role in ("entrepreneur_a", "entrepreneur_b"):
        client = client_for(None, world.user(role))
        for url in urls:
            assert client.get(url).status_code == 200, (role, url)
    for client in (client_for(None), client_for(None, world.user("nobody"))):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, url
            assert resource.title.encode() not in response.content
    counted = dict(DownloadCount.objects.filter(resource=resource).values_list("cooperative_id", "count"))
    assert counted == {world.cae_a.pk: 4, world.cae_b.pk: 4}
