"""« Modèles du réseau » through its pages: the four lists with search and pagination, the
director's edits and deletions surviving a re-install of the template, document models read and
downloaded by staff, the settings a template set shown read-only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from essaim.audit.models import AuditEntry
from network.resources.templates import templates_install
from tenants.activity.contributions import contribution_rate_set
from tenants.catalogue.models import AccountLabel, DocumentModel, InstalledItem, JournalLabel, WorkshopModel
from tests.conftest import client_for, tenant_context

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_the_lists_show_what_the_template_installed(world, installed):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    home = client.get("/modeles/")
    assert home.status_code == 200
    html = home.content.decode()
    assert "Catalogue des ateliers" in html and "2 éléments" in html
    workshops = client.get("/modeles/ateliers/").content.decode()
    assert "Gérer sa trésorerie" in workshops and "Prospecter ses premiers clients" in workshops
    assert workshops.count("reçu du réseau") == 2
    assert "Convention CAPE" in client.get("/modeles/documents/").content.decode()
    assert "Prestations de services des activités" in client.get("/modeles/comptes/").content.decode()
    assert "Opérations diverses" in client.get("/modeles/journaux/").content.decode()
    # a counsellor reads but has no edit links; the director has them
    assert "/modifier/" not in workshops and "Programmer" in workshops
    director = client_for(world.cae_a, world.user("director_a")).get("/modeles/ateliers/").content.decode()
    assert f"/modeles/ateliers/{installed['prospection'].pk}/modifier/" in director


def test_the_index_names_the_installed_template(world, kit, installed):
    html = client_for(world.cae_a, world.user("director_a")).get("/modeles/").content.decode()
    assert f"Modèle n° {kit.pk}" in html
    assert f"/ressources/{kit.pk}/" in html


def test_search_facet_and_pagination(world, installed):
    with tenant_context(world.cae_a):
        WorkshopModel.objects.bulk_create([
            WorkshopModel(key=f"atelier-{i:02d}", title=f"Atelier numéro {i:02d}", theme="it", capacity=8)
            for i in range(30)])
    client = client_for(world.cae_a, world.user("accounts_a"))
    # accents and case ignored, every word required
    found = _rows(client.get("/modeles/ateliers/", {"q": "TRESORERIE"}).content.decode())
    assert len(found) == 1 and "Gérer sa trésorerie" in found[0]
    assert len(_rows(client.get("/modeles/ateliers/", {"q": "trésorerie clients"}).content.decode())) == 1
    assert "Aucun élément ne correspond" in client.get("/modeles/ateliers/", {"q": "zzz"}).content.decode()
    # the theme facet; an unknown theme is no filter
    sales = _rows(client.get("/modeles/ateliers/", {"theme": "sales"}).content.decode())
    assert len(sales) == 1 and "Prospecter" in sales[0]
    assert "32 éléments" in client.get("/modeles/ateliers/", {"theme": "n-importe-quoi"}).content.decode()
    # 32 items, 25 a page; the search is kept in the page links
    first = client.get("/modeles/ateliers/").content.decode()
    assert len(_rows(first)) == 25 and "Page 1 sur 2" in first
    assert len(_rows(client.get("/modeles/ateliers/", {"page": "2"}).content.decode())) == 7
    assert "Page 2 sur 2" in client.get("/modeles/ateliers/", {"page": "9999999999"}).content.decode()
    assert "Page 1 sur 2" in client.get("/modeles/ateliers/", {"page": "²"}).content.decode()
    numbered = client.get("/modeles/ateliers/", {"q": "atelier numero", "theme": "it"}).content.decode()
    assert "?q=atelier+numero&amp;theme=it&amp;page=2" in numbered
    # documents are searched in their text too
    assert "Convention CAPE" in client.get("/modeles/documents/", {"q": "porteur"}).content.decode()
    assert "706100" in client.get("/modeles/comptes/", {"q": "706"}).content.decode()


def test_list_query_count_does_not_grow_with_items(world, installed, django_assert_num_queries):
    client = client_for(world.cae_a, world.user("director_a"))
    client.get("/modeles/ateliers/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get("/modeles/ateliers/")
    with tenant_context(world.cae_a):
        WorkshopModel.objects.bulk_create([WorkshopModel(key=f"a-{i}", title=f"A {i}", theme="it") for i in range(20)])
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/modeles/ateliers/")


def test_a_director_edit_survives_a_reinstall(world, kit, installed):
    pk = installed["prospection"].pk
    director = client_for(world.cae_a, world.user("director_a"))
    form = director.get(f"/modeles/ateliers/{pk}/modifier/").content.decode()
    assert 'value="Prospecter ses premiers clients"' in form
    response = director.post(f"/modeles/ateliers/{pk}/modifier/", {
        "title": "Prospecter à Reims", "theme": "sales", "duration_minutes": "120", "capacity": "8",
        "description": "Version de la CAE.", "key": "pirate"})
    assert response.status_code == 302
    report = templates_install(cooperative=world.cae_a, resources=[kit], acting_user=world.user("director_a"))
    assert report.total_created == 0
    html = director.get("/modeles/ateliers/").content.decode()
    row = next(r for r in _rows(html) if "Prospecter" in r)
    assert "Prospecter à Reims" in row and "Prospecter ses premiers clients" not in html
    assert "reçu du réseau" in row and "modifié par la CAE le" in row
    with tenant_context(world.cae_a):
        item = WorkshopModel.objects.get(pk=pk)
        assert (item.key, item.title, item.duration_minutes, item.capacity) == ("prospection", "Prospecter à Reims",
                                                                                  120, 8)
        assert item.edited_at is not None
        assert InstalledItem.objects.filter(kind="workshop").count() == 2
        assert AuditEntry.objects.filter(action="catalogue_item_update", target="workshop:prospection").exists()
    untouched = next(r for r in _rows(html) if "trésorerie" in r)
    assert "modifié par la CAE" not in untouched


def test_a_deleted_item_is_not_brought_back(world, kit, installed):
    pk = installed["cape"].pk
    director = client_for(world.cae_a, world.user("director_a"))
    confirm = director.get(f"/modeles/documents/{pk}/supprimer/")
    assert confirm.status_code == 200 and "ne sera pas réinstallé" in confirm.content.decode()
    with tenant_context(world.cae_a):
        assert DocumentModel.objects.filter(pk=pk).exists(), "a GET deletes nothing"
    deleted = director.post(f"/modeles/documents/{pk}/supprimer/", follow=True)
    assert "« Convention CAPE » supprimé." in deleted.content.decode()
    templates_install(cooperative=world.cae_a, resources=[kit], acting_user=world.user("network_staff"))
    listing = director.get("/modeles/documents/").content.decode()
    assert "Convention CAPE" not in listing and "Aucun modèle de document." in listing
    assert "1 élément reçu du réseau supprimé par la CAE" in director.get("/modeles/").content.decode()
    with tenant_context(world.cae_a):
        assert not DocumentModel.objects.exists()


def test_an_item_the_cae_made_first_is_left_alone(world, kit):
    director = client_for(world.cae_a, world.user("director_a"))
    response = director.post("/modeles/comptes/nouveau/", {"number": "706100", "label": "Ventes de la CAE"})
    assert response.status_code == 302
    templates_install(cooperative=world.cae_a, resources=[kit], acting_user=world.user("network_staff"))
    row = next(r for r in _rows(director.get("/modeles/comptes/").content.decode()) if "706100" in r)
    assert "Ventes de la CAE" in row and "propre à la CAE" in row
    with tenant_context(world.cae_a):
        assert AccountLabel.objects.get(number="706100").label == "Ventes de la CAE"
        assert InstalledItem.objects.get(kind="account", key="706100").created is False


def test_the_director_adds_items_of_every_kind(world, db):
    director = client_for(world.cae_a, world.user("director_a"))
    posts = {
        "ateliers": {"key": "assurances-rc", "title": "Assurances et RC pro", "theme": "insurance",
                     "duration_minutes": "90", "capacity": "15", "description": ""},
        "documents": {"key": "courrier-accueil", "title": "Courrier d'accueil", "kind": "letter",
                      "body": "Bienvenue dans la coopérative."},
        "comptes": {"number": "  411000 ", "label": "Clients"},
        "journaux": {"code": "bq", "label": "Banque"},
    }
    for section, data in posts.items():
        response = director.post(f"/modeles/{section}/nouveau/", data)
        assert response.status_code == 302, (section, response.content.decode()[:2000])
    with tenant_context(world.cae_a):
        assert AccountLabel.objects.filter(number="411000").exists()
        assert JournalLabel.objects.get(code="BQ").label == "Banque"
        assert WorkshopModel.objects.get(key="assurances-rc").capacity == 15
    assert "Courrier d&#x27;accueil" in director.get("/modeles/documents/").content.decode()


def test_document_models_are_read_and_downloaded_by_staff(world, installed):
    pk = installed["cape"].pk
    for role in ("director_a", "counsellor_a", "accounts_a"):
        client = client_for(world.cae_a, world.user(role))
        page = client.get(f"/modeles/documents/{pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Convention CAPE" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)</script>" not in html
        download = client.get(f"/modeles/documents/{pk}/telecharger/")
        assert download.status_code == 200
        assert download["Content-Type"] == "text/plain; charset=utf-8"
        assert download["Content-Disposition"] == 'attachment; filename="convention-cape.txt"'
        assert download["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in download["Cache-Control"]
        assert download.content.decode("utf-8").startswith("Convention CAPE\n\nEntre la coopérative")


def test_settings_page_shows_what_the_template_set_read_only(world, kit, installed):
    director = client_for(world.cae_a, world.user("director_a"))
    html = director.get("/modeles/reglages/").content.decode()
    assert re.search(r'data-setting="cesa_requires_first_revenue">Non<', html)
    assert re.search(r'data-setting="retention_years">6 ans<', html)
    assert f"Reçus du modèle du réseau n° {kit.pk}" in html
    assert "11,50 %" in html and 'href="/activite/taux-de-contribution/"' in html
    assert "<form method=\"post\"" not in html.split("<main", 1)[1], "read-only: no form in the page"
    assert director.post("/modeles/reglages/", {"retention_years": "1"}).status_code == 405
    counsellor = client_for(world.cae_a, world.user("counsellor_a")).get("/modeles/reglages/").content.decode()
    assert "Modifier les taux de contribution" not in counsellor
    assert "Modifier les taux de contribution" in html
    # before any install the page shows the defaults and says nothing was received
    other = client_for(world.cae_b, world.user("director_b")).get("/modeles/reglages/").content.decode()
    assert re.search(r'data-setting="cesa_requires_first_revenue">Oui<', other)
    assert "Reçus du modèle" not in other


def test_settings_page_says_when_the_cae_kept_its_own_rate(world, kit):
    with tenant_context(world.cae_b):
        contribution_rate_set(valid_from=timezone.localdate(), rate="9.00", note="Taux voté en AG",
                              acting_user=world.user("director_b"))
    templates_install(cooperative=world.cae_b, resources=[kit], acting_user=world.user("network_staff"))
    html = client_for(world.cae_b, world.user("director_b")).get("/modeles/reglages/").content.decode()
    assert "9,00 %" in html and "n&#x27;a pas été appliqué" not in html
    assert "n'a pas été appliqué : la CAE avait déjà fixé le sien." in html
    assert re.search(r'data-setting="retention_years">6 ans<', html)


@pytest.mark.parametrize(("role", "shown"), [("director_a", True), ("counsellor_a", True), ("accounts_a", True),
                                             ("entrepreneur_a", False)])
def test_navigation_link(world, db, role, shown):
    html = client_for(world.cae_a, world.user(role)).get("/").content.decode()
    nav = re.search(r"<nav aria-label=.*?</nav>", html, re.S).group(0)
    assert ('href="/modeles/"' in nav) is shown
