"""Network templates installed into a CAE's own schema: the catalogue of workshops (with their
themes), document models, the labels of the chart of accounts and of the journals, the
contribution rate, the people settings (CESA rule, retention, reminder lead times).

A template is a published library resource of kind « modèle » carrying a validated JSON payload.
`templates_install()` writes each item once per CAE: every item offered is recorded in the CAE's
schema (`catalogue.InstalledItem`, by kind and natural key), so installing again changes
nothing, and what the CAE edited or deleted since stays as the CAE left it. An item whose key
the CAE already uses (it made its own) is left alone too.

Payload (every section optional):

    {"workshops": [{"key": "gestion-1", "title": "…", "theme": "management",
                    "duration_minutes": 180, "capacity": 12, "description": "…"}],
     "documents": [{"key": "cape", "title": "…", "kind": "cape", "body": "…"}],
     "accounts": [{"number": "706100", "label": "…"}],
     "journals": [{"code": "OD", "label": "Opérations diverses"}],
     "contribution_rate": {"rate": "11.50"},
     "people_settings": {"cesa_requires_first_revenue": true, "retention_years": 5,
                         "cape_warning_days": 30, "associate_warning_months": 6}}

The people settings are one item: offered once, and not written when the CAE's director has
already saved its own (`PeopleSettings.edited_at`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from essaim.core.errors import AppError

from .models import Kind, Resource

SECTIONS = ("workshops", "documents", "accounts", "journals", "contribution_rate", "people_settings")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
ACCOUNT_RE = re.compile(r"^[1-8][0-9A-Z]{2,9}$")
JOURNAL_RE = re.compile(r"^[A-Z0-9]{2,4}$")
MAX_ITEMS = 500


def _bad(message: str) -> AppError:
    return AppError("template_payload_invalid", f"Contenu installable invalide : {message}", field="payload")


def _text(item: dict, name: str, where: str, *, max_length: int, required: bool = True) -> str:
    value = item.get(name, "")
    if not isinstance(value, str):
        raise _bad(f"{where} : « {name} » doit être un texte.")
    value = value.strip()
    if required and not value:
        raise _bad(f"{where} : « {name} » est obligatoire.")
    if len(value) > max_length:
        raise _bad(f"{where} : « {name} » dépasse {max_length} caractères.")
    return value


def _int(item: dict, name: str, where: str, *, default: int, low: int, high: int) -> int:
    value = item.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{where} : « {name} » doit être un entier entre {low} et {high}.")
    return value


def _key(item: dict, where: str) -> str:
    key = _text(item, "key", where, max_length=80)
    if not KEY_RE.match(key):
        raise _bad(f"{where} : code « {key} » (minuscules, chiffres et tirets).")
    return key


def _list(payload: dict, name: str) -> list[dict]:
    items = payload.get(name, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _bad(f"« {name} » doit être une liste d'objets.")
    if len(items) > MAX_ITEMS:
        raise _bad(f"« {name} » : au plus {MAX_ITEMS} éléments.")
    return items


def _unique(rows: list[dict], key: str, section: str) -> list[dict]:
    seen = set()
    for row in rows:
        if row[key] in seen:
            raise _bad(f"{section} : « {row[key]} » apparaît deux fois.")
        seen.add(row[key])
    return rows


PEOPLE_SETTINGS = ("cesa_requires_first_revenue", "retention_years", "cape_warning_days", "associate_warning_months")


def _people_settings(item) -> dict:
    from tenants.people import rules

    if not isinstance(item, dict) or set(item) - set(PEOPLE_SETTINGS):
        raise _bad(f"« people_settings » attend {', '.join(PEOPLE_SETTINGS)}.")
    values = {}
    if "cesa_requires_first_revenue" in item:
        if not isinstance(item["cesa_requires_first_revenue"], bool):
            raise _bad("« cesa_requires_first_revenue » vaut true ou false.")
        values["cesa_requires_first_revenue"] = item["cesa_requires_first_revenue"]
    # The bounds are those of the CAE's settings page (PeopleSettings' validators).
    for name, low, high in (("retention_years", 1, 30),
                            ("cape_warning_days", rules.CAPE_WARNING_DAYS_MIN, rules.CAPE_WARNING_DAYS_MAX),
                            ("associate_warning_months", rules.ASSOCIATE_WARNING_MONTHS_MIN,
                             rules.ASSOCIATE_WARNING_MONTHS_MAX)):
        if name in item:
            values[name] = _int(item, name, "réglages", default=low, low=low, high=high)
    return values


def payload_validate(payload) -> dict:
    """The payload, normalised; or AppError(template_payload_invalid) naming the item and rule."""
    from tenants.catalogue.models import DocumentModel
    from tenants.support.models import Workshop

    if not isinstance(payload, dict):
        raise _bad("un objet JSON est attendu.")
    unknown = sorted(set(payload) - set(SECTIONS))
    if unknown:
        raise _bad(f"rubrique inconnue « {unknown[0]} » (attendues : {', '.join(SECTIONS)}).")
    out: dict = {}
    workshops = []
    for i, item in enumerate(_list(payload, "workshops"), start=1):
        where = f"atelier {i}"
        key = _key(item, where)
        theme = _text(item, "theme", where, max_length=16)
        if theme not in Workshop.Theme.values:
            raise _bad(f"{where} : thème inconnu « {theme} » ({', '.join(Workshop.Theme.values)}).")
        workshops.append({"key": key, "title": _text(item, "title", where, max_length=200), "theme": theme,
                          "duration_minutes": _int(item, "duration_minutes", where, default=180, low=15, high=1440),
                          "capacity": _int(item, "capacity", where, default=12, low=1, high=500),
                          "description": _text(item, "description", where, max_length=5000, required=False)})
    if workshops:
        out["workshops"] = _unique(workshops, "key", "ateliers")
    documents = []
    for i, item in enumerate(_list(payload, "documents"), start=1):
        where = f"document {i}"
        key = _key(item, where)
        kind = _text(item, "kind", where, max_length=16, required=False) or "other"
        if kind not in DocumentModel.Kind.values:
            raise _bad(f"{where} : type inconnu « {kind} ».")
        documents.append({"key": key, "title": _text(item, "title", where, max_length=200), "kind": kind,
                          "body": _text(item, "body", where, max_length=100_000)})
    if documents:
        out["documents"] = _unique(documents, "key", "documents")
    accounts = []
    for i, item in enumerate(_list(payload, "accounts"), start=1):
        where = f"compte {i}"
        number = _text(item, "number", where, max_length=10)
        if not ACCOUNT_RE.match(number):
            raise _bad(f"{where} : numéro « {number} » invalide (classe 1 à 8, 3 à 10 caractères).")
        accounts.append({"number": number, "label": _text(item, "label", where, max_length=120)})
    if accounts:
        out["accounts"] = _unique(accounts, "number", "comptes")
    journals = []
    for i, item in enumerate(_list(payload, "journals"), start=1):
        where = f"journal {i}"
        code = _text(item, "code", where, max_length=4)
        if not JOURNAL_RE.match(code):
            raise _bad(f"{where} : code « {code} » invalide (2 à 4 majuscules ou chiffres).")
        journals.append({"code": code, "label": _text(item, "label", where, max_length=80)})
    if journals:
        out["journals"] = _unique(journals, "code", "journaux")
    if "contribution_rate" in payload:
        rate_item = payload["contribution_rate"]
        if not isinstance(rate_item, dict) or set(rate_item) - {"rate", "note"}:
            raise _bad("« contribution_rate » attend {\"rate\": \"10.00\"} (taux unique ; les paliers ne sont "
                       "pas pris en charge par les taux de la CAE).")
        try:
            rate = Decimal(str(rate_item.get("rate", "")).replace(",", "."))
        except InvalidOperation as exc:
            raise _bad("taux de contribution illisible.") from exc
        if not rate.is_finite() or not Decimal("0") <= rate <= Decimal("50") or rate.as_tuple().exponent < -2:
            raise _bad("le taux de contribution est compris entre 0 et 50 %, au centième près.")
        out["contribution_rate"] = {"rate": f"{rate:.2f}",
                                    "note": _text(rate_item, "note", "taux", max_length=200, required=False)}
    if "people_settings" in payload:
        out["people_settings"] = _people_settings(payload["people_settings"])
    if not out:
        raise _bad("aucune rubrique à installer.")
    return out


@dataclass
class InstallReport:
    cooperative_id: int
    created: dict[str, int] = field(default_factory=dict)  # kind → items written
    skipped: dict[str, int] = field(default_factory=dict)  # kind → items already offered or the CAE's own
    resources: list[int] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


def templates_at_launch():
    return Resource.objects.filter(kind=Kind.TEMPLATE, state=Resource.State.PUBLISHED, install_at_launch=True,
                                   payload__isnull=False).order_by("pk")


def _current_version_number(resource: Resource) -> int:
    latest = resource.versions.filter(published_at__isnull=False).order_by("-number").values_list("number", flat=True)
    return latest.first() or 0


def _install_items(resource: Resource, payload: dict, report: InstallReport, acting_user, *,
                   keep_contribution_rate: bool = False) -> None:
    """In the CAE's schema (the caller set it)."""
    from tenants.activity.contributions import contribution_rate_set
    from tenants.activity.models import ContributionRate
    from tenants.catalogue.models import (
        AccountLabel,
        DocumentModel,
        InstalledItem,
        JournalLabel,
        WorkshopModel,
    )
    from tenants.people.models import PeopleSettings

    version = _current_version_number(resource)
    offered = set(InstalledItem.objects.values_list("kind", "key"))
    user_id = getattr(acting_user, "pk", None) if getattr(acting_user, "is_authenticated", False) else None

    def offer(kind: str, key: str, exists: bool, write) -> None:
        if (kind, key) in offered:
            report.skipped[kind] = report.skipped.get(kind, 0) + 1
            return
        if not exists:
            write()
            report.created[kind] = report.created.get(kind, 0) + 1
        else:
            report.skipped[kind] = report.skipped.get(kind, 0) + 1
        InstalledItem.objects.create(kind=kind, key=key, resource_id=resource.pk, version_number=version,
                                     created=not exists, installed_by_id=user_id)
        offered.add((kind, key))

    for section, kind, model, key_field in (("workshops", "workshop", WorkshopModel, "key"),
                                            ("documents", "document", DocumentModel, "key"),
                                            ("accounts", "account", AccountLabel, "number"),
                                            ("journals", "journal", JournalLabel, "code")):
        rows = payload.get(section, [])
        have = set(model.objects.filter(**{f"{key_field}__in": [r[key_field] for r in rows]})
                   .values_list(key_field, flat=True))
        for row in rows:
            offer(kind, row[key_field], row[key_field] in have,
                  lambda model=model, row=row: model.objects.create(**row))
    if "contribution_rate" in payload:
        rate = payload["contribution_rate"]
        today = timezone.localdate()
        note = rate.get("note") or f"Modèle du réseau : {resource.title}"[:200]
        own = keep_contribution_rate or ContributionRate.objects.filter(valid_from=today).exists()
        offer("contribution_rate", "contribution_rate", own,
              lambda: contribution_rate_set(valid_from=today, rate=rate["rate"], note=note, acting_user=acting_user))
    if "people_settings" in payload and payload["people_settings"]:
        values = payload["people_settings"]

        current = PeopleSettings.current()

        def write_settings():
            for name, value in values.items():
                setattr(current, name, value)
            current.save(update_fields=list(values))

        # Saved by the CAE's director: its own, recorded as offered and not written (so a later
        # install does not bring the template's values back either).
        offer("people_settings", "people_settings", current.edited_at is not None, write_settings)


