"""A network template (published through the library's own services, a link rather than a file)
installed into CAE A by the real installer; CAE B receives nothing."""

from __future__ import annotations

import pytest

from network.resources.services import resource_propose, resource_publish
from network.resources.templates import templates_install
from tenants.catalogue.models import AccountLabel, DocumentModel, JournalLabel, WorkshopModel
from tests.conftest import tenant_context

PAYLOAD = {
    "workshops": [
        {"key": "gerer-sa-tresorerie", "title": "Gérer sa trésorerie", "theme": "management",
         "duration_minutes": 180, "capacity": 12, "description": "Plan de trésorerie sur douze mois."},
        {"key": "prospection", "title": "Prospecter ses premiers clients", "theme": "sales",
         "duration_minutes": 150, "capacity": 10, "description": "Cibler, contacter, relancer."},
    ],
    "documents": [{"key": "convention-cape", "title": "Convention CAPE", "kind": "cape",
                   "body": "Entre la coopérative et <script>alert(1)</script> le porteur de projet…"}],
    "accounts": [{"number": "706100", "label": "Prestations de services des activités"}],
    "journals": [{"code": "OD", "label": "Opérations diverses"}],
    "contribution_rate": {"rate": "11.50"},
    "people_settings": {"cesa_requires_first_revenue": False, "retention_years": 6},
}


def publish_template(world, payload=PAYLOAD, title="Kit de démarrage d'une CAE"):
    staff = world.user("network_staff")
    resource = resource_propose(author_cooperative=None, title=title, kind="template", theme="setup",
                                audience="staff", summary="Ce qu'une nouvelle CAE reçoit du réseau.",
                                visibility="network", url="https://exemple.fr/kit", payload=payload,
                                acting_user=staff)
    return resource_publish(resource=resource, acting_user=staff)


@pytest.fixture
def kit(world, db):
    return publish_template(world)


@pytest.fixture
def installed(world, kit):
    """CAE A with the kit installed; the ids of what it received."""
    templates_install(cooperative=world.cae_a, resources=[kit], acting_user=world.user("director_a"))
    with tenant_context(world.cae_a):
        return {
            "tresorerie": WorkshopModel.objects.get(key="gerer-sa-tresorerie"),
            "prospection": WorkshopModel.objects.get(key="prospection"),
            "cape": DocumentModel.objects.get(key="convention-cape"),
            "account": AccountLabel.objects.get(number="706100"),
            "journal": JournalLabel.objects.get(code="OD"),
        }
