"""Accent- and case-insensitive matching without the `unaccent` extension (the embedded
PostgreSQL ships without contrib modules): PostgreSQL's translate() on lower-cased text."""

from __future__ import annotations

import unicodedata

from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Lower

ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿæœ"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyæœ"


class Fold(Func):
    """lower(translate(...)): 'Épernay' and 'epernay' compare equal."""

    function = "translate"
    output_field = CharField()

    def __init__(self, expression, **extra):
        super().__init__(Lower(expression), Value(ACCENTED), Value(PLAIN), **extra)


def fold(text: str) -> str:
    """The same folding in Python, for the searched words."""
    text = text.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words_match(fields: list[str], query: str) -> tuple[dict, Q]:
    """Annotations and a filter requiring every word of `query` in one of `fields`."""
    annotations = {f"_fold_{name}": Fold(F(name)) for name in fields}
    condition = Q()
    for word in fold(query).split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"_fold_{name}__contains": word})
        condition &= any_field
    return annotations, condition
