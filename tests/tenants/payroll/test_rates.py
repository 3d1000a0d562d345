"""Rate tables in the public schema: loading, validation, selection by date."""

import copy
import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from essaim.core.errors import AppError
from essaim.payrates.models import RateTable
from essaim.payrates.rateset import rateset_parse
from essaim.payrates.selectors import rates_for
from essaim.payrates.services import rate_table_load
from tests.conftest import client_for
from tests.factories import TEST_ACTOR

from .helpers import rates_2026, shipped_document

pytestmark = pytest.mark.django_db


def document_2027(**changes) -> dict:
    document = copy.deepcopy(shipped_document())
    document.update({"valid_from": "2027-01-01", "label": "Barème 2027 (test)"} | changes)
    document["smic"]["hourly"] = "12.30"
    return document


def test_the_migration_loaded_the_shipped_2026_table():
    table = RateTable.objects.get(valid_from=datetime.date(2026, 1, 1))
    assert table.document == shipped_document()
    assert rates_for(datetime.date(2026, 6, 15)) == rates_2026()
    assert rates_2026().smic_monthly == Decimal("1823.03") and isinstance(rates_2026().pmss, Decimal)
    assert str(rates_2026().line("maladie").employer_rate) == "0.13"


def test_every_line_names_its_source():
    assert all(line.source for line in rates_2026().lines)


def test_a_2027_table_is_picked_in_january_2027(tmp_path, capsys):
    path = tmp_path / "fr-2027.json"
    path.write_text(json.dumps(document_2027()), encoding="utf-8")
    call_command("payroll_rates_load", str(path))
    assert "valable du 01/01/2027" in capsys.readouterr().out
    assert rates_for(datetime.date(2027, 1, 15)).smic_hourly == Decimal("12.30")
    assert rates_for(datetime.date(2027, 1, 1)).valid_from == datetime.date(2027, 1, 1)
    assert rates_for(datetime.date(2026, 12, 31)).valid_from == datetime.date(2026, 1, 1)
    # Loading 2027 closed 2026 the day before.
    assert RateTable.objects.get(valid_from=datetime.date(2026, 1, 1)).valid_to == datetime.date(2026, 12, 31)


def test_no_table_before_2026():
    with pytest.raises(AppError) as exc:
        rates_for(datetime.date(2025, 12, 31))
    assert exc.value.code == "payrates_missing" and "31/12/2025" in exc.value.message


def test_a_closed_table_is_not_used_after_its_end():
    rate_table_load(document=document_2027(valid_to="2027-06-30"), acting_user=TEST_ACTOR)
    assert rates_for(datetime.date(2027, 6, 30)).valid_from == datetime.date(2027, 1, 1)
    with pytest.raises(AppError):
        rates_for(datetime.date(2027, 7, 1))


def test_same_date_is_refused_unless_replaced():
    rate_table_load(document=document_2027(), acting_user=TEST_ACTOR)
    with pytest.raises(AppError) as exc:
        rate_table_load(document=document_2027(label="autre"), acting_user=TEST_ACTOR)
    assert exc.value.code == "payrates_exists"
    assert rates_for(datetime.date(2027, 2, 1)).label == "Barème 2027 (test)"
    rate_table_load(document=document_2027(label="Barème 2027 corrigé"), replace=True, acting_user=TEST_ACTOR)
    assert rates_for(datetime.date(2027, 2, 1)).label == "Barème 2027 corrigé"
    assert RateTable.objects.filter(valid_from=datetime.date(2027, 1, 1)).count() == 1


def test_an_earlier_table_may_not_overlap_a_later_one():
    rate_table_load(document=document_2027(), acting_user=TEST_ACTOR)
    middle = document_2027(valid_from="2026-07-01")
    with pytest.raises(AppError) as exc:
        rate_table_load(document=middle, acting_user=TEST_ACTOR)
    assert exc.value.code == "payrates_overlap"
    assert not RateTable.objects.filter(valid_from=datetime.date(2026, 7, 1)).exists()


def _broken(mutate):
    document = document_2027()
    mutate(document)
    return document


