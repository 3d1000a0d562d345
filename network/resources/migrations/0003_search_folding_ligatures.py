# Folding of the search column, redefined: œ → oe and æ → ae, and independent of the database's
# LC_CTYPE (ASCII lowered with COLLATE "C", accented capitals mapped explicitly). The stored
# generated column is computed once, when written: it is dropped and added again so every row
# is folded by the new function (see docs/decisions/0004-french-search-without-unaccent.md).

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import network.resources.search
from django.db import migrations, models


# Frozen copies (network/resources/search.py builds the current one; a test compares it with
# Python's fold()).
UNACCENT_SQL = """CREATE OR REPLACE FUNCTION essaim_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT replace(replace(translate(lower($1 COLLATE "C"), 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ’ÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸŒÆ', 'aaaaaaceeeeiiiinooooouuuuyy''aaaaaaceeeeiiiinooooouuuuyyœæ'), 'œ', 'oe'), 'æ', 'ae') $$"""
PREVIOUS_SQL = "CREATE OR REPLACE FUNCTION essaim_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT translate(lower($1), 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ’', 'aaaaaaceeeeiiiinooooouuuuyy''') $$"


def search_field():
    return models.GeneratedField(db_persist=True,
                                 expression=network.resources.search.SearchDocument('title', 'summary', 'body'),
                                 output_field=django.contrib.postgres.search.SearchVectorField())


class Migration(migrations.Migration):

    dependencies = [
        ('resources', '0002_browse_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='resource', name='resource_search_gin'),
        migrations.RemoveField(model_name='resource', name='search'),
        migrations.RunSQL(UNACCENT_SQL, PREVIOUS_SQL),
        migrations.AddField(model_name='resource', name='search', field=search_field()),
        migrations.AddIndex(
            model_name='resource',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search'], name='resource_search_gin'),
        ),
    ]
