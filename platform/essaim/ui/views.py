from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import Membership

from .access import member_required


@login_required
@member_required()
def home(request):
    membership = request.membership
    context = {"is_staff": membership.is_staff_role}
    if membership.is_staff_role:
        from tenants.audit.models import AuditEntry
        from tenants.people.models import Entrepreneur, Reminder, Site
        from tenants.support.models import Meeting

        counts = dict(Membership.objects.filter(cooperative=request.cooperative, is_active=True)
                      .values_list("role").annotate(n=Count("id")))
        context["members"] = [{"label": label, "count": counts.get(role, 0)} for role, label in Membership.Role.choices]
        people = Entrepreneur.objects.filter(anonymised_at__isnull=True)
        context["stats"] = [
            {"label": _("Sites"), "value": Site.objects.filter(is_active=True).count()},
            {"label": _("Personnes accompagnées"), "value": people.exclude(stage="exited").count()},
            {"label": _("Entrepreneur·es-salarié·es"), "value": people.filter(stage__in=["cesa", "associate"]).count()},
            {"label": _("Associé·es"), "value": people.filter(stage="associate").count()},
        ]
        context["audit"] = AuditEntry.objects.order_by("-at")[:8]
        context["reminders"] = Reminder.objects.filter(counsellor_id=request.user.pk, done_at__isnull=True)[:20]
        context["overdue_followups"] = (
            Meeting.objects.filter(counsellor_id=request.user.pk, follow_up_done=False,
                                   follow_up_on__lt=timezone.localdate())
            .select_related("entrepreneur").order_by("follow_up_on")[:20]
        )
    return render(request, "ui/cae_home.html", context)
