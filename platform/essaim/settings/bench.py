"""Benchmarks (`make bench`): local settings on a database of their own, `essaim_bench`,
which each bench script drops and recreates. No automatic pool refill: the benches refill the
spare-schema pool explicitly, outside the timings."""

from .local import *  # noqa: F403

DATABASES["default"]["NAME"] = "essaim_bench"  # noqa: F405
TENANT_POOL_SIZE = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303 - synthetic data only
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Timings as in production: no debug query log (it also fills up and hides query counts).
DEBUG = False
WHITENOISE_USE_FINDERS = True
