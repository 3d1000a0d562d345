"""Celery beat scheduler: entries marked `"per_cooperative": True` are sent once per CAE, each
message carrying that CAE's schema (tenant-schemas-celery); the others run once, in the public
schema (tenant-schemas-celery alone would send every entry to the CAEs only)."""

from __future__ import annotations

import copy

from celery.beat import Scheduler
from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler


class EssaimScheduler(TenantAwarePersistentScheduler):
    def _tenant_aware_beat_schedule_to_dict(self, beat_schedule):
        result = {}
        for name, entry in copy.deepcopy(beat_schedule).items():
            if entry.pop("per_cooperative", False):
                entry.setdefault("options", {}).setdefault("headers", {})["_all_tenants_only"] = True
                result[f"{name}@cooperatives"] = entry
            else:
                result[f"{name}@public"] = entry
        return result

    def apply_entry(self, entry, producer=None):
        if entry.options.get("headers", {}).get("_all_tenants_only"):
            return super().apply_entry(entry, producer=producer)
        return Scheduler.apply_entry(self, entry, producer=producer)
