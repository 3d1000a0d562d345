"""Reads of setup projects, and the one access chokepoint: `project_get_for`.

Network staff see every project; a founder or a mentor sees only the projects they are a member
of. Anything else is a 404, never a 403 (a project's existence is not disclosed)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone

from .forecast import PlanInputs, YearFigures, YearInputs, compute
from .models import BusinessPlan, Partner, ProjectMember, SetupProject, Task
from .stages import STAGE_ORDER, StageKey

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from essaim.accounts.models import User

STAFF = "staff"


def project_role(*, user, project: SetupProject) -> str | None:
    """"staff", "founder", "mentor" or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_network_staff:
        return STAFF
    return (ProjectMember.objects.filter(project=project, user=user).values_list("role", flat=True).first())


def project_get_for(*, actor: User | AnonymousUser | None, pk: int | str) -> tuple[SetupProject, str]:
    """The project and the actor's role on it, or 404."""
    try:
        project = SetupProject.objects.select_related("mentor", "cooperative").get(pk=int(pk))
    except (SetupProject.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("Projet introuvable.") from exc
    role = project_role(user=actor, project=project)
    if role is None:
        raise Http404("Projet introuvable.")
    return project, role


def projects_of_member(*, user):
    if user is None or not user.is_authenticated:
        return SetupProject.objects.none()
    return SetupProject.objects.filter(members__user=user).distinct().order_by("name")


@dataclass(frozen=True)
class StageProgress:
    key: str
    label: str
    total: int
    done: int
    late: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def _progress_rows(project_ids) -> dict[int, dict[str, StageProgress]]:
    today = timezone.localdate()
    rows = (Task.objects.filter(project_id__in=project_ids).values("project_id", "stage")
            .annotate(total=Count("id"), done=Count("id", filter=Q(status=Task.Status.DONE)),
                      late=Count("id", filter=Q(due_on__lt=today) & ~Q(status=Task.Status.DONE)))
            .order_by())
    labels = dict(StageKey.choices)
    out: dict[int, dict[str, StageProgress]] = {pid: {} for pid in project_ids}
    for row in rows:
        out[row["project_id"]][row["stage"]] = StageProgress(row["stage"], str(labels[row["stage"]]), row["total"],
                                                             row["done"], row["late"])
    for stages in out.values():
        for key in STAGE_ORDER:
            stages.setdefault(key, StageProgress(key, str(labels[key]), 0, 0, 0))
    return out


def stage_progress(project: SetupProject) -> list[StageProgress]:
    stages = _progress_rows([project.pk])[project.pk]
    return [stages[key] for key in STAGE_ORDER]


def current_stage(stages: list[StageProgress]) -> StageProgress:
    """The first stage whose checklist is not complete (the last one when all are)."""
    return next((s for s in stages if not s.complete), stages[-1])


@dataclass(frozen=True)
class PipelineRow:
    project: SetupProject
    stages: list[StageProgress]
    current: StageProgress
    done: int
    total: int
    late: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def pipeline(*, q: str = "", stage: str = "", region: str = "", status: str = "", late_only: bool = False):
    """Every project for network staff, filtered; rows are built per page by `pipeline_rows`."""
    projects = SetupProject.objects.select_related("mentor", "cooperative")
    if q:
        projects = projects.filter(Q(name__icontains=q) | Q(legal_name__icontains=q) | Q(departments__icontains=q)
                                   | Q(mentor__name__icontains=q))
    if region:
        projects = projects.filter(region=region)
    if status:
        projects = projects.filter(status=status)
    if late_only:
        late = Task.objects.filter(project=OuterRef("pk"), due_on__lt=timezone.localdate()).exclude(
            status=Task.Status.DONE)
        projects = projects.filter(Exists(late))
    if stage in STAGE_ORDER:
        # Current stage = first incomplete stage: every earlier stage complete, this one not.
        incomplete = Task.objects.filter(project=OuterRef("pk")).exclude(status=Task.Status.DONE)
        earlier = STAGE_ORDER[: STAGE_ORDER.index(stage)]
        projects = projects.filter(Exists(incomplete.filter(stage=stage))).exclude(
            Exists(incomplete.filter(stage__in=earlier)))
    return projects.order_by("status", "name", "id")


def pipeline_rows(projects) -> list[PipelineRow]:
    projects = list(projects)
    progress = _progress_rows([p.pk for p in projects])
    rows = []
    for project in projects:
        stages = [progress[project.pk][key] for key in STAGE_ORDER]
        rows.append(PipelineRow(project, stages, current_stage(stages), sum(s.done for s in stages),
                                sum(s.total for s in stages), sum(s.late for s in stages)))
    return rows


def tasks_by_stage(project: SetupProject, *, viewer=None) -> list[tuple[StageProgress, list[Task]]]:
    """Tasks per stage. With `viewer` (a user), a linked library resource the viewer may not see
    is hidden (`task.visible_resource` is None): its title is not disclosed."""
    tasks: dict[str, list[Task]] = {key: [] for key in STAGE_ORDER}
    rows = list(project.tasks.select_related("owner", "resource").order_by("position", "id"))
    visible: set[int] = set()
    linked = {t.resource_id for t in rows if t.resource_id}
    if linked and viewer is not None:
        from network.resources.access import resources_published, viewer_for

        visible = set(resources_published(viewer_for(viewer)).filter(pk__in=linked).values_list("pk", flat=True))
    for task in rows:
        # Read by the template: the linked resource, or None where this viewer may not see it.
        setattr(task, "visible_resource", task.resource if task.resource_id in visible else None)  # noqa: B010
        tasks[task.stage].append(task)
    return [(s, tasks[s.key]) for s in stage_progress(project)]


def partners_of(project: SetupProject):
    return project.partners.order_by("kind", "name")


def partner_totals(project: SetupProject) -> dict[str, Decimal]:
    sums = project.partners.aggregate(requested=Sum("amount_requested"), committed=Sum("amount_committed"))
    return {k: v or Decimal("0.00") for k, v in sums.items()}


def project_members(project: SetupProject):
    return project.members.select_related("user").order_by("role", "user__last_name", "user__email")


# -- business plan ------------------------------------------------------------------------------

def plan_inputs(plan: BusinessPlan) -> PlanInputs:
    years = {y.index: y for y in plan.years.all()}
    subsidies: dict[int, Decimal] = {}
    for row in plan.subsidies.all():
        subsidies[row.year_index] = subsidies.get(row.year_index, Decimal("0.00")) + row.amount
    inputs = []
    for index in (1, 2, 3):
        y = years.get(index)
        inputs.append(YearInputs(
            entrepreneurs=y.entrepreneurs if y else 0,
            average_revenue=y.average_revenue if y else Decimal("0.00"),
            staff_costs=y.staff_costs if y else Decimal("0.00"),
            other_costs=y.other_costs if y else Decimal("0.00"),
            subsidies=subsidies.get(index, Decimal("0.00")),
        ))
    return PlanInputs(years=tuple(inputs), first_year=plan.first_year, opening_cash=plan.opening_cash,
                      rate_mode=plan.rate_mode, flat_rate=plan.flat_rate,
                      bands=tuple((b.lower_bound, b.rate) for b in plan.bands.all()))


def plan_figures(project: SetupProject) -> tuple[BusinessPlan | None, list[YearFigures]]:
    plan = BusinessPlan.objects.filter(project=project).prefetch_related("years", "subsidies", "bands").first()
    if plan is None:
        return None, []
    return plan, compute(plan_inputs(plan))


def plan_subsidy_grid(plan: BusinessPlan | None, project: SetupProject) -> list[dict]:
    """One row per partner of the project (and one for other subsidies): amounts per year."""
    by_key: dict[tuple, Decimal] = {}
    if plan is not None:
        for row in plan.subsidies.all():
            by_key[(row.partner_id, row.year_index)] = by_key.get((row.partner_id, row.year_index), 0) + row.amount
    rows = [{"key": f"p{p.pk}", "label": p.name, "partner": p,
             "amounts": [by_key.get((p.pk, i)) for i in (1, 2, 3)]} for p in partners_of(project)]
    rows.append({"key": "other", "label": "Autres subventions", "partner": None,
                 "amounts": [by_key.get((None, i)) for i in (1, 2, 3)]})
    return rows


# A partner or a task belongs to a project fetched for the actor (project_get_for): whoever may
# open the project may name its partners and tasks (what they may change is the services' rule).

def partner_get_for(*, actor: User | AnonymousUser | None, project: SetupProject, pk: int | str) -> Partner:
    try:
        return project.partners.get(pk=int(pk))
    except (Partner.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("Partenaire introuvable.") from exc


def task_get_for(*, actor: User | AnonymousUser | None, project: SetupProject, pk: int | str) -> Task:
    try:
        return project.tasks.get(pk=int(pk))
    except (Task.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("Tâche introuvable.") from exc
