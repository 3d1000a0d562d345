"""The one Celery app. Tasks queued from inside a CAE's schema carry it and run inside it."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essaim.settings.local")

app = CeleryApp("essaim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
