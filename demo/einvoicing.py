"""The demo's e-invoicing: every demo CAE is registered in the sandbox platform (standins/
pa_sandbox, started by `make run`) as one of its clients, with its line in the sandbox's
directory, and connected to it; then CESAME invoices Bâtisseurs Coop through it, so that both see
the flows and the statuses (docs/einvoicing.md). Only where the local settings name a sandbox:
never in production.

The sandbox's registration API (/sandbox/…) is the sandbox's own, not the standard's; it is
called over HTTP here (the demo never imports the stand-in)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import httpx
from django.conf import settings

from essaim.audit.actors import DEMO
from essaim.cooperatives.models import Cooperative

SANDBOX_PLATFORM_NUMBER = "9999"  # the sandbox's matricule (four characters, flux 10 rule G6.22)


def _admin(path: str, body: dict) -> None:
    response = httpx.post(f"{settings.EINVOICING_SANDBOX_URL}/sandbox/{path}", json=body, timeout=10,
                          headers={"Authorization": f"Bearer {settings.EINVOICING_SANDBOX_ADMIN_TOKEN}"})
    response.raise_for_status()


def _secret(coop: Cooperative) -> str:
    # Deterministic per CAE and per sandbox token, so a re-run of the demo registers the same client.
    return hashlib.sha256(f"{settings.EINVOICING_SANDBOX_ADMIN_TOKEN}:{coop.slug}".encode()).hexdigest()[:32]


def einvoicing_demo(*, stdout=None) -> int:
    """Connect the demo CAEs to the sandbox; returns how many. Nothing without a sandbox."""
    if not settings.EINVOICING_SANDBOX_URL:
        return 0
    from tenants.einvoicing.services import ConnectionInput, connection_save

    url = settings.EINVOICING_SANDBOX_URL
    count = 0
    for coop in Cooperative.objects.exclude(schema_name="public").order_by("pk"):
        client_id = f"essaim-{coop.slug}"
        _admin("clients", {"client_id": client_id, "client_secret": _secret(coop), "name": coop.name,
                           "siren": coop.siren})
        _admin("directory", {"siren": coop.siren, "name": coop.legal_name, "client_id": client_id})
        with coop:
            connection_save(acting_user=DEMO, data=ConnectionInput(
                name="Plateforme de test (bac à sable)", flow_url=f"{url}/flow-service",
                directory_url=f"{url}/directory-service", token_url=f"{url}/oauth/token", client_id=client_id,
                client_secret=_secret(coop), syntax="CII", platform_number=SANDBOX_PLATFORM_NUMBER))
        count += 1
    _cesame_invoices_batisseurs(stdout)
    if stdout is not None:
        stdout.write(f"  Facturation électronique : {count} CAE connectées à la plateforme de test.")
    return count


def _cesame_invoices_batisseurs(stdout) -> None:
    """Two invoices from a CESAME activity to Bâtisseurs Coop, issued through the services (so
    the issue queues their transmission, as for any B2B France invoice)."""
    from django.utils import timezone

    from tenants.activity.models import Customer
    from tenants.activity.services import LineInput, customer_create, invoice_create_draft, invoice_finalise
    from tenants.people.models import Entrepreneur

    cesame = Cooperative.objects.filter(slug="cesame").first()
    batisseurs = Cooperative.objects.filter(slug="batisseurs").first()
    if cesame is None or batisseurs is None:
        return
    with cesame:
        if Customer.objects.filter(siren=batisseurs.siren).exists():
            return  # already done by an earlier run
        person = Entrepreneur.objects.order_by("pk").first()
        if person is None:
            return
        customer = customer_create(entrepreneur=person, kind="company", name=batisseurs.legal_name,
                                   siren=batisseurs.siren, siret=batisseurs.siret,
                                   billing_address=batisseurs.address, billing_postal_code=batisseurs.postal_code,
                                   billing_city=batisseurs.city, acting_user=DEMO)
        for description, amount in (("Formation sécurité sur chantier (2 jours)", Decimal("1400.00")),
                                    ("Conseil en organisation, novembre", Decimal("850.00"))):
            draft = invoice_create_draft(entrepreneur=person, customer=customer, operation="services",
                                         acting_user=DEMO,
                                         lines=[LineInput(description, Decimal("1"), amount, "20.00")])
            invoice_finalise(invoice=draft, on=timezone.localdate(), acting_user=DEMO)
