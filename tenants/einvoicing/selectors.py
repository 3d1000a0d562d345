"""Reads of the e-invoicing transport: the flows list with its filters, one flow for an actor."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from essaim.accounts.models import Membership

from .models import Exchange, Flow, PlatformOffer

# Who sees the CAE's exchanges with its platform: they are the CAE's, not an entrepreneur's.
VIEW_ROLES = Membership.FINANCE_ROLES
MANAGE_ROLES = (Membership.Role.DIRECTOR,)


def flows_filter(qs: QuerySet[Flow], *, q: str = "", direction: str = "", state: str = "", kind: str = "",
                 status: str = "") -> QuerySet[Flow]:
    q = q.replace("\x00", "").strip()
    if q:
        qs = qs.filter(Q(document_number__icontains=q) | Q(name__icontains=q) | Q(flow_id__icontains=q)
                       | Q(tracking_id__icontains=q))
    if direction in Flow.Direction.values:
        qs = qs.filter(direction=direction)
    if state in Flow.State.values:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(flow_type=kind)
    if status:
        qs = qs.filter(last_status=status)
    return qs


def flow_get_for(*, actor: Membership | None, pk: int) -> Flow:
    """One flow of this CAE, for a finance member; 404 otherwise (never a hint that it exists)."""
    if actor is None or actor.role not in VIEW_ROLES:
        raise Http404
    flow = Flow.objects.select_related("payload", "about").filter(pk=pk).first()
    if flow is None:
        raise Http404
    return flow


def exchanges_recent(*, limit: int = 50) -> QuerySet[Exchange]:
    return Exchange.objects.select_related("flow").order_by("-at", "-pk")[:limit]


def platform_offer_latest() -> PlatformOffer | None:
    """The platform the network offered last (install.py), if any."""
    return PlatformOffer.objects.order_by("-created_at", "-pk").first()
