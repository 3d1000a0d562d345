"""Writes on the library and the working groups. Each is atomic, validates first (bad input
changes nothing: no row, no file), takes `acting_user` and is audited in the public schema."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from essaim.audit.actors import Actor, actor_user
from essaim.audit.services import audit_record
from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError

from .access import groups_visible, viewer_for
from .models import (
    DownloadCount,
    GroupMeeting,
    Kind,
    MeetingAttendance,
    Resource,
    ResourceVersion,
    WorkingGroup,
)
from .uploads import CheckedFile, upload_check


def _user(acting_user: Actor):
    return actor_user(acting_user)


def _require_staff(acting_user: Actor) -> None:
    if not viewer_for(_user(acting_user)).is_network_staff:
        raise AppError("network_staff_required", "Réservé à l'équipe du réseau.", status=403)


def _full_clean(instance, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise AppError("invalid", messages[0], field=None if name == "__all__" else name) from exc


def _check_source(upload, url: str) -> CheckedFile | None:
    url = (url or "").strip()
    if upload is not None and url:
        raise AppError("version_file_or_url", "Joignez un fichier ou indiquez un lien, pas les deux.", field="file")
    if upload is None and not url:
        raise AppError("version_file_or_url", "Joignez un fichier ou indiquez un lien.", field="file")
    return upload_check(upload) if upload is not None else None


@contextlib.contextmanager
def _files_removed_on_error(stored: list):
    """A file written by a service that then fails is deleted: bad input leaves nothing."""
    try:
        yield
    except BaseException:
        for storage, name in stored:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise


def _new_version(*, resource, upload, checked, url, notes, acting_user: Actor, published, stored: list) -> ResourceVersion:
    number = (resource.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ResourceVersion(resource=resource, number=number, url=(url or "").strip(), notes=(notes or "").strip(),
                              uploaded_by=_user(acting_user), published_at=timezone.now() if published else None)
    _full_clean(version, exclude=["resource", "file", "uploaded_by"])
    if upload is not None:
        version.original_name = (upload.name or "").rsplit("/", 1)[-1][:200]
        version.content_type, version.size = checked.content_type, checked.size
        upload.seek(0)
        version.file.save(f"fichier.{checked.extension}", upload, save=False)
        stored.append((version.file.storage, version.file.name))
    version.save()
    return version


def _validate_payload(kind: str, payload):
    if payload in (None, "", {}):
        return None
    if kind != Kind.TEMPLATE:
        raise AppError("payload_not_template", "Seul un modèle peut porter un contenu installable.", field="payload")
    from .templates import payload_validate

    return payload_validate(payload)


def _named(ids: Iterable[int]) -> list[Cooperative]:
    ids = sorted({int(i) for i in ids})
    found = list(Cooperative.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        raise AppError("named_cooperative_unknown", "Une des CAE destinataires n'existe pas.",
                       field="named_cooperatives")
    return found


def _check_group(group: WorkingGroup | None, viewer) -> None:
    """A resource is credited to a group its proposer may see: network staff any group, others a
    group they coordinate or belong to (in person or through their CAE)."""
    if group is not None and not groups_visible(viewer).filter(pk=group.pk).exists():
        raise AppError("working_group_unknown", "Groupe de travail inconnu ou dont vous n'êtes pas membre.",
                       field="working_group")


@transaction.atomic
def resource_propose(*, author_cooperative: Cooperative | None, title: str, kind: str, theme: str, audience: str,
                     summary: str, sector: str = "all", language: str = "fr", body: str = "",
                     visibility: str = Resource.Visibility.NETWORK, named_cooperatives: Iterable[int] = (),
                     upload=None, url: str = "", notes: str = "", payload=None, install_at_launch: bool = False,
                     working_group: WorkingGroup | None = None, acting_user: Actor) -> Resource:
    """A CAE's director proposes a resource for their CAE (`author_cooperative`); network staff
    may also propose for the network itself (None). Proposed, with its first version, until
    network staff publish it."""
    viewer = viewer_for(_user(acting_user))
    if author_cooperative is None:
        if not viewer.is_network_staff:
            raise AppError("network_staff_required", "Seule l'équipe du réseau propose au nom du réseau.", status=403)
    elif author_cooperative.pk not in viewer.director_of and not viewer.is_network_staff:
        raise AppError("director_required", "Seule la direction de la CAE peut proposer une ressource en son nom.",
                       field="author_cooperative", status=403)
    if install_at_launch and kind != Kind.TEMPLATE:
        raise AppError("install_at_launch_not_template", "Seul un modèle s'installe au lancement d'une CAE.",
                       field="install_at_launch")
    _check_group(working_group, viewer)
    resource = Resource(author_cooperative=author_cooperative, title=" ".join((title or "").split()), kind=kind,
                        theme=theme, sector=sector or "all", audience=audience, language=language or "fr",
                        summary=(summary or "").strip(), body=(body or "").strip(), visibility=visibility,
                        payload=_validate_payload(kind, payload), install_at_launch=install_at_launch,
                        working_group=working_group, proposed_by=_user(acting_user))
    _full_clean(resource, exclude=["author_cooperative", "proposed_by", "reviewed_by", "working_group", "search"])
    named = _named(named_cooperatives) if visibility == Resource.Visibility.NAMED else []
    if visibility == Resource.Visibility.NAMED and not named:
        raise AppError("named_cooperatives_required", "Choisissez au moins une CAE destinataire.",
                       field="named_cooperatives")
    checked = _check_source(upload, url)
    stored: list = []
    with _files_removed_on_error(stored):
        resource.save()
        resource.named_cooperatives.set(named)
        _new_version(resource=resource, upload=upload, checked=checked, url=url, notes=notes,
                     acting_user=acting_user, published=False, stored=stored)
    audit_record(action="resource_propose", target=f"resource:{resource.pk}", acting_user=acting_user,
                 details={"author_cooperative": author_cooperative.pk if author_cooperative else None})
    return resource


@transaction.atomic
def resource_version_add(*, resource: Resource, upload=None, url: str = "", notes: str = "",
                         acting_user: Actor) -> ResourceVersion:
    """A new version (the old ones stay). Added by network staff to a published resource, it is
    published at once; proposed by the author CAE's director, it waits for review."""
    viewer = viewer_for(_user(acting_user))
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not viewer.is_network_staff and resource.author_cooperative_id not in viewer.director_of:
        raise AppError("director_required", "Seule la direction de la CAE autrice ajoute une version.", status=403)
    if resource.state == Resource.State.REJECTED:
        raise AppError("resource_rejected", "Cette ressource a été refusée : proposez-en une nouvelle.")
    checked = _check_source(upload, url)
    stored: list = []
    with _files_removed_on_error(stored):
        version = _new_version(resource=resource, upload=upload, checked=checked, url=url, notes=notes,
                               acting_user=acting_user, stored=stored,
                               published=viewer.is_network_staff and resource.state == Resource.State.PUBLISHED)
    audit_record(action="resource_version_add", target=f"resource:{resource.pk}", acting_user=acting_user,
                 details={"version": version.number, "published": version.published_at is not None})
    return version


