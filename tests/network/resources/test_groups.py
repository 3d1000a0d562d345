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
    # a resource of the group the reader may not see stays hidden on the group page: the coordinator
    # (a member user outside any CAE) sees the meetings, not what is for network members only
    page = client_for(None, group["coordinator"]).get(f"/groupes/{group['group'].pk}/").content.decode()
    assert "la trame proposée" in page and "Support de présentation commun du parcours" not in page
    page = client_for(None, world.user("director_a")).get(f"/groupes/{group['group'].pk}/").content.decode()
    assert "Note réservée" not in page


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
