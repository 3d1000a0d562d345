"""Pages of the guided setup, on the network's public domain only. Every project is fetched
through `selectors.project_get_for` (404 for anyone but network staff and the project's members)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from essaim.cooperatives.models import Cooperative
from essaim.cooperatives.regions import REGIONS
from essaim.core.errors import AppError

from . import selectors, services
from .charts import forecast_chart
from .exports import plan_csv, plan_table, plan_xlsx
from .launch import DEFAULT_RATE, launch_blockers, launch_rate, project_launch
from .models import BusinessPlan, Partner, ProjectMember, SetupProject, Task
from .stages import StageKey

PAGE_SIZE = 25


def public_only(view):
    """Setup projects live on the network's domain; a CAE's domain never serves them."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if getattr(request, "cooperative", None) is not None:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def staff_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_network_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return public_only(wrapped)


def _site_root(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@staff_only
def pipeline(request):
    q = request.GET.get("q", "").strip()[:100]
    stage, region, status = request.GET.get("stage", ""), request.GET.get("region", ""), request.GET.get("status", "")
    late_only = request.GET.get("late") == "1"
    projects = selectors.pipeline(q=q, stage=stage, region=region, status=status, late_only=late_only)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v for k, v in {"q": q, "stage": stage, "region": region, "status": status,
                                 "late": "1" if late_only else ""}.items() if v}
    return render(request, "onboarding/pipeline.html", {
        "rows": selectors.pipeline_rows(page.object_list), "page_obj": page,
        "querystring_base": urlencode(filters) + "&" if filters else "", "filters": filters,
        "stages": StageKey.choices, "regions": REGIONS, "statuses": SetupProject.Status.choices,
        "cooperatives": Cooperative.objects.order_by("name").only("id", "name"),
        "sectors": Cooperative.Sector.choices,
    })


