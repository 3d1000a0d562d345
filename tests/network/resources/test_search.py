"""French search: accents and plurals ignored, titles first, highlighted excerpts, facets,
pagination, and a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from network.resources.access import ANONYMOUS, viewer_for
from network.resources.search import ACCENTED, fold
from network.resources.selectors import library_search
from tests.conftest import client_for

from .helpers import make_founder, make_resource

pytestmark = pytest.mark.django_db


def test_sql_folding_matches_python(world):
    sample = ("Élaboration d’un support : Coopérative, ÉTÉ, Noël, MISE EN ŒUVRE, cœur, Æsope, "
              + ACCENTED + ACCENTED.upper() + " ß Ø Ł Σ ΣΑ Ǆ ﬁ")  # the last ones: left to the `french` configuration
    with connection.cursor() as cursor:
        cursor.execute("SELECT essaim_unaccent(%s)", [sample])
        assert cursor.fetchone()[0] == fold(sample)
    assert fold("Élaboration d’un support : MISE EN ŒUVRE, Æsope") == "elaboration d'un support : mise en oeuvre, aesope"
    # without œ/æ, one character for one
    plain = sample.split(", MISE")[0] + ACCENTED + ACCENTED.upper()
    assert len(fold(plain)) == len(plain)


def test_folding_does_not_depend_on_the_database_locale(world):
    """lower() follows the database's LC_CTYPE beyond ASCII (under « C », lower('É') is 'É'): the
    function lowers ASCII only and maps accented capitals itself, so it answers the same under
    any locale. Checked by running its body under the C collation and under the default one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT essaim_unaccent('ÉCOLE Œ' COLLATE \"C\"), essaim_unaccent('ÉCOLE Œ'), "
                       "lower('É' COLLATE \"C\")")
        c_locale, default, raw_lower = cursor.fetchone()
    assert c_locale == default == "ecole oe"
    assert raw_lower == "É"  # what the function used to rely on


def test_ligatures_are_folded_on_both_sides(world):
    oeuvre = make_resource(world, title="Guide de mise en œuvre de la CAPE", summary="Les étapes, pas à pas.")
    coeur = make_resource(world, title="Le CŒUR DU MÉTIER d'accompagnant", summary="Pratiques.")
    aesope = make_resource(world, title="Fables d'Ésope", summary="Un curriculum vitæ commenté.")
    for query, expected in (("mise en oeuvre", oeuvre), ("mise en œuvre", oeuvre), ("MISE EN ŒUVRE", oeuvre),
                            ("coeur du metier", coeur), ("curriculum vitae", aesope)):
        result = library_search(viewer=ANONYMOUS, query=query)
        assert [item["pk"] for item in result.items] == [expected.pk], query
    item = library_search(viewer=ANONYMOUS, query="oeuvre").items[0]
    assert "<mark>œuvre</mark>" in item["title_html"]  # highlighted in the original, ligature kept


def test_plural_without_accents_finds_the_accented_title_and_ranks_titles_first(world):
    in_summary = make_resource(world, title="Guide des partenariats locaux",
                               summary="Comment une coopérative mobilise la CRESS, les coopératives voisines et "
                                       "la coopérative de la région.")
    in_title = make_resource(world, title="La coopérative d'activités et d'emploi expliquée aux élus",
                             summary="Une présentation pour les collectivités.")
    make_resource(world, title="Rapport annuel 2025", summary="Chiffres du réseau.")
    result = library_search(viewer=ANONYMOUS, query="cooperatives")
    assert [item["pk"] for item in result.items] == [in_title.pk, in_summary.pk]
    assert result.total == 2
    first = result.items[0]
    assert "<mark>coopérative</mark>" in first["title_html"]
    second = result.items[1]
    assert "<mark>coopérative</mark>" in second["excerpt_html"] and "CRESS" in second["excerpt_html"]


def test_excerpts_are_escaped(world):
    make_resource(world, title="Atelier <script>", summary="Fiche <b>vente</b> & prospection pour l'atelier.")
    item = library_search(viewer=ANONYMOUS, query="prospection").items[0]
    assert "<script>" not in item["title_html"] and "&lt;script&gt;" in item["title_html"]
    assert "&lt;b&gt;" in item["excerpt_html"] and "<mark>prospection</mark>" in item["excerpt_html"]


