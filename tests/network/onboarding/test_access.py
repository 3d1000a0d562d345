"""Who sees which setup project: network staff all of them, a founder or mentor only theirs,
nobody else anything — and a founder has no access to any CAE."""

from __future__ import annotations

import pytest

from network.onboarding.models import ProjectMember
from tests.conftest import client_for, host_of
from tests.factories import PASSWORD, UserFactory

from .conftest import make_project

PROJECT_PAGES = ["", "plan/", "plan.csv", "plan.xlsx"]
PROJECT_POSTS = ["lancer/", "membres/", "partenaires/", "taches/nouvelle/", "fiche/legal/"]


@pytest.fixture
def two_projects(world, db):
    a = make_project(world, name="CAE Meuse", founders=("fondatrice.a@meuse.fr",))
    b = make_project(world, name="CAE Gâtinais", founders=("fondateur.b@gatinais.fr",), region="24",
                     departments="45")
    return a, b


def test_founder_sees_own_project_only(two_projects, world):
    a, b = two_projects
    founder_a = a.members.get().user
    client = client_for(None, founder_a)
    page = client.get(f"/essaimage/{a.pk}/")
    assert page.status_code == 200 and "CAE Meuse" in page.content.decode()
    for path in PROJECT_PAGES:
        response = client.get(f"/essaimage/{b.pk}/{path}")
        assert response.status_code == 404, path
        assert b"Gatinais" not in response.content and "Gâtinais".encode() not in response.content
    task = b.tasks.first()
    for path in [*PROJECT_POSTS, f"taches/{task.pk}/"]:
        assert client.post(f"/essaimage/{b.pk}/{path}", {"status": "done", "name": "x"}).status_code == 404, path
    task.refresh_from_db()
    assert task.status == "todo"
    assert client.get("/essaimage/").status_code == 404  # the pipeline is network staff's
    assert client.get("/api/v1/setup-projects").status_code == 403
    mine = client.get("/essaimage/mes-projets/", follow=True)
    assert "CAE Meuse" in mine.content.decode() and "Gâtinais" not in mine.content.decode()


def test_founder_gets_nothing_on_any_cae_domain(two_projects, world):
    a, _b = two_projects
    founder_a = a.members.get().user
    for cooperative in (world.cae_a, world.cae_b):
        client = client_for(cooperative)
        response = client.post("/connexion/", {"username": founder_a.email, "password": PASSWORD})
        assert response.status_code == 200 and "pas membre de cette coopérative" in response.content.decode()
        assert client.get("/").status_code == 302  # to the login form
        assert client.get(f"/essaimage/{a.pk}/").status_code == 404
        assert client.get("/api/v1/people").status_code in (401, 403)


def test_a_session_from_the_network_domain_is_not_valid_on_a_cae_domain(two_projects, world):
    a, _ = two_projects
    client = client_for(None, a.members.get().user)
    response = client.get("/", HTTP_HOST=host_of(world.cae_a))
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_cae_director_and_others_get_nothing_of_projects(two_projects, world):
    a, _ = two_projects
    for key in ("director_a", "counsellor_b", "nobody"):
        client = client_for(None, world.user(key))
        assert client.get("/essaimage/").status_code == 404, key
        assert client.get(f"/essaimage/{a.pk}/").status_code == 404, key
        assert b"CAE Meuse" not in client.get("/").content
    # on its own CAE's domain, a director has no project pages at all
    director = client_for(world.cae_a, world.user("director_a"))
    assert director.get(f"/essaimage/{a.pk}/").status_code == 404
    assert director.get("/essaimage/").status_code == 404


