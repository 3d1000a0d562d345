from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone

from essaim.audit.actors import task_actor
from essaim.core.tasks import CooperativeTask


@shared_task(name="tenants.people.tasks.daily_reminders", base=CooperativeTask)
def daily_reminders(today_iso: str | None = None) -> int:
    """Runs inside one CAE's schema (beat queues it for every CAE). Idempotent: a second run on
    the same day creates and sends nothing."""
    from datetime import date

    from .models import Reminder
    from .services import reminders_generate

    today = date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    reminders_generate(today=today, acting_user=task_actor("people-daily-reminders"))
    pending = list(Reminder.objects.filter(emailed_at__isnull=True, done_at__isnull=True,
                                           counsellor_id__isnull=False).order_by("counsellor_id", "deadline"))
    if not pending:
        return 0
    users = get_user_model().objects.in_bulk({r.counsellor_id for r in pending})
    by_user: dict[int, list] = {}
    for reminder in pending:
        by_user.setdefault(reminder.counsellor_id, []).append(reminder)
    for user_id, items in by_user.items():
        user = users.get(user_id)
        if user is None or not user.email:
            continue
        lines = "\n".join(f"- {r.message} (échéance {r.deadline:%d/%m/%Y})" for r in items)
        send_mail(
            subject=f"[Essaim] {len(items)} échéance(s) à suivre",
            message=f"Bonjour,\n\nÉchéances des personnes que vous accompagnez :\n{lines}\n",
            from_email=None,
            recipient_list=[user.email],
        )
        Reminder.objects.filter(pk__in=[r.pk for r in items]).update(emailed_at=timezone.now())
    return len(pending)


@shared_task(name="tenants.people.tasks.anonymise_expired", base=CooperativeTask)
def anonymise_expired(today_iso: str | None = None) -> int:
    """Runs inside one CAE's schema, nightly: applies its retention period."""
    from datetime import date

    from .services import people_anonymise_expired

    today = date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    return people_anonymise_expired(today=today, acting_user=task_actor("people-anonymise-expired"))
