"""A schema's catalog (tables, columns, indexes, constraints, sequences, migrations, content
types) with the schema name taken out: two schemas built the same way compare equal. Used to
prove that a provisioned schema is exactly a migrated one (tests, benchmarks)."""

CATALOG_QUERIES = {
    "relations": """
        SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %(schema)s ORDER BY 1""",
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
               replace(coalesce(pg_get_expr(d.adbin, d.adrelid), ''), %(schema)s || '.', '')
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = %(schema)s AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')
        ORDER BY 1, 2""",
    "indexes": """
        SELECT tablename, indexname, replace(indexdef, %(schema)s || '.', '')
        FROM pg_indexes WHERE schemaname = %(schema)s ORDER BY 1, 2""",
    "constraints": """
        SELECT c.relname, con.conname, con.contype, con.condeferrable, con.condeferred,
               replace(pg_get_constraintdef(con.oid), %(schema)s || '.', '')
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %(schema)s ORDER BY 1, 2""",
    "sequences": """
        SELECT sequencename, data_type, increment_by, start_value FROM pg_sequences
        WHERE schemaname = %(schema)s ORDER BY 1""",
    "migrations": 'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name',
    "content_types": 'SELECT id, app_label, model FROM "{schema}".django_content_type ORDER BY id',
}


def schema_catalog(schema: str) -> dict:
    from django.db import connection

    connection.set_schema_to_public()
    result = {}
    with connection.cursor() as cursor:
        for name, sql in CATALOG_QUERIES.items():
            cursor.execute(sql.replace("{schema}", schema), {"schema": schema})
            result[name] = cursor.fetchall()
    return result
