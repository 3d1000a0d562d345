"""Bad input on the catalogue pages: French messages naming the field, a 400, nothing written
(neither the item, nor its « edited » mark, nor an audit entry); unknown ids and sections are
404; junk query strings fall back to defaults."""

import pytest

from essaim.audit.models import AuditEntry
from tenants.catalogue.models import AccountLabel, DocumentModel, JournalLabel, WorkshopModel
from tests.conftest import client_for, tenant_context

pytestmark = pytest.mark.django_db


def _counts():
    return (WorkshopModel.objects.count(), DocumentModel.objects.count(), AccountLabel.objects.count(),
            JournalLabel.objects.count(), AuditEntry.objects.filter(action__startswith="catalogue_").count())


@pytest.mark.parametrize(("data", "message"), [
    ({"title": "", "theme": "sales", "duration_minutes": "150", "capacity": "10"}, "Ce champ est obligatoire."),
    ({"title": "X", "theme": "sales", "duration_minutes": "10", "capacity": "10"},
     "supérieure ou égale à 15"),
    ({"title": "X", "theme": "sales", "duration_minutes": "150", "capacity": "dix"}, "Saisissez un nombre entier."),
    ({"title": "X", "theme": "sales", "duration_minutes": "150", "capacity": "0"}, "supérieure ou égale à 1"),
    ({"title": "X", "theme": "sales", "duration_minutes": "150", "capacity": "501"}, "inférieure ou égale à 500"),
    ({"title": "X", "theme": "astrologie", "duration_minutes": "150", "capacity": "10"},
     "Sélectionnez un choix valide"),
    ({"title": "X" * 201, "theme": "sales", "duration_minutes": "150", "capacity": "10"}, "au plus 200 caractères"),
])
def test_a_refused_edit_writes_nothing(world, installed, data, message):
    pk = installed["prospection"].pk
    with tenant_context(world.cae_a):
        before = _counts()
    response = client_for(world.cae_a, world.user("director_a")).post(f"/modeles/ateliers/{pk}/modifier/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(world.cae_a):
        item = WorkshopModel.objects.get(pk=pk)
        assert (item.title, item.capacity, item.duration_minutes, item.edited_at) == (
            "Prospecter ses premiers clients", 10, 150, None)
        assert _counts() == before


@pytest.mark.parametrize(("section", "data", "message"), [
    ("comptes", {"number": "906100", "label": "Hors plan"}, "Numéro de compte invalide."),
    ("comptes", {"number": "706100", "label": "Doublon"}, "existe déjà"),
    ("comptes", {"number": "411000", "label": ""}, "Ce champ est obligatoire."),
    ("journaux", {"code": "O", "label": "Trop court"}, "Code de journal invalide."),
    ("journaux", {"code": "od", "label": "Doublon en minuscules"}, "existe déjà"),
    ("ateliers", {"key": "Mon Atelier", "title": "X", "theme": "it", "duration_minutes": "60", "capacity": "5"},
     "minuscules, chiffres et tirets"),
    ("ateliers", {"key": "prospection", "title": "X", "theme": "it", "duration_minutes": "60", "capacity": "5"},
     "existe déjà"),
    ("documents", {"key": "lettre", "title": "Lettre", "kind": "cape", "body": ""}, "Ce champ est obligatoire."),
    ("documents", {"key": "lettre", "title": "Lettre", "kind": "roman", "body": "Texte"},
     "Sélectionnez un choix valide"),
])
def test_a_refused_creation_writes_nothing(world, installed, section, data, message):
    with tenant_context(world.cae_a):
        before = _counts()
    response = client_for(world.cae_a, world.user("director_a")).post(f"/modeles/{section}/nouveau/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(world.cae_a):
        assert _counts() == before


def test_the_natural_key_cannot_be_changed(world, installed):
    """The key is how templates know an item: a posted key is ignored, not applied."""
    pk = installed["journal"].pk
    client = client_for(world.cae_a, world.user("director_a"))
    assert 'name="code"' not in client.get(f"/modeles/journaux/{pk}/modifier/").content.decode()
    client.post(f"/modeles/journaux/{pk}/modifier/", {"code": "XX", "label": "Opérations diverses (CAE)"})
    with tenant_context(world.cae_a):
        journal = JournalLabel.objects.get(pk=pk)
        assert (journal.code, journal.label) == ("OD", "Opérations diverses (CAE)")


def test_an_unchanged_edit_is_not_marked(world, installed):
    pk = installed["account"].pk
    client = client_for(world.cae_a, world.user("director_a"))
    client.post(f"/modeles/comptes/{pk}/modifier/", {"label": "Prestations de services des activités"})
    with tenant_context(world.cae_a):
        assert AccountLabel.objects.get(pk=pk).edited_at is None
        assert not AuditEntry.objects.filter(action="catalogue_item_update").exists()


def test_unknown_ids_and_sections_are_404(world, installed):
    client = client_for(world.cae_a, world.user("director_a"))
    for path in ("/modeles/ateliers/999999/modifier/", "/modeles/documents/999999/",
                 "/modeles/documents/99999999999999999999/telecharger/", "/modeles/comptes/0/supprimer/",
                 "/modeles/recettes/", "/modeles/recettes/nouveau/", "/modeles/ateliers/abc/modifier/",
                 f"/modeles/ateliers/{installed['cape'].pk + 1000}/supprimer/"):
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code in ((405,) if path.startswith("/modeles/documents/") else (404,)), path
    # a document's id is not a workshop's
    with tenant_context(world.cae_a):
        assert not WorkshopModel.objects.filter(pk=installed["cape"].pk + 1000).exists()


def test_junk_query_strings_fall_back(world, installed):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    for params in ({"page": "-1"}, {"page": "1e9"}, {"page": "99999999999999999999999"}, {"q": "é" * 5000},
                   {"theme": "<script>"}, {"q": "%_\\"}):
        response = client.get("/modeles/ateliers/", params)
        assert response.status_code == 200, params
        assert "<script>" not in response.content.decode().split("<main", 1)[1], params
    assert client.get("/modeles/ateliers/", {"q": "a\x00b"}).status_code == 400  # NUL refused at the edge
    assert client.delete("/modeles/ateliers/").status_code == 405
