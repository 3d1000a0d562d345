"""Tests: same as local (embedded PostgreSQL unless DATABASE_URL is set), fast hashing."""

import os
import tempfile

os.environ.setdefault("CELERY_BROKER_DIR", tempfile.mkdtemp(prefix="essaim-broker-"))

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
DATABASES["default"]["TEST"] = {"NAME": "test_essaim" + os.environ.get("ESSAIM_TEST_DB_SUFFIX", "")}  # noqa: F405
# pytest-django runs with DEBUG=False: let WhiteNoise serve from the finders, as in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