@transaction.atomic
def resource_set_working_group(*, resource: Resource, working_group: WorkingGroup | None,
                               acting_user: Actor) -> Resource:
    """Credit the resource to the working group that produced it (None: to none), so the group's
    page lists it. Network staff, or the author CAE's director (for a group they may see)."""
    viewer = viewer_for(_user(acting_user))
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not viewer.is_network_staff and resource.author_cooperative_id not in viewer.director_of:
        raise AppError("director_required", "Seule la direction de la CAE autrice ou l'équipe du réseau modifie "
                       "le groupe d'une ressource.", status=403)
    if resource.state == Resource.State.REJECTED:
        raise AppError("resource_rejected", "Cette ressource a été refusée : proposez-en une nouvelle.")
    _check_group(working_group, viewer)
    if resource.working_group_id != getattr(working_group, "pk", None):
        resource.working_group = working_group
        resource.save(update_fields=["working_group"])
        audit_record(action="resource_set_working_group", target=f"resource:{resource.pk}", acting_user=acting_user,
                     details={"working_group": resource.working_group_id})
    return resource


@transaction.atomic
def resource_publish(*, resource: Resource, acting_user: Actor) -> Resource:
    """Network staff publish a proposal (or the pending versions of a published resource)."""
    _require_staff(acting_user)
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.state == Resource.State.REJECTED:
        raise AppError("resource_rejected", "Une ressource refusée ne se publie pas.")
    if resource.payload is not None:
        _validate_payload(resource.kind, resource.payload)
    now = timezone.now()
    versions = resource.versions.filter(published_at__isnull=True).update(published_at=now)
    if resource.state != Resource.State.PUBLISHED:
        resource.state, resource.published_at = Resource.State.PUBLISHED, now
        resource.reviewed_by, resource.reviewed_at = _user(acting_user), now
        resource.save(update_fields=["state", "published_at", "reviewed_by", "reviewed_at"])
    audit_record(action="resource_publish", target=f"resource:{resource.pk}", acting_user=acting_user,
                 details={"versions_published": versions})
    return resource


