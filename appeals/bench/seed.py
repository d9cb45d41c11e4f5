"""Seeding a scale, and choosing the organizations the other measures use."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.db import connection, connections

from appeals.bench.replica import replay_paused, wait_for_horizon, wait_for_replay
from appeals.management.commands.seed_demo import ROLLUP_TABLES
from appeals.models import Account, Appeal, Evidence, Violation, ViolationItem
from core.db_router import REPLICA
from core.models import Membership, Organization, User

SEEDED_TABLES = [
    *(m._meta.db_table for m in (Organization, User, Membership, Account, Violation, ViolationItem, Appeal, Evidence)),
    *ROLLUP_TABLES,
]


def seed(scale: int, orgs: int, *, stdout) -> dict:
    """1. Flush and seed `scale` violations over `orgs` organizations with seed_demo (COPY, fixed seed). A replica's
       replay is paused meanwhile: on one machine it took a core from the seed being timed.
    2. With a replica: the time it takes to replay the seed, then until its feedback says so. Before the VACUUM:
       through hot_standby_feedback, a replica that has not replayed the seed's commit holds back the horizon, and
       VACUUM then marks no page all-visible (the dashboard's index-only scans went to the heap for every row:
       100 ms instead of ~25 at 1M).
    3. VACUUM ANALYZE, timed apart: what autovacuum does to a live database soon after a bulk load (the visibility
       map lets the dashboard's covering indexes be read without the table). Every table the seed filled, the
       analytics rollups too: left to autovacuum, their ~4M rows at 1M were vacuumed while pages or the load test
       were being timed."""
    with replay_paused():
        started = time.perf_counter()
        call_command("seed_demo", orgs=orgs, violations=scale, appeals_ratio=0.8, flush=True, stdout=stdout)
        result = {"seed_seconds": round(time.perf_counter() - started, 1)}
    if REPLICA in connections.settings:
        result["replica_catch_up_seconds"] = wait_for_replay()
        wait_for_horizon()
    return result | {"vacuum_seconds": vacuum()}


def vacuum() -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(SEEDED_TABLES)}")
    return round(time.perf_counter() - started, 1)


def largest_orgs() -> tuple[tuple[int, int], tuple[int, int]]:
    """(organization id, violations) of the two largest organizations: analytics is read on the first, the list,
    inbox, case page, imports and load test on the second."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT organization_id, count(*) FROM appeals_violation GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2")
        rows = cursor.fetchall()
    return rows[0], rows[1] if len(rows) > 1 else rows[0]


def decided(org_id: int) -> int:
    return Appeal.objects.filter(organization_id=org_id, status__in=Appeal.DECIDED).count()
