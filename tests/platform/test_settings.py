"""Settings: production passes `check --deploy` with no warnings and refuses to start without
its secrets; Sentry sends no personal data; `platform/` never shadows the standard library."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="essaim.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL=os.environ["DATABASE_URL"],
        CELERY_BROKER_URL="redis://127.0.0.1:6399/0",  # not contacted by the checks
        ESSAIM_SEALING_KEYS="ZHVtbXktdGVzdC1vbmx5LWtleS0wMTIzNDU2Nzg5MDE=",
    )
    env.update(extra)
    return env


def test_check_deploy_passes_with_no_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY doit être défini" in result.stderr


def test_stdlib_platform_is_not_shadowed_from_repository_root():
    result = subprocess.run(
        [sys.executable, "-c", "import platform, uuid; print(platform.system()); print(platform.__file__)"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    system, origin = result.stdout.split()
    assert system == "Linux"
    assert not origin.startswith(str(ROOT))
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_core_package_lives_in_platform():
    import essaim

    assert Path(essaim.__file__).resolve().parent == ROOT / "platform" / "essaim"


def test_sentry_is_initialised_with_integrations_and_scrubs_personal_data():
    script = """
import json, sentry_sdk, environ
from essaim.settings.sentry import init_sentry, tag_schema
sent = []
class Capture(sentry_sdk.transport.Transport):
    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                sent.append(item.payload.json)
assert init_sentry(environ.Env())
client = sentry_sdk.get_client()
names = sorted(client.integrations)
client.transport = Capture(client.options)
tag_schema("cae_42")
sentry_sdk.set_user({"email": "camille.martin@exemple.fr"})
with sentry_sdk.new_scope() as scope:
    scope.set_context("request", {})
    try:
        raise ValueError("boum")
    except ValueError:
        sentry_sdk.capture_event({"message": "boum", "request": {"cookies": {"s": "x"}, "data": {"nir": "1"}}})
sentry_sdk.flush()
print(json.dumps({"integrations": names, "events": sent}))
"""
    env = dict(os.environ, SENTRY_DSN="https://cle@sentry.invalid/1", DJANGO_SETTINGS_MODULE="essaim.settings.test")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    import json

    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"django", "celery"} <= set(out["integrations"])
    (event,) = out["events"]
    assert event["tags"]["tenant_schema"] == "cae_42"
    assert "user" not in event
    assert "cookies" not in event.get("request", {}) and "data" not in event.get("request", {})
    assert "camille" not in result.stdout


def test_sessions_and_csrf_cookies_are_host_only():
    assert not getattr(settings, "SESSION_COOKIE_DOMAIN", None)
    assert not getattr(settings, "CSRF_COOKIE_DOMAIN", None)
    assert settings.CACHES["default"]["KEY_FUNCTION"] == "django_tenants.cache.make_key"
