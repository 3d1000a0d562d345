"""Importing people: a broken file reports every error and writes nothing; a clean file imports;
re-importing it creates no duplicates; garbage never crashes."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from essaim.core.errors import AppError
from tenants.people.importing import people_import, preview, read_table
from tenants.people.models import Entrepreneur, Journey, Site
from tests.conftest import client_for, tenant_context
from tests.factories import TEST_ACTOR

pytestmark = pytest.mark.django_db

GOOD = (
    "Prénom;Nom;Genre;Date de naissance;E-mail;Site;Code NAF;Situation;Date d'entrée\n"
    "Léa;Martin;F;12/03/1988;lea.martin@exemple.fr;Épernay;74.10Z;Demandeur d'emploi;05/01/2026\n"
    "Karim;Benali;M;1979-11-02;karim@exemple.fr;epernay;43.32A;RSA;\n"
    "Zoé;Petit;X;;;Épernay;;;\n"
)
BROKEN = (
    "prenom,nom,genre,naissance,email,site,naf\n"
    "Léa,Martin,F,31/02/1988,lea@exemple.fr,Épernay,74.10Z\n"      # impossible date
    "Karim,Benali,M,02/11/1979,lea@exemple.fr,Épernay,43.32A\n"     # duplicate e-mail in the file
    "Zoé,Petit,F,01/01/1990,zoe@exemple.fr,Troyes,62.01Z\n"         # unknown site
    "Noé,Roux,F,01/01/1990,noe@exemple.fr,Épernay,6201Z\n"          # invalid NAF
    "Eva,Blanc,Q,01/01/1990,pas-un-email,Épernay,62.01Z\n"          # bad gender and e-mail
    "Ana,Vidal,F,01/01/1991,ana@exemple.fr,Épernay,62.01Z\n"        # fine
)


@pytest.fixture
def site(in_cae_a):
    return Site.objects.create(name="Épernay", kind="outreach", city="Épernay", department="51")


def test_broken_file_reports_every_error_and_writes_nothing(site):
    result = preview(read_table("personnes.csv", BROKEN.encode()))
    errors = {row.line: row.errors for row in result.rows}
    assert "date invalide « 31/02/1988 » (JJ/MM/AAAA)" in errors[2]
    assert "e-mail en double dans le fichier (ligne 2)" in errors[3]
    assert "site inconnu « Troyes »" in errors[4]
    assert "code NAF invalide « 6201Z » (ex. 62.01Z)" in errors[5]
    assert any("genre inconnu" in e for e in errors[6]) and any("e-mail invalide" in e for e in errors[6])
    assert errors[7] == []
    with pytest.raises(AppError) as exc:
        people_import(result=result, acting_user=TEST_ACTOR)
    assert "5 ligne(s) en erreur" in exc.value.message
    assert Entrepreneur.objects.count() == 0
    assert people_import(result=result, only_valid=True, acting_user=TEST_ACTOR) == 1
    assert list(Entrepreneur.objects.values_list("first_name", flat=True)) == ["Ana"]


def test_good_file_imports_and_reimport_creates_no_duplicates(site):
    result = preview(read_table("personnes.csv", GOOD.encode("utf-8")))
    assert [r.errors for r in result.rows] == [[], [], []]
    assert people_import(result=result, acting_user=TEST_ACTOR) == 3
    lea = Entrepreneur.objects.get(email="lea.martin@exemple.fr")
    assert lea.site == site and lea.entry_situation == "job_seeker"
    assert Journey.objects.get(entrepreneur=lea).opened_on.isoformat() == "2026-01-05"
    again = preview(read_table("personnes.csv", GOOD.encode("utf-8")))
    assert len(again.duplicates) == 3 and again.valid == []
    assert people_import(result=again, acting_user=TEST_ACTOR) == 0
    assert Entrepreneur.objects.count() == 3


def test_xlsx_and_latin1_csv(site):
    book = Workbook()
    sheet = book.active
    sheet.append(["Prénom", "Nom", "Genre", "Site"])
    sheet.append(["Jeanne", "Durand", "F", "Épernay"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert preview(read_table("x.xlsx", buffer.getvalue())).rows[0].errors == []
    latin = "Prénom;Nom;Genre;Site\nHélène;Fèvre;F;Épernay\n".encode("latin-1")
    assert preview(read_table("x.csv", latin)).rows[0].values["first_name"] == "Hélène"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.pdf", b"%PDF-1.4", "Formats acceptés"),
        ("x.xlsx", b"not a zip", "pas un classeur"),
        ("x.csv", b"", "vide"),
        ("x.csv", b"nom;genre\nA;F\n", "Colonnes obligatoires absentes : prénom, site."),
    ],
)
def test_bad_files_are_refused_in_french(site, name, content, message):
    with pytest.raises(AppError, match=message):
        preview(read_table(name, content))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=6), max_size=8))
def test_garbage_never_crashes(site, table):
    try:
        result = preview([["prénom", "nom", "genre", "site"], *table])
    except AppError:
        return
    for row in result.rows:
        assert row.ok or row.errors


def test_import_through_the_page(world, site):
    client = client_for(world.cae_a, world.user("counsellor_a"))
    upload = SimpleUploadedFile("personnes.csv", BROKEN.encode(), content_type="text/csv")
    page = client.post("/personnes/import/", {"file": upload})
    html = page.content.decode()
    assert "site inconnu « Troyes »" in html and "5 en erreur" in html
    refused = client.post("/personnes/import/", {"confirm": "1"}, follow=True)
    assert "ligne(s) en erreur" in refused.content.decode()
    with tenant_context(world.cae_a):
        assert Entrepreneur.objects.count() == 0
    done = client.post("/personnes/import/", {"confirm": "1", "only_valid": "1"}, follow=True)
    assert "1 personne(s) importée(s)" in done.content.decode()
    with tenant_context(world.cae_a):
        assert Entrepreneur.objects.count() == 1
    assert client_for(world.cae_a, world.user("entrepreneur_a")).get("/personnes/import/").status_code == 403
