"""Tests: same as local (embedded PostgreSQL unless DATABASE_URL is set), fast hashing."""

import os
from pathlib import Path

# Each test database gets its own broker folder, under the git-ignored data folder.
_suffix = os.environ.get("ESSAIM_TEST_DB_SUFFIX", "")
os.environ.setdefault(
    "CELERY_BROKER_DIR",
    str(Path(os.environ.get("ESSAIM_DATA_DIR", Path(__file__).resolve().parents[3] / ".data")) / f"broker-test{_suffix}"),
)

from .local import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303 - tests only
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TENANT_POOL_SIZE = 0
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# Parallel runs against one server (several checkouts, or helpers) each get their own database.
DATABASES["default"]["TEST"] = {"NAME": f"test_essaim{_suffix}"}  # noqa: F405
# pytest-django runs with DEBUG=False: let WhiteNoise serve from the finders, as in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EINVOICING_BACKOFF_SECONDS = 0.01  # the retries of the e-invoicing client, without the wait
