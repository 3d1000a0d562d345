"""The public domain's API: anonymous callers see only public published resources, nothing
unpublished is reachable, groups need a member's session, the OpenAPI schema documents it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from network.resources.services import resource_version_add
from tests.conftest import client_for

from .helpers import PDF, make_resource, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(world):
    return {
        "public": make_resource(world, title="La coopérative d'activités et d'emploi en dix questions",
                                summary="Présentation partagée du parcours et de ses acteurs.", visibility="public"),
        "network": make_resource(world, title="Guide des coopératives pour les équipes", visibility="network"),
        "named": make_resource(world, title="Convention avec la coopérative de Reims", visibility="named",
                               named=[world.cae_a]),
        "proposed": make_resource(world, title="Coopérative : brouillon", visibility="public", publish=False),
        "video": make_resource(world, title="Vidéo : témoignages d'entrepreneures", kind="video",
                               url="https://video.exemple.fr/temoignages", visibility="public"),
    }


def test_anonymous_sees_only_public_published(world, library):
    client = client_for(None)
    body = client.get("/api/v1/network/resources", {"q": "cooperatives"}).json()
    assert [r["id"] for r in body["results"]] == [library["public"].pk]
    assert "<mark>coopérative</mark>" in body["results"][0]["title_highlighted"]
    assert body["count"] == 1 and body["facets"]["kind"] == [{"value": "guide", "label": "Guide", "count": 1,
                                                             "selected": False}]
    everything = client.get("/api/v1/network/resources", {"page_size": 100}).json()
    assert {r["id"] for r in everything["results"]} == {library["public"].pk, library["video"].pk}
    for name in ("network", "named", "proposed"):
        pk = library[name].pk
        for url in (f"/api/v1/network/resources/{pk}", f"/api/v1/network/resources/{pk}/download",
                    f"/api/v1/network/resources/{pk}/versions/1/download"):
            response = client.get(url)
            assert response.status_code == 404, (name, url)
            assert response.json()["code"] == "not_found"


def test_detail_and_downloads(world, library):
    client = client_for(None)
    pk = library["public"].pk
    resource_version_add(resource=library["public"], upload=pdf("v2.pdf", PDF + b"%v2"),
                         acting_user=world.user("network_staff"))
    detail = client.get(f"/api/v1/network/resources/{pk}").json()
    assert [v["number"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][0]["download"].endswith(f"/api/v1/network/resources/{pk}/versions/2/download")
    download = client.get(f"/api/v1/network/resources/{pk}/download")
    assert download.status_code == 200 and b"".join(download.streaming_content).endswith(b"%v2")
    video = client.get(f"/api/v1/network/resources/{library['video'].pk}/download")
    assert video.status_code == 302 and video["Location"] == "https://video.exemple.fr/temoignages"


def test_a_session_sees_what_its_roles_see(world, library):
    ids = {r["id"] for r in client_for(None, world.user("director_b")).get(
        "/api/v1/network/resources", {"page_size": 100}).json()["results"]}
    assert ids == {library["public"].pk, library["network"].pk, library["video"].pk}
    ids_a = {r["id"] for r in client_for(None, world.user("entrepreneur_a")).get(
        "/api/v1/network/resources", {"page_size": 100}).json()["results"]}
    assert library["named"].pk in ids_a
    staff = client_for(None, world.user("network_staff"))
    assert staff.get(f"/api/v1/network/resources/{library['proposed'].pk}").status_code == 404  # published only


def test_filters_pagination_and_bad_parameters(world, library):
    client = client_for(None)
    body = client.get("/api/v1/network/resources", {"kind": "video"}).json()
    assert [r["id"] for r in body["results"]] == [library["video"].pk]
    page = client.get("/api/v1/network/resources", {"page_size": 1}).json()
    assert page["pages"] == 2 and page["next"].endswith("page=2") and page["previous"] is None
    bad = client.get("/api/v1/network/resources", {"theme": "nope"})
    assert bad.status_code == 400 and bad.json()["field"] == "theme"


def test_constant_queries(world, library):
    client = client_for(None)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/network/resources", {"q": "cooperative"}).status_code == 200
        return len(ctx)

    few = count()
    for i in range(15):
        make_resource(world, title=f"Coopérative {i}")
    assert count() == few


def test_groups_need_a_session(world, library):
    response = client_for(None).get("/api/v1/network/groups")
    assert response.status_code in (401, 403)
    assert client_for(None, world.user("director_a")).get("/api/v1/network/groups").json()["results"] == []


def test_no_api_on_a_cae_domain_for_network_routes(world, library):
    assert client_for(world.cae_a).get("/api/v1/network/resources").status_code == 404


def test_openapi_documents_the_public_api(world):
    response = client_for(None).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in ("/api/v1/network/resources", "/api/v1/network/resources/{id}",
                 "/api/v1/network/resources/{id}/download", "/api/v1/network/groups",
                 "/api/v1/network/groups/{id}/meetings"):
        assert path in paths, path
    parameters = {p["name"] for p in paths["/api/v1/network/resources"]["get"]["parameters"]}
    assert {"q", "kind", "theme", "sector", "audience", "language", "page", "page_size"} <= parameters
    assert "/api/v1/people" not in paths  # the CAE domains' API is not on this domain
    assert client_for(None).get("/api/docs/").status_code == 200
