"""Working-group pages: network staff manage (and a group's coordinator runs its meetings);
members read. Anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essaim.accounts.models import User
from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError

from . import services
from .access import (
    group_can_manage,
    group_get_for,
    group_meeting_get_for,
    groups_visible,
    resources_published,
    viewer_for,
)
from .forms import GroupForm, MeetingForm
from .models import GroupMeeting, WorkingGroup


@login_required
def group_list(request):
    """The groups the reader may open: the same rule as a group's page (staff: all; others: the
    groups they coordinate or belong to, in person or through a CAE), so a coordinator or member
    who belongs to no CAE finds their groups here. Someone with no group and no place in the
    network gets 404, as before."""
    viewer = viewer_for(request.user)
    groups = list(groups_visible(viewer).select_related("coordinator").order_by("name"))
    if not groups and not viewer.is_member:
        raise Http404
    return render(request, "resources/group_list.html", {"groups": groups, "is_staff": viewer.is_network_staff})


def _coordinator(email: str):
    if not email:
        return None
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise AppError("coordinator_unknown", "Aucun compte actif avec cette adresse e-mail.", field="coordinator")
    return user


@login_required
def group_create(request):
    viewer = viewer_for(request.user)
    if not viewer.is_network_staff:
        raise PermissionDenied
    form = GroupForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.group_create(name=data["name"], theme=data["theme"], sector=data["sector"],
                                          description=data["description"],
                                          coordinator=_coordinator(data["coordinator"]),
                                          member_cooperatives=[c.pk for c in data["member_cooperatives"]],
                                          acting_user=request.user)
        except AppError as exc:
            error = exc.message
        else:
            messages.success(request, _("Groupe de travail créé."))
            return redirect("resources:group", pk=group.pk)
    return render(request, "resources/group_form.html", {"form": form, "error": error},
                  status=400 if request.method == "POST" else 200)


@login_required
def group_detail(request, pk: int):
    """The group page: members, meetings (agenda, attendance, minutes), shared documents and what
    the group produced (resources authored for it) — only those the viewer may see."""
    viewer = viewer_for(request.user)
    group = group_get_for(actor=viewer, pk=pk)
    meetings = list(GroupMeeting.objects.filter(group=group).prefetch_related("attendance").order_by("-starts_at"))
    visible = resources_published(viewer)
    return render(request, "resources/group_detail.html", {
        "group": group, "meetings": meetings, "can_manage": group_can_manage(viewer, group),
        "is_staff": viewer.is_network_staff,
        "cooperatives": list(group.member_cooperatives.order_by("name")),
        "members": list(group.member_users.order_by("last_name", "first_name")),
        "shared": list(visible.filter(shared_in_groups=group).order_by("title")),
        "produced": list(visible.filter(working_group=group).order_by("-published_at")),
        "meeting_form": MeetingForm() if group_can_manage(viewer, group) else None,
        "all_cooperatives": Cooperative.objects.order_by("name") if viewer.is_network_staff else [],
    })


def _managed(request, pk: int) -> WorkingGroup:
    viewer = viewer_for(request.user)
    group = group_get_for(actor=viewer, pk=pk)
    if not group_can_manage(viewer, group):
        raise PermissionDenied
    return group


@login_required
@require_POST
def group_members(request, pk: int):
    viewer = viewer_for(request.user)
    group = group_get_for(actor=viewer, pk=pk)
    if not viewer.is_network_staff:
        raise PermissionDenied
    emails = {e.strip().lower() for e in request.POST.get("member_emails", "").replace(",", "\n").splitlines()
              if e.strip()}  # stored lower-cased (the accounts manager)
    users = list(User.objects.filter(email__in=sorted(emails), is_active=True).values_list("pk", flat=True))
    try:
        if len(users) != len(emails):
            raise AppError("group_member_unknown", "Une des adresses ne correspond à aucun compte actif.",
                           field="member_users")
        services.group_set_members(group=group, cooperatives=request.POST.getlist("member_cooperatives"),
                                   users=users, acting_user=request.user)
    except (AppError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Sélection invalide.")))
    else:
        messages.success(request, _("Membres du groupe enregistrés."))
    return redirect("resources:group", pk=pk)


@login_required
@require_POST
def group_share(request, pk: int):
    group = _managed(request, pk)
    viewer = viewer_for(request.user)
    try:
        resource_id = int(request.POST.get("resource", ""))
    except ValueError as exc:
        raise Http404 from exc
    resource = resources_published(viewer).filter(pk=resource_id).first()
    if resource is None:
        raise Http404
    services.group_share_resource(group=group, resource=resource, acting_user=request.user)
    messages.success(request, _("Document partagé avec le groupe."))
    return redirect("resources:group", pk=pk)


@login_required
@require_POST
def meeting_create(request, pk: int):
    group = _managed(request, pk)
    form = MeetingForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("resources:group", pk=pk)
    try:
        meeting = services.meeting_schedule(group=group, acting_user=request.user, **form.cleaned_data)
    except AppError as exc:
        messages.error(request, exc.message)
        return redirect("resources:group", pk=pk)
    messages.success(request, _("Rencontre programmée."))
    return redirect("resources:meeting", pk=pk, meeting=meeting.pk)


@login_required
def meeting_detail(request, pk: int, meeting: int):
    viewer = viewer_for(request.user)
    group = group_get_for(actor=viewer, pk=pk)
    item = group_meeting_get_for(actor=viewer, group=group, pk=meeting)
    can_manage = group_can_manage(viewer, group)
    error = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        try:
            services.meeting_record(meeting=item, minutes=request.POST.get("minutes", ""),
                                    present_users=request.POST.getlist("present_users"),
                                    present_cooperatives=request.POST.getlist("present_cooperatives"),
                                    acting_user=request.user)
        except (AppError, ValueError) as exc:
            error = getattr(exc, "message", _("Sélection invalide."))
        else:
            messages.success(request, _("Synthèse et présences enregistrées."))
            return redirect("resources:meeting", pk=pk, meeting=item.pk)
    present = item.attendance.all()
    members = list(group.member_users.order_by("last_name", "first_name"))
    if group.coordinator and group.coordinator not in members:
        members.insert(0, group.coordinator)
    return render(request, "resources/meeting_detail.html", {
        "group": group, "meeting": item, "can_manage": can_manage, "error": error,
        "present_users": {a.user_id for a in present if a.user_id},
        "present_cooperatives": {a.cooperative_id for a in present if a.cooperative_id},
        "members": members, "cooperatives": list(group.member_cooperatives.order_by("name")),
    }, status=400 if error else 200)
