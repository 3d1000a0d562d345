"""Working groups: staff manage, the coordinator runs meetings, members read; others get 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from essaim.core.errors import AppError
from network.resources.models import GroupMeeting, WorkingGroup
from network.resources.services import group_create, meeting_record, meeting_schedule
from tests.conftest import client_for
from tests.factories import UserFactory

from .helpers import make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(world):
    coordinator = UserFactory(email="coordination@exemple.fr", first_name="Hélène", last_name="Laude")
    staff = world.user("network_staff")
    group = group_create(name="Accompagnement et spécificités ESS", theme="support", coordinator=coordinator,
                         member_cooperatives=[world.cae_a.pk], member_users=[coordinator.pk],
                         description="Articuler les pratiques d'accompagnement.", acting_user=staff)
    meeting = meeting_schedule(group=group, starts_at=timezone.now() - timedelta(days=3), place="Marseille",
                               agenda="Support de présentation commun", acting_user=coordinator)
    meeting_record(meeting=meeting, minutes="Synthèse : la trame proposée est une bonne base de travail.",
                   present_users=[coordinator.pk], present_cooperatives=[world.cae_a.pk], acting_user=coordinator)
    produced = make_resource(world, title="Support de présentation commun du parcours", working_group=group,
                             visibility="network")
    hidden = make_resource(world, title="Note réservée à la CAE Bêta", working_group=group, visibility="named",
                           named=[world.cae_b])
    return {"group": group, "coordinator": coordinator, "meeting": meeting, "produced": produced, "hidden": hidden}


def test_members_read_the_group_page_with_meetings_and_production(world, group):
    for user in (world.user("director_a"), world.user("entrepreneur_a"), world.user("network_staff")):
        page = client_for(None, user).get(f"/groupes/{group['group'].pk}/").content.decode()
        assert "Accompagnement et spécificités ESS" in page
        assert "Support de présentation commun du parcours" in page
        assert "la trame proposée" in page
    # The coordinator is a member user outside any CAE. The rule changed: whoever coordinates or
    # belongs to an active working group works with the network's members, so counts as one for
    # « membres du réseau » resources — including what their own group produced, which they could
    # not see before. Named-CAE resources stay with the named CAEs.
    page = client_for(None, group["coordinator"]).get(f"/groupes/{group['group'].pk}/").content.decode()
    assert "la trame proposée" in page and "Support de présentation commun du parcours" in page
    assert "Note réservée" not in page
    page = client_for(None, world.user("director_a")).get(f"/groupes/{group['group'].pk}/").content.decode()
    assert "Note réservée" not in page


def test_group_list_for_a_coordinator_or_member_outside_any_cae(world, group):
    """/groupes/ follows the group page's rule: a coordinator or member user who belongs to no CAE
    finds their groups there (it used to answer 404, since only CAE members were « members »)."""
    member = UserFactory(email="partenaire@exemple.fr")
    group["group"].member_users.add(member)
    for user in (group["coordinator"], member):
        response = client_for(None, user).get("/groupes/")
        assert response.status_code == 200
        assert "Accompagnement et spécificités ESS" in response.content.decode()
        assert client_for(None, user).get(f"/ressources/{group['produced'].pk}/").status_code == 200
        assert client_for(None, user).get(f"/ressources/{group['hidden'].pk}/").status_code == 404
    # leaving the group (or the group closing) ends it at once
    group["group"].member_users.remove(member)
    client = client_for(None, member)
    assert client.get("/groupes/").status_code == 404
    assert client.get(f"/ressources/{group['produced'].pk}/").status_code == 404
    WorkingGroup.objects.filter(pk=group["group"].pk).update(is_active=False)
    assert client_for(None, group["coordinator"]).get(f"/ressources/{group['produced'].pk}/").status_code == 404


def test_non_members_get_404(world, group):
    pk, meeting = group["group"].pk, group["meeting"].pk
    for user in (world.user("director_b"), world.user("nobody")):
        client = client_for(None, user)
        for url in (f"/groupes/{pk}/", f"/groupes/{pk}/rencontres/{meeting}/", f"/api/v1/network/groups/{pk}",
                    f"/api/v1/network/groups/{pk}/meetings"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert "spécificités".encode() not in response.content and b"trame" not in response.content
        assert "Accompagnement et spécificités" not in client.get("/groupes/").content.decode()
    assert client_for(None).get(f"/groupes/{pk}/").status_code == 302  # to the login page


def test_meeting_page_shows_agenda_attendance_and_minutes(world, group):
    client = client_for(None, world.user("director_a"))
    page = client.get(f"/groupes/{group['group'].pk}/rencontres/{group['meeting'].pk}/").content.decode()
    assert "Support de présentation commun" in page and "la trame proposée" in page
    assert "Hélène Laude" in page and "CAE Alpha" in page
    # a member reads but cannot write the minutes
    response = client.post(f"/groupes/{group['group'].pk}/rencontres/{group['meeting'].pk}/", {"minutes": "x"})
    assert response.status_code == 403
    assert GroupMeeting.objects.get(pk=group["meeting"].pk).minutes.startswith("Synthèse")


def test_coordinator_schedules_and_records_staff_manage_members(world, group):
    coordinator = client_for(None, group["coordinator"])
    pk = group["group"].pk
    response = coordinator.post(f"/groupes/{pk}/rencontres/", {
        "starts_at": (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "visio_url": "https://visio.exemple.fr/gt", "agenda": "Retours des fiches"})
    assert response.status_code == 302
    assert GroupMeeting.objects.filter(group_id=pk).count() == 2
    director = client_for(None, world.user("director_a"))
    assert director.post(f"/groupes/{pk}/rencontres/", {"starts_at": "2030-01-01T10:00", "place": "Reims"}).status_code == 403
    assert director.post(f"/groupes/{pk}/membres/", {"member_cooperatives": [world.cae_b.pk]}).status_code == 403
    staff = client_for(None, world.user("network_staff"))
    staff.post(f"/groupes/{pk}/membres/", {"member_cooperatives": [world.cae_a.pk, world.cae_b.pk],
                                          "member_emails": "coordination@exemple.fr"})
    assert set(WorkingGroup.objects.get(pk=pk).member_cooperatives.all()) == {world.cae_a, world.cae_b}
    assert client_for(None, world.user("director_b")).get(f"/groupes/{pk}/").status_code == 200


def test_attendance_is_limited_to_members_and_minutes_wait_for_the_meeting(world, group):
    coordinator = group["coordinator"]
    with pytest.raises(AppError) as caught:
        meeting_record(meeting=group["meeting"], minutes="…", present_cooperatives=[world.cae_b.pk],
                       acting_user=coordinator)
    assert caught.value.code == "attendee_not_member"
    future = meeting_schedule(group=group["group"], starts_at=timezone.now() + timedelta(days=5), place="Lyon",
                              acting_user=coordinator)
    with pytest.raises(AppError) as caught:
        meeting_record(meeting=future, minutes="trop tôt", acting_user=coordinator)
    assert caught.value.code == "meeting_not_held"


def test_only_staff_create_groups(world):
    assert client_for(None, world.user("director_a")).get("/groupes/nouveau/").status_code == 403
    staff = client_for(None, world.user("network_staff"))
    response = staff.post("/groupes/nouveau/", {"name": "Filière BTP", "sector": "construction",
                                                "member_cooperatives": [world.cae_b.pk]})
    assert response.status_code == 302
    assert WorkingGroup.objects.get(name="Filière BTP").sector == "construction"
    again = staff.post("/groupes/nouveau/", {"name": "filière btp", "sector": "construction"})
    assert again.status_code == 400 and "déjà ce nom" in again.content.decode()


def test_a_proposer_credits_a_resource_to_a_group_and_its_page_lists_it(world, group):
    from network.resources.models import Resource

    from .helpers import pdf

    pk = group["group"].pk
    form = {"author": str(world.cae_a.pk), "title": "Fiche « accueillir en CAE » du groupe", "kind": "guide",
            "theme": "support", "sector": "all", "audience": "staff", "language": "fr",
            "summary": "Ce que le groupe a retenu de ses rencontres.", "visibility": "network"}
    director = client_for(None, world.user("director_a"))  # CAE A is a member of the group
    assert "Produite par le groupe de travail" in director.get("/ressources/proposer/").content.decode()
    response = director.post("/ressources/proposer/", form | {"working_group": str(pk), "file": pdf()})
    assert response.status_code == 302
    resource = Resource.objects.get(title="Fiche « accueillir en CAE » du groupe")
    assert resource.working_group_id == pk
    staff = client_for(None, world.user("network_staff"))
    staff.post(f"/ressources/{resource.pk}/publier/")
    assert "accueillir en CAE" in director.get(f"/groupes/{pk}/").content.decode()

    # CAE B's director is no member of the group: the group is not offered, nor accepted
    other = client_for(None, world.user("director_b"))
    response = other.post("/ressources/proposer/", form | {"author": str(world.cae_b.pk), "title": "Intrus",
                                                           "working_group": str(pk), "file": pdf()})
    assert response.status_code == 400
    assert not Resource.objects.filter(title="Intrus").exists()


def test_staff_set_and_clear_the_group_of_an_existing_resource(world, group):
    pk = group["group"].pk
    resource = make_resource(world, title="Trame commune des entretiens", visibility="network")
    member = client_for(None, world.user("director_a"))
    assert "Trame commune des entretiens" not in member.get(f"/groupes/{pk}/").content.decode()
    # not the author CAE's director: no form, and the change is refused
    assert 'id="groupe-de-travail"' not in member.get(f"/ressources/{resource.pk}/").content.decode()
    assert member.post(f"/ressources/{resource.pk}/groupe/", {"working_group": str(pk)}).status_code == 403
    staff = client_for(None, world.user("network_staff"))
    assert 'id="groupe-de-travail"' in staff.get(f"/ressources/{resource.pk}/").content.decode()
    assert staff.post(f"/ressources/{resource.pk}/groupe/", {"working_group": str(pk)}).status_code == 302
    assert "Trame commune des entretiens" in member.get(f"/groupes/{pk}/").content.decode()
    staff.post(f"/ressources/{resource.pk}/groupe/", {"working_group": ""})
    assert "Trame commune des entretiens" not in member.get(f"/groupes/{pk}/").content.decode()


def test_the_author_director_credits_only_a_group_they_may_see(world, group):
    from network.resources.services import resource_set_working_group

    resource = make_resource(world, title="Guide de CAE Bêta", author=world.cae_b, visibility="network")
    with pytest.raises(AppError) as caught:  # CAE B is not a member of the group
        resource_set_working_group(resource=resource, working_group=group["group"],
                                   acting_user=world.user("director_b"))
    assert caught.value.code == "working_group_unknown" and caught.value.field == "working_group"
    resource.refresh_from_db()
    assert resource.working_group_id is None
    resource_set_working_group(resource=resource, working_group=group["group"], acting_user=world.user("network_staff"))
    resource.refresh_from_db()
    assert resource.working_group_id == group["group"].pk
