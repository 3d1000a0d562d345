"""Writes on the tenant registry."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from essaim.audit.actors import Actor
from essaim.audit.services import audit_record

from .models import Cooperative, Domain
from .provisioning import schema_migrate, schema_provision
from .tenancy import tenant_connection


def _next_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('cooperatives_cooperative', 'id'))")
        return int(cursor.fetchone()[0])


def cooperative_create(
    *,
    name: str,
    legal_name: str,
    slug: str,
    siren: str,
    siret: str,
    region: str,
    address: str,
    postal_code: str,
    city: str,
    kind: str = Cooperative.Kind.REGIONAL,
    sector: str = Cooperative.Sector.MULTI,
    contribution_rate: Decimal | str = Decimal("10.00"),
    iban: str = "",
    bic: str = "",
    by_migrations: bool = False,
    acting_user: Actor,
) -> Cooperative:
    """Create a CAE, its schema and its domain `<slug>.<base domain>`, all or nothing; audited in
    the public schema (the network's trail).

    The schema name is `cae_<id>`, generated here. Raises ValidationError (French messages) on
    bad input, before anything is written."""
    slug = (slug or "").strip().lower()
    cooperative = Cooperative(
        name=name.strip(),
        legal_name=legal_name.strip(),
        slug=slug,
        siren=(siren or "").replace(" ", ""),
        siret=(siret or "").replace(" ", ""),
        kind=kind,
        sector=sector,
        region=region,
        address=address,
        postal_code=postal_code,
        city=city,
        contribution_rate=Decimal(str(contribution_rate)),
        iban=iban,
        bic=bic,
        schema_name="cae_pending",
    )
    cooperative.full_clean(exclude=["schema_name"])
    domain_name = f"{slug}.{settings.BASE_DOMAIN}"
    if Domain.objects.filter(domain=domain_name).exists():
        raise ValidationError({"slug": "Ce sous-domaine est déjà utilisé."})

    tenant_connection().set_schema_to_public()
    with transaction.atomic():
        cooperative.id = _next_id()
        cooperative.schema_name = f"cae_{cooperative.id}"
        if by_migrations:
            schema_migrate(cooperative.schema_name)
            provisioned_by = "migrations"
        else:
            provisioned_by = cooperative.provisioned_by = schema_provision(cooperative.schema_name)
        cooperative.save()
        Domain.objects.create(domain=domain_name, tenant=cooperative, is_primary=True)
        audit_record(action="cooperative_create", target=f"cooperative:{cooperative.pk}", acting_user=acting_user,
                     details={"schema": cooperative.schema_name, "provisioned_by": provisioned_by})
        if settings.TENANT_POOL_SIZE:
            transaction.on_commit(_queue_pool_refill)
    return cooperative


def _queue_pool_refill() -> None:
    from .tasks import pool_refill

    pool_refill.delay()
