"""Indexes for the list's free-text search (selectors.violations.search_q), PostgreSQL only.

Django compares `icontains` / `istartswith` as UPPER(column) LIKE UPPER(pattern) on PostgreSQL, so the indexes are
on UPPER(column): trigram GIN indexes (pg_trgm) answer LIKE '%TEXT%' on the notice and the policy, and a btree with
text_pattern_ops answers the reference's LIKE 'TEXT%' (the database collation is not C). With all three (and the
primary key for the affected IDs) the search's OR becomes a BitmapOr instead of a test of every case of the
organization. SQLite keeps the scan, which is fine at its scale. Not in Meta.indexes: the state stays
vendor-neutral and makemigrations sees no change.
"""

from django.db import migrations

INDEXES = {
    "violation_notice_trgm": "ON appeals_violation USING gin (UPPER(notice) gin_trgm_ops)",
    "violation_policy_trgm": "ON appeals_violation USING gin (UPPER(policy) gin_trgm_ops)",
    "violation_org_reference_upper": "ON appeals_violation (organization_id, UPPER(reference) text_pattern_ops)",
}


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("appeals", "0018_recompute_jobs")]

    operations = [migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False)]
