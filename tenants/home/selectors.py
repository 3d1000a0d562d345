"""What the CAE's home page shows its staff: head-counts, the audit trail's last entries, the
signed-in counsellor's reminders and overdue follow-ups. Reads only, in the current CAE's schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import Membership
from essaim.audit.models import AuditEntry
from essaim.cooperatives.models import Cooperative
from tenants.people.models import Entrepreneur, Reminder, Site
from tenants.support.models import Meeting


@dataclass(frozen=True)
class StaffHome:
    members: list[dict[str, Any]]
    stats: list[dict[str, Any]]
    audit: QuerySet[AuditEntry]
    reminders: QuerySet[Reminder]
    overdue_followups: QuerySet[Meeting]


def staff_home(*, cooperative: Cooperative, membership: Membership) -> StaffHome:
    counts = dict(Membership.objects.filter(cooperative=cooperative, is_active=True)
                  .values_list("role").annotate(n=Count("id")))
    people = Entrepreneur.objects.filter(anonymised_at__isnull=True)
    user_id = membership.user_id
    return StaffHome(
        members=[{"label": label, "count": counts.get(role, 0)} for role, label in Membership.Role.choices],
        stats=[
            {"label": _("Sites"), "value": Site.objects.filter(is_active=True).count()},
            {"label": _("Personnes accompagnées"), "value": people.exclude(stage="exited").count()},
            {"label": _("Entrepreneur·es-salarié·es"), "value": people.filter(stage__in=["cesa", "associate"]).count()},
            {"label": _("Associé·es"), "value": people.filter(stage="associate").count()},
        ],
        audit=AuditEntry.objects.select_related("actor").order_by("-at")[:8],
        reminders=Reminder.objects.filter(counsellor_id=user_id, done_at__isnull=True)[:20],
        overdue_followups=(
            Meeting.objects.filter(counsellor_id=user_id, follow_up_done=False, follow_up_on__lt=timezone.localdate())
            .select_related("entrepreneur").order_by("follow_up_on")[:20]
        ),
    )
