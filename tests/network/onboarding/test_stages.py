"""Stages, tasks, the project's record and its partners: updates and validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from essaim.core.errors import AppError
from network.onboarding.models import Partner, ProjectMember
from network.onboarding.selectors import current_stage, stage_progress
from network.onboarding.services import partner_save, project_member_invite, project_update, task_update
from network.onboarding.stages import DEFAULT_TASKS, STAGE_ORDER
from tests.conftest import client_for
from tests.factories import siren_from, siret_from


def test_a_new_project_has_every_stage_with_its_checklist(project):
    stages = stage_progress(project)
    assert [s.key for s in stages] == STAGE_ORDER
    assert [s.total for s in stages] == [len(DEFAULT_TASKS[k]) for k in STAGE_ORDER]
    assert current_stage(stages).key == "feasibility"
    assert project.tasks.order_by("due_on").first().due_on == date(2026, 2, 4)  # 5 janvier + 30 jours


def test_marking_tasks_moves_the_progress_bars(project, founder):
    client = client_for(None, founder)
    tasks = list(project.tasks.filter(stage="feasibility"))
    client.post(f"/essaimage/{project.pk}/taches/{tasks[0].pk}/", {"status": "done"})
    page = client.get(f"/essaimage/{project.pk}/").content.decode()
    assert '<progress max="100" value="25" aria-label="Étude d&#x27;opportunité et de faisabilité">' in page
    for task in tasks[1:]:
        client.post(f"/essaimage/{project.pk}/taches/{task.pk}/", {"status": "done"})
    assert current_stage(stage_progress(project)).key == "partners"
    tasks[0].refresh_from_db()
    assert tasks[0].done_at is not None


def test_task_fields_are_validated(project, founder, world):
    task = project.tasks.first()
    for data, code in [({"status": "fini"}, "status_invalid"), ({"due_on": "31/02/2026"}, "date_invalid"),
                       ({"resource_url": "javascript:alert(1)"}, "resource_url_invalid"),
                       ({"owner": world.user("director_a").pk}, "owner_invalid")]:
        with pytest.raises(AppError) as raised:
            task_update(project=project, task=task, data=data, role="founder", acting_user=founder)
        assert raised.value.code == code
    task.refresh_from_db()
    assert (task.status, task.resource_url, task.owner_id) == ("todo", "", None)
    task_update(project=project, task=task, role="founder", acting_user=founder,
                data={"owner": founder.pk, "resource_url": "https://essaim.coop/ressources/12/", "due_on": "2026-03-01"})
    task.refresh_from_db()
    assert (task.owner_id, task.due_on) == (founder.pk, date(2026, 3, 1))


def test_a_founder_adds_a_task(project, founder):
    client = client_for(None, founder)
    client.post(f"/essaimage/{project.pk}/taches/nouvelle/", {"stage": "logistics", "title": "Commander la plaque"})
    assert project.tasks.filter(stage="logistics", title="Commander la plaque").exists()
    response = client.post(f"/essaimage/{project.pk}/taches/nouvelle/", {"stage": "nulle-part", "title": "x"},
                           follow=True)
    assert "Étape inconnue." in response.content.decode()


def test_legal_identifiers_are_checked_with_stdnum(project, world):
    staff = world.user("network_staff")
    with pytest.raises(AppError) as raised:
        project_update(project=project, section="legal", data={"siren": "123456789"}, acting_user=staff)
    assert raised.value.field == "siren" and "clé de contrôle incorrecte" in raised.value.message
    siren = siren_from(66666661)
    with pytest.raises(AppError) as raised:
        project_update(project=project, section="legal", acting_user=staff,
                       data={"siren": siren, "siret": siret_from(siren_from(66666662))})
    assert raised.value.code == "siret_mismatch"
    with pytest.raises(AppError) as raised:
        project_update(project=project, section="logistics", data={"iban": "FR76 3000 6000 0112 3456 7890 188"},
                       acting_user=staff)
    assert raised.value.field == "iban"
    with pytest.raises(AppError) as raised:
        project_update(project=project, section="logistics", data={"other_sites": "Sedan, 08200"},
                       acting_user=staff)
    assert raised.value.code == "other_sites_invalid"
    project.refresh_from_db()
    assert (project.siren, project.iban, project.other_sites) == ("", "", "")
    project_update(project=project, section="legal", acting_user=staff,
                   data={"siren": f"{siren[:3]} {siren[3:6]} {siren[6:]}", "siret": siret_from(siren)})
    project.refresh_from_db()
    assert project.siren == siren


@pytest.mark.parametrize(("data", "code", "field"), [
    ({"kind": "mairie", "name": "Ville"}, "partner_kind_invalid", "kind"),
    ({"kind": "cress", "name": ""}, "partner_name_required", "name"),
    ({"kind": "cress", "name": "CRESS", "contact_email": "pas-une-adresse"}, "email_invalid", "contact_email"),
    ({"kind": "cress", "name": "CRESS", "amount_requested": "-10"}, "amount_negative", "amount_requested"),
    ({"kind": "cress", "name": "CRESS", "amount_committed": "dix mille"}, "amount_invalid", "amount_committed"),
    ({"kind": "cress", "name": "CRESS", "status": "committed"}, "committed_amount_required", "amount_committed"),
    ({"kind": "cress", "name": "CRESS", "status": "declined", "amount_committed": "5"}, "declined_with_amount",
     "amount_committed"),
])
def test_partner_validation(project, world, data, code, field):
    with pytest.raises(AppError) as raised:
        partner_save(project=project, data=data, acting_user=world.user("network_staff"))
    assert (raised.value.code, raised.value.field) == (code, field)
    assert not Partner.objects.filter(project=project).exists()


def test_partner_through_the_page(project, founder):
    client = client_for(None, founder)
    client.post(f"/essaimage/{project.pk}/partenaires/", {
        "kind": "banque_territoires", "name": "Banque des Territoires — Grand Est", "contact_name": "M. Robert",
        "contact_email": "Robert@Exemple.fr", "ask": "Étude de faisabilité", "status": "committed",
        "amount_requested": "25 000,00", "amount_committed": "20 000,504"})
    partner = Partner.objects.get(project=project)
    assert partner.amount_committed == Decimal("20000.50") and partner.contact_email == "robert@exemple.fr"
    page = client.get(f"/essaimage/{project.pk}/").content.decode()
    assert "Banque des Territoires — Grand Est" in page and "20 000,50" in page.replace("\xa0", " ")
    response = client.post(f"/essaimage/{project.pk}/partenaires/{partner.pk}/", {"status": "refuse"}, follow=True)
    assert "État du partenariat inconnu." in response.content.decode()


def test_founders_are_invited_by_email(project, world, django_capture_on_commit_callbacks):
    staff = world.user("network_staff")
    with django_capture_on_commit_callbacks(execute=True):
        member = project_member_invite(project=project, email=" Nouvelle.Fondatrice@Exemple.fr ",
                                       first_name="Nadia", last_name="Fondatrice", acting_user=staff,
                                       site_root="http://localhost:8000")
    assert member.role == ProjectMember.Role.FOUNDER and not member.user.has_usable_password()
    assert mail.outbox[-1].to == ["nouvelle.fondatrice@exemple.fr"]
    assert "http://localhost:8000/mot-de-passe/nouveau/" in mail.outbox[-1].body
    assert not member.user.memberships.exists(), "a founder has no CAE membership before the launch"
    with pytest.raises(AppError):
        project_member_invite(project=project, email="x@exemple.fr", acting_user=member.user)


def test_a_task_links_a_library_resource_its_viewers_may_see(project, founder, world):
    from network.resources.models import Resource

    def resource(title, visibility):
        return Resource.objects.create(title=title, kind="guide", theme="setup", audience="founders",
                                       summary="Guide.", state="published", visibility=visibility)

    # A founder of an open project counts as a network member (network/resources/access.py): a
    # « membres du réseau » resource may be linked; one for named CAEs may not (they have no CAE).
    members_only = resource("Guide de l'essaimage", "network")
    named = resource("Note réservée à la CAE Alpha", "named")
    named.named_cooperatives.add(world.cae_a)
    task = project.tasks.first()
    staff = world.user("network_staff")
    with pytest.raises(AppError) as raised:
        task_update(project=project, task=task, data={"resource": named.pk}, role="founder", acting_user=founder)
    assert raised.value.code == "resource_invalid"
    task_update(project=project, task=task, data={"resource": members_only.pk}, role="founder", acting_user=founder)
    page = client_for(None, founder).get(f"/essaimage/{project.pk}/").content.decode()
    assert "Guide de l&#x27;essaimage" in page
    # staff may link a named-CAE resource; the founder sees that one is linked, not its title
    task_update(project=project, task=task, data={"resource": named.pk}, role="staff", acting_user=staff)
    page = client_for(None, founder).get(f"/essaimage/{project.pk}/").content.decode()
    assert "Note réservée à la CAE Alpha" not in page and "ressource réservée" in page
    assert "Note réservée à la CAE Alpha" in client_for(None, staff).get(f"/essaimage/{project.pk}/").content.decode()
