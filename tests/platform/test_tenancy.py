from django.db import connection

from essaim.cooperatives.models import Domain
from tests.conftest import client_for


def test_cae_host_serves_its_cooperative(world, db):
    client = client_for(world.cae_a, world.user("director_a"))
    response = client.get("/")
    assert response.status_code == 200
    assert "CAE Alpha" in response.content.decode()


def test_member_of_a_cannot_log_in_to_b(world, db):
    client = client_for(world.cae_b)
    response = client.post("/connexion/", {"username": "director.a@exemple.fr", "password": "motdepasse-de-test-2026"})
    assert response.status_code == 200
    assert "pas membre de cette coopérative" in response.content.decode()


def test_domains_are_generated(world, db):
    assert Domain.objects.get(tenant=world.cae_a).domain == "alpha.localhost"
    assert world.cae_a.schema_name == f"cae_{world.cae_a.pk}"
    assert connection.schema_name == "public"
