"""Library pages on the network's public domain. Every object named in a URL is fetched through
access.py (404 for what the viewer may not reach)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from essaim.cooperatives.models import Cooperative
from essaim.core.errors import AppError
from essaim.core.middleware import reads_own_body

from . import selectors, services
from .access import cooperative_get_for, groups_visible, resource_get_for, viewer_for
from .downloads import version_serve
from .forms import ProposeForm, VersionForm, WorkingGroupForm
from .models import Kind, Resource, ResourceVersion
from .templates import templates_install
from .uploads import upload_guard, upload_stopped

NETWORK_AUTHOR = "reseau"
FACET_TITLES = {"kind": gettext_lazy("Type"), "theme": gettext_lazy("Thème"), "sector": gettext_lazy("Secteur"),
                "audience": gettext_lazy("Public"), "language": gettext_lazy("Langue")}  # lazy: per request


def _page_number(raw) -> int:
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1


def library(request):
    """Search the library: words (French, accents ignored), facets, pages."""
    viewer = viewer_for(request.user)
    error = None
    try:
        filters = selectors.search_filters_clean(request.GET)
    except AppError as exc:
        filters, error = {}, exc.message
    result = selectors.library_search(viewer=viewer, query=request.GET.get("q", ""), filters=filters,
                                      page=_page_number(request.GET.get("page")))
    base = {k: v for k, v in [("q", result.query), *filters.items()] if v}
    facets = []
    for name, values in result.facets.items():
        entries = []
        for value in values:
            params = dict(base)
            if value.selected:
                params.pop(name, None)
            else:
                params[name] = value.value
            entries.append({"value": value, "url": "?" + urlencode(params)})
        facets.append({"name": name, "title": FACET_TITLES[name], "entries": entries})
    return render(request, "resources/library.html", {
        "result": result, "facets": facets, "error": error, "querystring_base": urlencode(base) + "&" if base else "",
        "can_propose": bool(viewer.director_of) or viewer.is_network_staff, "viewer": viewer,
        "review_count": selectors.review_queue().count() if viewer.is_network_staff else None,
    }, status=400 if error else 200)


def detail(request, pk: int):
    viewer = viewer_for(request.user)
    resource = resource_get_for(actor=viewer, pk=pk)
    can_edit = viewer.is_network_staff or resource.author_cooperative_id in viewer.director_of
    versions = list(selectors.versions_of(resource, include_unpublished=can_edit))
    install_targets = []
    if resource.kind == Kind.TEMPLATE and resource.payload and resource.state == Resource.State.PUBLISHED:
        install_targets = list(Cooperative.objects.filter(pk__in=sorted(viewer.director_of)).order_by("name"))
    figures = None
    if viewer.is_network_staff:  # how much each CAE downloads is for network staff only
        figures = selectors.download_figures((timezone.localtime(resource.created_at).date(), timezone.localdate()),
                                             resource_id=resource.pk)
    return render(request, "resources/detail.html", {
        "resource": resource, "versions": versions, "current": next((v for v in versions if v.published_at), None),
        "download_figures": figures,
        "can_edit": can_edit, "is_staff": viewer.is_network_staff, "install_targets": install_targets,
        "named": list(resource.named_cooperatives.order_by("name")) if can_edit else [],
        "groups": list(resource.shared_in_groups.order_by("name")) if viewer.is_member else [],
        "version_form": VersionForm() if can_edit and resource.state != Resource.State.REJECTED else None,
        "group_form": (WorkingGroupForm(groups=_groups_for(viewer), initial={"working_group": resource.working_group_id})
                       if can_edit and resource.state != Resource.State.REJECTED else None),
    })


def _groups_for(viewer):
    """The working groups a proposer may credit a resource to (those they may see)."""
    return groups_visible(viewer).order_by("name")


def _serve(request, resource: Resource, version: ResourceVersion | None):
    return version_serve(viewer=viewer_for(request.user), resource=resource, version=version)


def download(request, pk: int):
    """The current version (the latest published)."""
    resource = resource_get_for(actor=viewer_for(request.user), pk=pk)
    return _serve(request, resource, selectors.current_version(resource))


def download_version(request, pk: int, number: int):
    resource = resource_get_for(actor=viewer_for(request.user), pk=pk)
    return _serve(request, resource, resource.versions.filter(number=number).first())


def _authors(viewer) -> list[tuple[str, str]]:
    choices = [(str(c.pk), c.name) for c in Cooperative.objects.filter(pk__in=sorted(viewer.director_of))
               .order_by("name")]
    if viewer.is_network_staff:
        choices.insert(0, (NETWORK_AUTHOR, _("Le réseau")))
    return choices


# The upload views are read by no middleware (`reads_own_body`), are csrf_exempt and check CSRF
# themselves (csrf_protect) after `upload_guard`: the CSRF check reads request.POST, which reads the whole body — the file
# included, into memory or a temporary file — and an oversized file must be refused before that.
# The refusal writes nothing.

@reads_own_body
@csrf_exempt
@login_required
def propose(request):
    """A CAE's director proposes a resource for their CAE; network staff for the network too."""
    refused = upload_guard(request) if request.method == "POST" else None
    if refused is not None:
        return _propose(request, refused=refused.message)
    return _propose_checked(request)


