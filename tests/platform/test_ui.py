"""The UI shell through HTTP: login, navigation per role, API keys page, network home, English."""

import re

import pytest

from api.keys.models import ApiKey
from tests.conftest import client_for, tenant_context
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_lands_on_home(world):
    client = client_for(world.cae_a)
    response = client.post("/connexion/", {"username": "director.a@exemple.fr", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "CAE Alpha" in response.content.decode()


def test_wrong_password_is_explained_in_french(world):
    response = client_for(world.cae_a).post("/connexion/", {"username": "director.a@exemple.fr", "password": "non"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()


def test_anonymous_is_sent_to_login(world):
    response = client_for(world.cae_a).get("/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("director_a", ["Clés d&#x27;API", "Personnes"], ["Mon parcours"]),
        ("counsellor_a", ["Personnes"], ["Clés d&#x27;API", "Mon parcours"]),
        ("entrepreneur_a", ["Mon parcours"], ["Clés d&#x27;API", "Personnes"]),
    ],
)
def test_navigation_per_role(world, role, present, absent):
    html = client_for(world.cae_a, world.user(role)).get("/").content.decode()
    nav = re.search(r"<nav aria-label=.*?</nav>", html, re.S).group(0)
    for label in present:
        assert label in nav
    for label in absent:
        assert label not in nav


def test_director_creates_and_revokes_an_api_key(world):
    client = client_for(world.cae_a, world.user("director_a"))
    response = client.post("/cles-api/", {"name": "Cabinet Dupont", "scopes": ["ledger:read", "activity:read"]},
                           follow=True)
    html = response.content.decode()
    secret = re.search(r'id="new-secret">(essaim_[^<]+)<', html).group(1)
    with tenant_context(world.cae_a):
        key = ApiKey.objects.get(name="Cabinet Dupont")
        assert secret.split("_")[2] not in key.key_hash
    assert secret not in client.get("/cles-api/").content.decode(), "the secret is shown once"
    client.post(f"/cles-api/{key.pk}/revoquer/")
    with tenant_context(world.cae_a):
        key.refresh_from_db()
        assert key.revoked_at is not None


def test_api_key_form_errors_in_french_and_nothing_written(world):
    client = client_for(world.cae_a, world.user("director_a"))
    response = client.post("/cles-api/", {"name": "Sans portée"})
    assert response.status_code == 400
    assert "Choisissez au moins une portée." in response.content.decode()
    with tenant_context(world.cae_a):
        assert not ApiKey.objects.filter(name="Sans portée").exists()


def test_api_keys_page_is_for_directors_of_this_cae_only(world):
    with tenant_context(world.cae_a):
        from api.keys.services import apikey_create

        key, _ = apikey_create(name="Clé de A", scopes=["ledger:read"], acting_user=world.user("director_a"))
    assert client_for(world.cae_a, world.user("counsellor_a")).get("/cles-api/").status_code == 403
    page_b = client_for(world.cae_b, world.user("director_b")).get("/cles-api/")
    assert page_b.status_code == 200 and "Clé de A" not in page_b.content.decode()
    assert client_for(world.cae_b, world.user("director_b")).post(f"/cles-api/{key.pk}/revoquer/").status_code == 404


def test_api_key_list_query_count_is_constant(world, django_assert_max_num_queries):
    from api.keys.services import apikey_create

    with tenant_context(world.cae_a):
        for i in range(30):
            apikey_create(name=f"Clé {i}", scopes=["ledger:read"], acting_user=world.user("director_a"))
    client = client_for(world.cae_a, world.user("director_a"))
    with django_assert_max_num_queries(12):
        response = client.get("/cles-api/?q=Cl%C3%A9&page=2")
    assert response.status_code == 200 and "Page 2 sur 2" in response.content.decode()


def test_network_home(world):
    anonymous = client_for(None).get("/").content.decode()
    assert "<svg" not in anonymous and "CAE Alpha" not in anonymous
    staff = client_for(None, world.user("network_staff")).get("/").content.decode()
    assert '<svg class="chart"' in staff and "Grand Est" in staff
    member = client_for(None, world.user("director_a")).get("/").content.decode()
    assert "http://alpha.localhost/" in member and "CAE Bêta" not in member


def test_english_is_available(world):
    client = client_for(world.cae_a, world.user("director_a"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Log out" in html and "Se déconnecter" not in html


def test_french_first_whatever_the_browser_says(world):
    client = client_for(world.cae_a, world.user("director_a"))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="fr"' in html and "Se déconnecter" in html
