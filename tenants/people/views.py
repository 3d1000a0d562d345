"""People pages: pipeline board, list and search, person record with its timeline, journey steps."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from essaim.accounts.models import Membership
from essaim.accounts.selectors import staff_users
from essaim.core.errors import AppError
from essaim.ui.access import member_required, staff_required

from . import rules
from .forms import EntrepreneurForm, JourneyEventForm, PeopleSettingsForm
from .journey import Stage, allowed_events
from .models import PeopleSettings, Site
from .selectors import people_filter, people_visible_to, person_get_for, person_timeline, pipeline_board
from .services import (
    entrepreneur_create,
    journey_current,
    journey_record_event,
    people_settings_update,
    person_export,
)


def _counsellors(request):
    return staff_users(cooperative=request.cooperative)


def _filters(request) -> dict:
    return {key: request.GET.get(key, "").strip() for key in ("q", "stage", "site", "counsellor", "sector")}


def _filter_context(request, filters):
    return {"filters": filters, "sites": Site.objects.all(), "counsellors": _counsellors(request),
            "stages": Stage.choices,
            "querystring_base": "".join(f"{k}={v}&" for k, v in filters.items() if v)}


@login_required
@staff_required
def board(request):
    filters = _filters(request)
    qs = people_filter(people_visible_to(request.membership), **filters)
    return render(request, "people/board.html", {"columns": pipeline_board(qs), **_filter_context(request, filters)})


@login_required
@staff_required
def person_list(request):
    filters = _filters(request)
    qs = people_filter(people_visible_to(request.membership), **filters).select_related("site")
    page = Paginator(qs.order_by("last_name", "first_name", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "people/list.html", {"page_obj": page, **_filter_context(request, filters)})


@login_required
@staff_required
def person_create(request):
    form = EntrepreneurForm(request.POST or None, counsellors=_counsellors(request))
    if request.method == "POST" and form.is_valid():
        try:
            person = entrepreneur_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("%(name)s est enregistré·e comme porteur·se de projet.") % {"name": person})
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@member_required()
def person_detail(request, pk: int):
    person = person_get_for(actor=request.membership, pk=pk)
    journey = journey_current(person)
    allowed = [] if journey.closed_on else allowed_events(person.stage)
    form = JourneyEventForm(allowed=allowed) if request.membership.is_staff_role else None
    return render(request, "people/detail.html", {
        "person": person, "journey": journey, "journeys": person.journeys.all(),
        "contracts": journey.contracts.prefetch_related("amendments"), "timeline": person_timeline(person),
        "event_form": form, "reminders": person.reminders.filter(done_at__isnull=True),
    })


@login_required
@staff_required
@require_POST
def person_record_event(request, pk: int):
    person = person_get_for(actor=request.membership, pk=pk)
    form = JourneyEventForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''} : {errors[0]}")
        return redirect("people:detail", pk=pk)
    data = form.cleaned_data
    try:
        journey_record_event(person=person, kind=data["kind"], on=data["on"], ends_on=data["ends_on"],
                             weekly_hours=data["weekly_hours"], monthly_gross=data["monthly_gross"],
                             outcome=data["outcome"], acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Étape enregistrée."))
    return redirect("people:detail", pk=pk)


@login_required
@member_required()
def person_export_view(request, pk: int):
    """A person's data as JSON (RGPD right of access): staff, or the person themself."""
    person = person_get_for(actor=request.membership, pk=pk)
    body = json.dumps(person_export(person=person), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="personne-{person.pk}.json"'
    return response


@login_required
@member_required(Membership.Role.ENTREPRENEUR)
def me(request):
    person = people_visible_to(request.membership).first()
    if person is None:
        return render(request, "people/me_missing.html", status=404)
    return redirect("people:detail", pk=person.pk)


# -- import ---------------------------------------------------------------------------------------

def _import_dir():
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    folder = Path(settings.MEDIA_ROOT) / "imports" / connection.schema_name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@login_required
@staff_required
def person_import(request):
    """Upload → preview with per-row errors → confirm. The file waits outside the web root,
    named by a random token kept in the session."""
    import secrets

    from .importing import MAX_BYTES, people_import, preview, read_table

    context = {"max_mb": MAX_BYTES // (1024 * 1024)}
    token = request.session.get("people_import")
    if request.method == "POST" and "file" in request.FILES:
        upload = request.FILES["file"]
        if upload.size > MAX_BYTES:
            messages.error(request, _("Le fichier dépasse 5 Mo."))
            return render(request, "people/import.html", context, status=400)
        content = upload.read()
        try:
            table = read_table(upload.name, content)
            result = preview(table)
        except AppError as exc:
            messages.error(request, exc.message)
            return render(request, "people/import.html", context, status=400)
        token = f"{secrets.token_hex(16)}{'.xlsx' if upload.name.lower().endswith('.xlsx') else '.csv'}"
        (_import_dir() / token).write_bytes(content)
        request.session["people_import"] = token
        context.update(result=result, filename=upload.name)
        return render(request, "people/import.html", context)
    if request.method == "POST" and "confirm" in request.POST and token:
        path = _import_dir() / token
        if not path.exists():
            messages.error(request, _("Le fichier à importer a expiré : déposez-le à nouveau."))
            return redirect("people:import")
        try:
            result = preview(read_table(token, path.read_bytes()))
            count = people_import(result=result, only_valid=request.POST.get("only_valid") == "1",
                                  acting_user=request.user)
        except (AppError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or "; ".join(exc.messages))
            return redirect("people:import")
        path.unlink(missing_ok=True)
        request.session.pop("people_import", None)
        messages.success(request, _("%(n)s personne(s) importée(s), %(d)s déjà présente(s).")
                         % {"n": count, "d": len(result.duplicates)})
        return redirect("people:list")
    return render(request, "people/import.html", context)


# -- sites ------------------------------------------------------------------------------------------

@login_required
@staff_required
def site_list(request):
    from django.db.models import Count

    from .forms import SiteForm
    from .services import site_create

    form = SiteForm(request.POST or None)
    if request.method == "POST":
        if request.membership.role != Membership.Role.DIRECTOR:
            raise PermissionDenied
        if form.is_valid():
            try:
                site_create(acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Site ajouté."))
                return redirect("people:sites")
    sites = Site.objects.annotate(people=Count("entrepreneurs")).order_by("kind", "name")
    return render(request, "people/sites.html", {"sites": sites, "form": form,
                                                 "can_edit": request.membership.role == Membership.Role.DIRECTOR},
                  status=400 if form.errors else 200)


# -- settings ---------------------------------------------------------------------------------------

@login_required
@member_required(Membership.Role.DIRECTOR)
@require_http_methods(["GET", "HEAD", "POST"])
def people_settings(request):
    """The CAE's people settings (CESA rule, retention, reminder lead times), for the director.
    Staff read them on /modeles/reglages/. Nothing is written unless every field is valid."""
    current = PeopleSettings.current()
    form = PeopleSettingsForm(request.POST if request.method == "POST" else None,
                              initial=PeopleSettingsForm.initial_from(current))
    if request.method == "POST" and form.is_valid():
        try:
            people_settings_update(acting_user=request.user, **form.cleaned_data)
        except AppError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Réglages des parcours enregistrés : les rappels suivent les nouveaux délais "
                                        "dès le prochain passage quotidien."))
            return redirect("people:settings")
    return render(request, "people/settings.html", {
        "form": form, "settings": current,
        "rules": {"cape_months": rules.CAPE_MAX_MONTHS, "cape_renewals": rules.CAPE_MAX_RENEWALS,
                  "associate_years": rules.ASSOCIATE_DEADLINE_YEARS,
                  "associate_warnings": rules.associate_warning_months(current.associate_warning_months)},
    }, status=400 if form.errors else 200)
