"""Development: embedded PostgreSQL when DATABASE_URL is unset, console e-mail, DEBUG."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
if not os.environ.get("DATABASE_URL"):
    from essaim.devdb import embedded_database_url

    os.environ["DATABASE_URL"] = embedded_database_url()

from .base import *  # noqa: E402, F403
from .base import BASE_DOMAIN  # noqa: E402

ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"]

# The sandbox approved platform (standins/pa_sandbox), started beside the web server by `make run`
# and by the test fixtures on a loopback port: plain http allowed to the loopback only.
EINVOICING_HTTP_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
EINVOICING_SANDBOX_URL = os.environ.get("ESSAIM_PA_SANDBOX_URL", "")
EINVOICING_SANDBOX_ADMIN_TOKEN = os.environ.get("ESSAIM_PA_SANDBOX_ADMIN_TOKEN", "")