BROKEN = [
    (lambda d: d["smic"].pop("hourly"), "smic.hourly", "obligatoire"),
    (lambda d: d["lines"][0].update(employer_rate="13,00"), "lines[0].employer_rate", "n'est pas un nombre"),
    (lambda d: d["lines"][0].update(employer_rate=13.0), "lines[0].employer_rate", "entre guillemets"),
    (lambda d: d["lines"][0].update(employer_rate="130"), "lines[0].employer_rate", "entre 0 et 100"),
    (lambda d: d["lines"][3].update(block="sant"), "lines[3].block", "l'un de"),
    (lambda d: d["lines"][3].update(base="T1"), "lines[3].base", "l'un de"),
    (lambda d: d["lines"][3].update(headcount="<20"), "lines[3].headcount", "l'un de"),
    (lambda d: d["lines"][3].update(taux="1"), "lines[3].taux", "pas une clé connue"),
    (lambda d: d["lines"][3].update(code="maladie"), "lines[3].code", "deux fois"),
    (lambda d: d["lines"][2].update(employer_rate="1.00"), "lines[2].employer_rate", "réglages de la CAE"),
    (lambda d: d["lines"][11].pop("cap_pmss"), "lines[11].cap_pmss", "obligatoire"),
    (lambda d: d.update(valid_to="2026-12-31"), "valid_to", "postérieure"),
    (lambda d: d.update(valid_from="2027-13-01"), "valid_from", "AAAA-MM-JJ"),
    (lambda d: d["rgdu"]["tdelta_by_fnal_rate"].pop("0.50"), "rgdu.tdelta_by_fnal_rate", "fnal_50_et_plus"),
    (lambda d: d["rgdu"].update(exit_smic_multiple="1"), "rgdu.exit_smic_multiple", "supérieur à 1"),
    (lambda d: d["rounding"].update(mode="down"), "rounding.mode", "half_up"),
    (lambda d: d.update(lines=[x for x in d["lines"] if x["code"] != "fnal_moins_50"]), "lines", "FNAL"),
    (lambda d: d.update(format=2), "format", "doit valoir 1"),
    (lambda d: d["lines"][3].pop("fund"), "lines[3].fund", "obligatoire"),
    (lambda d: d["lines"][3].update(fund="caisse_de_retraite"), "lines[3].fund", "l'un de : urssaf, agirc_arrco"),
    (lambda d: d.pop("working_time"), "working_time", "obligatoire"),
    (lambda d: d["working_time"].update(legal_weekly_hours="0"), "working_time.legal_weekly_hours", "entre 1 et 48"),
    (lambda d: d["working_time"].update(legal_weekly_hours=35), "working_time.legal_weekly_hours", "entre guillemets"),
]


@pytest.mark.parametrize(("mutate", "key", "rule"), BROKEN)
def test_a_broken_document_is_refused_naming_the_key_and_nothing_is_written(mutate, key, rule):
    # Sanity: each mutation targets the line the test names.
    assert shipped_document()["lines"][11]["code"] == "chomage"
    assert shipped_document()["lines"][2]["kind"] == "atmp"
    before = list(RateTable.objects.values_list("valid_from", "valid_to", "document"))
    with pytest.raises(AppError) as exc:
        rate_table_load(document=_broken(mutate), acting_user=TEST_ACTOR)
    assert exc.value.code == "payrates_invalid" and exc.value.field == key
    assert f"« {key} »" in exc.value.message and rule in exc.value.message
    assert list(RateTable.objects.values_list("valid_from", "valid_to", "document")) == before


def test_the_unbroken_2027_document_is_valid():
    # What the broken cases start from: proves each refusal comes from its mutation.
    assert rateset_parse(document_2027()).valid_from == datetime.date(2027, 1, 1)


