"""French full-text search without the `unaccent` extension (the embedded PostgreSQL has no
contrib modules; see docs/decisions/0004-french-search-without-unaccent.md).

Accents are stripped by `essaim_unaccent(text)`, an IMMUTABLE SQL function created by migration
resources.0001 (redefined by resources.0003), applied both to the indexed text and to the query
before the built-in `french` configuration stems them. It lower-cases ASCII only
(`lower(… COLLATE "C")`) and maps the accented letters of French explicitly, lower and upper
case, so its result does not depend on the database's LC_CTYPE; œ and æ become « oe » and « ae ».
The document is a stored generated column: title weight A, summary B, body C, under a GIN index.

ts_headline() runs on the folded text (so it matches what the index matched) and tells which
words matched; `highlight()` marks those words in the original text, so excerpts keep their
accents."""

from __future__ import annotations

import re
from html import escape

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db.models import BooleanField, FloatField, Func, TextField
from django.utils.safestring import SafeString, mark_safe

# The accented letters of French, lower case then upper case, each to its plain lower-case letter
# (one for one, through translate()); then œ and æ (Œ and Æ lowered by the same translate())
# expand to two letters. Upper case is mapped here rather than left to lower(), whose result
# beyond ASCII depends on the database's LC_CTYPE (under a C locale, lower('É') is 'É').
ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿ’"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyy'"
ACCENTED_UPPER = "ÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ"
LIGATURES = {"œ": "oe", "æ": "ae"}
assert len(ACCENTED) == len(PLAIN) and ACCENTED[:-1].upper() == ACCENTED_UPPER
_FROM = ACCENTED + ACCENTED_UPPER + "ŒÆ"
_TO = PLAIN + PLAIN[:-1] + "œæ"
_TABLE = str.maketrans({
    **{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},  # what lower(… COLLATE "C") does
    **dict(zip(_FROM, _TO, strict=True)),
    **{upper: LIGATURES[lower] for upper, lower in zip("ŒÆ", "œæ", strict=True)}, **LIGATURES,
})


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fold_sql(argument: str) -> str:
    sql = f'translate(lower({argument} COLLATE "C"), {_literal(_FROM)}, {_literal(_TO)})'
    for letter, expanded in LIGATURES.items():
        sql = f"replace({sql}, {_literal(letter)}, {_literal(expanded)})"
    return sql


# What migration resources.0003 installs (frozen there); a test compares the function in the
# database with `fold`.
UNACCENT_SQL = ("CREATE OR REPLACE FUNCTION essaim_unaccent(text) RETURNS text "
                f"LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT {_fold_sql('$1')} $$")

START, STOP = "\x02", "\x03"  # ts_headline's selection markers, never in stored text
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"


def fold(text: str) -> str:
    """What essaim_unaccent() does, in Python: ASCII lower-cased, French accents and ’ folded,
    œ/æ expanded; any other character left as it is (the `french` configuration lower-cases it
    afterwards, on both sides alike)."""
    return text.translate(_TABLE)


class SearchDocument(Func):
    """setweight(to_tsvector('french', essaim_unaccent(coalesce(col, ''))), 'A'|'B'|'C') || …"""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression, weight in zip(self.source_expressions, "ABCD", strict=False):
            sql, p = compiler.compile(expression)
            params.extend(p)
            parts.append(f"setweight(to_tsvector('french'::regconfig, essaim_unaccent(coalesce({sql}, ''))), '{weight}')")
        return "(" + " || ".join(parts) + ")", params


class FrenchQuery(Func):
    """The visitor's words as a tsquery: web-search syntax (« "…" », OR, -mot), accents folded."""

    template = "websearch_to_tsquery('french'::regconfig, essaim_unaccent(%(expressions)s))"
    output_field = SearchQueryField()


class Matches(Func):
    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class TitleMatches(Func):
    """The query matches the title (weight A) itself: such results come first."""

    template = "(ts_filter(%(expressions)s, '{a}') @@ %(query)s)"
    output_field = BooleanField()

    def __init__(self, vector, query, **extra):
        super().__init__(vector, query, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        vector_sql, vector_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        return f"(ts_filter({vector_sql}, '{{a}}') @@ {query_sql})", [*vector_params, *query_params]


class Rank(Func):
    function = "ts_rank"
    output_field = FloatField()


class FoldedHeadline(Func):
    """ts_headline over the folded text: which words it marks is all `highlight` reads from it."""

    output_field = TextField()

    def __init__(self, text, query, *, options: str = HEADLINE_OPTIONS, **extra):
        self.options = options
        super().__init__(text, query, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        text_sql, text_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        sql = f"ts_headline('french'::regconfig, essaim_unaccent(coalesce({text_sql}, '')), {query_sql}, %s)"
        return sql, [*text_params, *query_params, self.options]


def highlight(original: str, folded_headline: str | None, *, whole: bool = False, words: int = 35) -> SafeString:
    """The original text (HTML-escaped) with <mark> around the words ts_headline matched.

    ts_headline ran on the folded text and knows which words match (stems, accents ignored) but
    reformats it (tags dropped, spaces squeezed): only the matched words are read from it. The
    excerpt is a window of `words` words of the original around the first match (`whole`: all)."""
    marked = {w for fragment in _MARKED.findall(folded_headline or "") for w in _WORD.findall(fragment)}
    tokens = list(_WORD.finditer(original))
    hits = sorted(i for i, t in enumerate(tokens) if fold(t.group()) in marked)
    if not tokens or (not hits and not whole):
        return mark_safe(escape(original if whole else _clip(original, words)))  # noqa: S308 - escaped
    if whole:
        first, last, start, end = 0, len(tokens), 0, len(original)
    else:
        first = max(0, hits[0] - words // 4)
        last = min(len(tokens), first + words)
        start, end = tokens[first].start(), tokens[last - 1].end()
    out, cursor, hit_set = [], start, set(hits)
    for index in range(first, last):
        token = tokens[index]
        out.append(escape(original[cursor:token.start()]))
        word = escape(token.group())
        out.append(f"<mark>{word}</mark>" if index in hit_set else word)
        cursor = token.end()
    out.append(escape(original[cursor:end]))
    text = "".join(out)
    if not whole:
        text = ("… " if start > 0 else "") + text + (" …" if original[end:].strip() else "")
    return mark_safe(text)  # noqa: S308 - every piece above went through escape()


_WORD = re.compile(r"\w+")
_MARKED = re.compile(START + "(.*?)" + STOP, re.S)


def _clip(text: str, words: int = 35) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
