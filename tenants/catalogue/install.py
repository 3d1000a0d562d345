"""The catalogue's write port: a network template installed into this CAE's schema — the
catalogue of workshops (with their themes), document models, the labels of the chart of accounts
and of the journals, and, through their apps' own ports, the contribution rate and the people
settings. The network's library (network.resources.templates) chooses the templates and calls
these two services; nothing else of this app is the network's to touch.

Every item offered is recorded once per CAE (`InstalledItem`, by kind and natural key), so
installing again changes nothing, and what the CAE edited or deleted since stays as the CAE left
it. An item whose key the CAE already uses (it made its own) is left alone too.

Payload (every section optional):

    {"workshops": [{"key": "gestion-1", "title": "…", "theme": "management",
                    "duration_minutes": 180, "capacity": 12, "description": "…"}],
     "documents": [{"key": "cape", "title": "…", "kind": "cape", "body": "…"}],
     "accounts": [{"number": "706100", "label": "…"}],
     "journals": [{"code": "OD", "label": "Opérations diverses"}],
     "contribution_rate": {"rate": "11.50"},
     "people_settings": {"cesa_requires_first_revenue": true, "retention_years": 5,
                         "cape_warning_days": 30, "associate_warning_months": 6},
     "einvoicing_platform": {"key": "pa-reseau", "name": "…", "flow_url": "https://…/flow-service",
                             "directory_url": "https://…/directory-service", "token_url": "https://…/token",
                             "platform_number": "0042", "syntax": "Factur-X", "note": "…"}}

The platform is the approved platform the network negotiated (tenants/einvoicing/install.py):
addresses only, never credentials; it prefills the CAE's connection form.

The people settings are one item: offered once, and not written when the CAE's director has
already saved its own (`PeopleSettings.edited_at`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from essaim.audit.actors import Actor
from essaim.audit.services import audit_record
from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError
from essaim.core.money import has_more_places
from tenants.activity.install import MAX_RATE, contribution_rate_offer
from tenants.einvoicing.install import platform_offer_install, platform_offer_validate
from tenants.people.install import PEOPLE_SETTINGS_BOUNDS, PEOPLE_SETTINGS_FIELDS, people_settings_offer

from .models import AccountLabel, DocumentModel, InstalledItem, JournalLabel, WorkshopModel, WorkshopTheme

SECTIONS = ("workshops", "documents", "accounts", "journals", "contribution_rate", "people_settings",
            "einvoicing_platform")
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


def _people_settings(item: object) -> dict[str, bool | int]:
    if not isinstance(item, dict) or set(item) - set(PEOPLE_SETTINGS_FIELDS):
        raise _bad(f"« people_settings » attend {', '.join(PEOPLE_SETTINGS_FIELDS)}.")
    values: dict[str, bool | int] = {}
    if "cesa_requires_first_revenue" in item:
        if not isinstance(item["cesa_requires_first_revenue"], bool):
            raise _bad("« cesa_requires_first_revenue » vaut true ou false.")
        values["cesa_requires_first_revenue"] = item["cesa_requires_first_revenue"]
    # The bounds are those of the CAE's settings page (PeopleSettings' validators).
    for name, (low, high) in PEOPLE_SETTINGS_BOUNDS.items():
        if name in item:
            values[name] = _int(item, name, "réglages", default=low, low=low, high=high)
    return values


def template_validate(payload: object) -> dict[str, Any]:
    """The payload, normalised; or AppError(template_payload_invalid) naming the item and rule."""
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
        if theme not in WorkshopTheme.values:
            raise _bad(f"{where} : thème inconnu « {theme} » ({', '.join(WorkshopTheme.values)}).")
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
        if not rate.is_finite() or not Decimal("0") <= rate <= MAX_RATE or has_more_places(rate, 2):
            raise _bad("le taux de contribution est compris entre 0 et 50 %, au centième près.")
        out["contribution_rate"] = {"rate": f"{rate:.2f}",
                                    "note": _text(rate_item, "note", "taux", max_length=200, required=False)}
    if "people_settings" in payload:
        out["people_settings"] = _people_settings(payload["people_settings"])
    if "einvoicing_platform" in payload:
        out["einvoicing_platform"] = platform_offer_validate(payload["einvoicing_platform"])
    if not out:
        raise _bad("aucune rubrique à installer.")
    return out


@dataclass(frozen=True)
class TemplateSource:
    """The library resource an install comes from (public schema: no foreign key crosses)."""

    resource_id: int
    version_number: int
    title: str


@dataclass
class InstallReport:
    cooperative_id: int
    created: dict[str, int] = field(default_factory=dict)  # kind → items written
    skipped: dict[str, int] = field(default_factory=dict)  # kind → items already offered or the CAE's own
    resources: list[int] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


_CATALOGUE_SECTIONS: tuple[tuple[str, str, type[models.Model], str], ...] = (
    ("workshops", "workshop", WorkshopModel, "key"),
    ("documents", "document", DocumentModel, "key"),
    ("accounts", "account", AccountLabel, "number"),
    ("journals", "journal", JournalLabel, "code"),
)


def _kept() -> bool:
    return False


def _create(model: type[models.Model], row: dict[str, Any]) -> bool:
    model._default_manager.create(**row)
    return True


def _install_one(cooperative: Cooperative, source: TemplateSource, content: dict[str, Any], report: InstallReport,
                 acting_user: Actor, *, keep_contribution_rate: bool) -> None:
    offered = set(InstalledItem.objects.values_list("kind", "key"))
    user_id = acting_user.pk if acting_user.is_authenticated else None

    def offer(kind: str, key: str, write: Callable[[], bool]) -> None:
        """`write` creates the item unless the CAE has its own, and says whether it did."""
        if (kind, key) in offered:
            report.skipped[kind] = report.skipped.get(kind, 0) + 1
            return
        created = write()
        bucket = report.created if created else report.skipped
        bucket[kind] = bucket.get(kind, 0) + 1
        InstalledItem.objects.create(kind=kind, key=key, resource_id=source.resource_id,
                                     version_number=source.version_number, created=created,
                                     installed_by_id=user_id)
        offered.add((kind, key))

    for section, kind, model, key_field in _CATALOGUE_SECTIONS:
        rows = content.get(section, [])
        have = set(model._default_manager.filter(**{f"{key_field}__in": [r[key_field] for r in rows]})
                   .values_list(key_field, flat=True))
        for row in rows:
            exists = row[key_field] in have
            offer(kind, row[key_field], _kept if exists else partial(_create, model, row))
    if "contribution_rate" in content:
        rate = content["contribution_rate"]
        note = rate.get("note") or f"Modèle du réseau : {source.title}"[:200]
        offer("contribution_rate", "contribution_rate", lambda: not keep_contribution_rate and contribution_rate_offer(
            cooperative=cooperative, rate=rate["rate"], valid_from=timezone.localdate(), note=note,
            acting_user=acting_user))
    if content.get("people_settings"):
        # Saved by the CAE's director: its own, recorded as offered and not written (so a later
        # install does not bring the template's values back either).
        offer("people_settings", "people_settings", lambda: people_settings_offer(
            cooperative=cooperative, values=content["people_settings"], acting_user=acting_user))
    if content.get("einvoicing_platform"):
        platform = content["einvoicing_platform"]
        offer("einvoicing_platform", platform["key"], lambda: platform_offer_install(
            cooperative=cooperative, values=platform, offered_by=source.title, acting_user=acting_user))


def template_install(*, cooperative: Cooperative, templates: list[tuple[TemplateSource, dict[str, Any]]],
                     acting_user: Actor, keep_contribution_rate: bool = False) -> InstallReport:
    """Install validated template contents (`template_validate`) into `cooperative`'s schema, in
    order. Atomic (a savepoint inside an outer transaction), idempotent, and never touches what the
    CAE already has. Returns what was written and skipped.

    `keep_contribution_rate`: the CAE's rate is its own already (the launch, when the business plan
    gives one): a template's `contribution_rate` is recorded as offered and not written, like any
    item the CAE already had — so installing the template later does not bring it back either."""
    report = InstallReport(cooperative_id=cooperative.pk, resources=[source.resource_id for source, _ in templates])
    with transaction.atomic(), tenant_context(cooperative):
        # One install at a time per CAE: a second click waits, then finds everything offered.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7_204_001, cooperative.pk])
        for source, content in templates:
            _install_one(cooperative, source, content, report, acting_user,
                         keep_contribution_rate=keep_contribution_rate)
        if report.total_created:
            audit_record(action="templates_install", target=f"cooperative:{cooperative.pk}", acting_user=acting_user,
                         details={"resources": report.resources, "created": report.created})
    return report
