"""The FEC (fichier des écritures comptables, LPF art. L47 A, BOI-CF-IOR-60-40-20): 18 columns,
tab separated, UTF-8, dates AAAAMMJJ, comma decimals, entries in validation order.

`fec_lines` streams (flat memory, server-side cursor); `fec_validate` is our own checker,
stricter than the tax office's test tool (see docs/ledger.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .models import ACCOUNTS, JOURNALS, EntryLine

COLUMNS = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
           "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
           "ValidDate", "Montantdevise", "Idevise"]


def fec_filename(siren: str, closing: date) -> str:
    return f"{siren}FEC{closing:%Y%m%d}.txt"


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _clean(text: str) -> str:
    return re.sub(r"[\t\r\n]+", " ", (text or "").replace("\\", "/")).strip()


def fec_lines(*, year: int) -> Iterator[str]:
    """Header then one line per entry line, in validation order (EcritureNum ascending)."""
    yield "\t".join(COLUMNS) + "\n"
    rows = (EntryLine.objects.filter(entry__date__year=year)
            .order_by("entry__validated_at", "entry__id", "id")
            .values_list("entry__journal", "entry__number", "entry__date", "account", "aux_account", "aux_label",
                         "entry__piece_ref", "entry__piece_date", "label", "debit", "credit",
                         "entry__validated_at")
            .iterator(chunk_size=5000))
    for journal, number, day, account, aux, aux_label, piece, piece_date, label, debit, credit, validated in rows:
        yield "\t".join([
            journal, JOURNALS.get(journal, journal), number, f"{day:%Y%m%d}", account, ACCOUNTS.get(account, account),
            aux, _clean(aux_label), _clean(piece), f"{piece_date:%Y%m%d}", _clean(label), _amount(debit),
            _amount(credit), "", "", f"{validated:%Y%m%d}", "", "",
        ]) + "\n"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _case(column: str, labels: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in labels.items())
    return f"CASE {column} {whens} ELSE {column} END"


def _clean_sql(column: str) -> str:
    # COPY's text format would escape backslashes; tabs and newlines would break the file.
    return f"btrim(regexp_replace(replace(coalesce({column}, ''), E'\\\\', '/'), E'[\\t\\r\\n]+', ' ', 'g'))"


def _copy_sql(year: int) -> str:
    """The same lines as `fec_lines`, formatted by PostgreSQL (year is an int, labels are ours)."""
    amount = "replace(to_char({}, 'FM999999999990.00'), '.', ',')"
    columns = [
        "e.journal", _case("e.journal", JOURNALS), "e.number", "to_char(e.date, 'YYYYMMDD')", "l.account",
        _case("l.account", ACCOUNTS), _clean_sql("l.aux_account"), _clean_sql("l.aux_label"),
        _clean_sql("e.piece_ref"), "to_char(e.piece_date, 'YYYYMMDD')", _clean_sql("l.label"),
        amount.format("l.debit"), amount.format("l.credit"), "''", "''", "to_char(e.validated_at, 'YYYYMMDD')",
        "''", "''",
    ]
    # Only our own constants and an int go into this statement (COPY takes no parameters).
    select = ", ".join(columns)
    period = f"e.date >= '{int(year):04d}-01-01' AND e.date < '{int(year) + 1:04d}-01-01'"
    source = "ledger_entryline l JOIN ledger_entry e ON e.id = l.entry_id"
    order = "e.validated_at, e.id, l.id"
    return f"COPY (SELECT {select} FROM {source} WHERE {period} ORDER BY {order}) TO STDOUT"  # noqa: S608


def fec_chunks(*, year: int) -> Iterator[bytes]:
    """The FEC as bytes, header first, streamed by PostgreSQL's COPY: flat memory, and the
    formatting runs in the database (the file is the same as `fec_lines` gives)."""
    from django.db import connection

    yield ("\t".join(COLUMNS) + "\n").encode()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(_copy_sql(year)) as copy:
        for chunk in copy:
            yield bytes(chunk)


def fec_write(*, year: int, siren: str, folder: Path) -> Path:
    path = Path(folder) / fec_filename(siren, date(year, 12, 31))
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        for chunk in fec_chunks(year=year):
            handle.write(chunk)
    tmp.replace(path)
    return path


@dataclass(frozen=True)
class FecError:
    line: int
    message: str


def fec_validate(lines: Iterable[str], *, year: int | None = None) -> list[FecError]:
    """Every rule the tax office's tool checks, plus: balance per entry and overall, continuous
    entry numbers, validation dates in order, one of debit/credit per line, no stray tabs."""
    errors: list[FecError] = []
    entries: dict[str, Decimal] = {}
    total = Decimal("0")
    previous_number = None
    seen_numbers: set[str] = set()
    previous_valid = ""
    lines = iter(lines)
    header = next(lines, "").rstrip("\n")
    if header.startswith("\ufeff"):
        errors.append(FecError(1, "marque d'ordre des octets (BOM) interdite"))
        header = header.lstrip("\ufeff")
    if header.split("\t") != COLUMNS:
        errors.append(FecError(1, "en-tête incorrect : les 18 colonnes attendues, dans l'ordre, séparées par des tabulations"))
    count = 0
    for index, raw in enumerate(lines, start=2):
        count += 1
        if not raw.endswith("\n"):
            errors.append(FecError(index, "fin de ligne manquante"))
        fields = raw.rstrip("\n").split("\t")
        if len(fields) != 18:
            errors.append(FecError(index, f"{len(fields)} champs au lieu de 18"))
            continue
        row = dict(zip(COLUMNS, fields, strict=True))
        for name in ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
                     "PieceRef", "PieceDate", "EcritureLib", "ValidDate"):
            if not row[name].strip():
                errors.append(FecError(index, f"{name} vide"))
        for name in ("EcritureDate", "PieceDate", "ValidDate"):
            if row[name]:
                try:
                    parsed = datetime.strptime(row[name], "%Y%m%d").date()  # noqa: DTZ007 - calendar dates
                except ValueError:
                    errors.append(FecError(index, f"{name} n'est pas une date AAAAMMJJ : {row[name]!r}"))
                    continue
                if name == "EcritureDate" and year is not None and parsed.year != year:
                    errors.append(FecError(index, f"EcritureDate hors de l'exercice {year}"))
        amounts = {}
        for name in ("Debit", "Credit"):
            value = row[name]
            if not re.fullmatch(r"\d+,\d{2}", value):
                errors.append(FecError(index, f"{name} mal formé : {value!r} (attendu 1234,56)"))
                amounts[name] = Decimal("0")
                continue
            try:
                amounts[name] = Decimal(value.replace(",", "."))
            except InvalidOperation:
                amounts[name] = Decimal("0")
        if (amounts["Debit"] > 0) == (amounts["Credit"] > 0):
            errors.append(FecError(index, "une ligne porte soit un débit soit un crédit, non nul"))
        net = amounts["Debit"] - amounts["Credit"]
        number = row["EcritureNum"]
        if number != previous_number:
            if number in seen_numbers:
                errors.append(FecError(index, f"écriture {number} non contiguë"))
            if previous_number is not None and entries.get(previous_number, Decimal("0")) != 0:
                errors.append(FecError(index - 1, f"écriture {previous_number} déséquilibrée"))
            if previous_number is not None and _gap(previous_number, number):
                errors.append(FecError(index, f"numérotation discontinue : {previous_number} puis {number}"))
            seen_numbers.add(number)
            previous_number = number
        entries[number] = entries.get(number, Decimal("0")) + net
        total += net
        if row["ValidDate"] < previous_valid:
            errors.append(FecError(index, "ValidDate antérieure à celle de la ligne précédente"))
        previous_valid = max(previous_valid, row["ValidDate"])
    if previous_number is not None and entries.get(previous_number, Decimal("0")) != 0:
        errors.append(FecError(count + 1, f"écriture {previous_number} déséquilibrée"))
    if total != 0:
        errors.append(FecError(count + 1, f"total des débits et des crédits inégal (écart {total})"))
    return errors


def _gap(previous: str, current: str) -> bool:
    try:
        (py, pn), (cy, cn) = (p.split("-") for p in (previous, current))
    except ValueError:
        return True
    return py == cy and int(cn) != int(pn) + 1
