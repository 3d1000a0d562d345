"""Celery: one app, tenant-aware tasks. Development default is kombu's filesystem transport
(no server needed); production sets CELERY_BROKER_URL to Redis."""

from pathlib import Path

import environ
from celery.schedules import crontab

env = environ.Env()
_data = Path(env.str("ESSAIM_DATA_DIR", default=str(Path(__file__).resolve().parents[3] / ".data")))
CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(_data / "broker")))

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem"):
    for sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULE_FILENAME = str(_data / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "essaim.core.beat:EssaimScheduler"
CELERY_BEAT_SCHEDULE = {
    # Keep a few migrated spare schemas ready so that a new CAE is a rename, not a migration.
    "refill-tenant-pool": {
        "task": "essaim.cooperatives.tasks.pool_refill",
        "schedule": crontab(minute="*/10"),
    },
    # Legal deadlines (CAPE end, associate deadline): reminders for counsellors, in every CAE.
    "people-daily-reminders": {
        "task": "tenants.people.tasks.daily_reminders",
        "schedule": crontab(hour=6, minute=30),
        "per_cooperative": True,
    },
    # Personal data past the CAE's retention period is anonymised, aggregates kept.
    "people-anonymise-expired": {
        "task": "tenants.people.tasks.anonymise_expired",
        "schedule": crontab(hour=3, minute=15),
        "per_cooperative": True,
    },
    # Network statistics: each CAE's figures for this year and its quarters, collected at night
    # inside its schema (idempotent: unchanged figures are not rewritten).
    "network-stats-collect": {
        "task": "network.stats.tasks.collect",
        "schedule": crontab(hour=2, minute=30),
        "per_cooperative": True,
    },
    # E-invoicing (docs/einvoicing.md): flows due for (re)submission are queued again, and what
    # the platform has for each CAE (acknowledgements, statuses, received invoices) is read.
    "einvoicing-flows-resume": {
        "task": "tenants.einvoicing.tasks.flows_resume",
        "schedule": 60.0,
        "per_cooperative": True,
    },
    "einvoicing-flows-sync": {
        "task": "tenants.einvoicing.tasks.flows_sync",
        "schedule": 60.0,
        "per_cooperative": True,
    },
    # Documents whose buyer was absent from the directory (or left waiting) are tried again.
    "activity-emissions-retry": {
        "task": "tenants.activity.tasks.emissions_retry",
        "schedule": crontab(hour=7, minute=0),
        "per_cooperative": True,
    },
    # E-reporting (flux 10): the period that ended yesterday, per the CAE's calendar.
    "activity-ereporting-due": {
        "task": "tenants.activity.tasks.ereporting_due",
        "schedule": crontab(hour=5, minute=0),
        "per_cooperative": True,
    },
    # A per-CAE heartbeat: proves beat → broker → worker → tenant schema every day.
    "cooperative-heartbeat": {
        "task": "essaim.cooperatives.tasks.cooperative_heartbeat",
        "schedule": crontab(hour=6, minute=0),
        "per_cooperative": True,
    },
}