def test_body_text_is_searched_after_titles_and_summaries(world):
    body_only = make_resource(world, title="Fiche pratique", summary="Pour les équipes.",
                              body="La mutualisation des fonctions support entre CAE.")
    summary = make_resource(world, title="Note", summary="Mutualisation des moyens entre CAE voisines.")
    result = library_search(viewer=ANONYMOUS, query="mutualiser")
    assert [i["pk"] for i in result.items] == [summary.pk, body_only.pk]


def test_facets_count_the_current_query_and_filters(world):
    make_resource(world, title="Modèle de contrat CAPE", kind="template", theme="contracts")
    make_resource(world, title="Modèle de contrat CESA", kind="template", theme="contracts", language="en")
    make_resource(world, title="Guide du contrat CESA", kind="guide", theme="contracts", audience="entrepreneurs")
    make_resource(world, title="Rapport annuel", kind="report", theme="evaluation")
    result = library_search(viewer=ANONYMOUS, query="contrat")
    assert result.total == 3
    counts = {name: {v.value: v.count for v in values} for name, values in result.facets.items()}
    assert counts["kind"] == {"guide": 1, "template": 2}
    assert counts["theme"] == {"contracts": 3}
    assert counts["language"] == {"fr": 2, "en": 1}
    assert counts["audience"] == {"staff": 2, "entrepreneurs": 1}
    filtered = library_search(viewer=ANONYMOUS, query="contrat", filters={"kind": "template"})
    assert filtered.total == 2
    assert {v.value: v.count for v in filtered.facets["language"]} == {"fr": 1, "en": 1}
    assert [v.selected for v in filtered.facets["kind"]] == [True]


def test_pagination(world):
    made = [make_resource(world, title=f"Support d'atelier n° {i}", url=f"https://video.exemple.fr/{i}", kind="video")
            for i in range(7)]
    pages = [library_search(viewer=ANONYMOUS, page=n, page_size=3) for n in (1, 2, 3)]
    assert [p.total for p in pages] == [7, 7, 7] and pages[0].pages == 3
    seen = [i["pk"] for p in pages for i in p.items]
    assert sorted(seen) == sorted(r.pk for r in made) and len(seen) == 7
    assert pages[0].has_next and not pages[2].has_next and pages[2].has_previous
    assert library_search(viewer=ANONYMOUS, page=99, page_size=3).page == 3  # clamped to the last page


def test_search_page_with_highlights_and_constant_queries(world):
    for i in range(3):
        make_resource(world, title=f"Coopérative n° {i}", summary="Guide des coopératives.")
    client = client_for(None, world.user("director_a"))

    def count(**params):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/ressources/", params)
        assert response.status_code == 200
        return len(ctx), response

    few, response = count(q="cooperatives")
    assert "<mark>Coopérative</mark>" in response.content.decode()
    for i in range(3, 25):
        make_resource(world, title=f"Coopérative n° {i}", summary="Guide des coopératives.", kind="report")
    many, response = count(q="cooperatives")
    assert many == few
    assert count(q="cooperatives", kind="report", page=2)[0] == few
    assert count()[0] <= few


def test_unknown_filter_value_is_a_clear_error(world):
    response = client_for(None).get("/ressources/", {"kind": "inconnu"})
    assert response.status_code == 400
    assert "Valeur inconnue pour le filtre" in response.content.decode()


def test_viewer_is_built_with_one_query(world):
    user = world.user("director_a")
    with CaptureQueriesContext(connection) as ctx:
        viewer = viewer_for(user)
    queries = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith("SET search_path")]
    assert len(queries) == 1, queries
    assert viewer.director_of == {world.cae_a.pk} and viewer.cooperative_ids == {world.cae_a.pk}
    assert not viewer.is_founder and not viewer.in_working_group
    founder = make_founder(world)
    with CaptureQueriesContext(connection) as ctx:
        viewer = viewer_for(founder)
    assert len([q for q in ctx.captured_queries if not q["sql"].startswith("SET search_path")]) == 1
    assert viewer.is_founder and viewer.is_member and viewer.cooperative_ids == set()
