"""Activity's write port for the network: the contribution rate a network template offers
(through tenants.catalogue.install). Runs inside the CAE's schema; validated and audited by the
activity's own service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django_tenants.utils import tenant_context

from essaim.audit.actors import Actor
from essaim.cooperatives.models import Cooperative

from .contributions import MAX_RATE, contribution_rate_set
from .models import ContributionRate

__all__ = ["MAX_RATE", "contribution_rate_offer"]


def contribution_rate_offer(*, cooperative: Cooperative, rate: Decimal | str, valid_from: date, note: str,
                            acting_user: Actor) -> bool:
    """A template's rate from `valid_from`, unless the CAE already has a rate from that day (its
    own, or an earlier install's). Returns whether written. Bad rates raise AppError (French)."""
    with transaction.atomic(), tenant_context(cooperative):
        if ContributionRate.objects.filter(valid_from=valid_from).exists():
            return False
        contribution_rate_set(valid_from=valid_from, rate=rate, note=note, acting_user=acting_user)
    return True
