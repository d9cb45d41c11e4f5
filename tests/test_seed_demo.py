"""seed_demo drops indexes and unique constraints for its COPY and builds them again at the end."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import connection

from appeals.management.commands.seed_demo import ROLLUP_TABLES

SEEDED = ["appeals_violation", "appeals_violationitem", "appeals_appeal", "appeals_evidence", *ROLLUP_TABLES]


def _schema() -> tuple[set, set]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [SEEDED])
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s)",
            [SEEDED],
        )
        return indexes, set(cursor.fetchall())


def test_the_seed_leaves_every_index_and_constraint_as_it_found_them(db):
    before = _schema()
    call_command("seed_demo", orgs=2, violations=60, stdout=io.StringIO())
    indexes, constraints = _schema()
    assert (indexes, constraints) == before
    assert ("appeals_violation", "violation_unique_reference", "UNIQUE (account_id, reference)") in constraints
