"""Launching a setup project: the CAE's tenant, the network's templates, its sites and its
directors, in one transaction.

Steps (LAUNCH_STEPS, in order), all inside one `transaction.atomic()` on the public schema's
connection:

1. ``provision`` — `cooperative_create()` (the foundation's path: a renamed spare schema, or the
   migrations replayed when the pool is empty), the Cooperative row and its Domain. Its own
   atomic block is a savepoint of ours; the spare's rename and the removal of its SpareSchema row
   roll back with us (PostgreSQL DDL is transactional), and its pool-refill task is queued with
   `on_commit`, so a rolled-back launch queues nothing. The registry's contribution rate is the
   business plan's (`launch_rate`).
2. ``templates`` — the network's launch templates (`network.resources.templates.templates_install`).
   When the business plan gives the rate, a template's `contribution_rate` is recorded as offered
   and left alone: the plan's rate wins, also over later installs of the same template.
3. ``sites`` — the head office and the other places of the project, as `tenants.people.Site`
   rows in the new schema.
4. ``directors`` — a director Membership for every founder, and their e-mails (sent on commit).
5. ``finish`` — the project is marked launched and linked to its CAE.

A failure at any step rolls everything back: no schema, Cooperative, Domain, Membership or Site
remains, nothing is e-mailed, and a retry starts from scratch. A launched project is never
launched again: the second call returns the same CAE (the project row is locked first, so two
simultaneous launches are serialised and the second sees the first's CAE).

Test-only hook: `fail_at=<step name>` raises `InjectedFailure` at the end of that step (after
its writes), so tests prove the rollback of each step with a real exception, without mocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from essaim.accounts.models import Membership
from essaim.audit.actors import Actor
from essaim.audit.services import audit_record
from essaim.cooperatives.models import Cooperative
from essaim.cooperatives.services import cooperative_create
from essaim.core.errors import AppError
from tenants.people.install import SiteInput, SiteKind, sites_install

from .models import BusinessPlan, ProjectMember, SetupProject
from .services import (
    _from_validation,
    _password_link,
    _require_staff,
    _send_later,
    legal_stage_blockers,
    parse_other_sites,
    site_root_default,
)

LAUNCH_STEPS = ("provision", "templates", "sites", "directors", "finish")


class InjectedFailure(RuntimeError):
    """Raised by `project_launch(fail_at=...)`: tests only."""


def launch_blockers(project: SetupProject, *, legal: list[str] | None = None) -> list[str]:
    """What keeps the project from being launched; `legal`: its legal-stage blockers if already known."""
    missing = list(legal_stage_blockers(project) if legal is None else legal)
    if not project.slug:
        missing.append("Sous-domaine prévu à renseigner (montage juridique).")
    if not (project.address and project.postal_code and project.city):
        missing.append("Adresse du siège à renseigner (logistique).")
    return missing


def department_of(postal_code: str) -> str:
    if postal_code.startswith("97"):
        return postal_code[:3]
    if postal_code.startswith("20"):
        return "2A" if postal_code < "20200" else "2B"
    return postal_code[:2]


DEFAULT_RATE = Decimal("10.00")  # the registry's rate when neither the plan nor a template gives one


@dataclass(frozen=True)
class LaunchRate:
    rate: Decimal | None  # None: the plan gives none (no plan, or a tiered plan without bands)
    first_band_of_tiers: bool = False  # the plan is tiered: only its first band is carried over


def launch_rate(plan: BusinessPlan | None) -> LaunchRate:
    """The contribution rate the CAE opens with, from its business plan: the flat rate, or — for a
    tiered plan — the rate of its first band (from 0 €). A CAE's rates are flat
    (`tenants.activity.ContributionRate` is one rate per date, with no bands), so the other bands
    are not carried over; the project page says so before the launch. Reads `plan.bands` through
    `.all()`, so a prefetch is used."""
    if plan is None:
        return LaunchRate(None)
    if plan.rate_mode == BusinessPlan.RateMode.FLAT:
        return LaunchRate(plan.flat_rate)
    bands = sorted(plan.bands.all(), key=lambda band: band.lower_bound)
    return LaunchRate(bands[0].rate if bands else None, first_band_of_tiers=bool(bands))


def _step_provision(project: SetupProject, state: dict, acting_user: Actor) -> None:
    rate = launch_rate(BusinessPlan.objects.filter(project=project).first()).rate
    state["plan_rate"] = rate
    try:
        state["cooperative"] = cooperative_create(
            name=project.name, legal_name=project.legal_name, slug=project.slug, siren=project.siren,
            siret=project.siret, region=project.region, address=project.address, postal_code=project.postal_code,
            city=project.city,
            kind=Cooperative.Kind.REGIONAL if project.sector == Cooperative.Sector.MULTI else Cooperative.Kind.SECTOR,
            sector=project.sector, contribution_rate=rate if rate is not None else DEFAULT_RATE,
            iban=project.iban, bic=project.bic, acting_user=acting_user,
        )
    except ValidationError as exc:
        raise _from_validation(exc) from exc
    connection.set_schema_to_public()


def _step_templates(project: SetupProject, state: dict, acting_user: Actor) -> None:
    from network.resources.templates import templates_install

    # The plan's rate is already the registry's (provision): a template's rate must not supersede
    # it from launch day. Without a plan rate, the template's rate scheme applies.
    state["templates"] = templates_install(cooperative=state["cooperative"], acting_user=acting_user,
                                           keep_contribution_rate=state.get("plan_rate") is not None)
    connection.set_schema_to_public()


def _step_sites(project: SetupProject, state: dict, acting_user: Actor) -> None:
    sites = [SiteInput(name=f"{project.city} — siège", kind=SiteKind.HEAD_OFFICE, address=project.address,
                       postal_code=project.postal_code, city=project.city,
                       department=department_of(project.postal_code))]
    sites += [SiteInput(name=city, kind=kind, postal_code=postal_code, city=city, department=department_of(postal_code))
              for city, postal_code, kind in parse_other_sites(project.other_sites)]
    state["sites"] = sites_install(cooperative=state["cooperative"], sites=sites, acting_user=acting_user)
    connection.set_schema_to_public()


def _step_directors(project: SetupProject, state: dict, acting_user: Actor) -> None:
    cooperative = state["cooperative"]
    # The CAE's own address, with the scheme and port the network's site was reached on.
    root = urlsplit(state["site_root"])
    cae_root = f"{root.scheme}://{cooperative.get_primary_domain().domain}" + (f":{root.port}" if root.port else "")
    founders = list(ProjectMember.objects.filter(project=project, role=ProjectMember.Role.FOUNDER)
                    .select_related("user"))
    for member in founders:
        Membership.objects.get_or_create(user=member.user, cooperative=cooperative,
                                         defaults={"role": Membership.Role.DIRECTOR})
        user = member.user
        link = _password_link(user, cae_root) if not user.has_usable_password() else cae_root + reverse("login")
        _send_later(
            subject=f"[Essaim] {cooperative.name} est ouverte",
            body=(f"Bonjour,\n\nLa CAE « {cooperative.name} » est ouverte dans Essaim, et vous en êtes "
                  f"directrice ou directeur.\nSon adresse : {cae_root}/\nPour vous connecter : {link}\n"),
            to=user.email,
        )
    state["directors"] = len(founders)


def _step_finish(project: SetupProject, state: dict, acting_user: Actor) -> None:
    project.cooperative = state["cooperative"]
    project.status = SetupProject.Status.LAUNCHED
    project.launched_at = timezone.now()
    project.save(update_fields=["cooperative", "status", "launched_at"])
    audit_record(action="setup_project_launch", target=f"setup_project:{project.pk}", acting_user=acting_user,
                 details={"cooperative": project.cooperative_id, "sites": state["sites"],
                          "directors": state["directors"]})


STEPS = {"provision": _step_provision, "templates": _step_templates, "sites": _step_sites,
         "directors": _step_directors, "finish": _step_finish}


def project_launch(*, project: SetupProject, acting_user: Actor, site_root: str | None = None,
                   fail_at: str | None = None) -> Cooperative:
    """Provision the project's CAE (see the module's docstring). Idempotent; all or nothing."""
    _require_staff(acting_user)
    if fail_at is not None and fail_at not in LAUNCH_STEPS:
        raise ValueError(f"unknown launch step {fail_at!r}")
    connection.set_schema_to_public()
    try:
        with transaction.atomic():
            locked = SetupProject.objects.select_for_update().get(pk=project.pk)
            if locked.cooperative_id is not None:
                return locked.cooperative
            if locked.status != SetupProject.Status.OPEN:
                raise AppError("project_closed", "Ce projet est clos : il ne peut pas être lancé.")
            missing = launch_blockers(locked)
            if missing:
                raise AppError("launch_not_ready", "Lancement impossible : " + " ".join(missing))
            state: dict = {"site_root": site_root or site_root_default()}
            for name in LAUNCH_STEPS:
                STEPS[name](locked, state, acting_user)
                if fail_at == name:
                    raise InjectedFailure(f"échec simulé après l'étape {name}")
    finally:
        connection.set_schema_to_public()
    project.refresh_from_db()
    return project.cooperative
