"""Settings shared by every environment. Twelve-factor: everything that varies comes from the env."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[3]  # the repository root
PLATFORM_DIR = BASE_DIR / "platform" / "essaim"

env = environ.Env()
DATA_DIR = Path(env.str("ESSAIM_DATA_DIR", default=str(BASE_DIR / ".data")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
BASE_DOMAIN = env.str("ESSAIM_BASE_DOMAIN", default="localhost")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}"])

SHARED_APPS = [
    "django_tenants",
    "essaim.core",
    "essaim.cooperatives",
    "essaim.accounts",
    "essaim.audit",  # in both lists: the network's own writes are audited in public, a CAE's in its schema
    "demo",
    "essaim.payrates",
    "essaim.ui",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # full-text search fields and GIN indexes (network.resources)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "network.portal",
    "network.stats",
    "network.resources",
    "network.onboarding",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "essaim.audit",
    "tenants.people",
    "tenants.support",
    "tenants.activity",
    "tenants.ledger",
    "tenants.payroll",
    "tenants.catalogue",
    "tenants.einvoicing",
    "tenants.purchases",
    "api.keys",
]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "cooperatives.Cooperative"
TENANT_DOMAIN_MODEL = "cooperatives.Domain"
PUBLIC_SCHEMA_URLCONF = "essaim.urls_public"
ROOT_URLCONF = "essaim.urls_tenant"
# Spare schemas kept ready (built by migrations in the background, renamed on demand).
TENANT_POOL_SIZE = env.int("ESSAIM_TENANT_POOL_SIZE", default=3)
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False

MIDDLEWARE = [
    "essaim.core.middleware.TenantMainMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "essaim.core.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "essaim.core.middleware.RejectNulMiddleware",
    # ETag / If-None-Match on GET responses (API clients re-syncing get 304 when nothing changed).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "essaim.accounts.middleware.CooperativeAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

DATABASES = {"default": env.db("DATABASE_URL", default="postgres:///essaim")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# One `SET search_path` per schema switch, not one per cursor (half the queries of a write were
# SETs). Safe with django-tenants ≥ 4: it forgets the cached path on rollback and on a rollback to
# a savepoint, which is when PostgreSQL discards a session SET (docs/decisions/0005).
TENANT_LIMIT_SET_CALLS = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions and CSRF cookies are host-only (no *_COOKIE_DOMAIN): a cookie set by cesame.<base>
# is never sent to another CAE. The session is also bound to the schema it was opened in.
SESSION_COOKIE_NAME = "essaim_session"
CSRF_COOKIE_NAME = "essaim_csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

CACHES = {
    "default": {
        **env.cache("CACHE_URL", default="locmemcache://essaim"),
        # Every key is prefixed with the current schema: no CAE reads another's cache.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "essaim.ui.context.navigation",
            ],
        },
    }
]

WSGI_APPLICATION = "essaim.wsgi.application"
ASGI_APPLICATION = "essaim.asgi.application"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [PLATFORM_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"  # outside the web root; served only through checked views
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Files of the network's resource library (PDF, office documents, images), checked by content.
RESOURCE_MAX_UPLOAD_BYTES = env.int("ESSAIM_RESOURCE_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Network statistics: thresholds of the disclosure control (secret statistique, docs/stats.md),
# used by every release prepared and recorded in it; checked by network/stats/conf.py.
ESSAIM_DISCLOSURE = {
    "count_min_people": env.int("ESSAIM_DISCLOSURE_COUNT_MIN_PEOPLE", default=3),
    "count_min_caes": env.int("ESSAIM_DISCLOSURE_COUNT_MIN_CAES", default=2),
    "magnitude_min_caes": env.int("ESSAIM_DISCLOSURE_MAGNITUDE_MIN_CAES", default=3),
    "magnitude_min_people": env.int("ESSAIM_DISCLOSURE_MAGNITUDE_MIN_PEOPLE", default=11),
    "p_percent": env.str("ESSAIM_DISCLOSURE_P_PERCENT", default="15"),
    "protection_ratio": env.str("ESSAIM_DISCLOSURE_PROTECTION_RATIO", default="0.10"),
}

# Secrets kept at rest (a CAE's platform credentials) are sealed with these Fernet keys
# (essaim/core/sealing.py); unset in development, where a key is derived from SECRET_KEY.
ESSAIM_SEALING_KEYS = env.list("ESSAIM_SEALING_KEYS", default=[])
# E-invoicing (docs/einvoicing.md): calls to approved platforms. Plain http is refused except to
# these hosts (the sandbox platform on the loopback, in development and tests only).
EINVOICING_HTTP_ALLOWED_HOSTS: list[str] = []
EINVOICING_TIMEOUT_SECONDS = env.float("ESSAIM_EINVOICING_TIMEOUT", default=10.0)
EINVOICING_RETRIES = env.int("ESSAIM_EINVOICING_RETRIES", default=3)  # idempotent calls, within one call
EINVOICING_BACKOFF_SECONDS = env.float("ESSAIM_EINVOICING_BACKOFF", default=0.5)  # doubled per retry, capped at 8 s
EINVOICING_SYNC_DOWNLOADS = env.int("ESSAIM_EINVOICING_SYNC_DOWNLOADS", default=4)  # files read at once by a sync
# A customer's directory answer younger than this is taken as the check at issue (the platform
# routes by the directory itself; this check only explains an absent buyer before sending).
EINVOICING_DIRECTORY_FRESH_SECONDS = env.int("ESSAIM_EINVOICING_DIRECTORY_FRESH", default=900)
# The sandbox platform started by `make run` and the tests (standins/pa_sandbox): its URL, set by
# the dev supervisor; never set in production.
EINVOICING_SANDBOX_URL = ""
EINVOICING_SANDBOX_ADMIN_TOKEN = ""

MAILERS = {
    "default": {
        "BACKEND": env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"),
    }
}
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Essaim <ne-pas-repondre@essaim.coop>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.keys.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.keys.permissions.HasApiKey"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Essaim API",
    "DESCRIPTION": "API des coopératives d'activités et d'emploi pour les intégrations comptables.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

from .celery_settings import *  # noqa: E402, F403
from .sentry import init_sentry  # noqa: E402

init_sentry(env)
