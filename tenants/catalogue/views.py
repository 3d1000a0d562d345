"""« Modèles du réseau »: what the network's templates installed into this CAE, and what the CAE
made of it. Staff read the lists and the document models; the director adds, edits and deletes.
A template installed again leaves every item as the CAE left it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from essaim.accounts.models import Membership
from essaim.ui.access import member_required, staff_required
from tenants.people import rules
from tenants.people.models import PeopleSettings

from . import selectors, services
from .forms import FORMS
from .models import DocumentModel

DIRECTOR = Membership.Role.DIRECTOR
SCHEDULERS = (Membership.Role.DIRECTOR, Membership.Role.COUNSELLOR)


def _role_context(request) -> dict:
    role = request.membership.role
    return {"can_edit": role == DIRECTOR, "can_schedule": role in SCHEDULERS}


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
@staff_required
@require_safe
def index(request):
    overview = selectors.catalogue_overview()
    sections = [{"section": s, "count": overview.counts[slug], "removed": overview.removed.get(slug, 0)}
                for slug, s in selectors.SECTIONS.items()]
    return render(request, "catalogue/index.html", {
        "sections": sections, "installs": overview.installs, "library_host": request.get_host().partition(".")[2],
        **_role_context(request),
    })


@login_required
@staff_required
@require_safe
def settings_page(request):
    """Settings a template may set, shown read-only: the people settings with their reminder lead
    times (the director edits them on /personnes/reglages/) and the contribution rate (edited on
    its own page). The legal limits are constants."""
    from tenants.activity.contributions import contribution_rate_on

    role = request.membership.role
    people_settings = PeopleSettings.current()
    return render(request, "catalogue/settings.html", {
        "people_settings": people_settings, "people_installed": selectors.installed_item("people_settings"),
        "associate_warnings": rules.associate_warning_months(people_settings.associate_warning_months),
        "can_edit_people": role == DIRECTOR,
        "rate": contribution_rate_on(timezone.localdate()), "rate_installed": selectors.installed_item("contribution_rate"),
        "can_edit_rate": role in (Membership.Role.DIRECTOR, Membership.Role.ACCOUNTS),
        "rules": {"cape_months": rules.CAPE_MAX_MONTHS, "cape_renewals": rules.CAPE_MAX_RENEWALS,
                  "associate_years": rules.ASSOCIATE_DEADLINE_YEARS},
    })


@login_required
@staff_required
@require_safe
def item_list(request, section: str):
    section = selectors.section_get(section)
    q = request.GET.get("q", "").strip()[:200]
    facet = request.GET.get(section.facet, "") if section.facet else ""
    choices = selectors.facet_choices(section)
    if facet not in dict(choices):
        facet = ""
    items = selectors.catalogue_items(section, q=q, facet=facet)
    page = Paginator(items, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in (("q", q), (section.facet, facet)) if k and v}
    return render(request, "catalogue/list.html", {
        "section": section, "page_obj": page, "q": q, "facet": facet, "facet_choices": choices,
        "querystring_base": urlencode(query) + "&" if query else "",
        "row_template": f"catalogue/_row_{section.slug}.html", **_role_context(request),
    })


@login_required
@member_required(DIRECTOR)
@require_http_methods(["GET", "POST"])
def item_create(request, section: str):
    section = selectors.section_get(section)
    form = FORMS[section.slug](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.catalogue_item_create(section=section, values=form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, str(section.added))
            return redirect("catalogue:list", section=section.slug)
    return render(request, "catalogue/form.html", {"section": section, "form": form, "item": None},
                  status=400 if form.errors else 200)


@login_required
@member_required(DIRECTOR)
@require_http_methods(["GET", "POST"])
def item_edit(request, section: str, pk: int):
    section = selectors.section_get(section)
    item = selectors.catalogue_item_get_for(actor=request.membership, section=section, pk=pk)
    form_class = FORMS[section.slug]
    if request.method == "POST":
        # Bound to a copy: a refused form must not leave half-applied values on `item`.
        copy = selectors.catalogue_item_get_for(actor=request.membership, section=section, pk=item.pk)
        form = form_class(request.POST, instance=copy, editing=True)
        if form.is_valid():
            try:
                services.catalogue_item_update(section=section, item=item, values=form.cleaned_data,
                                               acting_user=request.user)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Modification enregistrée. Une nouvelle installation du modèle du "
                                            "réseau ne la remplacera pas."))
                return redirect("catalogue:list", section=section.slug)
    else:
        form = form_class(instance=item, editing=True)
    return render(request, "catalogue/form.html", {"section": section, "form": form, "item": item},
                  status=400 if form.errors else 200)


@login_required
@member_required(DIRECTOR)
@require_http_methods(["GET", "POST"])
def item_delete(request, section: str, pk: int):
    section = selectors.section_get(section)
    item = selectors.catalogue_item_get_for(actor=request.membership, section=section, pk=pk)
    if request.method == "POST":
        services.catalogue_item_delete(section=section, item=item, acting_user=request.user)
        messages.success(request, _("« %(item)s » supprimé.") % {"item": item})
        return redirect("catalogue:list", section=section.slug)
    return render(request, "catalogue/confirm_delete.html", {"section": section, "item": item})


@login_required
@staff_required
@require_safe
def document_detail(request, pk: int):
    section = selectors.SECTIONS["documents"]
    item = selectors.catalogue_item_get_for(actor=request.membership, section=section, pk=pk)
    return render(request, "catalogue/document.html", {"section": section, "item": item, **_role_context(request)})


@login_required
@staff_required
@require_safe
def document_download(request, pk: int):
    """The model's text as a UTF-8 file to fill in (never rendered as HTML by the browser)."""
    document: DocumentModel = selectors.catalogue_item_get_for(actor=request.membership,
                                                               section=selectors.SECTIONS["documents"], pk=pk)
    body = document.body.replace("\r\n", "\n")
    response = HttpResponse(f"{document.title}\n\n{body}\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{document.key}.txt"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
