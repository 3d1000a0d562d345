"""Reads on API keys: the key named in a request, from the current CAE's schema only (keys live
there: another CAE's ids are not), for its director, or 404."""

from __future__ import annotations

from django.http import Http404

from essaim.accounts.models import Membership

from .models import ApiKey


def api_key_get_for(*, actor: Membership, pk: int) -> ApiKey:
    key = ApiKey.objects.filter(pk=pk).first() if actor.role == Membership.Role.DIRECTOR else None
    if key is None:
        raise Http404("Clé d'API introuvable.")
    return key
