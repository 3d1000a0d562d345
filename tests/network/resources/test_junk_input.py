"""Junk in query strings and forms of the library and working groups: a clear answer (200, 400
or 404), never a 500, and nothing written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from network.resources.models import GroupMeeting, Resource
from network.resources.services import group_create, meeting_schedule
from tests.conftest import client_for
from tests.factories import UserFactory

from .helpers import make_resource

pytestmark = pytest.mark.django_db

HUGE = "9" * 40


@pytest.fixture
def public(world):
    return make_resource(world, title="Guide de la coopérative", visibility="public")


@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "-1"}, {"page": "0"}, {"page": HUGE}, {"page": "1e3"}, {"page": "2.5"},
    {"q": "coopérative", "page": HUGE}, {"q": "\"-or or - \" ( ) & | ! :*"}, {"q": "x" * 5000},
])
def test_library_page_junk_query_is_never_a_500(world, public, params):
    response = client_for(None).get("/ressources/", params)
    assert response.status_code == 200, params


@pytest.mark.parametrize("params", [{"kind": "nope"}, {"theme": "sans-nul"}, {"language": "x" * 500}])
def test_library_unknown_facet_value_is_a_400_with_a_french_message(world, public, params):
    response = client_for(None).get("/ressources/", params)
    assert response.status_code == 400
    assert "Valeur inconnue pour le filtre" in response.content.decode()


@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "-1"}, {"page": HUGE}, {"page_size": "abc"}, {"page_size": "-5"},
    {"page_size": HUGE}, {"q": "coopérative", "page": HUGE},
])
def test_api_search_junk_query_is_never_a_500(world, public, params):
    response = client_for(None).get("/api/v1/network/resources", params)
    assert response.status_code == 200, params
    assert response.json()["results"][0]["id"] == public.pk


@pytest.mark.parametrize(("url", "params"), [("/ressources/", {"q": "\x00"}), ("/ressources/", {"theme": "\x00"}),
                                             ("/api/v1/network/resources", {"q": "\x00"})])
def test_a_nul_character_is_refused_at_the_edge(world, public, url, params):
    response = client_for(None).get(url, params)
    assert response.status_code == 400 and "NUL" in response.content.decode()


def test_api_search_unknown_facet_is_a_400_error_body(world, public):
    response = client_for(None).get("/api/v1/network/resources", {"audience": "martiens"})
    assert response.status_code == 400
    assert response.json()["code"] == "filter_invalid" and response.json()["field"] == "audience"


@pytest.mark.parametrize("value", ["abc", "", "1.5", HUGE, "-1"])
def test_install_with_a_junk_cooperative_is_a_404(world, value):
    template = make_resource(world, title="Kit", kind="template", theme="setup",
                             payload={"journals": [{"code": "OD", "label": "Opérations diverses"}]})
    response = client_for(None, world.user("director_a")).post(f"/ressources/{template.pk}/installer/",
                                                               {"cooperative": value})
    assert response.status_code == 404


@pytest.fixture
def group(world):
    coordinator = UserFactory(email="coordination@exemple.fr")
    group = group_create(name="Groupe test", theme="support", coordinator=coordinator,
                         member_cooperatives=[world.cae_a.pk], acting_user=world.user("network_staff"))
    meeting = meeting_schedule(group=group, starts_at=timezone.now() - timedelta(days=1), place="Lyon",
                               acting_user=coordinator)
    return {"group": group, "meeting": meeting, "coordinator": coordinator}


@pytest.mark.parametrize("value", ["abc", HUGE, "-1", ""])
def test_group_share_with_a_junk_resource_id_is_a_404(world, group, value):
    client = client_for(None, world.user("network_staff"))
    response = client.post(f"/groupes/{group['group'].pk}/partager/", {"resource": value})
    assert response.status_code == 404
    assert not group["group"].shared_resources.exists()


@pytest.mark.parametrize("data", [
    {"member_cooperatives": ["abc"]}, {"member_cooperatives": [HUGE]}, {"member_emails": "inconnu@exemple.fr"},
])
def test_group_members_junk_is_a_message_and_changes_nothing(world, group, data):
    client = client_for(None, world.user("network_staff"))
    response = client.post(f"/groupes/{group['group'].pk}/membres/", data, follow=True)
    assert response.status_code == 200
    assert list(group["group"].member_cooperatives.all()) == [world.cae_a]


@pytest.mark.parametrize("data", [
    {"present_users": ["abc"]}, {"present_users": [HUGE]}, {"present_cooperatives": ["x"]},
])
def test_meeting_record_junk_is_a_400_and_changes_nothing(world, group, data):
    client = client_for(None, group["coordinator"])
    response = client.post(f"/groupes/{group['group'].pk}/rencontres/{group['meeting'].pk}/",
                           {"minutes": "Synthèse", **data})
    assert response.status_code == 400
    assert GroupMeeting.objects.get(pk=group["meeting"].pk).minutes == ""


@pytest.mark.parametrize("starts_at", ["2026-02-30T10:00", "demain", "", "99999-01-01T10:00"])
def test_meeting_create_bad_date_is_a_message(world, group, starts_at):
    client = client_for(None, group["coordinator"])
    response = client.post(f"/groupes/{group['group'].pk}/rencontres/", {"starts_at": starts_at, "place": "Lyon"})
    assert response.status_code == 302
    assert GroupMeeting.objects.filter(group=group["group"]).count() == 1


@pytest.mark.parametrize("extra", [
    {"named_cooperatives": ["abc"], "visibility": "named"}, {"named_cooperatives": [HUGE], "visibility": "named"},
    {"visibility": "named"}, {"payload": "{pas du json"}, {"payload": "[1, 2]", "kind": "template"},
    {"payload": '{"journals": []}'}, {"kind": "alien"}, {"title": ""}, {"title": "x" * 500},
    {"url": "javascript:alert(1)", "file": None}, {"url": "https://exemple.fr/video"},
    {"author": "reseau"}, {"author": "abc"}, {"title": "Nul\x00"},
])
def test_propose_junk_is_a_400_and_writes_nothing(world, extra):
    from .helpers import pdf

    data = {"author": str(world.cae_a.pk), "title": "Proposition", "kind": "guide", "theme": "support",
            "sector": "all", "audience": "staff", "language": "fr", "summary": "Résumé.", "visibility": "network",
            "file": pdf()}
    data.update(extra)
    data = {k: v for k, v in data.items() if v is not None}
    response = client_for(None, world.user("director_a")).post("/ressources/proposer/", data)
    assert response.status_code == 400, extra
    assert not Resource.objects.exists()


def test_version_add_with_a_wrong_file_type_is_a_message(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    resource = make_resource(world, title="Guide A", author=world.cae_a)
    client = client_for(None, world.user("director_a"))
    for upload in (SimpleUploadedFile("script.pdf", b"#!/bin/sh\nrm -rf /"), SimpleUploadedFile("vide.pdf", b"")):
        response = client.post(f"/ressources/{resource.pk}/versions/", {"file": upload}, follow=True)
        assert response.status_code == 200
    assert resource.versions.count() == 1


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": "-1"}, {"page": HUGE}, {"page_size": "abc"}])
def test_api_groups_junk_pages_are_never_a_500(world, group, params):
    client = client_for(None, world.user("director_a"))
    for url in ("/api/v1/network/groups", f"/api/v1/network/groups/{group['group'].pk}/meetings"):
        response = client.get(url, params)
        assert response.status_code in (200, 404), (url, params)
        assert "code" in response.json() or "results" in response.json()


def test_group_members_emails_are_matched_whatever_their_case(world, group):
    client = client_for(None, world.user("network_staff"))
    client.post(f"/groupes/{group['group'].pk}/membres/", {
        "member_cooperatives": [world.cae_a.pk], "member_emails": "Coordination@Exemple.fr\ncoordination@exemple.fr"})
    assert list(group["group"].member_users.all()) == [group["coordinator"]]
