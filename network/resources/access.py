"""Who sees what in the library and the working groups: one Viewer per request, built from the
user's active memberships, and the querysets every page and endpoint goes through."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from essaim.accounts.models import Membership

from .models import GroupMeeting, Resource, WorkingGroup


@dataclass(frozen=True)
class Viewer:
    user: object = None
    is_network_staff: bool = False
    cooperative_ids: frozenset[int] = field(default_factory=frozenset)  # active memberships, any role
    director_of: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def is_member(self) -> bool:
        """A member of the network: its staff, or anyone with an active membership of a CAE."""
        return self.is_network_staff or bool(self.cooperative_ids)

    @property
    def user_id(self):
        return getattr(self.user, "pk", None)


ANONYMOUS = Viewer()


def viewer_for(user) -> Viewer:
    """One query (the user's active memberships). Built once per request by the views; not
    cached on the user object, so a membership ended a moment ago is never honoured."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return ANONYMOUS
    rows = list(Membership.objects.filter(user=user, is_active=True).values_list("cooperative_id", "role"))
    return Viewer(user=user, is_network_staff=bool(getattr(user, "is_network_staff", False)),
                  cooperative_ids=frozenset(c for c, _ in rows),
                  director_of=frozenset(c for c, r in rows if r == Membership.Role.DIRECTOR))


def _named_for(cooperative_ids) -> Q:
    through = Resource.named_cooperatives.through
    return Q(Exists(through.objects.filter(resource_id=OuterRef("pk"), cooperative_id__in=cooperative_ids)))


def visibility_q(viewer: Viewer) -> Q:
    """Which published resources the viewer may see."""
    if viewer.is_network_staff:
        return Q()
    condition = Q(visibility=Resource.Visibility.PUBLIC)
    if viewer.cooperative_ids:
        ids = sorted(viewer.cooperative_ids)
        condition |= Q(visibility=Resource.Visibility.NETWORK)
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


def resource_get(viewer: Viewer, pk) -> Resource:
    """The resource if the viewer may reach it; 404 otherwise (never 403: no hint it exists)."""
    resource = resources_reachable(viewer).select_related("author_cooperative", "working_group").filter(pk=pk).first()
    if resource is None:
        raise Http404
    return resource


def download_cooperative_id(viewer: Viewer, resource: Resource) -> int | None:
    """Which CAE a download is counted for: the viewer's CAE that grants access (the author or a
    named one for a named-CAE resource), else their first CAE; None for anonymous and staff."""
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


def group_get(viewer: Viewer, pk) -> WorkingGroup:
    group = groups_visible(viewer).select_related("coordinator").filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def group_can_manage(viewer: Viewer, group: WorkingGroup) -> bool:
    return viewer.is_network_staff or (viewer.user_id is not None and group.coordinator_id == viewer.user_id)


def meeting_get(viewer: Viewer, group: WorkingGroup, pk) -> GroupMeeting:
    meeting = GroupMeeting.objects.filter(group=group, pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting
