"""Reads on support: the info session or workshop named in a request, from the current CAE's
schema only (another CAE's ids are not there), or 404."""

from __future__ import annotations

from django.http import Http404

from essaim.accounts.models import Membership

from .models import InfoSession, Workshop


def info_session_get_for(*, actor: Membership, pk: int) -> InfoSession:
    """An info session's page (registrations, attendance) is the staff's."""
    session = InfoSession.objects.select_related("site").filter(pk=pk).first() if actor.is_staff_role else None
    if session is None:
        raise Http404("Réunion d'information introuvable.")
    return session


def workshop_get_for(*, actor: Membership, pk: int) -> Workshop:
    """Every member of the CAE sees its workshops (entrepreneurs register themselves)."""
    workshop = Workshop.objects.select_related("site").filter(pk=pk).first()
    if workshop is None:
        raise Http404("Atelier introuvable.")
    return workshop
