"""Loading a rate table: validated in full before anything is written."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.db import transaction

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError

from .models import RateTable
from .rateset import rateset_parse


def rate_table_load(*, document: dict, source: str = "", replace: bool = False, acting_user: Actor,
                    model=RateTable) -> RateTable:
    """Store `document` as the table valid from its `valid_from`, audited in the public schema.

    An open-ended table that starts earlier is closed the day before (so a 2027 table ends 2026's);
    a table for the same date is refused unless `replace`. `model` lets the data migration pass
    its historical model; that load is not audited (the audit table may not be migrated yet)."""
    rates = rateset_parse(document)
    with transaction.atomic():
        existing = model.objects.select_for_update().filter(valid_from=rates.valid_from).first()
        if existing is not None and not replace:
            raise AppError("payrates_exists", f"Un barème valable à partir du {rates.valid_from:%d/%m/%Y} existe déjà "
                           "(option --replace pour le remplacer).", field="valid_from", status=409)
        later = model.objects.filter(valid_from__gt=rates.valid_from).order_by("valid_from").first()
        if later is not None and (rates.valid_to is None or rates.valid_to >= later.valid_from):
            raise AppError("payrates_overlap", f"Ce barème chevaucherait celui du {later.valid_from:%d/%m/%Y} : "
                           "indiquez un valid_to antérieur.", field="valid_to")
        model.objects.filter(valid_from__lt=rates.valid_from, valid_to__isnull=True).update(
            valid_to=rates.valid_from - datetime.timedelta(days=1))
        fields = {"valid_to": rates.valid_to, "document": document, "source": source[:300],
                  "created_by": actor_user(acting_user)}
        if existing is not None:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save(update_fields=list(fields))
            table = existing
        else:
            table = model.objects.create(valid_from=rates.valid_from, **fields)
        if model is RateTable:
            audit_record(action="rate_table_replace" if existing is not None else "rate_table_load",
                         target=f"rate_table:{table.pk}", acting_user=acting_user,
                         details={"valid_from": rates.valid_from.isoformat(), "source": source[:200]})
        return table


MAX_DOCUMENT_BYTES = 1024 * 1024  # the 2026 table is 11 kB


def document_read(path: Path) -> dict:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AppError("payrates_file", f"Fichier illisible : {path} ({exc.strerror}).", field="file") from exc
    return document_parse(data, name=str(path))


def _refuse_constant(name: str):
    raise ValueError(name)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def document_parse(data: bytes, *, name: str) -> dict:
    """A rate file's bytes (UTF-8 JSON) → its document, or a French error naming the file; the
    document's content is then checked by `rate_table_load` (rateset_parse)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise AppError("payrates_file", f"Le fichier {name} dépasse {MAX_DOCUMENT_BYTES // 1024} Ko : ce n'est pas "
                       "un barème.", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AppError("payrates_file", f"Le fichier {name} n'est pas un texte UTF-8 : enregistrez le barème en "
                       "JSON, encodé en UTF-8.", field="file") from None
    try:
        # NaN and Infinity are not JSON, and PostgreSQL would refuse to store them; nor \u0000.
        document = json.loads(text, parse_constant=_refuse_constant)
        nul = _has_nul(document)
    except json.JSONDecodeError as exc:
        raise AppError("payrates_json", f"JSON invalide dans {name}, ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}.",
                       field="file") from exc
    except ValueError as exc:
        raise AppError("payrates_json", f"JSON invalide dans {name} : « {exc} » n'est pas une valeur JSON (écrivez "
                       "les nombres entre guillemets).", field="file") from exc
    except RecursionError:
        raise AppError("payrates_json", f"JSON invalide dans {name} : imbrication trop profonde.", field="file") from None
    if not isinstance(document, dict):
        raise AppError("payrates_invalid", "Barème invalide : « document » doit être un objet JSON.", field="document")
    if nul:
        raise AppError("payrates_json", f"JSON invalide dans {name} : caractère nul (\\u0000).", field="file")
    return document
