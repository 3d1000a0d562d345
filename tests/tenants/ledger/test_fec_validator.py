"""The FEC validator's rules beyond the tax office's tool (DGFiP Test Compta Demat): each on a
real export, broken on purpose; and its memory stays flat however long the file."""

from datetime import date

import pytest

from tenants.ledger.fec import COLUMNS, MAX_ERRORS, fec_filename, fec_lines, fec_validate, fec_validate_file

pytestmark = pytest.mark.django_db


def _fields(line: str) -> dict[str, str]:
    return dict(zip(COLUMNS, line.rstrip("\n").split("\t"), strict=True))


def _line(**fields) -> str:
    return "\t".join(fields.get(name, "") for name in COLUMNS) + "\n"


def _edit(lines, index, **changes):
    return [*lines[:index], _line(**(_fields(lines[index]) | changes)), *lines[index + 1:]]


def _messages(lines, **options) -> str:
    return "\n".join(str(e) for e in fec_validate(lines, **options))


@pytest.fixture
def lines(books):
    """The real export of `books`: header, then 4 entries (2026-000001 … 2026-000004)."""
    exported = list(fec_lines(year=2026))
    assert fec_validate(exported, year=2026) == []
    assert [_fields(x)["EcritureNum"] for x in exported[1:4]] == ["2026-000001"] * 3
    return exported


def _entry(lines, number):
    return [x for x in lines[1:] if _fields(x)["EcritureNum"] == number]


@pytest.mark.parametrize(("account", "expected"), [("41", "3 chiffres"), ("4A11", "3 chiffres"),
                                                   ("411 ", "3 chiffres"), ("４１１", "3 chiffres"), ("411", None)])
def test_account_numbers_start_with_three_digits(lines, account, expected):
    messages = _messages(_edit(lines, 1, CompteNum=account), year=2026)
    assert (expected in messages) if expected else messages == "", messages


def test_numbering_starts_at_one_and_has_no_gap(lines):
    without_first = [lines[0], *(x for x in lines[1:] if _fields(x)["EcritureNum"] != "2026-000001")]
    assert "la numérotation commence à 1" in _messages(without_first, year=2026)
    without_second = [lines[0], *(x for x in lines[1:] if _fields(x)["EcritureNum"] != "2026-000002")]
    assert "2026-000001 puis 2026-000003" in _messages(without_second, year=2026)
    renamed = [lines[0], *(_line(**(_fields(x) | {"EcritureNum": "OD-" + _fields(x)["EcritureNum"]}))
                           if _fields(x)["EcritureNum"] == "2026-000003" else x for x in lines[1:])]
    assert "2026-000002 puis OD-2026-000003" in _messages(renamed, year=2026), "one series per file"
    assert "numéro séquentiel" in _messages(_edit(lines, 1, EcritureNum="ABC"), year=2026)


def test_an_entrys_lines_are_contiguous(lines):
    first, second = _entry(lines, "2026-000001"), _entry(lines, "2026-000002")
    rest = [x for x in lines[1:] if x not in first and x not in second]
    shuffled = [lines[0], *first[:-1], *second, first[-1], *rest]
    messages = _messages(shuffled, year=2026)
    assert "2026-000002 puis 2026-000001" in messages and "non contiguë" in messages


@pytest.mark.parametrize(("column", "value"), [("JournalCode", "BQ"), ("EcritureDate", "20260202"),
                                               ("ValidDate", "20991231")])
def test_one_journal_date_and_validation_date_per_entry(lines, column, value):
    assert f"écriture 2026-000001 : {column} '{value}' différent" in _messages(_edit(lines, 2, **{column: value}))


@pytest.mark.parametrize(("changes", "expected"), [
    ({"EcritureLet": "AA", "DateLet": "20261332"}, "DateLet n'est pas une date AAAAMMJJ"),
    ({"EcritureLet": "AA", "DateLet": "2026-02-20"}, "DateLet n'est pas une date AAAAMMJJ"),
    ({"EcritureLet": "AA"}, "EcritureLet et DateLet vont ensemble"),
    ({"DateLet": "20260220"}, "EcritureLet et DateLet vont ensemble"),
    ({"EcritureLet": "AA", "DateLet": "20260220"}, None),
])
def test_lettering_is_parsed_when_present(lines, changes, expected):
    messages = _messages(_edit(lines, 1, **changes), year=2026)
    assert (expected in messages) if expected else messages == "", messages


@pytest.mark.parametrize(("changes", "expected"), [
    ({"Montantdevise": "12.50", "Idevise": "USD"}, "Montantdevise mal formé"),
    ({"Montantdevise": "12,50", "Idevise": "usd"}, "Idevise 'usd'"),
    ({"Montantdevise": "12,50"}, "Idevise ''"),
    ({"Idevise": "USD"}, "Montantdevise mal formé"),
    ({"CompAuxLib": ""}, "CompAuxNum et CompAuxLib vont ensemble"),
    ({"Montantdevise": "-12,50", "Idevise": "USD"}, None),
])
def test_currency_and_auxiliary_account_fields(lines, changes, expected):
    assert _fields(lines[1])["CompAuxNum"], "the first line is the customer's (411 with its auxiliary account)"
    messages = _messages(_edit(lines, 1, **changes), year=2026)
    assert (expected in messages) if expected else messages == "", messages


