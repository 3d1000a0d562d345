"""Rate-table pages of the network staff on the public domain (/baremes-de-paie/): the list, a
table's parameters, loading a new year's file through the validating service (all or nothing,
replacing only on confirmation). CAE users, founders and anonymous visitors cannot; a CAE's
domain does not serve them."""

import copy
import datetime
import html as html_module
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from essaim.payrates.models import RateTable
from essaim.payrates.selectors import rates_for
from network.onboarding.models import ProjectMember
from network.onboarding.services import setup_project_create
from tests.conftest import client_for, host_of
from tests.factories import UserFactory

from .helpers import shipped_document

pytestmark = pytest.mark.django_db
URL = "/baremes-de-paie/"


def document_2027(**changes) -> dict:
    document = copy.deepcopy(shipped_document())
    document.update({"valid_from": "2027-01-01", "label": "Barème 2027 (essai)"} | changes)
    document["smic"]["hourly"] = "12.30"
    return document


def upload(document, name="fr-2027.json") -> SimpleUploadedFile:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return SimpleUploadedFile(name, data, content_type="application/json")


def snapshot():
    return list(RateTable.objects.order_by("valid_from").values_list("valid_from", "valid_to", "document", "source",
                                                                      "created_by"))


@pytest.fixture
def staff(world):
    return client_for(None, world.user("network_staff"))


def test_staff_list_and_read_a_table(world, staff):
    listing = staff.get(URL)
    html = listing.content.decode()
    table = RateTable.objects.get(valid_from=date(2026, 1, 1))
    assert listing.status_code == 200 and "01/01/2026" in html and "salarié non cadre" in html
    assert "platform/essaim/payrates/data/fr-2026.json" in html and "fichier livré avec Essaim" in html
    assert f'href="{URL}{table.pk}/"' in html
    detail = staff.get(f"{URL}{table.pk}/").content.decode()
    for text in ("SMIC horaire", "12,02 €", "1823,03 €", "4005 €", "35 h", "Tdelta", "FNAL 0,1 % : 0,3781",
                 "Sécurité sociale plafonnée", "tranche 1 (jusqu&#x27;à 1 PMSS)", "6,9 %", "8,55 %",
                 "AGIRC-ARRCO", "Assurance chômage et AGS", "brut plafonné à 4 PMSS", "moins de 11 salarié·es",
                 "réglages de la CAE", "Retraite", "CSG et CRDS"):
        assert text in detail, text
    downloaded = staff.get(f"{URL}{table.pk}/bareme.json")
    assert json.loads(downloaded.content) == table.document
    nav = re.search(r"<nav aria-label=.*?</nav>", listing.content.decode(), re.S).group(0)
    assert "Barèmes de paie" in nav


def test_staff_load_a_new_year_and_confirm_a_replacement(world, staff):
    response = staff.post(f"{URL}charger/", {"file": upload(document_2027()), "source": "Arrêté du 20/12/2026"})
    table = RateTable.objects.get(valid_from=date(2027, 1, 1))
    assert response.status_code == 302 and response["Location"] == f"{URL}{table.pk}/"
    assert (table.created_by, table.source) == (world.user("network_staff"), "Arrêté du 20/12/2026")
    assert RateTable.objects.get(valid_from=date(2026, 1, 1)).valid_to == date(2026, 12, 31)
    assert rates_for(date(2027, 2, 1)).smic_hourly == Decimal("12.30")
    assert "Barème chargé : valable du 01/01/2027" in staff.get(response["Location"]).content.decode()

    # Same start date: nothing is replaced without a confirmation…
    before = snapshot()
    corrected = document_2027(label="Barème 2027 corrigé")
    asked = staff.post(f"{URL}charger/", {"file": upload(corrected)})
    html = asked.content.decode()
    assert asked.status_code == 409 and "Un barème commence déjà le 01/01/2027" in html
    assert "Barème 2027 (essai)" in html and "Barème 2027 corrigé" in html
    assert snapshot() == before
    # …which sends the same document back, validated again.
    sent_back = re.search(r'name="document" value="([^"]*)"', html).group(1)
    assert json.loads(html_module.unescape(sent_back)) == corrected
    confirmed = staff.post(f"{URL}charger/", {"document": html_module.unescape(sent_back), "replace": "1",
                                              "file_name": "fr-2027.json"})
    assert confirmed.status_code == 302
    assert rates_for(date(2027, 2, 1)).label == "Barème 2027 corrigé"
    assert RateTable.objects.filter(valid_from=date(2027, 1, 1)).count() == 1
    assert RateTable.objects.get(valid_from=date(2027, 1, 1)).source == "Fichier fr-2027.json"


def _bad_line(document):
    document["lines"][3]["block"] = "sant"
    return document


