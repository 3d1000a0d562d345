"""The journal balances and matches the invoices; the FEC passes our validator, and the validator
catches deliberately broken files; entries are immutable."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from tenants.activity.journal import ledger_post_invoice
from tenants.ledger.fec import COLUMNS, fec_lines, fec_validate, fec_validate_file
from tenants.ledger.models import Entry, EntryLine
from tenants.ledger.services import trial_balance

pytestmark = pytest.mark.django_db


def test_journal_balances_and_matches_the_invoices(books):
    for entry in Entry.objects.prefetch_related("lines"):
        assert sum(line.debit for line in entry.lines.all()) == sum(line.credit for line in entry.lines.all())
    balance = {row["account"]: row for row in trial_balance(year=2026)}
    assert sum(row["balance"] for row in balance.values()) == 0
    assert balance["706"]["credit"] - balance["706"]["debit"] == Decimal("500") + Decimal("30") + Decimal("1000")
    assert balance["44571"]["balance"] == -(Decimal("100.00") + Decimal("1.65") + Decimal("200.00"))
    assert balance["512"]["debit"] == books[2][0].total_incl_vat
    assert [e.number for e in Entry.objects.order_by("id")] == [f"2026-{n:06d}" for n in range(1, 5)]


def test_posting_is_idempotent_and_entries_immutable(books):
    invoice = books[2][0]
    before = Entry.objects.count()
    ledger_post_invoice(invoice)
    assert Entry.objects.count() == before
    with pytest.raises(IntegrityError, match="ne se modifie"), transaction.atomic():
        EntryLine.objects.update(debit=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.all().delete()


def test_fec_passes_the_validator(books):
    lines = list(fec_lines(year=2026))
    assert lines[0] == "\t".join(COLUMNS) + "\n"
    assert all(len(line.rstrip("\n").split("\t")) == 18 for line in lines)
    assert "Boulangerie Dupont / fils" in "".join(lines), "tabs and backslashes inside fields are replaced"
    assert fec_validate(lines, year=2026) == []
    assert "\t0,00\t530,00\t" in "".join(lines), "706 credited with the invoice total excl. VAT, comma decimals"


def _broken(lines, index, column, value):
    fields = lines[index].rstrip("\n").split("\t")
    fields[COLUMNS.index(column)] = value
    return [*lines[:index], "\t".join(fields) + "\n", *lines[index + 1:]]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Debit", "12.50", "mal formé"),
        ("EcritureDate", "2026-02-01", "AAAAMMJJ"),
        ("EcritureNum", "2026-000009", "discontinue"),
        ("CompteNum", "", "CompteNum vide"),
    ],
)
def test_validator_catches_broken_files(books, column, value, message):
    lines = list(fec_lines(year=2026))
    errors = fec_validate(_broken(lines, 1, column, value), year=2026)
    assert any(message in e.message for e in errors), errors


def test_validator_catches_imbalance_bom_and_header(books):
    lines = list(fec_lines(year=2026))
    fields = lines[1].rstrip("\n").split("\t")
    amount = fields[COLUMNS.index("Debit")] if fields[COLUMNS.index("Debit")] != "0,00" else fields[COLUMNS.index("Credit")]
    side = "Debit" if fields[COLUMNS.index("Debit")] != "0,00" else "Credit"
    bumped = _broken(lines, 1, side, f"{int(amount.split(',')[0]) + 1},{amount.split(',')[1]}")
    assert any("déséquilibrée" in e.message for e in fec_validate(bumped))
    assert any("BOM" in e.message for e in fec_validate(["\ufeff" + lines[0], *lines[1:]]))
    assert any("en-tête" in e.message for e in fec_validate([lines[0].replace("\t", ";"), *lines[1:]]))
    assert any("hors de l'exercice" in e.message for e in fec_validate(lines, year=2025))


def test_export_command(world, books, tmp_path):
    from django.db import connection

    from essaim.cooperatives.models import Cooperative

    # As in a shell: the connection has only read the public schema when the command starts.
    connection.set_schema_to_public()
    assert Cooperative.objects.filter(slug="alpha").exists()
    call_command("export_fec", cooperative="alpha", year=2026, output=str(tmp_path))
    (path,) = tmp_path.iterdir()
    assert path.name == f"{world.cae_a.siren}FEC20261231.txt"
    body = path.read_text(encoding="utf-8")
    assert body.startswith("JournalCode\t") and "\t2026-000004\t" in body
    assert fec_validate_file(path, year=2026, siren=world.cae_a.siren) == []
    with pytest.raises(CommandError, match="CAE inconnue"):
        call_command("export_fec", cooperative="inconnue", year=2026, output=str(tmp_path))


def test_balance_page_and_fec_download(world, books):
    from tests.conftest import client_for

    accounts = client_for(world.cae_a, world.user("accounts_a"))
    page = accounts.get("/comptabilite/balance/?annee=2026").content.decode()
    assert "44571" in page and "Clients" in page
    fec = accounts.get("/comptabilite/fec/?annee=2026")
    body = b"".join(fec.streaming_content).decode()
    assert fec["Content-Disposition"].endswith(f'{world.cae_a.siren}FEC20261231.txt"')
    assert fec_validate(body.splitlines(keepends=True), year=2026) == []
    assert client_for(world.cae_a, world.user("counsellor_a")).get("/comptabilite/fec/").status_code == 403
    other = client_for(world.cae_b, world.user("director_b"))
    assert "Boulangerie" not in b"".join(other.get("/comptabilite/fec/?annee=2026").streaming_content).decode()


def test_copy_export_equals_the_python_lines(books):
    """The file PostgreSQL formats (fec_chunks) is byte for byte what fec_lines gives."""
    from tenants.ledger.fec import fec_chunks

    assert b"".join(fec_chunks(year=2026)).decode() == "".join(fec_lines(year=2026))
