"""The views of both URLconfs (a CAE's and the network's), walked once for the architecture tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    urlconf: str
    route: str
    callback: object

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def module(self) -> str:
        cls = self.view_class
        target = cls if cls is not None else self.callback
        return getattr(target, "__module__", "")


def _walk(patterns, prefix: str) -> Iterator[tuple[str, object]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def routes(urlconf: str) -> list[Route]:
    return [Route(urlconf, route, callback) for route, callback in _walk(get_resolver(urlconf).url_patterns, "/")]


TENANT, PUBLIC = "essaim.urls_tenant", "essaim.urls_public"
