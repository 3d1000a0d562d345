"""Isolation of the activity pages not covered elsewhere: an activity account, expense claims and
receipts are out of reach of another entrepreneur of the same CAE and of the other CAE's users
(404 or 403, and no byte of the data). The pages added with the settings, draft editing and
credit notes have theirs in test_settings.py and test_credit_notes.py."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from essaim.accounts.models import Membership
from tenants.activity.expenses import ExpenseInput, expense_submit
from tenants.activity.models import ExpenseClaim
from tenants.activity.services import LineInput, invoice_create_draft, invoice_finalise
from tests.conftest import client_for, host_of, tenant_context
from tests.factories import MembershipFactory, UserFactory, make_customer, make_person

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%receipt of Zelie\n"


@pytest.fixture
def zelie(world):
    """Another entrepreneur of CAE A, with her own login, an issued invoice and an expense claim
    with a receipt. `entrepreneur_a` is Léa, a different activity of the same CAE."""
    accounts_a = world.user("accounts_a")
    neighbour = UserFactory(email="zelie@exemple.fr")
    MembershipFactory(user=neighbour, cooperative=world.cae_a, role=Membership.Role.ENTREPRENEUR)
    with tenant_context(world.cae_a):
        make_person(user=world.user("entrepreneur_a"))
        person = make_person(first_name="Zélie", last_name="Confidentielle", user=neighbour)
        customer = make_customer(person, "Client Confidentiel", siren="732829320")
        invoice_finalise(invoice=invoice_create_draft(entrepreneur=person, customer=customer,
                                                      lines=[LineInput("Mission", "1", "4321.00")],
                                                      acting_user=accounts_a), on=date.today(),
                         acting_user=accounts_a)
        claim = expense_submit(entrepreneur=person, lines=[ExpenseInput(
            date.today(), "travel", "Train secret", "87.65", "14.61",
            SimpleUploadedFile("billet.pdf", PDF, content_type="application/pdf"))],
                               acting_user=world.user("entrepreneur_a"))
        line = claim.lines.get()
    return {"user": neighbour, "person": person, "claim": claim, "line": line}


def test_an_activity_account_is_its_entrepreneurs_and_the_staffs_only(world, zelie):
    pk = zelie["person"].pk
    own = client_for(world.cae_a, zelie["user"]).get(f"/activite/compte/{pk}/")
    assert own.status_code == 200 and "Confidentielle" in own.content.decode()
    staff = client_for(world.cae_a, world.user("accounts_a")).get(f"/activite/compte/{pk}/")
    assert staff.status_code == 200 and "4321" in staff.content.decode().replace("\u202f", "").replace(" ", "")
    neighbour = client_for(world.cae_a, world.user("entrepreneur_a")).get(f"/activite/compte/{pk}/")
    assert neighbour.status_code == 404 and b"Confidentielle" not in neighbour.content
    mine = client_for(world.cae_a, world.user("entrepreneur_a")).get("/activite/compte/")
    assert mine.status_code == 200 and "Confidentielle" not in mine.content.decode()
    other_cae = client_for(world.cae_b, world.user("director_b")).get(f"/activite/compte/{pk}/")
    assert other_cae.status_code == 404 and b"Confidentielle" not in other_cae.content
    intruder = Client(HTTP_HOST=host_of(world.cae_a))
    intruder.force_login(world.user("director_b"))
    refused = intruder.get(f"/activite/compte/{pk}/")
    assert refused.status_code in (302, 403) and b"Confidentielle" not in refused.content


def test_expense_claims_and_their_actions_are_out_of_the_other_caes_reach(world, zelie):
    claim = zelie["claim"]
    other = client_for(world.cae_b, world.user("accounts_b"))
    listing = other.get("/activite/notes-de-frais/")
    assert listing.status_code == 200 and "Train secret" not in listing.content.decode()
    for action in ("approve", "reject", "reimburse"):
        response = other.post(f"/activite/notes-de-frais/{claim.pk}/action/", {"action": action, "reason": "non"})
        assert response.status_code == 404, action
    intruder = Client(HTTP_HOST=host_of(world.cae_a))
    intruder.force_login(world.user("accounts_b"))
    assert intruder.get("/activite/notes-de-frais/").status_code in (302, 403)
    assert intruder.post(f"/activite/notes-de-frais/{claim.pk}/action/", {"action": "approve"}).status_code in (302, 403)
    neighbour = client_for(world.cae_a, world.user("entrepreneur_a"))
    assert "Train secret" not in neighbour.get("/activite/notes-de-frais/").content.decode()
    assert neighbour.post(f"/activite/notes-de-frais/{claim.pk}/action/", {"action": "approve"}).status_code == 403
    with tenant_context(world.cae_a):
        claim.refresh_from_db()
        assert claim.status == ExpenseClaim.Status.SUBMITTED and claim.decided_at is None
    # The claim is still there for this CAE's accounts.
    assert "Train secret" in client_for(world.cae_a, world.user("accounts_a")).get(
        "/activite/notes-de-frais/").content.decode()


def test_a_receipt_is_served_to_its_claimant_and_the_staff_only(world, zelie):
    url = f"/activite/justificatifs/{zelie['line'].pk}/"
    own = client_for(world.cae_a, zelie["user"]).get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content) == PDF
    staff = client_for(world.cae_a, world.user("counsellor_a")).get(url)
    assert staff.status_code == 200 and b"".join(staff.streaming_content) == PDF
    neighbour = client_for(world.cae_a, world.user("entrepreneur_a")).get(url)
    assert neighbour.status_code == 404 and b"Zelie" not in neighbour.content
    other_cae = client_for(world.cae_b, world.user("director_b")).get(url)
    assert other_cae.status_code == 404 and b"Zelie" not in other_cae.content
