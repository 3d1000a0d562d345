"""Tenant-aware Celery tasks: a task queued inside a CAE's schema carries the schema name in
its headers and runs inside that schema (tenant-schemas-celery); the worker goes back to public
afterwards."""

from tenant_schemas_celery.task import TenantTask


class CooperativeTask(TenantTask):
    abstract = True
    acks_late = True
    autoretry_for = ()