def _result_entry(amount: str, day: str = "20261231") -> list[str]:
    """The year's result (profit on 120) against the closing balance account, as entry 5."""
    common = {"JournalCode": "OD", "JournalLib": "Opérations diverses", "EcritureNum": "2026-000005",
              "EcritureDate": day, "PieceRef": "CLOT-2026", "PieceDate": day, "EcritureLib": "Résultat 2026",
              "ValidDate": "20270315"}
    return [_line(**common, CompteNum="891", CompteLib="Bilan de clôture", Debit=amount, Credit="0,00"),
            _line(**common, CompteNum="120", CompteLib="Résultat de l'exercice (bénéfice)", Debit="0,00",
                  Credit=amount)]


def test_class_6_and_7_equal_the_years_result(lines):
    # Revenue (706): 500 + 30 + 1200 − 200 = 1530.00, no expenses: a profit of 1530.00.
    assert _messages([*lines, *_result_entry("1530,00")], year=2026) == ""
    messages = _messages([*lines, *_result_entry("1500,00")], year=2026)
    assert "solde des comptes de classes 6 et 7 (1530,00) différent du résultat" in messages
    assert "(1500,00)" in messages
    # Without `year`, the closing day is the file name's, else the last entry date.
    assert "différent du résultat" in _messages([*lines, *_result_entry("1500,00")])
    # A movement of 120 on another day (last year's result allocated in June) is not the result entry.
    assert _messages([*lines, *_result_entry("1500,00", day="20260615")], year=2026) == ""


def test_file_name_siren_and_closing_date(lines, world, tmp_path):
    siren = world.cae_a.siren
    good = tmp_path / fec_filename(siren, date(2026, 12, 31))
    good.write_text("".join(lines), encoding="utf-8")
    assert fec_validate_file(good, year=2026, siren=siren) == []
    cases = {
        "FEC20261231.txt": "attendu <SIREN>FEC<AAAAMMJJ>.txt",
        f"{siren}FEC20261231.csv": "attendu <SIREN>FEC<AAAAMMJJ>.txt",
        f"{siren[:8]}{(int(siren[8]) + 1) % 10}FEC20261231.txt": "invalide",
        f"{world.cae_b.siren}FEC20261231.txt": f"au lieu de {siren}",
        f"{siren}FEC20261331.txt": "date de clôture 20261331 invalide",
        f"{siren}FEC20261130.txt": "l'exercice 2026 se clôt le 20261231",
    }
    for name, expected in cases.items():
        path = tmp_path / name
        path.write_text("".join(lines), encoding="utf-8")
        errors = fec_validate_file(path, year=2026, siren=siren)
        assert errors and errors[0].line == 0 and expected in errors[0].message, (name, errors)
        assert str(errors[0]).startswith("fichier : "), "the command and the API job show it as such"
    early = tmp_path / f"{siren}FEC20260228.txt"
    early.write_text("".join(lines), encoding="utf-8")
    assert "postérieure à la clôture (20260228)" in "\n".join(str(e) for e in fec_validate_file(early))


def test_file_must_be_utf8(lines, world, tmp_path):
    path = tmp_path / fec_filename(world.cae_a.siren, date(2026, 12, 31))
    path.write_bytes("".join(lines).encode("utf-8").replace(b"Boulangerie", "Boulang\xe8rie".encode("latin-1")))
    errors = fec_validate_file(path, year=2026)
    assert errors and {e.message for e in errors} == {"encodage : la ligne n'est pas en UTF-8"}
    assert errors[0].line == 2


def test_empty_file_and_error_cap(lines):
    assert [e.message for e in fec_validate([])] == ["fichier vide : en-tête manquant"]
    broken = [lines[0], *([lines[1].replace("\t", " ")] * (MAX_ERRORS + 500))]
    errors = fec_validate(broken)
    assert len(errors) == MAX_ERRORS + 1 and "vérification arrêtée" in errors[-1].message


def _synthetic(entries: int):
    """A valid FEC of `entries` two-line entries over the year, generated line by line."""
    yield "\t".join(COLUMNS) + "\n"
    for n in range(1, entries + 1):
        day = date.fromordinal(date(2026, 1, 1).toordinal() + n % 365).strftime("%Y%m%d")
        common = {"JournalCode": "VT", "JournalLib": "Ventes", "EcritureNum": f"2026-{n:06d}", "EcritureDate": day,
                  "PieceRef": f"F{n}", "PieceDate": day, "EcritureLib": f"Facture {n}", "ValidDate": "20260101"}
        yield _line(**common, CompteNum="411", CompteLib="Clients", CompAuxNum="C000001", CompAuxLib="Client",
                    Debit="120,00", Credit="0,00")
        yield _line(**common, CompteNum="706", CompteLib="Prestations de services", Debit="0,00", Credit="120,00")


def test_memory_stays_flat_whatever_the_number_of_entries():
    """Entries are read in order, so only the current one is kept: no set of every number seen,
    no balance per entry (at 500,000 entries those took most of the export's memory)."""
    import tracemalloc

    peaks = []
    for entries in (1_000, 12_000):
        tracemalloc.start()
        try:
            assert fec_validate(_synthetic(entries), year=2026) == []
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < 1_000_000 and peaks[1] < peaks[0] + 200_000, peaks
