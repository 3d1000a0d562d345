"""API lists and details rendered from `.values()` rows, not model instances.

A ModelSerializer over instances spends most of a list request building model instances, walking
each field's `get_attribute` and quantizing every decimal (the invoice list spent 75 % of its time
there). Here the serializer stays the single declaration of the JSON — the OpenAPI schema is
generated from it, help texts included — and a `ValuesPlan` derived from it formats plain rows:

- each serializer field reads the `.values()` column named by its `source` (`a.b` → `a__b`), or
  the column or annotation given in `sources`;
- its value goes through that field's own `to_representation`, except where it is known to return
  its input (text, integer and boolean columns, string choices), for ISO dates (`isoformat()`) and for decimals
  already at the field's scale, as PostgreSQL `numeric(p, s)` returns them, written with
  `format(value, "f")`: the string DRF would write, without its quantize;
- `computed` fields are computed from the row (e.g. a line's amount), then formatted by their field;
- nested `many=True` serializers are `children`: one query for all the rows of a page.

None stays None, as in DRF. The same JSON as the serializer over instances is pinned by tests
(tests/api/test_rows.py). Querysets are filtered (scoped to the CAE's schema, filtersets) before
`.values()` is applied, so nothing here widens what a view can read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter
from rest_framework import ISO_8601, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.views import TenantListAPIView, TenantRetrieveAPIView

_DATE = serializers.DateField()
_IDENTITY = (serializers.CharField, serializers.IntegerField, serializers.BooleanField, serializers.ReadOnlyField)


def _iso_date(value):
    return value.isoformat() if type(value) is date else _DATE.to_representation(value)


def _renderer(drf_field: serializers.Field) -> Callable[[Any], Any] | None:
    """A function equal to `drf_field.to_representation` on the values a column holds (None for
    the identity)."""
    if isinstance(drf_field, serializers.ChoiceField):
        if all(isinstance(key, str) for key in drf_field.choice_strings_to_values):
            return None
        return drf_field.to_representation
    if isinstance(drf_field, serializers.DecimalField):
        slow = drf_field.to_representation
        coerce = getattr(drf_field, "coerce_to_string", None)
        if drf_field.decimal_places is None or drf_field.normalize_output or drf_field.localize or coerce is False:
            return slow
        exponent = -drf_field.decimal_places

        def decimal(value):
            if isinstance(value, Decimal) and value.as_tuple().exponent == exponent:
                return format(value, "f")
            return slow(value)

        return decimal
    if type(drf_field) is serializers.DateField and getattr(drf_field, "format", api_settings.DATE_FORMAT) == ISO_8601:
        return _iso_date
    if isinstance(drf_field, _IDENTITY) and type(drf_field).to_representation in (
            serializers.CharField.to_representation, serializers.IntegerField.to_representation,
            serializers.BooleanField.to_representation, serializers.ReadOnlyField.to_representation):
        # str(str), int(int), bool → bool: the identity on what the database returns for them.
        return None
    return drf_field.to_representation


@dataclass
class Child:
    """A nested `many=True` serializer: rows of `queryset` whose `parent` column is the row's id."""

    queryset: Callable[[], QuerySet]
    parent: str
    plan: ValuesPlan

    def __post_init__(self) -> None:
        # One level only: grandchildren would cost a query per child group.
        assert not self.plan.children, "nested children are not supported"


@dataclass
class ValuesPlan:
    serializer_class: type[serializers.Serializer]
    sources: dict[str, str] = field(default_factory=dict)
    computed: dict[str, Callable[[dict], Any]] = field(default_factory=dict)
    children: dict[str, Child] = field(default_factory=dict)
    extra: tuple[str, ...] = ()  # columns read by `computed`, not output themselves

    def __post_init__(self) -> None:
        self._steps: list[tuple[str, str, str | None, Callable | None]] = []
        lookups: list[str] = ["id"]
        for name, drf_field in self.serializer_class().fields.items():
            if name in self.children:
                self._steps.append(("child", name, None, None))
                continue
            render = _renderer(drf_field)
            if name in self.computed:
                self._steps.append(("computed", name, None, render))
                continue
            lookup = self.sources.get(name) or drf_field.source.replace(".", "__")
            self._steps.append(("column", name, lookup, render))
            lookups.append(lookup)
        lookups.extend(self.extra)
        self.lookups = list(dict.fromkeys(lookups))

    def values(self, queryset: QuerySet) -> QuerySet:
        """The queryset's rows as dicts holding every column the plan reads."""
        return queryset.values(*self.lookups)

    def render(self, rows: Iterable[dict]) -> list[dict]:
        rows = list(rows)
        nested = {name: self._children(child, rows) for name, child in self.children.items()}
        computed = self.computed
        out = []
        for row in rows:
            item = {}
            for kind, name, lookup, render in self._steps:
                if kind == "column":
                    value = row[lookup]
                elif kind == "child":
                    item[name] = nested[name].get(row["id"], [])
                    continue
                else:
                    value = computed[name](row)
                item[name] = value if value is None or render is None else render(value)
            out.append(item)
        return out

    @staticmethod
    def _children(child: Child, rows: list[dict]) -> dict[Any, list[dict]]:
        """One query for the children of all `rows`, rendered and grouped by parent id."""
        if not rows:
            return {}
        columns = dict.fromkeys([*child.plan.lookups, child.parent])
        queryset = child.queryset().filter(**{f"{child.parent}__in": [row["id"] for row in rows]})
        raw: dict[Any, list[dict]] = {}
        for child_row in queryset.values(*columns):
            raw.setdefault(child_row[child.parent], []).append(child_row)
        return {parent: child.plan.render(group) for parent, group in raw.items()}


class ValuesListAPIView(TenantListAPIView):
    """A cursor-paginated list rendered by `plan` (its `serializer_class` documents the JSON)."""

    plan: ValuesPlan

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(self.plan.values(queryset))
        return self.get_paginated_response(self.plan.render(page))


def path_id(what: str) -> OpenApiParameter:
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"Identifiant {what}.")


class ValuesRetrieveAPIView(TenantRetrieveAPIView):
    """One row of `get_queryset()` (already scoped to the CAE) by primary key, 404 otherwise."""

    plan: ValuesPlan

    def retrieve(self, request, *args, **kwargs):
        rows = list(self.plan.values(self.get_queryset().filter(pk=kwargs["pk"])))
        if not rows:
            raise Http404
        return Response(self.plan.render(rows)[0])
