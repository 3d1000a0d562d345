"""The FEC (fichier des écritures comptables, LPF art. L47 A, BOI-CF-IOR-60-40-20): 18 columns,
tab separated, UTF-8, dates AAAAMMJJ, comma decimals, entries in validation order.

`fec_chunks` streams the file as PostgreSQL's COPY formats it (what the page, the command and the
API job serve), `fec_lines` gives the same lines through the ORM; both keep memory flat.
`fec_validate` / `fec_validate_file` are our own checker, stricter than the tax office's test
tool, in one pass with constant memory (see docs/ledger.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
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
    # Django's cursor, not the bare psycopg one: django-tenants sets the CAE's search_path when it
    # opens one (a bare cursor right after `set_tenant` would still read the public schema).
    with connection.cursor() as cursor, cursor.cursor.copy(_copy_sql(year)) as copy:
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


# -- the validator ----------------------------------------------------------------------------------

MAX_ERRORS = 1000  # a broken file of a million lines must not fill the memory with errors
MANDATORY = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "PieceRef",
             "PieceDate", "EcritureLib", "ValidDate")
_MANDATORY = tuple(COLUMNS.index(name) for name in MANDATORY)
# [0-9], not \d: \d also matches other scripts' digits (fullwidth "１").
_AMOUNT = re.compile(r"[0-9]+,[0-9]{2}")
_CURRENCY_AMOUNT = re.compile(r"-?[0-9]+(?:,[0-9]{1,3})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_ACCOUNT = re.compile(r"[0-9]{3}[0-9A-Za-z]*")
_ENTRY_NUMBER = re.compile(r"(.*?)([0-9]+)")
_FILENAME = re.compile(r"([0-9]{9})FEC([0-9]{8})\.txt")
_RESULT_ACCOUNTS = ("120", "129")  # résultat de l'exercice : bénéfice, perte


@dataclass(frozen=True)
class FecError:
    line: int  # 0: the file itself (its name)
    message: str

    def __str__(self) -> str:
        return f"{'fichier' if self.line == 0 else f'ligne {self.line}'} : {self.message}"


class _Dates:
    """AAAAMMJJ strings already checked. A FEC has a few hundred distinct dates and parsing is the
    slowest step of a line; the cache is bounded, so memory stays flat whatever the file."""

    def __init__(self) -> None:
        self.known: dict[str, date | None] = {}

    def parse(self, text: str) -> date | None:
        try:
            return self.known[text]
        except KeyError:
            pass
        parsed = None
        if len(text) == 8 and text.isascii() and text.isdigit() and 1900 <= int(text[:4]) <= 2099:
            try:
                parsed = date(int(text[:4]), int(text[4:6]), int(text[6:]))
            except ValueError:
                parsed = None
        if len(self.known) < 10_000:
            self.known[text] = parsed
        return parsed


ZERO = Decimal("0.00")


def _euros(amount: Decimal) -> str:
    return f"{amount or ZERO:.2f}".replace(".", ",")  # never "-0,00"


def fec_validate(lines: Iterable[str], *, year: int | None = None, closing: date | None = None) -> list[FecError]:
    """Every rule the tax office's tool checks (DGFiP Test Compta Demat, see
    docs/ledger.md), as errors where it only warns, plus: balance per entry and overall, entry
    numbers continuous from 1 (so each entry's lines are contiguous), one journal, date and
    validation date per entry, validation dates in order, lettering and auxiliary account given
    in pairs, class 6/7 equal to the year's result when the result entry (120/129 on the closing
    day) is there.

    Constant memory: lines are read once, in order, and only the current entry is kept.
    `year` is the fiscal (calendar) year; `closing`, the closing date the file name gives."""
    errors: list[FecError] = []
    dates = _Dates()
    lines = iter(lines)
    header = next(lines, None)
    if header is None:
        return [FecError(1, "fichier vide : en-tête manquant")]
    header = header.rstrip("\r\n")
    if header.startswith("\ufeff"):
        errors.append(FecError(1, "marque d'ordre des octets (BOM) interdite"))
        header = header.lstrip("\ufeff")
    if header.split("\t") != COLUMNS:
        errors.append(FecError(1, "en-tête incorrect : les 18 colonnes attendues, dans l'ordre, séparées par des tabulations"))
    total = class_6_7 = ZERO
    result_by_day: dict[date, Decimal] = {}  # lines on 120/129, by day (a handful)
    last_day: date | None = None
    current: str | None = None  # the entry being read: its number, first line, journal, dates, balance
    first_line, entry_net = 0, ZERO
    entry_journal = entry_day = entry_valid = ""
    prefix: str | None = None
    sequence: int | None = None
    previous_valid = ""
    count = 0
    for index, raw in enumerate(lines, start=2):
        count += 1
        if len(errors) >= MAX_ERRORS:
            errors.append(FecError(index, f"plus de {MAX_ERRORS} erreurs : vérification arrêtée"))
            return errors
        if not raw.endswith("\n"):
            errors.append(FecError(index, "fin de ligne manquante"))
        fields = raw.rstrip("\r\n").split("\t")
        if len(fields) != 18:
            errors.append(FecError(index, f"{len(fields)} champs au lieu de 18"))
            continue
        (journal, _, number, day_text, account, _, aux, aux_label, _, _, _, debit_text, credit_text, lettering,
         lettering_day, valid_text, currency_amount, currency) = fields
        for position in _MANDATORY:
            if not fields[position].strip():
                errors.append(FecError(index, f"{COLUMNS[position]} vide"))
        day = None
        for name, text in (("EcritureDate", day_text), ("PieceDate", fields[9]), ("ValidDate", valid_text),
                           ("DateLet", lettering_day)):
            if not text:
                continue  # mandatory ones are reported as empty above
            parsed = dates.parse(text)
            if parsed is None:
                errors.append(FecError(index, f"{name} n'est pas une date AAAAMMJJ : {text!r}"))
            elif name == "EcritureDate":
                day = parsed
        if day is not None:
            if year is not None and day.year != year:
                errors.append(FecError(index, f"EcritureDate hors de l'exercice {year}"))
            if closing is not None and day > closing:
                errors.append(FecError(index, f"EcritureDate postérieure à la clôture ({closing:%Y%m%d})"))
            if last_day is None or day > last_day:
                last_day = day
        if account and not _ACCOUNT.fullmatch(account):
            errors.append(FecError(index, f"CompteNum {account!r} : doit commencer par les 3 chiffres du plan "
                                          "comptable, sans espace"))
        if bool(aux) != bool(aux_label):
            errors.append(FecError(index, "CompAuxNum et CompAuxLib vont ensemble : les deux ou aucun"))
        if bool(lettering) != bool(lettering_day):
            errors.append(FecError(index, "EcritureLet et DateLet vont ensemble : les deux ou aucun"))
        if currency_amount or currency:
            if not _CURRENCY_AMOUNT.fullmatch(currency_amount):
                errors.append(FecError(index, f"Montantdevise mal formé : {currency_amount!r} (attendu -1234,56)"))
            if not _CURRENCY.fullmatch(currency):
                errors.append(FecError(index, f"Idevise {currency!r} : code ISO 4217 attendu (ex. USD)"))
        amounts = []
        for name, text in (("Debit", debit_text), ("Credit", credit_text)):
            if _AMOUNT.fullmatch(text):
                amounts.append(Decimal(text.replace(",", ".")))
            else:
                errors.append(FecError(index, f"{name} mal formé : {text!r} (attendu 1234,56)"))
                amounts.append(ZERO)
        debit, credit = amounts
        if (debit > 0) == (credit > 0):
            errors.append(FecError(index, "une ligne porte soit un débit soit un crédit, non nul"))
        net = debit - credit
        if number != current:
            if current is not None and entry_net != 0:
                errors.append(FecError(index - 1, f"écriture {current} déséquilibrée (écart {_euros(entry_net)})"))
            match = _ENTRY_NUMBER.fullmatch(number)
            if match is None:
                errors.append(FecError(index, f"EcritureNum {number!r} : un numéro séquentiel est attendu"))
                prefix = sequence = None
            else:
                value = int(match.group(2))
                if current is None and value != 1:
                    errors.append(FecError(index, f"numérotation discontinue : la première écriture est {number}, "
                                                  "la numérotation commence à 1"))
                elif current is not None and sequence is not None and (
                        match.group(1) != prefix or value != sequence + 1):
                    errors.append(FecError(index, f"numérotation discontinue ou écriture non contiguë : "
                                                  f"{current} puis {number}"))
                prefix, sequence = match.group(1), value
            current, first_line, entry_net = number, index, ZERO
            entry_journal, entry_day, entry_valid = journal, day_text, valid_text
        else:
            for name, value, first in (("JournalCode", journal, entry_journal), ("EcritureDate", day_text, entry_day),
                                       ("ValidDate", valid_text, entry_valid)):
                if value != first:
                    errors.append(FecError(index, f"écriture {number} : {name} {value!r} différent de celui de sa "
                                                  f"première ligne ({first!r}, ligne {first_line})"))
        entry_net += net
        total += net
        if account[:1] in ("6", "7"):
            class_6_7 += net
        elif account.startswith(_RESULT_ACCOUNTS) and day is not None:
            result_by_day[day] = result_by_day.get(day, ZERO) + net
        if dates.parse(valid_text) is not None:
            if valid_text < previous_valid:
                errors.append(FecError(index, "ValidDate antérieure à celle de la ligne précédente"))
            previous_valid = max(previous_valid, valid_text)
    last = count + 1  # the file's last line: where the checks of the whole file report
    if current is not None and entry_net != 0:
        errors.append(FecError(last, f"écriture {current} déséquilibrée (écart {_euros(entry_net)})"))
    if total != 0:
        errors.append(FecError(last, f"total des débits et des crédits inégal (écart {_euros(total)})"))
    closing_day = date(year, 12, 31) if year is not None else closing or last_day
    if closing_day in result_by_day and result_by_day[closing_day] != class_6_7:
        # Both as credit minus debit: a profit is positive.
        errors.append(FecError(last, f"solde des comptes de classes 6 et 7 ({_euros(-class_6_7)}) différent du "
                                     f"résultat de l'exercice comptabilisé au {closing_day:%d/%m/%Y} sur 120/129 "
                                     f"({_euros(-result_by_day[closing_day])})"))
    return errors


def _decoded(handle, errors: list[FecError]) -> Iterator[str]:
    """The lines of a file opened in binary, checked as UTF-8 one by one (the error names the line)."""
    for index, raw in enumerate(handle, start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(FecError(index, "encodage : la ligne n'est pas en UTF-8"))
            yield raw.decode("utf-8", errors="replace")


def fec_validate_file(path: Path | str, *, year: int | None = None, siren: str | None = None) -> list[FecError]:
    """`fec_validate` on a file, plus its name: `<SIREN>FEC<AAAAMMJJ>.txt`, a valid SIREN (the
    CAE's, if given) and the closing date of the fiscal year (31 December of `year`, if given)."""
    from stdnum.fr import siren as siren_number

    path = Path(path)
    errors: list[FecError] = []
    closing = None
    match = _FILENAME.fullmatch(path.name)
    if match is None:
        errors.append(FecError(0, f"nom {path.name!r} : attendu <SIREN>FEC<AAAAMMJJ>.txt"))
    else:
        named_siren, closing_text = match.groups()
        if not siren_number.is_valid(named_siren):
            errors.append(FecError(0, f"nom {path.name!r} : SIREN {named_siren} invalide"))
        elif siren is not None and named_siren != siren:
            errors.append(FecError(0, f"nom {path.name!r} : SIREN {named_siren} au lieu de {siren}"))
        closing = _Dates().parse(closing_text)
        if closing is None:
            errors.append(FecError(0, f"nom {path.name!r} : date de clôture {closing_text} invalide"))
        elif year is not None and closing != date(year, 12, 31):
            errors.append(FecError(0, f"nom {path.name!r} : l'exercice {year} se clôt le {year}1231, "
                                      f"pas le {closing_text}"))
    encoding: list[FecError] = []
    with path.open("rb") as handle:
        errors += fec_validate(_decoded(handle, encoding), year=year, closing=closing)
    return sorted(errors + encoding, key=lambda e: e.line)
