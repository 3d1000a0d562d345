"""Sentry, only when SENTRY_DSN is set; never sends personal data."""

import environ


def _scrub(event, hint):
    # No personal data: drop the user, cookies, request bodies and headers that may identify someone.
    event.pop("user", None)
    request = event.get("request") or {}
    for key in ("cookies", "data", "headers", "query_string", "env"):
        request.pop(key, None)
    return event


def init_sentry(env: environ.Env) -> bool:
    dsn = env.str("SENTRY_DSN", default="")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=env.str("DJANGO_ENV", default="development"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        before_send=_scrub,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
    return True


def tag_schema(schema_name: str) -> None:
    """Tag the current scope with the CAE's schema (never its name or people)."""
    try:
        import sentry_sdk
    except ImportError:  # pragma: no cover
        return
    sentry_sdk.get_isolation_scope().set_tag("tenant_schema", schema_name)
