"""Loading a rate table: validated in full before anything is written."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.db import transaction

from essaim.core.errors import AppError

from .models import RateTable
from .rateset import rateset_parse


def rate_table_load(*, document: dict, source: str = "", replace: bool = False, acting_user=None,
                    model=RateTable) -> RateTable:
    """Store `document` as the table valid from its `valid_from`.

    An open-ended table that starts earlier is closed the day before (so a 2027 table ends 2026's);
    a table for the same date is refused unless `replace`. `model` lets the data migration pass
    its historical model."""
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
                  "created_by": acting_user if acting_user is not None and acting_user.is_authenticated else None}
        if existing is not None:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save(update_fields=list(fields))
            return existing
        return model.objects.create(valid_from=rates.valid_from, **fields)


def document_read(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise AppError("payrates_file", f"Fichier illisible : {path} ({exc.strerror}).", field="file") from exc
    except json.JSONDecodeError as exc:
        raise AppError("payrates_json", f"JSON invalide dans {path}, ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}.",
                       field="file") from exc
