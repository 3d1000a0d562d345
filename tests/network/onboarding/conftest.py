"""Set-up shared by the onboarding tests: a project with founders, and one ready to launch."""

from __future__ import annotations

from datetime import date

import pytest

from network.onboarding.models import ProjectMember, SetupProject, Task
from network.onboarding.services import project_update, setup_project_create
from network.onboarding.stages import STAGE_ORDER, StageKey
from tests.factories import UserFactory, siren_from, siret_from

READY_STAGES = STAGE_ORDER[: STAGE_ORDER.index(StageKey.LOGISTICS) + 1]


def make_project(world, *, name="CAE Vallée de la Meuse", founders=("fondatrice@meuse.fr",), mentor=None,
                 region="44", departments="08") -> SetupProject:
    staff = world.user("network_staff")
    project = setup_project_create(name=name, region=region, departments=departments,
                                   mentor=mentor or world.cae_a, expected_entrepreneurs=40, acting_user=staff,
                                   today=date(2026, 1, 5))
    for email in founders:
        ProjectMember.objects.create(project=project, user=UserFactory(email=email),
                                     role=ProjectMember.Role.FOUNDER)
    return project


def make_ready(project: SetupProject, world, *, seed: int = 55555551, slug: str = "meuse") -> SetupProject:
    """Legal and logistics done: what a project looks like when it can be launched."""
    staff = world.user("network_staff")
    siren = siren_from(seed)
    project_update(project=project, section="legal", acting_user=staff, data={
        "legal_form": "scop", "legal_name": f"{project.name} SCOP SARL", "statutes_adopted_on": "2026-05-02",
        "siren": siren, "siret": siret_from(siren), "registered_on": "2026-06-10", "slug": slug})
    project_update(project=project, section="logistics", acting_user=staff, data={
        "address": "12 place Ducale", "postal_code": "08000", "city": "Charleville-Mézières",
        "other_sites": "Sedan ; 08200 ; antenne\nRethel ; 08300 ; permanence",
        "bank_name": "Crédit Coopératif", "iban": "", "insurer": "MACIF", "accountant": "Cabinet Ardennes Conseil"})
    Task.objects.filter(project=project, stage__in=READY_STAGES).update(status=Task.Status.DONE)
    project.refresh_from_db()
    return project


@pytest.fixture
def project(world, db) -> SetupProject:
    return make_project(world)


@pytest.fixture
def founder(project):
    return project.members.get(role=ProjectMember.Role.FOUNDER).user


@pytest.fixture
def ready_project(project, world) -> SetupProject:
    return make_ready(project, world)
