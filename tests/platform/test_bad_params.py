"""Junk in query strings and form fields is answered, never a 500: numbers through
essaim.core.params, NUL characters refused at the edge (RejectNulMiddleware)."""

import pytest
from django.utils import timezone

from essaim.core.params import int_param, year_param
from tests.conftest import client_for, tenant_context
from tests.factories import make_customer, make_person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("value", "expected"), [
    ("12", 12), (" 7 ", 7), ("0", 0), ("²", None), ("١٢", None), ("-3", None), ("1.5", None), ("", None),
    (None, None), ("9" * 40, None), ("abc", None),
])
def test_int_param(value, expected):
    assert int_param(value) == expected


def test_year_param_bounds():
    this_year = timezone.localdate().year
    assert year_param("2031") == 2031
    assert year_param("1999") == year_param("2101") == year_param("²") == this_year


@pytest.mark.parametrize("url", [
    "/comptabilite/balance/?annee=²", "/personnes/?site=²&conseiller=%C2%B2",
    "/accompagnement/?site=²", "/activite/factures/?entrepreneur=²", "/activite/devis/?entrepreneur=9999999999999999999",
])
def test_junk_numbers_fall_back_to_the_default(world, url):
    client = client_for(world.cae_a, world.user("director_a"))
    assert client.get(url).status_code == 200


def test_junk_year_on_the_activity_account(world):
    with tenant_context(world.cae_a):
        make_person(user=world.user("entrepreneur_a"))
    client = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert client.get("/activite/compte/?annee=²").status_code == 200


def test_a_nul_character_is_refused_in_french_and_writes_nothing(world):
    from tenants.activity.models import Customer

    with tenant_context(world.cae_a):
        person = make_person(user=world.user("entrepreneur_a"))
        make_customer(person, "Client existant")
        before = Customer.objects.count()
    client = client_for(world.cae_a, world.user("entrepreneur_a"))
    page = client.get("/activite/factures/?q=a\x00b")
    assert page.status_code == 400 and "NUL" in page.content.decode() and "« q »" in page.content.decode()
    posted = client.post("/activite/clients/", {"kind": "individual", "name": "Nul\x00Client"})
    assert posted.status_code == 400
    with tenant_context(world.cae_a):
        assert Customer.objects.count() == before


def test_a_nul_character_in_the_api_gets_the_error_shape(world):
    response = client_for(world.cae_a).get("/api/v1/invoices?kind=\x00")
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character" and response.json()["field"] == "kind"


def test_only_views_that_read_their_own_body_skip_the_nul_check_of_the_form(world):
    """RejectNulMiddleware leaves the body of a `reads_own_body` upload view alone (it refuses an
    oversized file from its length, and its Django form refuses NUL itself); every other view's
    form, multipart and large included, is checked at the edge."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = b"{" + b" " * 3_000_000 + b"}"  # above FILE_UPLOAD_MAX_MEMORY_SIZE: spooled to disk if read
    staff = client_for(None, world.user("network_staff"))
    checked = staff.post("/baremes-de-paie/charger/", {"source": "Nul\x00", "document": SimpleUploadedFile("t.json", big)})
    assert checked.status_code == 400 and "« source »" in checked.content.decode()
    director = client_for(None, world.user("director_a"))
    own = director.post("/ressources/proposer/", {"title": "Nul\x00", "file": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert own.status_code != 500 and "Caractère invalide (NUL)" not in own.content.decode()
