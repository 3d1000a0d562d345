"""Who sees what in the library and the working groups: one Viewer per request, built from the
user's active memberships (plus founder roles on open setup projects and places in active
working groups), and the querysets every page and endpoint goes through."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import CharField, Exists, IntegerField, OuterRef, Q, Value
from django.http import Http404

from essaim.accounts.models import Membership
from essaim.cooperatives.models import Cooperative

from .models import GroupMeeting, Resource, WorkingGroup


@dataclass(frozen=True)
class Viewer:
    user: object = None
    is_network_staff: bool = False
    cooperative_ids: frozenset[int] = field(default_factory=frozenset)  # active memberships, any role
    director_of: frozenset[int] = field(default_factory=frozenset)
    # A founder of a CAE being set up (network/onboarding, project still open): no CAE yet, but a
    # member of the network for what it shares with its members (« network » visibility).
    is_founder: bool = False
    # The coordinator or a member (in person) of an active working group, possibly outside any
    # CAE (a partner, a consultant): they work with the network's members, so they count as one.
    in_working_group: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def is_member(self) -> bool:
        """A member of the network: its staff, anyone with an active membership of a CAE, the
        founders of an open setup project (their CAE does not exist yet), and the coordinators
        and member users of an active working group."""
        return self.is_network_staff or bool(self.cooperative_ids) or self.is_founder or self.in_working_group

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)


ANONYMOUS = Viewer()


# Markers of viewer_for's extra rows (never Membership roles).
FOUNDER = "__founder__"
GROUP_MEMBER = "__group__"


def viewer_for(user) -> Viewer:
    """One query: the user's active memberships, plus one marker row per open setup project they
    found and per active working group they coordinate or belong to in person. Built once per
    request by the views; not cached on the user object, so a membership ended (or a project
    closed, a group left) a moment ago is never honoured."""
    from network.onboarding.models import ProjectMember, SetupProject

    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return ANONYMOUS

    def marker(qs, name: str):
        return qs.annotate(no_cooperative=Value(None, output_field=IntegerField()),
                           marker=Value(name, output_field=CharField())).values_list("no_cooperative", "marker")

    memberships = Membership.objects.filter(user=user, is_active=True).values_list("cooperative_id", "role")
    founder = marker(ProjectMember.objects.filter(user=user, role=ProjectMember.Role.FOUNDER,
                                                  project__status=SetupProject.Status.OPEN), FOUNDER)
    in_group = marker(WorkingGroup.objects.filter(Q(coordinator=user) | Q(member_users=user), is_active=True)
                      .order_by(), GROUP_MEMBER)
    rows = list(memberships.union(founder, in_group, all=True))
    cooperatives = [(c, r) for c, r in rows if r not in (FOUNDER, GROUP_MEMBER)]
    return Viewer(user=user, is_network_staff=bool(getattr(user, "is_network_staff", False)),
                  cooperative_ids=frozenset(c for c, _ in cooperatives),
                  director_of=frozenset(c for c, r in cooperatives if r == Membership.Role.DIRECTOR),
                  is_founder=any(r == FOUNDER for _, r in rows),
                  in_working_group=any(r == GROUP_MEMBER for _, r in rows))


def _named_for(cooperative_ids) -> Q:
    through = Resource.named_cooperatives.through
    return Q(Exists(through.objects.filter(resource_id=OuterRef("pk"), cooperative_id__in=cooperative_ids)))


def visibility_q(viewer: Viewer) -> Q:
    """Which published resources the viewer may see."""
    if viewer.is_network_staff:
        return Q()
    condition = Q(visibility=Resource.Visibility.PUBLIC)
    if viewer.is_member:
        condition |= Q(visibility=Resource.Visibility.NETWORK)
    if viewer.cooperative_ids:  # named CAEs: founders and group members outside a CAE see none
        ids = sorted(viewer.cooperative_ids)
        condition |= Q(visibility=Resource.Visibility.NAMED) & (Q(author_cooperative_id__in=ids) | _named_for(ids))
    return condition


def resources_published(viewer: Viewer):
    return Resource.objects.filter(visibility_q(viewer), state=Resource.State.PUBLISHED)


def resources_reachable(viewer: Viewer):
    """Published ones the viewer may see, plus, for network staff, every proposal, and for a
    CAE's directors, their CAE's own proposals (proposed or rejected)."""
    qs = Resource.objects.all()
    if viewer.is_network_staff:
        return qs
    condition = Q(visibility_q(viewer), state=Resource.State.PUBLISHED)
    if viewer.director_of:
        condition |= Q(author_cooperative_id__in=sorted(viewer.director_of))
    return qs.filter(condition)


def resource_get_for(*, actor: Viewer, pk: int) -> Resource:
    """The resource if the viewer may reach it; 404 otherwise (never 403: no hint it exists)."""
    resource = resources_reachable(actor).select_related("author_cooperative", "working_group").filter(pk=pk).first()
    if resource is None:
        raise Http404("Ressource introuvable.")
    return resource


def cooperative_get_for(*, actor: Viewer, pk: int) -> Cooperative:
    """A CAE the viewer directs (where they propose a resource as its author, install a
    template), or 404: a CAE is named in a form, never taken on trust."""
    cooperative = Cooperative.objects.filter(pk=pk).first() if pk in actor.director_of else None
    if cooperative is None:
        raise Http404("Coopérative introuvable.")
    return cooperative


def download_cooperative_id(viewer: Viewer, resource: Resource) -> int | None:
    """Which CAE a download is counted for: the viewer's CAE that grants access (the author or a
    named one for a named-CAE resource), else their first CAE; None for anonymous visitors,
    network staff, founders and group members outside any CAE."""
    if not viewer.cooperative_ids:
        return None
    ids = sorted(viewer.cooperative_ids)
    if resource.visibility == Resource.Visibility.NAMED:
        named = set(resource.named_cooperatives.filter(pk__in=ids).values_list("pk", flat=True))
        if resource.author_cooperative_id:
            named.add(resource.author_cooperative_id)
        granted = [i for i in ids if i in named]
        if granted:
            return granted[0]
    return ids[0]


# -- working groups ------------------------------------------------------------------------------

def groups_q(viewer: Viewer) -> Q:
    if viewer.is_network_staff:
        return Q()
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    through_users = WorkingGroup.member_users.through
    through_coops = WorkingGroup.member_cooperatives.through
    condition = Q(coordinator_id=viewer.user_id)
    condition |= Q(Exists(through_users.objects.filter(workinggroup_id=OuterRef("pk"), user_id=viewer.user_id)))
    if viewer.cooperative_ids:
        condition |= Q(Exists(through_coops.objects.filter(workinggroup_id=OuterRef("pk"),
                                                           cooperative_id__in=sorted(viewer.cooperative_ids))))
    return condition


def groups_visible(viewer: Viewer):
    """Network staff see every group; members see the groups they (or their CAE) belong to."""
    return WorkingGroup.objects.filter(groups_q(viewer))


def group_get_for(*, actor: Viewer, pk: int) -> WorkingGroup:
    group = groups_visible(actor).select_related("coordinator").filter(pk=pk).first()
    if group is None:
        raise Http404("Groupe de travail introuvable.")
    return group


def group_can_manage(viewer: Viewer, group: WorkingGroup) -> bool:
    return viewer.is_network_staff or (viewer.user_id is not None and group.coordinator_id == viewer.user_id)


def group_meeting_get_for(*, actor: Viewer, group: WorkingGroup, pk: int) -> GroupMeeting:
    """A meeting of `group`, which was fetched for `actor` (group_get_for): whoever sees a group
    sees its meetings."""
    meeting = GroupMeeting.objects.filter(group=group, pk=pk).first()
    if meeting is None:
        raise Http404("Rencontre introuvable.")
    return meeting
