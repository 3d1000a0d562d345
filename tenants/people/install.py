"""People's write port: what the network writes into a CAE's people app, and nothing else — the
sites of a newly launched CAE (network.onboarding) and the people settings a network template
offers (through tenants.catalogue.install). Each service validates everything before writing,
runs inside the CAE's schema, and is audited there with its actor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django_tenants.utils import tenant_context

from essaim.audit.actors import Actor
from essaim.audit.services import audit_record
from essaim.cooperatives.models import Cooperative

from . import rules
from .models import PeopleSettings, Site

SiteKind = Site.Kind  # the kinds of site the launch creates (head office, branch, outreach)

# What a template may set in the people settings, with the bounds of the CAE's own settings page
# (PeopleSettings' validators; the legal limits themselves are rules.py's constants).
PEOPLE_SETTINGS_BOUNDS: dict[str, tuple[int, int]] = {
    "retention_years": (1, 30),
    "cape_warning_days": (rules.CAPE_WARNING_DAYS_MIN, rules.CAPE_WARNING_DAYS_MAX),
    "associate_warning_months": (rules.ASSOCIATE_WARNING_MONTHS_MIN, rules.ASSOCIATE_WARNING_MONTHS_MAX),
}
PEOPLE_SETTINGS_FIELDS = ("cesa_requires_first_revenue", *PEOPLE_SETTINGS_BOUNDS)


@dataclass(frozen=True)
class SiteInput:
    name: str
    kind: str
    city: str
    department: str
    postal_code: str = ""
    address: str = ""


def sites_install(*, cooperative: Cooperative, sites: Sequence[SiteInput], acting_user: Actor) -> int:
    """Create `sites` in the CAE: all validated first (ValidationError names the field), then
    written in one statement. Returns how many were created."""
    rows = [Site(name=s.name[:120], kind=s.kind, address=s.address, postal_code=s.postal_code, city=s.city,
                 department=s.department) for s in sites]
    with transaction.atomic(), tenant_context(cooperative):
        for site in rows:
            site.full_clean(validate_unique=False)
        Site.objects.bulk_create(rows)
        audit_record(action="sites_install", target=f"count:{len(rows)}", acting_user=acting_user,
                     details={"sites": [site.name for site in rows]})
    return len(rows)


def people_settings_offer(*, cooperative: Cooperative, values: dict[str, bool | int], acting_user: Actor) -> bool:
    """A template's people settings: written unless the CAE's director has saved the CAE's own
    (`PeopleSettings.edited_at`), which a template never overrides. Returns whether written."""
    unknown = sorted(set(values) - set(PEOPLE_SETTINGS_FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: "Réglage des parcours inconnu."})
    with transaction.atomic(), tenant_context(cooperative):
        settings = PeopleSettings.objects.select_for_update().get(pk=PeopleSettings.current().pk)
        if settings.edited_at is not None:
            return False
        for name, value in values.items():
            setattr(settings, name, value)
        settings.full_clean()
        settings.save(update_fields=list(values))
        audit_record(action="people_settings_install", target=f"people_settings:{settings.pk}",
                     acting_user=acting_user, details={name: values[name] for name in values})
    return True
