"""The demo library: a few dozen published resources, an installable starter kit, two working
groups with meetings and minutes; idempotent."""

from datetime import date

import pytest

from demo.network import RESOURCES, network_demo_generate, pdf_bytes
from network.resources.models import GroupMeeting, Resource, WorkingGroup
from network.resources.templates import payload_validate, templates_at_launch
from network.resources.uploads import sniff

pytestmark = pytest.mark.django_db


def test_demo_library_and_groups(world):
    from essaim.accounts.models import User

    User.objects.create_user("reseau@essaim.coop", "x" * 12, network_role=User.NetworkRole.STAFF)
    made = network_demo_generate(reference=date(2026, 11, 1))
    assert made == len(RESOURCES) + 1 >= 30
    assert Resource.objects.filter(state="published").count() == made
    kit = templates_at_launch().get()
    assert payload_validate(kit.payload)["workshops"]
    assert WorkingGroup.objects.count() == 2
    assert GroupMeeting.objects.exclude(minutes="").count() == 5
    assert network_demo_generate(reference=date(2026, 11, 1)) == 0  # idempotent


def test_demo_pdfs_pass_the_upload_check():
    import io

    assert sniff(io.BytesIO(pdf_bytes("Guide de l'accompagnement"))) == "pdf"