def _propose(request, *, refused: str | None = None):
    viewer = viewer_for(request.user)
    authors = _authors(viewer)
    if not authors:
        raise PermissionDenied
    bound = request.method == "POST" and refused is None
    form = ProposeForm(request.POST if bound else None, request.FILES if bound else None, authors=authors,
                       can_launch=viewer.is_network_staff, groups=_groups_for(viewer))
    error = refused
    if bound and (stopped := upload_stopped(request)) is not None:
        error, refused = stopped.message, stopped.message
    elif bound and form.is_valid():
        data = form.cleaned_data
        author = (None if data["author"] == NETWORK_AUTHOR
                  else cooperative_get_for(actor=viewer, pk=int(data["author"])))
        try:
            resource = services.resource_propose(
                author_cooperative=author, title=data["title"], kind=data["kind"], theme=data["theme"],
                sector=data["sector"], audience=data["audience"], language=data["language"],
                summary=data["summary"], body=data["body"], visibility=data["visibility"],
                named_cooperatives=[c.pk for c in data["named_cooperatives"]], upload=data["file"],
                url=data["url"], notes=data["notes"], payload=data["payload"],
                install_at_launch=data.get("install_at_launch", False), working_group=data["working_group"],
                acting_user=request.user)
        except AppError as exc:
            error = exc.message
        else:
            messages.success(request, _("Ressource proposée : l'équipe du réseau va la relire."))
            return redirect("resources:detail", pk=resource.pk)
    mine = Resource.objects.filter(author_cooperative_id__in=sorted(viewer.director_of)).exclude(
        state=Resource.State.PUBLISHED).select_related("author_cooperative").order_by("-created_at")[:50]
    status = 413 if refused else 400 if request.method == "POST" else 200
    return render(request, "resources/propose.html", {"form": form, "error": error, "mine": mine}, status=status)


_propose_checked = csrf_protect(_propose)


@reads_own_body
@csrf_exempt
@login_required
@require_POST
def version_add(request, pk: int):
    viewer = viewer_for(request.user)
    resource = resource_get_for(actor=viewer, pk=pk)
    refused = upload_guard(request)
    if refused is not None:
        messages.error(request, refused.message)
        return redirect("resources:detail", pk=pk)
    return _version_add(request, resource)


