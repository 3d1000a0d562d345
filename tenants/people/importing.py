"""Importing people from a CSV or XLSX file: parse, check every row, preview, then write all
valid rows in one transaction. Re-importing the same file creates no duplicates (a person whose
e-mail — or, without e-mail, name and birth date — is already known is skipped)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from essaim.audit.actors import Actor
from essaim.audit.services import audit_record
from essaim.core.errors import AppError
from essaim.core.search import fold
from essaim.core.validators import control_character_error

from .models import Entrepreneur, Journey, Site

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

# accepted header (folded) → field
HEADERS = {
    "prenom": "first_name", "nom": "last_name", "genre": "gender", "sexe": "gender",
    "date de naissance": "birth_date", "naissance": "birth_date", "email": "email", "e-mail": "email",
    "courriel": "email", "telephone": "phone", "adresse": "address", "code postal": "postal_code",
    "ville": "city", "situation": "entry_situation", "situation a l'entree": "entry_situation",
    "niveau": "education_level", "niveau de formation": "education_level", "prescripteur": "referrer",
    "activite": "activity_description", "code naf": "sector_naf", "naf": "sector_naf", "site": "site",
    "date d'entree": "opened_on", "premier contact": "opened_on",
}
REQUIRED = ("first_name", "last_name", "gender", "site")
LABELS = {"first_name": "prénom", "last_name": "nom", "gender": "genre", "site": "site"}
GENDERS = {"f": "F", "femme": "F", "m": "M", "h": "M", "homme": "M", "x": "X", "autre": "X"}
SITUATIONS = {
    "demandeur d'emploi": "job_seeker", "demandeuse d'emploi": "job_seeker", "job_seeker": "job_seeker",
    "rsa": "minimum_income", "minima sociaux": "minimum_income", "minimum_income": "minimum_income",
    "salarie": "employee", "salariee": "employee", "employee": "employee", "etudiant": "student",
    "etudiante": "student", "student": "student", "fonctionnaire": "civil_servant", "civil_servant": "civil_servant",
    "autre": "other", "other": "other", "": "job_seeker",
}
NAF_RE = re.compile(r"^\d{2}\.\d{2}[A-Z]$")


@dataclass
class RowResult:
    line: int
    values: dict
    errors: list[str] = field(default_factory=list)
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    rows: list[RowResult]
    unknown_columns: list[str]

    @property
    def valid(self) -> list[RowResult]:
        return [r for r in self.rows if r.ok and not r.duplicate]

    @property
    def invalid(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]

    @property
    def duplicates(self) -> list[RowResult]:
        return [r for r in self.rows if r.ok and r.duplicate]


def read_table(name: str, content: bytes) -> list[list[str]]:
    """Rows of a CSV (UTF-8 or Latin-1, ; or , separated) or XLSX file, as strings."""
    if len(content) > MAX_BYTES:
        raise AppError("import_too_large", "Le fichier dépasse 5 Mo.", field="file")
    if not content:
        raise AppError("import_empty", "Le fichier est vide.", field="file")
    lower = name.lower()
    if lower.endswith(".xlsx"):
        if not content.startswith(b"PK"):
            raise AppError("import_bad_type", "Ce fichier n'est pas un classeur XLSX valide.", field="file")
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            return [["" if c is None else _cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same error for the user
            raise AppError("import_bad_type", "Ce classeur XLSX est illisible.", field="file") from exc
    if lower.endswith(".csv"):
        if b"\x00" in content[:4096]:
            raise AppError("import_bad_type", "Ce fichier n'est pas un CSV texte.", field="file")
        text = _decode(content)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
        except csv.Error:
            dialect = csv.excel
        return list(csv.reader(io.StringIO(text), dialect))
    raise AppError("import_bad_type", "Formats acceptés : CSV ou XLSX.", field="file")


def _decode(content: bytes) -> str:
    """UTF-8, else Windows-1252 (what Excel writes for « CSV (séparateur : point-virgule) »: its
    œ, € and ’ would be C1 control characters read as Latin-1), else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _column_letter(index: int) -> str:
    """A, B… Z, AA… for the 0-based column `index`, as a spreadsheet names it."""
    letters, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _parse_date(value: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(value)


def preview(table: list[list[str]]) -> ImportPreview:
    """Check every row; nothing is written."""
    rows = [r for r in table if any(str(c).strip() for c in r)]
    if not rows:
        raise AppError("import_empty", "Le fichier ne contient aucune ligne.", field="file")
    header = [HEADERS.get(fold(str(h)).strip()) for h in rows[0]]
    unknown = [str(h) for h, f in zip(rows[0], header, strict=True) if f is None and str(h).strip()]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise AppError("import_missing_columns",
                       "Colonnes obligatoires absentes : " + ", ".join(LABELS[m] for m in missing) + ".",
                       field="file")
    if len(rows) - 1 > MAX_ROWS:
        raise AppError("import_too_many_rows", f"Au plus {MAX_ROWS} lignes par import.", field="file")

    sites = {fold(s.name): s for s in Site.objects.all()}
    known_emails = {e.lower() for e in Entrepreneur.objects.exclude(email="").values_list("email", flat=True)}
    known_people = set(Entrepreneur.objects.values_list("first_name", "last_name", "birth_date"))
    seen_emails: dict[str, int] = {}
    results = []
    today = timezone.localdate()
    for index, raw in enumerate(rows[1:], start=2):
        raw = list(raw) + [""] * (len(header) - len(raw))
        data = {f: str(v).strip() for f, v in zip(header, raw, strict=False) if f}
        result = RowResult(line=index, values={})
        errors = result.errors
        values = result.values
        for column, (name, cell) in enumerate(zip(header, raw, strict=False)):
            error = control_character_error(str(cell).strip()) if name else None
            if error is not None:  # no control character reaches a person's record (essaim.core.validators)
                errors.append(f"colonne « {str(rows[0][column]).strip()} » ({_column_letter(column)}) : "
                              f"{error.messages[0]}")
        for name in REQUIRED:
            if not data.get(name):
                errors.append(f"{LABELS[name]} manquant")
        values["first_name"], values["last_name"] = data.get("first_name", "")[:100], data.get("last_name", "")[:100]
        gender = GENDERS.get(fold(data.get("gender", "")))
        if data.get("gender") and gender is None:
            errors.append(f"genre inconnu « {data['gender']} » (F, M ou X)")
        values["gender"] = gender
        for name in ("birth_date", "opened_on"):
            if data.get(name):
                try:
                    values[name] = _parse_date(data[name])
                except ValueError:
                    errors.append(f"date invalide « {data[name]} » (JJ/MM/AAAA)")
                    continue
                if values[name] > today:
                    errors.append(f"date dans le futur « {data[name]} »")
        email = data.get("email", "").lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(f"e-mail invalide « {email} »")
            if email in seen_emails:
                errors.append(f"e-mail en double dans le fichier (ligne {seen_emails[email]})")
            seen_emails.setdefault(email, index)
        values["email"] = email
        site = sites.get(fold(data.get("site", "")))
        if data.get("site") and site is None:
            errors.append(f"site inconnu « {data['site']} »")
        values["site"] = site
        naf = data.get("sector_naf", "").upper()
        if naf and not NAF_RE.match(naf):
            errors.append(f"code NAF invalide « {naf} » (ex. 62.01Z)")
        values["sector_naf"] = naf
        situation = SITUATIONS.get(fold(data.get("entry_situation", "")))
        if situation is None:
            errors.append(f"situation inconnue « {data['entry_situation']} »")
        values["entry_situation"] = situation
        postal = data.get("postal_code", "")
        if postal and not re.fullmatch(r"\d{5}", postal):
            errors.append(f"code postal invalide « {postal} »")
        for name in ("phone", "address", "city", "referrer", "activity_description", "postal_code"):
            values[name] = data.get(name, "")[:200]
        values["phone"] = values["phone"][:20]
        result.duplicate = (email in known_emails) if email else (
            (values["first_name"], values["last_name"], values.get("birth_date")) in known_people)
        results.append(result)
    return ImportPreview(rows=results, unknown_columns=unknown)


@transaction.atomic
def people_import(*, result: ImportPreview, only_valid: bool = False, acting_user: Actor) -> int:
    """Write the valid rows. Unless `only_valid`, any invalid row means nothing is written."""
    if result.invalid and not only_valid:
        raise AppError("import_has_errors",
                       f"{len(result.invalid)} ligne(s) en erreur : corrigez le fichier ou importez seulement les lignes valides.")
    today = timezone.localdate()
    people = []
    for row in result.valid:
        values = dict(row.values)
        opened_on = values.pop("opened_on", None) or today
        person = Entrepreneur(**values)
        person.full_clean()
        people.append((person, opened_on))
    created = Entrepreneur.objects.bulk_create([p for p, _ in people])
    Journey.objects.bulk_create([Journey(entrepreneur=p, number=1, opened_on=on)
                                 for p, (_, on) in zip(created, people, strict=True)])
    audit_record(action="people_import", target=f"count:{len(created)}", acting_user=acting_user)
    return len(created)
