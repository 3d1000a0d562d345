"""Network templates installed into a CAE: which published library resources of kind « modèle »
are installed, and when (at a CAE's launch, or on demand by network staff). What a template's
payload may hold, and how it is written into the CAE's schema, is the CAE catalogue's write port
(`tenants.catalogue.install`, whose docstring shows the payload); this module only chooses and
checks the resources, then calls that port.
"""

from __future__ import annotations

from typing import Any

from essaim.audit.actors import Actor
from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError
from tenants.catalogue.install import InstallReport, TemplateSource, template_install, template_validate

from .models import Kind, Resource

__all__ = ["InstallReport", "payload_validate", "templates_at_launch", "templates_install"]


def payload_validate(payload: object) -> dict[str, Any]:
    """A template's payload, normalised; or AppError(template_payload_invalid) naming the item
    and the rule (checked when the resource is proposed, and again before each install)."""
    return template_validate(payload)


def templates_at_launch():
    return Resource.objects.filter(kind=Kind.TEMPLATE, state=Resource.State.PUBLISHED, install_at_launch=True,
                                   payload__isnull=False).order_by("pk")


def _current_version_number(resource: Resource) -> int:
    latest = resource.versions.filter(published_at__isnull=False).order_by("-number").values_list("number", flat=True)
    return latest.first() or 0


def templates_install(*, cooperative: Cooperative, resources=None, acting_user: Actor,
                      keep_contribution_rate: bool = False) -> InstallReport:
    """Install `resources` (published templates; default: every « install at launch » template)
    into `cooperative`'s schema. Atomic (a savepoint inside an outer transaction), idempotent, and
    never touches what the CAE already has. Returns what was written and skipped.

    `keep_contribution_rate`: the CAE's rate is its own already (the launch, when the business plan
    gives one): a template's `contribution_rate` is recorded as offered and not written, like any
    item the CAE already had — so installing the template later does not bring it back either."""
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
    templates = [(TemplateSource(resource_id=resource.pk, version_number=_current_version_number(resource),
                                 title=resource.title), payload_validate(resource.payload)) for resource in chosen]
    return template_install(cooperative=cooperative, templates=templates, acting_user=acting_user,
                            keep_contribution_rate=keep_contribution_rate)
