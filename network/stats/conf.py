"""The disclosure thresholds in force: Django's ``ESSAIM_DISCLOSURE`` setting (read from the
environment by essaim/settings/base.py) over the engine's defaults (rules.DisclosureSettings).

    release_create(period="2026")          # protected with configured_settings()

Every release records the settings it was protected with (``Release.parameters``), and is
re-audited with them when published.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from network.stats.rules import DEFAULT_SETTINGS, DisclosureSettings

# name → (type, smallest, largest allowed)
CONFIGURABLE = {
    "count_min_people": (int, 1, None),
    "count_min_caes": (int, 1, None),
    "magnitude_min_caes": (int, 1, None),
    "magnitude_min_people": (int, 1, None),
    "p_percent": (Decimal, Decimal(0), Decimal(100)),
    "protection_ratio": (Decimal, Decimal(0), Decimal(1)),
}


def configured_settings() -> DisclosureSettings:
    """The engine's settings with the thresholds of ``settings.ESSAIM_DISCLOSURE``. A missing key
    keeps the engine's default; an unknown key or an impossible value stops everything."""
    given = dict(getattr(django_settings, "ESSAIM_DISCLOSURE", None) or {})
    unknown = set(given) - set(CONFIGURABLE)
    if unknown:
        raise ImproperlyConfigured(f"ESSAIM_DISCLOSURE: unknown setting(s) {', '.join(sorted(unknown))}")
    values = {}
    for name, raw in given.items():
        kind, low, high = CONFIGURABLE[name]
        try:
            value = kind(str(raw).strip()) if kind is Decimal else int(raw)
        except (ValueError, TypeError, InvalidOperation):
            raise ImproperlyConfigured(f"ESSAIM_DISCLOSURE[{name!r}]: {raw!r} is not a number") from None
        if (kind is Decimal and not value.is_finite()) or value < low or (high is not None and value > high):
            raise ImproperlyConfigured(f"ESSAIM_DISCLOSURE[{name!r}]: {raw!r} out of range")
        values[name] = value
    return dataclasses.replace(DEFAULT_SETTINGS, **values)
