"""What other CAE apps hold about a person, gathered for the person's record (timeline), the
right of access (export) and the retention period (anonymisation).

People sits below the apps that keep rows about a person (support's meetings, info sessions and
workshops): it cannot import them. Each such app registers one provider from its
AppConfig.ready(); people's services and selectors ask every registered provider. A provider runs
in the current CAE's schema, in a fixed number of queries whatever the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .models import Entrepreneur


@dataclass
class TimelineItem:
    on: date | datetime
    kind: str
    title: str
    detail: str = ""


class PersonDataProvider(Protocol):
    def timeline(self, person: Entrepreneur) -> list[TimelineItem]:
        """Dated items of the person's record."""

    def export(self, person: Entrepreneur) -> dict[str, Any]:
        """Sections of the right-of-access export (French keys, plain data)."""

    def anonymise(self, person: Entrepreneur) -> None:
        """Erase the identifying free text this app holds about the person (retention period)."""


PROVIDERS: list[PersonDataProvider] = []


def person_data_register(provider: PersonDataProvider) -> None:
    if not any(type(p) is type(provider) for p in PROVIDERS):
        PROVIDERS.append(provider)