@staff_only
@require_POST
def project_create(request):
    post = request.POST
    mentor = None
    if post.get("mentor"):
        mentor_id = post["mentor"].strip()
        mentor = Cooperative.objects.filter(pk=int(mentor_id)).first() if mentor_id.isascii() and \
            mentor_id.isdecimal() else None
        if mentor is None:
            messages.error(request, "CAE marraine inconnue.")
            return redirect("onboarding:pipeline")
    try:
        project = services.setup_project_create(
            name=post.get("name", ""), region=post.get("region", ""), departments=post.get("departments", ""),
            sector=post.get("sector", "multi"), mentor=mentor,
            expected_entrepreneurs=post.get("expected_entrepreneurs", "0"), acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
        return redirect("onboarding:pipeline")
    messages.success(request, f"Projet « {project.name} » ouvert.")
    return redirect("onboarding:project", pk=project.pk)


@public_only
def my_projects(request):
    projects = list(selectors.projects_of_member(user=request.user))
    if len(projects) == 1:
        return redirect("onboarding:project", pk=projects[0].pk)
    return render(request, "onboarding/mine.html", {"rows": selectors.pipeline_rows(projects)})


def _project_context(request, project, role):
    plan, figures = selectors.plan_figures(project)
    context = {
        "project": project, "role": role, "is_staff": role == selectors.STAFF,
        "can_comment": role in (selectors.STAFF, ProjectMember.Role.MENTOR),
        "stages": selectors.tasks_by_stage(project, viewer=request.user), "partners": selectors.partners_of(project),
        "partner_totals": selectors.partner_totals(project), "members": selectors.project_members(project),
        "task_statuses": Task.Status.choices, "partner_kinds": Partner.Kind.choices,
        "partner_statuses": Partner.Status.choices, "legal_forms": SetupProject.LegalForm.choices,
        "stage_choices": StageKey.choices, "plan": plan, "figures": figures,
        "is_open": project.status == SetupProject.Status.OPEN,
    }
    progress = [s for s, _ in context["stages"]]
    context["current_stage"] = selectors.current_stage(progress)
    context["legal_blockers"] = services.legal_stage_blockers(project)
    context["launch_blockers"] = (launch_blockers(project, legal=context["legal_blockers"])
                                  if project.cooperative_id is None else [])
    context["launch_rate"], context["default_rate"] = launch_rate(plan), DEFAULT_RATE
    if project.cooperative_id is not None:
        from .figures import first_figures

        context["first_figures"] = first_figures(project.cooperative)
        domain = project.cooperative.get_primary_domain()
        port = request.get_port()
        context["cae_url"] = f"{request.scheme}://{domain.domain}" + (f":{port}" if port not in ("80", "443") else "")
    return context


@public_only
def project_detail(request, pk):
    project, role = selectors.project_get_for(actor=request.user, pk=pk)
    return render(request, "onboarding/project.html", _project_context(request, project, role))


def _redirect_back(project, anchor=""):
    response = redirect("onboarding:project", pk=project.pk)
    response["Location"] += f"#{anchor}" if anchor else ""
    return response


@public_only
@require_POST
def project_section(request, pk, section):
    project, role = selectors.project_get_for(actor=request.user, pk=pk)
    if section not in services.SECTIONS:
        raise Http404
    try:
        services.project_update(project=project, section=section, data=request.POST, acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Fiche du projet enregistrée.")
    return _redirect_back(project, section)


@public_only
@require_POST
def task_update(request, pk, task_id):
    project, role = selectors.project_get_for(actor=request.user, pk=pk)
    task = selectors.task_get_for(actor=request.user, project=project, pk=task_id)
    fields = ("status", "due_on", "owner", "resource", "resource_url", "mentor_comment")
    data = {name: request.POST[name] for name in fields if name in request.POST}
    try:
        task = services.task_update(project=project, task=task, data=data, role=role, acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Tâche « {task.title} » enregistrée.")
    return _redirect_back(project, f"tache-{task.pk}")


@public_only
@require_POST
def task_create(request, pk):
    project, role = selectors.project_get_for(actor=request.user, pk=pk)
    try:
        task = services.task_create(project=project, stage=request.POST.get("stage", ""),
                                    title=request.POST.get("title", ""), due_on=request.POST.get("due_on"),
                                    owner=request.POST.get("owner") or None, acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
        return _redirect_back(project)
    messages.success(request, "Tâche ajoutée.")
    return _redirect_back(project, f"tache-{task.pk}")


@public_only
@require_POST
def partner_save(request, pk, partner_id=None):
    project, role = selectors.project_get_for(actor=request.user, pk=pk)
    partner = selectors.partner_get_for(actor=request.user, project=project, pk=partner_id) if partner_id else None
    try:
        services.partner_save(project=project, partner=partner, data=request.POST, acting_user=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Partenaire enregistré.")
    return _redirect_back(project, "partenaires")


@public_only
@require_POST
def member_invite(request, pk):
    project, role = selectors.project_get_for(actor=request.user, pk=pk)
    if role != selectors.STAFF:
        raise Http404
    try:
        member = services.project_member_invite(
            project=project, email=request.POST.get("email", ""), first_name=request.POST.get("first_name", ""),
            last_name=request.POST.get("last_name", ""), role=request.POST.get("role", ProjectMember.Role.FOUNDER),
            acting_user=request.user, site_root=_site_root(request))
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invitation envoyée à {member.user.email}.")
    return _redirect_back(project, "membres")


@public_only
def business_plan(request, pk):
    project, role = selectors.project_get_for(actor=request.user, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.business_plan_save(project=project, data=request.POST, acting_user=request.user)
        except AppError as exc:
            error = exc
        else:
            messages.success(request, "Plan d'affaires enregistré.")
            return redirect("onboarding:plan", pk=project.pk)
    plan, figures = selectors.plan_figures(project)
    context = {
        "project": project, "role": role, "plan": plan, "figures": figures, "table": plan_table(figures),
        "error": error, "rate_modes": BusinessPlan.RateMode.choices,
        "chart": forecast_chart(figures, title="Prévisionnel sur trois ans") if figures else "",
        "is_open": project.status == SetupProject.Status.OPEN,
        **_plan_form(plan, project, request.POST if error else None),
    }
    return render(request, "onboarding/plan.html", context, status=400 if error else 200)


def _plan_form(plan, project, post) -> dict:
    """The plan's inputs as (name, value) pairs for the form: the posted values after an error."""
    stored: dict[str, str] = {}
    grid = selectors.plan_subsidy_grid(plan, project)
    if plan is not None:
        stored |= {"first_year": str(plan.first_year), "opening_cash": f"{plan.opening_cash:.2f}",
                   "rate_mode": plan.rate_mode, "flat_rate": f"{plan.flat_rate:.2f}"}
        for i, band in enumerate(plan.bands.all(), start=1):
            stored |= {f"band_{i}_from": f"{band.lower_bound:.2f}", f"band_{i}_rate": f"{band.rate:.2f}"}
        for year in plan.years.all():
            stored |= {f"y{year.index}_entrepreneurs": str(year.entrepreneurs),
                       f"y{year.index}_average_revenue": f"{year.average_revenue:.2f}",
                       f"y{year.index}_staff_costs": f"{year.staff_costs:.2f}",
                       f"y{year.index}_other_costs": f"{year.other_costs:.2f}"}
        for row in grid:
            for i, amount in enumerate(row["amounts"], start=1):
                if amount is not None:
                    stored[f"subsidy_{row['key']}_y{i}"] = f"{amount:.2f}"

    def value(name: str) -> str:
        return post.get(name, "") if post is not None else stored.get(name, "")

    return {
        "v_first_year": value("first_year"), "v_opening_cash": value("opening_cash"),
        "v_rate_mode": value("rate_mode") or "flat", "v_flat_rate": value("flat_rate"),
        "band_inputs": [(i, f"band_{i}_from", value(f"band_{i}_from"), f"band_{i}_rate", value(f"band_{i}_rate"))
                        for i in range(1, services.MAX_BANDS + 1)],
        "year_inputs": [(label, [(f"y{i}_{name}", value(f"y{i}_{name}")) for i in (1, 2, 3)])
                        for name, label in services.YEAR_FIELDS.items()],
        "subsidy_inputs": [(row["label"], [(f"subsidy_{row['key']}_y{i}", value(f"subsidy_{row['key']}_y{i}"))
                                           for i in (1, 2, 3)])
                           for row in grid],
    }


@public_only
def business_plan_export(request, pk, fmt):
    project, role = selectors.project_get_for(actor=request.user, pk=pk)
    plan, figures = selectors.plan_figures(project)
    if plan is None or fmt not in ("csv", "xlsx"):
        raise Http404
    name = f"plan-affaires-{project.pk}"
    if fmt == "csv":
        response = HttpResponse(plan_csv(figures), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(plan_xlsx(figures, title=f"Plan d'affaires — {project.name}"),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@public_only
@require_POST
def launch(request, pk):
    project, role = selectors.project_get_for(actor=request.user, pk=pk)
    if role != selectors.STAFF:
        raise Http404
    try:
        cooperative = project_launch(project=project, acting_user=request.user, site_root=_site_root(request))
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"La CAE « {cooperative.name} » est créée.")
    return _redirect_back(project, "lancement")