@transaction.atomic
def resource_reject(*, resource: Resource, reason: str, acting_user: Actor) -> Resource:
    _require_staff(acting_user)
    reason = " ".join((reason or "").split())
    if not reason:
        raise AppError("rejection_reason_required", "Indiquez le motif du refus.", field="reason")
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.state != Resource.State.PROPOSED:
        raise AppError("resource_not_proposed", "Seule une proposition en attente peut être refusée.")
    resource.state, resource.rejection_reason = Resource.State.REJECTED, reason[:500]
    resource.reviewed_by, resource.reviewed_at = _user(acting_user), timezone.now()
    resource.save(update_fields=["state", "rejection_reason", "reviewed_by", "reviewed_at"])
    audit_record(action="resource_reject", target=f"resource:{resource.pk}", acting_user=acting_user)
    return resource


def download_record(*, resource: Resource, cooperative_id: int | None, on: date | None = None) -> None:
    """One more download this month for this CAE (None: anonymous or network staff). Atomic:
    an UPDATE with F(), or the first row of the month (a concurrent first insert retries)."""
    month = (on or timezone.localdate()).replace(day=1)
    key = {"resource_id": resource.pk, "cooperative_id": cooperative_id, "month": month}
    for _attempt in range(2):
        if DownloadCount.objects.filter(**key).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                DownloadCount.objects.create(count=1, **key)
            return
        except IntegrityError:
            continue


# -- working groups ------------------------------------------------------------------------------

@transaction.atomic
def group_create(*, name: str, theme: str = "", sector: str = "", description: str = "", coordinator=None,
                 member_cooperatives: Iterable[int] = (), member_users: Iterable[int] = (),
                 acting_user: Actor) -> WorkingGroup:
    _require_staff(acting_user)
    if not theme and not sector:
        raise AppError("group_theme_or_sector", "Un groupe de travail porte sur un thème ou un secteur.", field="theme")
    group = WorkingGroup(name=" ".join((name or "").split()), theme=theme, sector=sector,
                         description=(description or "").strip(), coordinator=coordinator)
    _full_clean(group, exclude=["coordinator"])
    if WorkingGroup.objects.filter(name__iexact=group.name).exists():
        raise AppError("group_name_taken", "Un groupe de travail porte déjà ce nom.", field="name")
    group.save()
    members = _set_members(group, cooperatives=member_cooperatives, users=member_users)
    audit_record(action="working_group_create", target=f"working_group:{group.pk}", acting_user=acting_user,
                 details=members)
    return group


@transaction.atomic
def group_set_members(*, group: WorkingGroup, cooperatives: Iterable[int] = (), users: Iterable[int] = (),
                      acting_user: Actor) -> WorkingGroup:
    _require_staff(acting_user)
    members = _set_members(group, cooperatives=cooperatives, users=users)
    audit_record(action="working_group_members", target=f"working_group:{group.pk}", acting_user=acting_user,
                 details=members)
    return group