def templates_install(*, cooperative, resources=None, acting_user=None,
                      keep_contribution_rate: bool = False) -> InstallReport:
    """Install `resources` (published templates; default: every « install at launch » template)
    into `cooperative`'s schema. Atomic (a savepoint inside an outer transaction), idempotent, and
    never touches what the CAE already has. Returns what was written and skipped.

    `keep_contribution_rate`: the CAE's rate is its own already (the launch, when the business plan
    gives one): a template's `contribution_rate` is recorded as offered and not written, like any
    item the CAE already had — so installing the template later does not bring it back either."""
    from tenants.audit.services import audit_record

    if resources is None:
        chosen = list(templates_at_launch())
    else:
        ids = [getattr(r, "pk", r) for r in resources]
        chosen = list(Resource.objects.filter(pk__in=ids).order_by("pk"))
        if len(chosen) != len(set(ids)):
            raise AppError("template_unknown", "Modèle introuvable.", field="resources", status=404)
    for resource in chosen:
        if resource.kind != Kind.TEMPLATE or resource.payload is None:
            raise AppError("template_not_installable", f"« {resource.title} » n'est pas un modèle installable.",
                           field="resources")
        if resource.state != Resource.State.PUBLISHED:
            raise AppError("template_not_published", f"« {resource.title} » n'est pas publié.", field="resources")
    payloads = [(resource, payload_validate(resource.payload)) for resource in chosen]
    report = InstallReport(cooperative_id=cooperative.pk, resources=[r.pk for r in chosen])
    with transaction.atomic(), tenant_context(cooperative):
        # One install at a time per CAE: a second click waits, then finds everything offered.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7_204_001, cooperative.pk])
        for resource, payload in payloads:
            _install_items(resource, payload, report, acting_user, keep_contribution_rate=keep_contribution_rate)
        if report.total_created:
            audit_record(action="templates_install", target=f"cooperative:{cooperative.pk}", acting_user=acting_user,
                         details={"resources": report.resources, "created": report.created})
    return report
