"""Reads of the CAE's catalogue: the four lists (searched, with where each item came from), one
item by id, what the network's templates installed, and a workshop model as a scheduling form's
starting point. Everything reads the current CAE's schema only; an id that is not there is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Max, Min, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from essaim.accounts.models import Membership
from essaim.core.search import words_match

from .models import AccountLabel, DocumentModel, InstalledItem, JournalLabel, WorkshopModel, WorkshopTheme


@dataclass(frozen=True)
class Section:
    """One list of the catalogue: its URL part, model, natural key (the `InstalledItem` key), the
    fields searched, and the optional facet (theme, document type)."""

    slug: str
    kind: str  # InstalledItem.kind
    model: type[Model]
    key_field: str
    search_fields: tuple[str, ...]
    title: Any
    empty: Any
    added: Any
    facet: str = ""
    facet_label: Any = ""


SECTIONS: dict[str, Section] = {s.slug: s for s in (
    Section("ateliers", "workshop", WorkshopModel, "key", ("title", "key", "description"),
            _("Catalogue des ateliers"), _("Aucun atelier au catalogue."), _("Atelier ajouté au catalogue."),
            facet="theme", facet_label=_("Thème")),
    Section("documents", "document", DocumentModel, "key", ("title", "key", "body"),
            _("Modèles de documents"), _("Aucun modèle de document."), _("Modèle de document ajouté."),
            facet="kind", facet_label=_("Type")),
    Section("comptes", "account", AccountLabel, "number", ("number", "label"),
            _("Libellés du plan comptable"), _("Aucun libellé de compte."), _("Libellé de compte ajouté.")),
    Section("journaux", "journal", JournalLabel, "code", ("code", "label"),
            _("Libellés des journaux"), _("Aucun libellé de journal."), _("Libellé de journal ajouté.")),
)}

PAGE_SIZE = 25


def section_get(slug: str) -> Section:
    try:
        return SECTIONS[slug]
    except KeyError:
        raise Http404 from None


def facet_choices(section: Section) -> list[tuple[str, str]]:
    if not section.facet:
        return []
    field = section.model._meta.get_field(section.facet)
    return [(str(value), str(label)) for value, label in getattr(field, "choices", None) or ()]


def catalogue_items(section: Section, *, q: str = "", facet: str = "") -> QuerySet:
    """The section's items, each annotated with `from_network` (a template installed it, whatever
    the CAE did to it since), filtered by every word of `q` (accents and case ignored) and by the
    facet value when it is one of the facet's choices (anything else: no filter)."""
    received = InstalledItem.objects.filter(kind=section.kind, key=OuterRef(section.key_field), created=True)
    items = section.model._default_manager.annotate(from_network=Exists(received))
    if q.strip():
        annotations, condition = words_match(list(section.search_fields), q)
        items = items.annotate(**annotations).filter(condition)
    if section.facet and facet in dict(facet_choices(section)):
        items = items.filter(**{section.facet: facet})
    return items.order_by(*(section.model._meta.ordering or ()), "pk")


def catalogue_item_get_for(*, actor: Membership, section: Section, pk: int) -> Any:
    """One item of this CAE's catalogue for its staff, or 404 (another CAE's ids are not in this
    schema; the catalogue is not the entrepreneurs'). Each call returns a fresh copy: an edit form
    binds a second one, so a refused form leaves the first untouched."""
    received = InstalledItem.objects.filter(kind=section.kind, key=OuterRef(section.key_field), created=True)
    item = (section.model._default_manager.annotate(from_network=Exists(received)).filter(pk=pk).first()
            if actor.is_staff_role else None)
    if item is None:
        raise Http404("Élément du catalogue introuvable.")
    return item


@dataclass
class InstallSummary:
    resource_id: int
    version_number: int
    first_at: Any
    last_at: Any
    created: int
    skipped: int


@dataclass
class Overview:
    counts: dict[str, int]
    installs: list[InstallSummary]
    removed: dict[str, int]  # kind → items a template created that the CAE deleted since


def catalogue_overview() -> Overview:
    counts = {slug: section.model._default_manager.count() for slug, section in SECTIONS.items()}
    installs = [
        InstallSummary(resource_id=row["resource_id"], version_number=row["version_number"],
                       first_at=row["first_at"], last_at=row["last_at"], created=row["n_created"],
                       skipped=row["n_skipped"])
        for row in (InstalledItem.objects.values("resource_id", "version_number")
                    .annotate(first_at=Min("installed_at"), last_at=Max("installed_at"),
                              n_created=Count("pk", filter=Q(created=True)),
                              n_skipped=Count("pk", filter=Q(created=False)))
                    .order_by("-last_at", "resource_id", "version_number"))]
    removed = {}
    for section in SECTIONS.values():
        still_there = section.model._default_manager.filter(**{section.key_field: OuterRef("key")})
        gone = (InstalledItem.objects.filter(kind=section.kind, created=True)
                .exclude(Exists(still_there)).count())
        if gone:
            removed[section.slug] = gone
    return Overview(counts=counts, installs=installs, removed=removed)


def installed_item(kind: str) -> InstalledItem | None:
    """The record of a single-item section (`people_settings`, `contribution_rate`), if offered."""
    return InstalledItem.objects.filter(kind=kind, key=kind).first()


# -- scheduling a workshop from the catalogue ------------------------------------------------------

def workshop_models_for_scheduling() -> QuerySet:
    return WorkshopModel.objects.order_by("title", "pk")


def workshop_theme_from_catalogue(theme: str) -> str:
    """A scheduled workshop's theme is one of `WorkshopTheme` (a fixed list); a value it does not
    know falls back to « Autre »."""
    return theme if theme in WorkshopTheme.values else WorkshopTheme.OTHER


def workshop_prefill(model: WorkshopModel) -> dict:
    """What a workshop model gives a new workshop: the fields both have."""
    return {"title": model.title, "theme": workshop_theme_from_catalogue(model.theme),
            "duration_minutes": model.duration_minutes, "capacity": model.capacity,
            "description": model.description}