def test_command_reports_a_broken_file_in_french(tmp_path):
    path = tmp_path / "fr-2027.json"
    path.write_text(json.dumps(_broken(lambda d: d["ceilings"].update(pmss="-4005"))), encoding="utf-8")
    with pytest.raises(CommandError, match=r"« ceilings\.pmss » doit être strictement positif"):
        call_command("payroll_rates_load", str(path))
    path.write_text("{\"format\": 1,", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON invalide"):
        call_command("payroll_rates_load", str(path))
    with pytest.raises(CommandError, match="Fichier illisible"):
        call_command("payroll_rates_load", str(tmp_path / "absent.json"))
    assert RateTable.objects.count() == 1


def test_admin_loads_through_the_validating_service(world):
    admin = client_for(None, world.user("network_admin"))
    page = admin.get("/admin/payrates/ratetable/")
    assert page.status_code == 200 and "Barème du 01/01/2026" in page.content.decode()
    broken = _broken(lambda d: d["lines"][0].update(block="sant"))
    response = admin.post("/admin/payrates/ratetable/add/", {
        "valid_from": "2027-01-01", "document": json.dumps(broken), "source": "saisie"})
    assert response.status_code == 200 and "lines[0].block" in response.content.decode()
    assert RateTable.objects.count() == 1
    response = admin.post("/admin/payrates/ratetable/add/", {
        "valid_from": "2027-01-01", "document": json.dumps(document_2027()), "source": "saisie"})
    assert response.status_code == 302
    table = RateTable.objects.get(valid_from=datetime.date(2027, 1, 1))
    assert table.created_by == world.user("network_admin")
    assert RateTable.objects.get(valid_from=datetime.date(2026, 1, 1)).valid_to == datetime.date(2026, 12, 31)
    response = admin.post(f"/admin/payrates/ratetable/{table.pk}/change/", {
        "document": json.dumps(document_2027(label="Corrigé")), "source": "correction"})
    assert response.status_code == 302
    assert rates_for(datetime.date(2027, 3, 1)).label == "Corrigé"
    assert RateTable.objects.count() == 2


def test_admin_is_not_for_network_staff_nor_on_a_cae_domain(world):
    response = client_for(None, world.user("network_staff")).get("/admin/payrates/ratetable/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client_for(world.cae_a, world.user("director_a")).get("/admin/payrates/ratetable/").status_code == 404


def test_every_line_names_its_fund_and_the_2026_week_is_35_hours():
    from essaim.payrates.rateset import FUNDS as TABLE_FUNDS
    from tenants.payroll.funds import FUNDS

    assert set(FUNDS) == set(TABLE_FUNDS), "every fund a table may name is booked by the payroll journal"
    rates = rates_2026()
    assert rates.legal_weekly_hours == Decimal("35")
    funds = {line.code: line.fund for line in rates.lines}
    assert {code for code, fund in funds.items() if fund == "agirc_arrco"} == {
        "agirc_arrco_t1", "agirc_arrco_t2", "ceg_t1", "ceg_t2", "cet"}
    assert {code for code, fund in funds.items() if fund == "unemployment"} == {"chomage", "ags"}
    assert funds["complementaire_sante"] == "health" and funds["csg_deductible"] == funds["maladie"] == "urssaf"


def _without_new_keys(document: dict) -> dict:
    """A table as stored before migration payrates.0003."""
    old = copy.deepcopy(document)
    old.pop("working_time")
    for line in old["lines"]:
        line.pop("fund")
    return old


def test_the_data_migration_gives_stored_tables_the_funds_and_the_legal_week():
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("essaim.payrates.migrations.0003_fund_and_working_time")
    RateTable.objects.filter(valid_from=datetime.date(2026, 1, 1)).update(document=_without_new_keys(shipped_document()))
    own = document_2027()
    own["lines"][12]["fund"] = "urssaf"  # a table that already says who collects the AGS keeps it
    assert own["lines"][12]["code"] == "ags"
    stored = _without_new_keys(own)
    stored["lines"][12]["fund"] = "urssaf"
    RateTable.objects.create(valid_from=datetime.date(2027, 1, 1), document=stored)
    with pytest.raises(AppError):
        rates_for(datetime.date(2026, 3, 1))  # what the code would meet without the migration
    with connection.schema_editor() as editor:
        migration.add_keys(apps, editor)
        migration.add_keys(apps, editor)
    assert RateTable.objects.get(valid_from=datetime.date(2026, 1, 1)).document == shipped_document()
    assert RateTable.objects.get(valid_from=datetime.date(2027, 1, 1)).document == own
    assert rates_for(datetime.date(2026, 3, 1)) == rates_2026()
    with connection.schema_editor() as editor:
        migration.remove_keys(apps, editor)
    assert RateTable.objects.get(valid_from=datetime.date(2026, 1, 1)).document == _without_new_keys(shipped_document())
