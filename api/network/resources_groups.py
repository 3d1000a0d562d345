"""Read-only API of the working groups: for signed-in members of the network (a group's member
users and the users of its member CAEs) and network staff; other callers get 401 or 404."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from network.resources.access import group_get_for, groups_visible, resources_published, viewer_for
from network.resources.models import GroupMeeting, MeetingAttendance, Sector, Theme

from .base import NetworkAPIView, SignedIn


class GroupPagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    theme = serializers.ChoiceField(choices=Theme.choices, allow_blank=True)
    sector = serializers.ChoiceField(choices=Sector.choices, allow_blank=True)
    description = serializers.CharField()
    coordinator = serializers.SerializerMethodField()
    member_cooperatives = serializers.SerializerMethodField()

    def get_coordinator(self, group) -> str | None:
        return group.coordinator.get_full_name() if group.coordinator else None

    def get_member_cooperatives(self, group) -> list[NamedSerializer]:
        return [{"id": c.pk, "name": c.name} for c in group.member_cooperatives.all()]


class GroupDetailSerializer(GroupSerializer):
    members = serializers.SerializerMethodField()
    produced = serializers.ListField(child=serializers.IntegerField(), help_text="Ressources publiées par le groupe.")
    shared = serializers.ListField(child=serializers.IntegerField(), help_text="Documents de la bibliothèque partagés.")

    def get_members(self, group) -> list[NamedSerializer]:
        return [{"id": u.pk, "name": u.get_full_name()} for u in group.member_users.all()]


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    place = serializers.CharField()
    visio_url = serializers.URLField(allow_blank=True)
    agenda = serializers.CharField()
    minutes = serializers.CharField(help_text="Synthèse de la rencontre.")
    present_cooperatives = serializers.SerializerMethodField()
    present_users = serializers.SerializerMethodField()

    def get_present_cooperatives(self, meeting) -> list[str]:
        return sorted(a.cooperative.name for a in meeting.attendance.all() if a.cooperative_id)

    def get_present_users(self, meeting) -> list[str]:
        return sorted(a.user.get_full_name() for a in meeting.attendance.all() if a.user_id)


class GroupList(NetworkAPIView):
    permission_classes = [SignedIn]

    @extend_schema(operation_id="network_groups", summary="Groupes de travail visibles", tags=["réseau : groupes de travail"],
                   responses=GroupSerializer(many=True))
    def get(self, request):
        groups = (groups_visible(viewer_for(self.web_user)).select_related("coordinator")
                  .prefetch_related("member_cooperatives").order_by("name"))
        paginator = GroupPagination()
        page = paginator.paginate_queryset(groups, request, view=self)
        return paginator.get_paginated_response(GroupSerializer(page, many=True).data)


class GroupDetail(NetworkAPIView):
    permission_classes = [SignedIn]

    @extend_schema(operation_id="network_group", summary="Un groupe de travail", tags=["réseau : groupes de travail"],
                   responses=GroupDetailSerializer)
    def get(self, request, pk: int):
        viewer = viewer_for(self.web_user)
        group = group_get_for(actor=viewer, pk=pk)
        visible = resources_published(viewer)
        group.produced = list(visible.filter(working_group=group).order_by("pk").values_list("pk", flat=True))
        group.shared = list(visible.filter(shared_in_groups=group).order_by("pk").values_list("pk", flat=True))
        return Response(GroupDetailSerializer(group).data)


class GroupMeetings(NetworkAPIView):
    permission_classes = [SignedIn]

    @extend_schema(operation_id="network_group_meetings", summary="Rencontres d'un groupe (ordre du jour, présences, synthèse)",
                   tags=["réseau : groupes de travail"], responses=MeetingSerializer(many=True))
    def get(self, request, pk: int):
        group = group_get_for(actor=viewer_for(self.web_user), pk=pk)
        attendance = Prefetch("attendance", queryset=MeetingAttendance.objects.select_related("user", "cooperative"))
        meetings = GroupMeeting.objects.filter(group=group).prefetch_related(attendance).order_by("-starts_at", "-id")
        paginator = GroupPagination()
        page = paginator.paginate_queryset(meetings, request, view=self)
        return paginator.get_paginated_response(MeetingSerializer(page, many=True).data)
