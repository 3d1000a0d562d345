"""Support pages: the calendar, an info session or a workshop with registrations and attendance,
scheduling a workshop (from the CAE's catalogue or not), the sign-in sheet, self-registration for
entrepreneurs, recording a one-to-one meeting."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from essaim.accounts.models import Membership
from essaim.accounts.selectors import staff_users
from essaim.core.errors import AppError
from essaim.core.params import int_param
from essaim.ui.access import member_required, staff_required
from tenants.catalogue.models import WorkshopModel
from tenants.catalogue.selectors import (
    workshop_models_for_scheduling,
    workshop_prefill,
    workshop_theme_from_catalogue,
)
from tenants.people.models import Entrepreneur, Site
from tenants.people.selectors import people_visible_to, person_get_for

from . import services
from .forms import WorkshopForm
from .models import Attendance, InfoSession, Meeting, Workshop
from .selectors import info_session_get_for, workshop_get_for


def _parse_date(value: str):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _statuses(request) -> dict[int, str]:
    """`status_<person id>` fields of an attendance form; a malformed id is refused."""
    statuses = {}
    for key, value in request.POST.items():
        if key.startswith("status_"):
            person_id = key.removeprefix("status_")
            if (pk := int_param(person_id)) is None:
                raise AppError("attendance_invalid", _("Formulaire de présence invalide."), field="status")
            statuses[pk] = value
    return statuses


@login_required
@member_required()
def calendar(request):
    """Sessions and workshops (and, for staff, their meetings) by period and site."""
    today = timezone.localdate()
    start = _parse_date(request.GET.get("du", "")) or today.replace(day=1)
    end = _parse_date(request.GET.get("au", "")) or start.replace(day=28) + timedelta(days=35)
    site = request.GET.get("site", "")
    tz = timezone.get_current_timezone()
    window = (timezone.make_aware(datetime.combine(start, time.min), tz),
              timezone.make_aware(datetime.combine(end, time.max), tz))
    sessions = InfoSession.objects.filter(starts_at__range=window).select_related("site").annotate(
        registered=Count("registrations"))
    workshops = Workshop.objects.filter(starts_at__range=window).select_related("site").annotate(
        registered=Count("registrations"))
    if (site_id := int_param(site)) is not None:
        sessions, workshops = sessions.filter(site_id=site_id), workshops.filter(site_id=site_id)
    items = [("info_session", s) for s in sessions] + [("workshop", w) for w in workshops]
    meetings = []
    if request.membership.is_staff_role:
        meetings = (Meeting.objects.filter(held_at__range=window, counsellor_id=request.user.pk)
                    .select_related("entrepreneur").order_by("held_at"))
    mine = set()
    if not request.membership.is_staff_role:
        me = people_visible_to(request.membership).first()
        if me:
            mine = set(me.workshop_registrations.values_list("workshop_id", flat=True))
    items.sort(key=lambda pair: pair[1].starts_at)
    page = Paginator(items, 40).get_page(request.GET.get("page"))
    return render(request, "support/calendar.html", {
        "page_obj": page, "meetings": meetings, "start": start, "end": end, "site": site, "sites": Site.objects.all(),
        "mine": mine, "querystring_base": f"du={start:%Y-%m-%d}&au={end:%Y-%m-%d}&site={site}&",
    })


@login_required
@staff_required
def infosession_detail(request, pk: int):
    session = info_session_get_for(actor=request.membership, pk=pk)
    if request.method == "POST":
        try:
            if "register" in request.POST:
                person = person_get_for(actor=request.membership, pk=int(request.POST.get("entrepreneur") or 0))
                services.infosession_register(session=session, person=person, acting_user=request.user)
                messages.success(request, _("Inscription enregistrée."))
            else:
                services.infosession_record_attendance(session=session, statuses=_statuses(request), acting_user=request.user)
                messages.success(request, _("Présences enregistrées."))
        except AppError as exc:
            messages.error(request, exc.message)
        return redirect("support:infosession", pk=pk)
    return render(request, "support/infosession.html", {
        "session": session, "registrations": session.registrations.select_related("entrepreneur"),
        "candidates": Entrepreneur.objects.filter(stage__in=["candidate", "info_session"], anonymised_at__isnull=True)
        .exclude(info_session_registrations__session=session).order_by("last_name")[:200],
        "attendance": Attendance.choices,
    })


@login_required
@member_required()
def workshop_detail(request, pk: int):
    workshop = workshop_get_for(actor=request.membership, pk=pk)
    registrations = workshop.registrations.select_related("entrepreneur")
    context = {"workshop": workshop, "attendance": Attendance.choices, "is_staff": request.membership.is_staff_role}
    if request.membership.is_staff_role:
        context["registrations"] = registrations
        context["candidates"] = (Entrepreneur.objects.filter(anonymised_at__isnull=True).exclude(stage="exited")
                                 .exclude(workshop_registrations__workshop=workshop).order_by("last_name")[:300])
    else:
        me = people_visible_to(request.membership).first()
        context["me"] = me
        context["registered"] = bool(me and registrations.filter(entrepreneur=me).exists())
        context["seats_left"] = workshop.capacity - registrations.count()
    return render(request, "support/workshop.html", context)


@login_required
@member_required()
@require_POST
def workshop_action(request, pk: int):
    workshop = workshop_get_for(actor=request.membership, pk=pk)
    action = request.POST.get("action")
    try:
        if request.membership.is_staff_role and action == "register":
            person = person_get_for(actor=request.membership, pk=int(request.POST.get("entrepreneur") or 0))
            services.workshop_register(workshop=workshop, person=person, acting_user=request.user)
        elif request.membership.is_staff_role and action == "attendance":
            services.workshop_record_attendance(workshop=workshop, statuses=_statuses(request),
                                                acting_user=request.user)
        elif action in ("self_register", "self_unregister"):
            me = people_visible_to(request.membership).first()
            if me is None:
                raise Http404
            if action == "self_register":
                services.workshop_register(workshop=workshop, person=me, self_service=True, acting_user=request.user)
            else:
                services.workshop_unregister(workshop=workshop, person=me, acting_user=request.user)
        else:
            raise AppError("unknown_action", _("Action inconnue."))
        messages.success(request, _("C'est enregistré."))
    except AppError as exc:
        messages.error(request, exc.message)
    return redirect("support:workshop", pk=pk)


@login_required
@member_required(Membership.Role.DIRECTOR, Membership.Role.COUNSELLOR)
def workshop_create(request):
    """Schedule a workshop; `?modele=<id>` starts it from a model of the CAE's catalogue (title,
    theme, duration, places, description), everything still editable before saving."""
    chosen = None
    if request.method == "GET" and request.GET.get("modele"):
        pk = int_param(request.GET["modele"])
        chosen = workshop_models_for_scheduling().filter(pk=pk).first() if pk is not None else None
        if chosen is None:
            raise Http404(_("Ce modèle n'est pas au catalogue des ateliers de la CAE."))
    initial = {**workshop_prefill(chosen), "catalogue_model": chosen.pk} if chosen else {}
    form = WorkshopForm(request.POST or None, initial=initial, staff_users=staff_users(cooperative=request.cooperative))
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            model: WorkshopModel | None = data.pop("catalogue_model")
            try:
                workshop = services.workshop_create(**data, catalogue_key=model.key if model else "",
                                                    acting_user=request.user)
            except AppError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Atelier programmé."))
                return redirect("support:workshop", pk=workshop.pk)
        chosen = form.cleaned_data.get("catalogue_model")
    return render(request, "support/workshop_form.html", {
        "form": form, "chosen": chosen, "catalogue": workshop_models_for_scheduling(),
        "mapped_theme": Workshop.Theme(workshop_theme_from_catalogue(chosen.theme)).label if chosen else "",
    }, status=400 if form.errors else 200)


@login_required
@staff_required
def workshop_sheet(request, pk: int):
    workshop = workshop_get_for(actor=request.membership, pk=pk)
    pdf = services.workshop_attendance_sheet_pdf(workshop=workshop, cooperative_name=request.cooperative.name)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="emargement-atelier-{workshop.pk}.pdf"'
    return response


@login_required
@staff_required
@require_POST
def meeting_create(request, person_pk: int):
    person = person_get_for(actor=request.membership, pk=person_pk)
    held_at = request.POST.get("held_at", "")
    try:
        when = timezone.make_aware(datetime.fromisoformat(held_at)) if held_at else None
    except ValueError:
        when = None
    if when is None:
        messages.error(request, _("Date de l'entretien invalide."))
        return redirect("people:detail", pk=person.pk)
    try:
        services.meeting_record(person=person, held_at=when, notes=request.POST.get("notes", ""),
                                next_steps=request.POST.get("next_steps", ""),
                                follow_up_on=_parse_date(request.POST.get("follow_up_on", "")),
                                acting_user=request.user)
        messages.success(request, _("Entretien enregistré."))
    except AppError as exc:
        messages.error(request, exc.message)
    return redirect("people:detail", pk=person.pk)
