"""Rebuilding and checking the analytics rollups (appeals.rollup_models) on PostgreSQL.

Day to day the triggers of migrations 0021, 0022 and 0025 keep them, in the transaction of each appeal or violation
write; these are for data loaded with triggers off and for checking a database.
"""

from __future__ import annotations

from django.db import connection, transaction

# Each rollup table and its counted columns.
TABLES = {
    "appeals_decidedrollup": ("n", "reversed", "partial"),
    "appeals_decidedday": ("n", "reversed", "partial"),
    "appeals_violationday": ("n",),
    "appeals_submittedday": ("n",),
    "appeals_pointsday": ("points", "cases"),
}


@transaction.atomic
def analytics_rollups_rebuild(*, organization_id: int | None = None) -> None:
    """Recount one organization's rollups (all organizations when None) from its appeals and violations: the one
    backfill, which seed_demo calls in SQL too (appeals_decided_rollup_rebuild, migration 0025)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT appeals_decided_rollup_rebuild(%s)", [organization_id])


@transaction.atomic
def analytics_rollups_differences(*, organization_id: int | None = None) -> list[tuple]:
    """Rows (table, row) in which the rollups differ from a recount (nothing is changed: the recount is undone).

    Rows whose counts are all zero are left out: a trigger's count taken back leaves them, a recount does not.
    """
    sid = transaction.savepoint_create()
    with connection.cursor() as cursor:
        current = _rows(cursor, organization_id)
        cursor.execute("SELECT appeals_decided_rollup_rebuild(%s)", [organization_id])
        recount = _rows(cursor, organization_id)
    transaction.savepoint_rollback(sid)
    return sorted(current ^ recount, key=repr)


def _rows(cursor, organization_id: int | None) -> set[tuple]:
    rows: set[tuple] = set()
    for table, counted in TABLES.items():
        nonzero = " OR ".join(f"{column} <> 0" for column in counted)
        cursor.execute(
            f"SELECT * FROM {table} WHERE (%s::bigint IS NULL OR organization_id = %s) AND ({nonzero})",  # noqa: S608
            [organization_id, organization_id],
        )
        # Without the surrogate id, which a recount renumbers (the day tables have none: their key is the row).
        kept = [i for i, column in enumerate(cursor.description) if column.name != "id"]
        rows |= {(table, *(row[i] for i in kept)) for row in cursor.fetchall()}
    return rows
