"""An expense claim named in a request (expense_claim_get_for): CAE A's claims are 404 on CAE B's
site and nothing is decided; in CAE A the staff see every claim, an entrepreneur only their own."""

import pytest
from django.http import Http404

from essaim.accounts.models import Membership
from tenants.activity.models import ExpenseClaim
from tenants.activity.selectors import expense_claim_get_for
from tests.conftest import client_for, tenant_context
from tests.factories import MembershipFactory, UserFactory, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(world):
    with tenant_context(world.cae_a):
        person = make_person(first_name="Inès", last_name="Garnier", user=world.user("entrepreneur_a"))
        return ExpenseClaim.objects.create(entrepreneur=person)


@pytest.mark.parametrize("intruder", ["director_b", "accounts_b"])
@pytest.mark.parametrize("action", ["approve", "reject", "reimburse"])
def test_another_cae_decides_nothing(world, claim, intruder, action):
    client = client_for(world.cae_b, world.user(intruder))
    response = client.post(f"/activite/notes-de-frais/{claim.pk}/action/", {"action": action, "reason": "Doublon"})
    assert response.status_code == 404
    with tenant_context(world.cae_a):
        assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseClaim.Status.SUBMITTED


def test_an_entrepreneur_reaches_only_their_own_claim(world, claim):
    with tenant_context(world.cae_a):
        other_user = UserFactory(email="romane.petit@exemple.fr")
        other = MembershipFactory(user=other_user, cooperative=world.cae_a, role=Membership.Role.ENTREPRENEUR)
        make_person(first_name="Romane", last_name="Petit", user=other_user)
        with pytest.raises(Http404):
            expense_claim_get_for(actor=other, pk=claim.pk)
        mine = Membership.objects.get(user=world.user("entrepreneur_a"), cooperative=world.cae_a)
        assert expense_claim_get_for(actor=mine, pk=claim.pk) == claim
        for role in ("director_a", "counsellor_a", "accounts_a"):
            staff = Membership.objects.get(user=world.user(role), cooperative=world.cae_a)
            assert expense_claim_get_for(actor=staff, pk=claim.pk) == claim
        with pytest.raises(Http404):
            expense_claim_get_for(actor=mine, pk=claim.pk + 1000)