@csrf_protect
def _version_add(request, resource: Resource):
    form = VersionForm(request.POST, request.FILES)
    stopped = upload_stopped(request)
    if stopped is not None or not form.is_valid():
        messages.error(request, stopped.message if stopped is not None else
                       " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("resources:detail", pk=resource.pk)
    try:
        version = services.resource_version_add(resource=resource, upload=form.cleaned_data["file"],
                                                url=form.cleaned_data["url"], notes=form.cleaned_data["notes"],
                                                acting_user=request.user)
    except AppError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Version %(n)s ajoutée.") % {"n": version.number})
    return redirect("resources:detail", pk=resource.pk)


@login_required
@require_POST
def working_group_set(request, pk: int):
    """Network staff or the author CAE's director credit the resource to a working group."""
    viewer = viewer_for(request.user)
    resource = resource_get_for(actor=viewer, pk=pk)
    form = WorkingGroupForm(request.POST, groups=_groups_for(viewer))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("resources:detail", pk=pk)
    try:
        services.resource_set_working_group(resource=resource, working_group=form.cleaned_data["working_group"],
                                            acting_user=request.user)
    except AppError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Groupe de travail enregistré."))
    return redirect("resources:detail", pk=pk)


def _month(raw: str | None, default: date, *, field: str) -> date:
    if not raw:
        return default
    try:
        year, month = (int(part) for part in raw.split("-"))
        if not 2000 <= year <= 2100:  # downloads are counted from 2026: a further year is junk
            raise ValueError(year)
        return date(year, month, 1)
    except ValueError as exc:
        raise AppError("month_invalid", _("Mois invalide : AAAA-MM attendu (ex. 2026-03)."), field=field) from exc


@login_required
def download_stats(request):
    """Downloads per CAE, month, kind and theme, and the most downloaded resources (network staff):
    the library's share of the network's figures (`stats.downloads`)."""
    viewer = viewer_for(request.user)
    if not viewer.is_network_staff:
        raise Http404
    this_month = timezone.localdate().replace(day=1)
    default = (selectors.month_add(this_month, -11), this_month)
    error = None
    try:
        start = _month(request.GET.get("du"), default[0], field="du")
        end = _month(request.GET.get("au"), default[1], field="au")
        if start > end:
            raise AppError("period_invalid", _("La période commence après sa fin."), field="du")
        if selectors.month_add(start, 120) <= end:
            raise AppError("period_too_long", _("Dix ans au plus."), field="du")
    except AppError as exc:
        (start, end), error = default, exc.message
    return render(request, "resources/downloads.html", {
        "figures": selectors.download_figures((start, end)), "start": start, "end": end, "error": error,
    }, status=400 if error else 200)


@login_required
def review(request):
    viewer = viewer_for(request.user)
    if not viewer.is_network_staff:
        raise PermissionDenied
    return render(request, "resources/review.html", {"queue": selectors.review_queue()})


@login_required
@require_POST
def publish(request, pk: int):
    viewer = viewer_for(request.user)
    if not viewer.is_network_staff:
        raise Http404
    resource = resource_get_for(actor=viewer, pk=pk)
    try:
        services.resource_publish(resource=resource, acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Ressource publiée."))
    return redirect("resources:detail", pk=pk)


@login_required
@require_POST
def reject(request, pk: int):
    viewer = viewer_for(request.user)
    if not viewer.is_network_staff:
        raise Http404
    resource = resource_get_for(actor=viewer, pk=pk)
    try:
        services.resource_reject(resource=resource, reason=request.POST.get("reason", ""), acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Proposition refusée ; le motif est visible de la CAE."))
    return redirect("resources:detail", pk=pk)


@login_required
@require_POST
def install(request, pk: int):
    """One click: install a template into one of the CAEs the user directs."""
    viewer = viewer_for(request.user)
    resource = resource_get_for(actor=viewer, pk=pk)
    try:
        cooperative_id = int(request.POST.get("cooperative", ""))
    except ValueError as exc:
        raise Http404 from exc
    cooperative = cooperative_get_for(actor=viewer, pk=cooperative_id)
    try:
        report = templates_install(cooperative=cooperative, resources=[resource], acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        if report.total_created:
            messages.success(request, _("Modèle installé dans %(cae)s : %(n)s élément(s) ajouté(s).") % {
                "cae": cooperative.name, "n": report.total_created})
        else:
            messages.info(request, _("Rien de nouveau : ce modèle est déjà installé dans %(cae)s (vos "
                                     "modifications sont conservées).") % {"cae": cooperative.name})
    return redirect("resources:detail", pk=pk)

