"""The launch: one action provisions the CAE, installs the templates, creates the sites and
makes the founders directors — all or nothing, and only once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from essaim.accounts.models import Membership
from essaim.cooperatives import provisioning
from essaim.cooperatives.models import Cooperative, Domain, SpareSchema
from essaim.core.errors import AppError
from network.onboarding.launch import LAUNCH_STEPS, InjectedFailure, project_launch
from network.onboarding.models import SetupProject, Task
from network.onboarding.stages import StageKey
from tests.conftest import client_for, tenant_context
from tests.factories import PASSWORD

from .conftest import make_project, make_ready


def _schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'cae\\_%' OR nspname LIKE 'spare\\_%'")
        return {row[0] for row in cursor.fetchall()}


def _launch_template():
    """A published « install at launch » template with one workshop (network/resources)."""
    from network.resources.models import Resource

    return Resource.objects.create(
        title="Catalogue d'ateliers de démarrage", kind="template", theme="support", audience="staff",
        summary="Les ateliers de base d'une CAE qui ouvre.", state="published", visibility="public",
        install_at_launch=True,
        payload={"workshops": [{"key": "demarrer", "title": "Démarrer son activité en CAE", "theme": "management",
                                "duration_minutes": 180, "capacity": 12}]})


def _state(project, founder) -> dict:
    return {
        "schemas": _schemas(),
        "cooperatives": Cooperative.objects.count(),
        "domains": Domain.objects.count(),
        "memberships": Membership.objects.filter(user=founder).count(),
        "spares": set(SpareSchema.objects.values_list("name", flat=True)),
        "launched": SetupProject.objects.filter(pk=project.pk, cooperative__isnull=False).exists(),
        "mails": len(mail.outbox),
    }


@pytest.mark.parametrize("step", LAUNCH_STEPS)
def test_failure_at_each_step_leaves_nothing_and_a_retry_completes(ready_project, founder, world, step,
                                                                   django_capture_on_commit_callbacks):
    staff = world.user("network_staff")
    _launch_template()
    provisioning.pool_refill(size=1)  # the spare's rename must roll back too
    mail.outbox.clear()
    before = _state(ready_project, founder)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InjectedFailure):
        project_launch(project=ready_project, acting_user=staff, fail_at=step)
    assert callbacks == [], "a failed launch queues no e-mail and no pool refill"

    assert _state(ready_project, founder) == before, f"something remained after a failure at {step}"
    assert connection.schema_name == "public"
    assert not Cooperative.objects.filter(slug="meuse").exists()
    assert not Domain.objects.filter(domain="meuse.localhost").exists()

    with django_capture_on_commit_callbacks(execute=True):
        cooperative = project_launch(project=ready_project, acting_user=staff, site_root="http://localhost:8000")
    assert cooperative.slug == "meuse"
    assert not SpareSchema.objects.exists(), "the retry used the spare"
    assert Domain.objects.filter(tenant=cooperative, domain="meuse.localhost", is_primary=True).exists()
    assert Membership.objects.get(user=founder, cooperative=cooperative).role == Membership.Role.DIRECTOR
    from tenants.catalogue.models import InstalledItem
    from tenants.people.models import Site

    with tenant_context(cooperative):
        sites = sorted(Site.objects.values_list("name", "kind", "department"))
        assert InstalledItem.objects.filter(kind="workshop", key="demarrer").exists()
    assert sites == [("Charleville-Mézières — siège", "head_office", "08"), ("Rethel", "outreach", "08"),
                     ("Sedan", "branch", "08")]
    assert [m.to for m in mail.outbox] == [[founder.email]]
    assert "http://meuse.localhost:8000/" in mail.outbox[0].body


def test_launch_twice_gives_one_cae(ready_project, founder, world):
    staff = world.user("network_staff")
    first = project_launch(project=ready_project, acting_user=staff)
    count = Cooperative.objects.count()
    second = project_launch(project=ready_project, acting_user=staff)
    assert first.pk == second.pk
    assert Cooperative.objects.count() == count
    assert Membership.objects.filter(user=founder, cooperative=first).count() == 1


def test_launch_needs_the_legal_stage_done(project, world):
    staff = world.user("network_staff")
    with pytest.raises(AppError) as raised:
        project_launch(project=project, acting_user=staff)
    assert raised.value.code == "launch_not_ready"
    assert "SIREN valide" in raised.value.message
    make_ready(project, world)
    Task.objects.filter(project=project, stage=StageKey.LEGAL).update(status=Task.Status.TODO)
    with pytest.raises(AppError) as raised:
        project_launch(project=project, acting_user=staff)
    assert "tâches du montage juridique" in raised.value.message
    assert not Cooperative.objects.filter(slug="meuse").exists()


def test_only_network_staff_launch(ready_project, founder, world):
    with pytest.raises(AppError) as raised:
        project_launch(project=ready_project, acting_user=founder)
    assert raised.value.status == 403
    response = client_for(None, founder).post(f"/essaimage/{ready_project.pk}/lancer/")
    assert response.status_code == 404
    assert not Cooperative.objects.filter(slug="meuse").exists()


def test_launch_through_the_page_then_first_figures(ready_project, founder, world):
    staff_client = client_for(None, world.user("network_staff"))
    page = staff_client.get(f"/essaimage/{ready_project.pk}/").content.decode()
    assert 'id="launch-button"' in page
    response = staff_client.post(f"/essaimage/{ready_project.pk}/lancer/", follow=True)
    assert "La CAE « CAE Vallée de la Meuse » est créée." in response.content.decode()
    cooperative = Cooperative.objects.get(slug="meuse")
    from tests.factories import make_person

    with tenant_context(cooperative):
        make_person(first_name="Inès", last_name="Première", site_name="Charleville-Mézières — siège")
    page = staff_client.get(f"/essaimage/{ready_project.pk}/").content.decode()
    assert 'id="premiers-chiffres"' in page
    assert "Inès" not in page and "Première" not in page  # aggregates only, never a person
    figures = page.split('id="premiers-chiffres"')[1]
    assert '<dt>Personnes accompagnées</dt><dd class="stat">1</dd>' in figures

    # the founder, now a director, logs in on the CAE's own domain
    client = client_for(cooperative)
    assert client.post("/connexion/", {"username": founder.email, "password": PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_slug_already_taken_is_refused_cleanly(world, db):
    project = make_project(world, name="CAE Alpha bis", founders=("f@alpha-bis.fr",))
    make_ready(project, world, slug="alpha-bis")
    SetupProject.objects.filter(pk=project.pk).update(slug="alpha")  # taken by the world's CAE since
    before = _schemas()
    with pytest.raises(AppError) as raised:
        project_launch(project=project, acting_user=world.user("network_staff"))
    assert raised.value.field == "slug"
    assert _schemas() == before


@pytest.fixture(scope="module")
def committed_ready_project(world, django_db_blocker):
    """Committed (other threads only see committed rows): a project ready to launch, one spare in
    the pool. What the launch made is removed afterwards, schema included (the founder's
    account stays: deleting a user reaches tenant tables that do not exist in public)."""
    with django_db_blocker.unblock():
        spares_before = set(SpareSchema.objects.values_list("name", flat=True))
        project = make_project(world, name="CAE Lancement parallèle", founders=("fondatrice@parallele.fr",))
        make_ready(project, world, seed=88888881, slug="parallele")
        provisioning.pool_refill(size=1)
    yield project
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        cooperatives = list(Cooperative.objects.filter(slug="parallele"))
        SetupProject.objects.filter(pk=project.pk).delete()
        for cooperative in cooperatives:
            Membership.objects.filter(cooperative=cooperative).delete()
            Domain.objects.filter(tenant=cooperative).delete()
            cooperative.delete()
            provisioning.schema_drop(cooperative.schema_name)
        for spare in SpareSchema.objects.exclude(name__in=spares_before):
            provisioning.schema_drop(spare.name)
            spare.delete()


def test_two_simultaneous_launches_give_one_cae(committed_ready_project, world, django_db_blocker, db):
    """Two staff members press « Lancer la CAE » at the same moment: real parallel transactions,
    each on its own connection. The project row's lock serialises them: one CAE, one director
    membership, one e-mail, and both calls answer with the same CAE."""
    import threading

    from django.db import connections

    staff, project_id = world.user("network_staff"), committed_ready_project.pk
    barrier, outcomes = threading.Barrier(2), []
    mail.outbox = []

    def launch():
        with django_db_blocker.unblock():
            try:
                project = SetupProject.objects.get(pk=project_id)
                barrier.wait()
                outcomes.append(project_launch(project=project, acting_user=staff).pk)
            except Exception as exc:  # noqa: BLE001 - reported to the test
                outcomes.append(repr(exc))
            finally:
                connections.close_all()

    threads = [threading.Thread(target=launch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(outcomes) == 2 and outcomes[0] == outcomes[1] and isinstance(outcomes[0], int), outcomes
    cooperatives = list(Cooperative.objects.filter(slug="parallele"))
    assert [c.pk for c in cooperatives] == [outcomes[0]]
    assert SetupProject.objects.get(pk=project_id).cooperative_id == outcomes[0]
    founder = committed_ready_project.members.get().user
    assert Membership.objects.filter(user=founder).count() == 1
    assert Domain.objects.filter(tenant=cooperatives[0]).count() == 1
    assert [m.to for m in mail.outbox] == [[founder.email]]
    assert connection.schema_name == "public"


def _rate_template(rate: str):
    """A published launch template whose rate scheme differs from the plans below."""
    from network.resources.models import Resource

    return Resource.objects.create(
        title="Kit de démarrage (taux)", kind="template", theme="finance", audience="staff",
        summary="Le taux de contribution proposé par le réseau.", state="published", visibility="public",
        install_at_launch=True, payload={"contribution_rate": {"rate": rate, "note": "Taux du kit du réseau"}})


@pytest.mark.parametrize(("plan", "expected"), [
    ({"rate_mode": "flat", "flat_rate": "11,5"}, "11.50"),
    # tiered: a CAE's rates are flat, so the first band (from 0 €) is the one carried over
    ({"rate_mode": "tiered", "band_1_from": "0", "band_1_rate": "12", "band_2_from": "35000", "band_2_rate": "8"},
     "12.00"),
    (None, "9.00"),  # no plan row (every new project has one, flat 10 %): the template's rate applies
])
def test_the_plans_rate_is_the_caes_rate_on_launch_day(ready_project, world, plan, expected):
    from django.utils import timezone

    from network.onboarding.models import BusinessPlan
    from network.onboarding.services import business_plan_save
    from network.resources.templates import templates_install
    from tenants.activity.contributions import contribution_rate_on
    from tenants.catalogue.models import InstalledItem

    staff = world.user("network_staff")
    template = _rate_template("9.00")
    if plan is not None:
        business_plan_save(project=ready_project, data={"first_year": "2027", **plan}, acting_user=staff)
    else:
        BusinessPlan.objects.filter(project=ready_project).delete()
    cooperative = project_launch(project=ready_project, acting_user=staff)
    today = timezone.localdate()
    with tenant_context(cooperative):
        assert contribution_rate_on(today) == Decimal(expected)
        assert InstalledItem.objects.filter(kind="contribution_rate").count() == 1  # offered either way
    # installing the template again later (one click) does not bring its rate back over the plan's
    templates_install(cooperative=cooperative, resources=[template], acting_user=staff)
    with tenant_context(cooperative):
        assert contribution_rate_on(today) == Decimal(expected)


def test_the_page_says_which_rate_the_cae_opens_with(ready_project, world):
    from network.onboarding.services import business_plan_save

    staff = world.user("network_staff")
    business_plan_save(project=ready_project, acting_user=staff, data={
        "first_year": "2027", "rate_mode": "tiered", "band_1_from": "0", "band_1_rate": "12",
        "band_2_from": "35000", "band_2_rate": "8"})
    page = client_for(None, staff).get(f"/essaimage/{ready_project.pk}/").content.decode()
    note = page.split('id="taux-au-lancement"')[1].split("</p>")[0]
    assert "12,00 %" in note and "première tranche" in note and "sans tranches" in note