def _set_members(group: WorkingGroup, *, cooperatives: Iterable[int], users: Iterable[int]) -> dict[str, list[int]]:
    """Replace the group's members; returns their ids (the audit's details)."""
    from essaim.accounts.models import User

    coops = _named(cooperatives)
    user_ids = sorted({int(u) for u in users})
    people = list(User.objects.filter(pk__in=user_ids, is_active=True))
    if len(people) != len(user_ids):
        raise AppError("group_member_unknown", "Un des membres n'existe pas.", field="member_users")
    group.member_cooperatives.set(coops)
    group.member_users.set(people)
    return {"cooperatives": [coop.pk for coop in coops], "users": user_ids}


@transaction.atomic
def group_share_resource(*, group: WorkingGroup, resource: Resource, acting_user: Actor) -> None:
    """Link a published library resource to the group's shared documents."""
    viewer = viewer_for(_user(acting_user))
    if not (viewer.is_network_staff or group.coordinator_id == viewer.user_id):
        raise AppError("group_manage_required", "Réservé à la coordination du groupe et à l'équipe du réseau.",
                       status=403)
    if resource.state != Resource.State.PUBLISHED:
        raise AppError("resource_not_published", "Seule une ressource publiée se partage.", field="resource")
    group.shared_resources.add(resource)
    audit_record(action="working_group_share", target=f"working_group:{group.pk}", acting_user=acting_user,
                 details={"resource": resource.pk})


@transaction.atomic
def meeting_schedule(*, group: WorkingGroup, starts_at: datetime, place: str = "", visio_url: str = "",
                     agenda: str = "", acting_user: Actor) -> GroupMeeting:
    viewer = viewer_for(_user(acting_user))
    if not (viewer.is_network_staff or group.coordinator_id == viewer.user_id):
        raise AppError("group_manage_required", "Réservé à la coordination du groupe et à l'équipe du réseau.",
                       status=403)
    meeting = GroupMeeting(group=group, starts_at=starts_at, place=(place or "").strip(),
                           visio_url=(visio_url or "").strip(), agenda=(agenda or "").strip(),
                           created_by=_user(acting_user))
    if not meeting.place and not meeting.visio_url:
        raise AppError("meeting_place_required", "Indiquez un lieu ou un lien de visioconférence.", field="place")
    _full_clean(meeting, exclude=["group", "created_by"])
    meeting.save()
    audit_record(action="group_meeting_schedule", target=f"group_meeting:{meeting.pk}", acting_user=acting_user,
                 details={"working_group": group.pk})
    return meeting


@transaction.atomic
def meeting_record(*, meeting: GroupMeeting, minutes: str, present_users: Iterable[int] = (),
                   present_cooperatives: Iterable[int] = (), acting_user: Actor) -> GroupMeeting:
    """After the meeting: who came (members of the group only) and the « synthèse de la rencontre »."""
    group = meeting.group
    viewer = viewer_for(_user(acting_user))
    if not (viewer.is_network_staff or group.coordinator_id == viewer.user_id):
        raise AppError("group_manage_required", "Réservé à la coordination du groupe et à l'équipe du réseau.",
                       status=403)
    if meeting.starts_at > timezone.now():
        raise AppError("meeting_not_held", "La synthèse se rédige une fois la rencontre tenue.", field="minutes")
    users = {int(u) for u in present_users}
    coops = {int(c) for c in present_cooperatives}
    member_users = set(group.member_users.values_list("pk", flat=True)) | {group.coordinator_id}
    member_coops = set(group.member_cooperatives.values_list("pk", flat=True))
    if users - member_users:
        raise AppError("attendee_not_member", "Une personne présente n'est pas membre du groupe.", field="present_users")
    if coops - member_coops:
        raise AppError("attendee_not_member", "Une CAE présente n'est pas membre du groupe.",
                       field="present_cooperatives")
    meeting.minutes = (minutes or "").strip()
    meeting.save(update_fields=["minutes"])
    meeting.attendance.all().delete()
    MeetingAttendance.objects.bulk_create([MeetingAttendance(meeting=meeting, user_id=u) for u in sorted(users)]
                                          + [MeetingAttendance(meeting=meeting, cooperative_id=c) for c in sorted(coops)])
    audit_record(action="group_meeting_record", target=f"group_meeting:{meeting.pk}", acting_user=acting_user,
                 details={"working_group": group.pk, "present_users": sorted(users),
                          "present_cooperatives": sorted(coops)})
    return meeting