def test_anonymous_is_sent_to_login(two_projects):
    a, _ = two_projects
    response = client_for(None).get(f"/essaimage/{a.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_staff_pipeline_lists_filters_and_paginates(two_projects, world, django_assert_max_num_queries):
    a, b = two_projects
    client = client_for(None, world.user("network_staff"))
    page = client.get("/essaimage/").content.decode()
    assert "CAE Meuse" in page and "CAE Gâtinais" in page
    assert "Étude d&#x27;opportunité et de faisabilité" in page
    assert "CAE Gâtinais" not in client.get("/essaimage/?q=meuse").content.decode()
    assert "CAE Meuse" not in client.get("/essaimage/?region=24").content.decode()
    a.tasks.filter(stage="feasibility").update(status="done")
    by_stage = client.get("/essaimage/?stage=partners").content.decode()
    assert "CAE Meuse" in by_stage and "CAE Gâtinais" not in by_stage
    for i in range(30):
        make_project(world, name=f"Projet {i:02d}", founders=())
    with django_assert_max_num_queries(12):
        first = client.get("/essaimage/")
    assert "Page 1 sur 2" in first.content.decode()
    with django_assert_max_num_queries(12):
        client.get("/essaimage/?page=2")


def test_mentor_comments_a_founder_does_not(two_projects, world):
    a, _ = two_projects
    mentor = UserFactory(email="marraine@cesame.fr")
    ProjectMember.objects.create(project=a, user=mentor, role=ProjectMember.Role.MENTOR)
    task = a.tasks.first()
    founder = client_for(None, a.members.get(role="founder").user)
    founder.post(f"/essaimage/{a.pk}/taches/{task.pk}/", {"mentor_comment": "Je me félicite"})
    task.refresh_from_db()
    assert task.mentor_comment == ""
    client_for(None, mentor).post(f"/essaimage/{a.pk}/taches/{task.pk}/", {"mentor_comment": "Voir le guide"})
    task.refresh_from_db()
    assert task.mentor_comment == "Voir le guide"
    assert "Voir le guide" in founder.get(f"/essaimage/{a.pk}/").content.decode()


def test_another_projects_rows_through_ones_own_project(two_projects, world):
    """A founder of A names B's task, partner, founder or partner's subsidy in A's own URLs and
    forms: 404 or a refusal, and B is untouched."""
    from network.onboarding.models import Partner
    from network.onboarding.services import partner_save

    a, b = two_projects
    founder_a, founder_b = a.members.get().user, b.members.get().user
    b_partner = partner_save(project=b, acting_user=world.user("network_staff"),
                             data={"kind": "cress", "name": "CRESS Centre", "amount_requested": "100"})
    b_task = b.tasks.first()
    client = client_for(None, founder_a)
    assert client.post(f"/essaimage/{a.pk}/taches/{b_task.pk}/", {"status": "done"}).status_code == 404
    assert client.post(f"/essaimage/{a.pk}/partenaires/{b_partner.pk}/",
                       {"kind": "cress", "name": "Pris", "amount_requested": "1"}).status_code == 404
    response = client.post(f"/essaimage/{a.pk}/plan/", {"first_year": "2027", "rate_mode": "flat", "flat_rate": "10",
                                                         f"subsidy_p{b_partner.pk}_y1": "5000"})
    assert response.status_code == 400 and "Subvention : partenaire inconnu." in response.content.decode()
    a_task = a.tasks.first()
    response = client.post(f"/essaimage/{a.pk}/taches/{a_task.pk}/", {"owner": founder_b.pk}, follow=True)
    assert "Le responsable doit être membre du projet" in response.content.decode()
    b_task.refresh_from_db()
    a_task.refresh_from_db()
    assert b_task.status == "todo" and a_task.owner_id is None
    assert Partner.objects.get(pk=b_partner.pk).name == "CRESS Centre"
    assert not a.business_plan.subsidies.exists()


def test_project_page_queries_do_not_grow_with_its_rows(two_projects, world, django_assert_max_num_queries):
    from network.onboarding.services import business_plan_save, partner_save, task_create

    a, _ = two_projects
    staff = world.user("network_staff")
    for i in range(10):
        partner_save(project=a, acting_user=staff, data={"kind": "cress", "name": f"Partenaire {i}"})
        ProjectMember.objects.create(project=a, user=UserFactory(), role=ProjectMember.Role.FOUNDER)
        task_create(project=a, stage="legal", title=f"Tâche {i}", owner=staff.pk, acting_user=staff)
    business_plan_save(project=a, acting_user=staff, data={
        "rate_mode": "tiered", "band_1_from": "0", "band_1_rate": "10", "band_2_from": "35000", "band_2_rate": "8",
        **{f"subsidy_p{p.pk}_y1": "100" for p in a.partners.all()}})
    client = client_for(None, staff)
    # Counts include the SET search_path django-tenants issues before each query.
    with django_assert_max_num_queries(26):
        assert client.get(f"/essaimage/{a.pk}/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/essaimage/{a.pk}/plan/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/api/v1/setup-projects/{a.pk}").status_code == 200


def test_founder_reads_network_resources_and_links_them_to_tasks(two_projects, world):
    """A founder has no CAE yet but counts as a network member while the project is open: « membres
    du réseau » resources (many are written for founders) can be read, downloaded, found and linked
    to a task; named-CAE resources cannot. Once the project is abandoned, that ends."""
    from network.onboarding.models import SetupProject
    from network.resources.services import resource_propose, resource_publish
    from tests.network.resources.helpers import pdf

    a, _ = two_projects
    founder = a.members.get().user
    staff = world.user("network_staff")

    def published(title, **extra):
        resource = resource_propose(author_cooperative=None, title=title, kind="guide", theme="setup",
                                    audience="founders", summary="Les étapes de l'essaimage d'une CAE.",
                                    upload=pdf(), acting_user=staff, **extra)
        return resource_publish(resource=resource, acting_user=staff)

    guide = published("Guide de l'essaimage", visibility="network")
    named = published("Convention réservée à la CAE Alpha", visibility="named", named_cooperatives=[world.cae_a.pk])
    client = client_for(None, founder)
    assert client.get(f"/ressources/{guide.pk}/").status_code == 200
    assert client.get(f"/ressources/{guide.pk}/telecharger/").status_code == 200
    found = client.get("/ressources/", {"q": "essaimage"}).content.decode()
    assert f'href="/ressources/{guide.pk}/">Guide de l&#x27;<mark>essaimage</mark>' in found
    assert client.get(f"/ressources/{named.pk}/").status_code == 404

    task = a.tasks.first()
    client.post(f"/essaimage/{a.pk}/taches/{task.pk}/", {"resource": str(guide.pk)})
    task.refresh_from_db()
    assert task.resource_id == guide.pk
    page = client.get(f"/essaimage/{a.pk}/").content.decode()
    assert f'href="/ressources/{guide.pk}/">Guide de l&#x27;essaimage</a>' in page
    response = client.post(f"/essaimage/{a.pk}/taches/{task.pk}/", {"resource": str(named.pk)}, follow=True)
    assert "Ressource de la bibliothèque introuvable ou non publiée." in response.content.decode()
    task.refresh_from_db()
    assert task.resource_id == guide.pk

    SetupProject.objects.filter(pk=a.pk).update(status=SetupProject.Status.ABANDONED)
    assert client.get(f"/ressources/{guide.pk}/").status_code == 404
