"""The connection as django-tenants makes it: its schema, its CAE, switching back to public.
Django's connection type knows none of these attributes; this is their one typed reading."""

from __future__ import annotations

from typing import Protocol, cast

from django.db import connection

from .models import Cooperative


class TenantConnection(Protocol):
    schema_name: str
    tenant: Cooperative  # in public, django-tenants' stand-in with the public schema's name

    def set_tenant(self, tenant: Cooperative) -> None: ...

    def set_schema_to_public(self) -> None: ...


def tenant_connection() -> TenantConnection:
    return cast(TenantConnection, connection)


def current_cooperative() -> Cooperative:
    """The CAE whose schema the connection is on."""
    return tenant_connection().tenant
