"""E-invoicing's write port for the network: a platform the network negotiated, offered to a CAE
(through tenants.catalogue.install, section `einvoicing_platform`). Only addresses travel: the
credentials are the CAE's own, typed by its director (docs/einvoicing.md, "A platform offered by
the network")."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tenants.utils import tenant_context

from essaim.audit.actors import Actor
from essaim.audit.services import audit_record
from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError

from .client import check_url
from .models import PlatformOffer, Syntax

OFFER_FIELDS = ("name", "flow_url", "directory_url", "token_url", "platform_number", "syntax", "note")
OFFER_SYNTAXES = (Syntax.FACTURX.value, Syntax.CII.value, Syntax.UBL.value)


def _bad(message: str) -> AppError:
    return AppError("template_payload_invalid", f"Contenu installable invalide : {message}", field="payload")


def platform_offer_validate(item: object) -> dict[str, str]:
    """The section's content, checked and normalised; AppError (French) otherwise."""
    if not isinstance(item, dict) or set(item) - {"key", *OFFER_FIELDS}:
        raise _bad(f"« einvoicing_platform » attend key, {', '.join(OFFER_FIELDS)}.")
    values: dict[str, str] = {}
    for name, limit, required in (("key", 80, True), ("name", 120, True), ("flow_url", 300, True),
                                  ("directory_url", 300, True), ("token_url", 300, True),
                                  ("platform_number", 4, False), ("syntax", 10, False), ("note", 300, False)):
        value = item.get(name, "")
        if not isinstance(value, str) or len(value.strip()) > limit or (required and not value.strip()):
            raise _bad(f"plateforme : « {name} » est {'obligatoire, ' if required else ''}un texte de {limit} "
                       "caractères au plus.")
        values[name] = value.strip()
    for name in ("flow_url", "directory_url", "token_url"):
        try:
            check_url(values[name])
        except AppError as exc:
            raise _bad(f"plateforme : « {name} » : {exc.message}") from exc
    if values["platform_number"] and len(values["platform_number"]) != 4:
        raise _bad("plateforme : le matricule compte 4 caractères.")
    values["syntax"] = values["syntax"] or Syntax.FACTURX.value
    if values["syntax"] not in OFFER_SYNTAXES:
        raise _bad(f"plateforme : « syntax » est l'un de {', '.join(OFFER_SYNTAXES)}.")
    return values


def platform_offer_install(*, cooperative: Cooperative, values: dict[str, Any], offered_by: str,
                           acting_user: Actor) -> bool:
    """Record the offer in the CAE's schema (once per key). Returns whether written. The CAE's
    connection, if it has one, is left as it is: the offer only prefills a connection to come."""
    with transaction.atomic(), tenant_context(cooperative):
        if PlatformOffer.objects.filter(key=values["key"]).exists():
            return False
        PlatformOffer.objects.create(offered_by=offered_by[:200], **values)
        audit_record(action="einvoicing_platform_offered", target=f"platform_offer:{values['key']}",
                     acting_user=acting_user, details={"name": values["name"], "flow_url": values["flow_url"]})
    return True