@pytest.mark.parametrize(("data", "name", "message"), [
    (_bad_line(document_2027()), "fr-2027.json", "« lines[3].block » doit valoir l&#x27;un de"),
    ({**document_2027(), "working_time": {"source": "x"}}, "fr-2027.json",
     "« working_time.legal_weekly_hours » est obligatoire"),
    (b'{"format": 1,', "fr-2027.json", "JSON invalide dans « fr-2027.json », ligne 1"),
    (b'{"format": NaN}', "fr-2027.json", "n&#x27;est pas une valeur JSON"),
    (b'{"format": 1, "label": "\\u0000"}', "fr-2027.json", "caractère nul"),
    (b"[1, 2]", "fr-2027.json", "« document » doit être un objet JSON"),
    ("é".encode("latin-1") * 10, "fr-2027.json", "n&#x27;est pas un texte UTF-8"),
    (document_2027(), "fr-2027.xlsx", "n&#x27;est pas un barème JSON"),
    (b" " * (1024 * 1024 + 1), "fr-2027.json", "dépasse 1024 Ko"),
    (document_2027(valid_from="2026-07-01"), "fr-2026-07.json", None),
])
def test_a_bad_file_is_refused_in_french_and_writes_nothing(world, staff, data, name, message):
    if message is None:  # would overlap the table loaded first
        staff.post(f"{URL}charger/", {"file": upload(document_2027())})
        message = "chevaucherait celui du 01/01/2027"
    before = snapshot()
    response = staff.post(f"{URL}charger/", {"file": upload(data, name), "replace": "1"})
    html = response.content.decode()
    assert response.status_code == 400 and message in html, html[html.find("errorlist") - 20:][:400]
    assert snapshot() == before


def test_no_file_is_explained(staff):
    response = staff.post(f"{URL}charger/", {"source": "rien"})
    assert response.status_code == 400 and "Choisissez le fichier JSON du barème" in response.content.decode()


@pytest.fixture
def founder(world):
    project = setup_project_create(name="CAE Vallée de la Meuse", region="44", departments="08", mentor=world.cae_a,
                                   expected_entrepreneurs=40, acting_user=world.user("network_staff"),
                                   today=datetime.date(2026, 1, 5))
    user = UserFactory(email="fondatrice@meuse.fr")
    ProjectMember.objects.create(project=project, user=user, role=ProjectMember.Role.FOUNDER)
    return user


def _paths() -> list[str]:
    table = RateTable.objects.get(valid_from=date(2026, 1, 1))
    return [URL, f"{URL}{table.pk}/", f"{URL}{table.pk}/bareme.json", f"{URL}charger/"]


@pytest.mark.parametrize("who", ["director_a", "accounts_a", "entrepreneur_a", "nobody", "founder"])
def test_cae_users_and_founders_cannot(world, founder, who):
    user = founder if who == "founder" else world.user(who)
    client = client_for(None, user)
    before = snapshot()
    for path in _paths():
        response = client.get(path)
        assert response.status_code == 403 and b"0.3781" not in response.content, path
    assert client.post(f"{URL}charger/", {"file": upload(document_2027())}).status_code == 403
    assert snapshot() == before
    nav = client.get("/").content.decode()
    assert "Barèmes de paie" not in nav


def test_anonymous_is_sent_to_login(world):
    anonymous = Client(HTTP_HOST=host_of(None))
    for path in _paths():
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/?next="), path
    assert anonymous.post(f"{URL}charger/", {"file": upload(document_2027())}).status_code == 302
    assert not RateTable.objects.filter(valid_from=date(2027, 1, 1)).exists()


def test_not_on_a_cae_domain(world):
    director = client_for(world.cae_a, world.user("director_a"))
    staff_there = Client(HTTP_HOST=host_of(world.cae_a))
    staff_there.force_login(world.user("network_staff"))
    for client in (director, staff_there, Client(HTTP_HOST=host_of(world.cae_a))):
        for path in _paths():
            response = client.get(path)
            assert response.status_code in (302, 404) and b"0.3781" not in response.content, path
            if response.status_code == 302:
                assert response["Location"].startswith("/connexion/")
        assert client.post(f"{URL}charger/", {"file": upload(document_2027())}).status_code in (302, 403, 404)
    assert director.get(URL).status_code == 404
    assert not RateTable.objects.filter(valid_from=date(2027, 1, 1)).exists()


def test_the_admin_stays_the_network_admins(world):
    """The staff's page does not open the Django admin to them (test_rates keeps the admin's tests)."""
    assert client_for(None, world.user("network_staff")).get("/admin/payrates/ratetable/").status_code == 302
    assert client_for(None, world.user("network_admin")).get(URL).status_code == 200
