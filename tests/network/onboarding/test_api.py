"""Setup projects on the public API: network staff only, read-only, documented."""

from __future__ import annotations

from network.onboarding.services import partner_save
from tests.conftest import client_for

from .conftest import make_project


def test_staff_list_and_detail(project, world, django_assert_max_num_queries):
    partner_save(project=project, acting_user=world.user("network_staff"), data={
        "kind": "cress", "name": "CRESS Grand Est", "status": "in_discussion", "amount_requested": "5000"})
    for i in range(5):
        make_project(world, name=f"Projet {i}", founders=())
    client = client_for(None, world.user("network_staff"))
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/setup-projects")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 6
    row = next(r for r in results if r["id"] == project.pk)
    assert row["current_stage"] == "feasibility" and row["departments"] == ["08"] and row["mentor"] == "CAE Alpha"
    assert [s["key"] for s in row["stages"]][:2] == ["feasibility", "partners"]

    detail = client.get(f"/api/v1/setup-projects/{project.pk}").json()
    assert detail["partners"][0]["name"] == "CRESS Grand Est"
    assert detail["partners"][0]["amount_requested"] == "5000.00"
    assert len(detail["stages"][0]["tasks"]) == 4
    assert client.get("/api/v1/setup-projects?q=projet").json()["results"][0]["name"].startswith("Projet")
    assert client.get("/api/v1/setup-projects/999999").status_code == 404


def test_nobody_else_reads_it(project, world, founder):
    for user in (founder, world.user("director_a"), world.user("nobody"), None):
        client = client_for(None, user)
        for path in ("/api/v1/setup-projects", f"/api/v1/setup-projects/{project.pk}"):
            response = client.get(path)
            assert response.status_code in (401, 403), (user, path)
            assert response.json()["code"] in ("not_authenticated", "permission_denied")
            assert b"Meuse" not in response.content
    # not on a CAE's domain either, even for network staff
    assert client_for(world.cae_a).get("/api/v1/setup-projects").status_code in (401, 403, 404)


def test_read_only(project, world):
    client = client_for(None, world.user("network_staff"))
    assert client.post("/api/v1/setup-projects", {}).status_code in (403, 405)
    assert client.delete(f"/api/v1/setup-projects/{project.pk}").status_code in (403, 405)


def test_documented_in_the_public_openapi_schema(db):
    response = client_for(None).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/setup-projects" in schema["paths"]
    assert "/api/v1/setup-projects/{id}" in schema["paths"]
    assert client_for(None).get("/api/docs/").status_code == 200
