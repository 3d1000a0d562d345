"""What the library's access selectors hand out beyond a resource: a CAE only to its director (the
author of a proposal, the target of a template: cooperative_get_for), a meeting only under its
own group (group_meeting_get_for)."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from network.resources.access import cooperative_get_for, group_get_for, group_meeting_get_for, viewer_for
from network.resources.services import group_create, meeting_schedule
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_cae_is_handed_only_to_its_director(world):
    director_a = viewer_for(world.user("director_a"))
    assert cooperative_get_for(actor=director_a, pk=world.cae_a.pk) == world.cae_a
    for key, cooperative in (("director_a", world.cae_b), ("counsellor_a", world.cae_a),
                             ("entrepreneur_a", world.cae_a), ("network_staff", world.cae_a), ("nobody", world.cae_a)):
        with pytest.raises(Http404):
            cooperative_get_for(actor=viewer_for(world.user(key)), pk=cooperative.pk)


def test_a_meeting_is_reached_only_under_its_own_group(world):
    staff = world.user("network_staff")
    ours = group_create(name="Fonctions support", theme="support", member_cooperatives=[world.cae_a.pk],
                        description="Paie, comptabilité, juridique.", acting_user=staff)
    theirs = group_create(name="Bâtiment", theme="support", member_cooperatives=[world.cae_b.pk],
                          description="Les CAE du bâtiment.", acting_user=staff)
    hidden = meeting_schedule(group=theirs, starts_at=timezone.now() + timedelta(days=7), place="Lyon",
                              agenda="Assurance décennale", acting_user=staff)
    director_a = world.user("director_a")
    viewer = viewer_for(director_a)
    group = group_get_for(actor=viewer, pk=ours.pk)
    with pytest.raises(Http404):
        group_meeting_get_for(actor=viewer, group=group, pk=hidden.pk)
    with pytest.raises(Http404):
        group_get_for(actor=viewer, pk=theirs.pk)
    response = client_for(None, director_a).get(f"/groupes/{ours.pk}/rencontres/{hidden.pk}/")
    assert response.status_code == 404 and "Assurance décennale" not in response.content.decode()
