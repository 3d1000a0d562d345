"""Writes on the purchase side: routing codes, and an invoice attributed by hand. Each audited."""

from __future__ import annotations

import re

from django.db import transaction

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.core.errors import AppError
from tenants.people.models import Entrepreneur

from .models import SUFFIX_MAX, RoutingCode, SupplierInvoice

# The suffix of an addressing identifier: letters, digits and hyphens (XP Z12-013 directory lines
# accept more; what a supplier types in its software stays simple).
CODE_RE = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9-]{{0,{SUFFIX_MAX - 1}}}$")


def routing_code_create(*, entrepreneur: Entrepreneur, code: str, acting_user: Actor) -> RoutingCode:
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise AppError("routing_code_invalid", f"Code d'acheminement invalide : 1 à {SUFFIX_MAX} lettres, chiffres ou "
                       "tirets, sans espace.", field="code")
    with transaction.atomic():
        if RoutingCode.objects.filter(code__iexact=code).exists():
            raise AppError("routing_code_taken", f"Le code « {code} » est déjà attribué.", field="code")
        routing = RoutingCode.objects.create(entrepreneur=entrepreneur, code=code, created_by=actor_user(acting_user))
        audit_record(action="purchases.routing_code_created", target=f"entrepreneur:{entrepreneur.pk}",
                     acting_user=acting_user, details={"code": code})
    return routing


def invoice_assign(*, invoice: SupplierInvoice, entrepreneur: Entrepreneur, acting_user: Actor) -> SupplierInvoice:
    """A received invoice given to an activity by the accounts team (no code, or the wrong one)."""
    with transaction.atomic():
        locked = SupplierInvoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.state not in (SupplierInvoice.State.TO_ASSIGN, SupplierInvoice.State.INBOX):
            raise AppError("purchase_not_assignable", "Cette facture ne peut pas être attribuée (illisible ou doublon).")
        before = locked.entrepreneur_id
        locked.entrepreneur, locked.state = entrepreneur, SupplierInvoice.State.INBOX
        locked.routed_by = SupplierInvoice.RoutedBy.HAND
        locked.save(update_fields=["entrepreneur", "state", "routed_by", "updated_at"])
        audit_record(action="purchases.invoice_assigned", target=f"supplier_invoice:{locked.pk}",
                     acting_user=acting_user, details={"from": before, "to": entrepreneur.pk})
    return locked
