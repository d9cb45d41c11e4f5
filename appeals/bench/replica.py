"""Reads from the streaming replica (DATABASE_REPLICA_URL, core/db_router.py): the analytics dashboard and the API's
violation list, the two list-and-aggregate reads the router sends there, each timed on the replica and (for the
API list, which the pages do not otherwise cover) on the primary too.

Start a local replica with `.ci/pg-replica start` (port 5433, a copy of the whole 5432 cluster, so the bench
database is replicated) and run the bench with DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<bench db>.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from appeals.bench.pages import client_for, measure
from appeals.models import Account
from core.db_router import REPLICA, forget_replica_state, replica_configured, replica_state
from core.models import Membership, Organization, Role
from core.tokens import api_token_create


def replica_pages(analytics_org: int, list_org: int, runs: int, *, stdout) -> dict:
    """{"note": ..., "lag_seconds": ..., "pages": {name: measure(...)}}: the API list on the primary always, the
    replica's figures when one is configured and usable."""
    account = Account.objects.filter(organization_id=list_org).order_by("pk").first()
    api_list = reverse("api:violations_list") + f"?account_id={account.pk}&kind=listing_removal&limit=25"
    headers = {"Authorization": f"Bearer {_token(list_org)}"}
    with override_settings(DATABASE_REPLICA_ENABLED=False):
        measured = {
            "violations API list": measure(client_for(list_org), api_list, None, runs, headers=headers, name="API")
        }
    stdout.write(f"  violations API list: {measured['violations API list']}")
    if REPLICA not in connections.settings:
        return {"note": "not measured (DATABASE_REPLICA_URL unset)", "pages": measured}
    caught_up = wait_for_replay()
    forget_replica_state()
    state = replica_state(fresh=True)
    if not replica_configured() or not state.usable:
        return {"note": f"replica {state.status}: not measured", "pages": measured}
    today = timezone.localdate()
    analytics = reverse("appeals:analytics") + f"?date_from={today - timedelta(days=731)}&date_to={today}"
    # The router reads the replica's lag at most every DATABASE_REPLICA_CHECK_SECONDS: long enough for a run.
    with override_settings(DATABASE_REPLICA_CHECK_SECONDS=3600):
        measured["analytics dashboard (replica)"] = measure(
            client_for(analytics_org), analytics, None, runs, using=REPLICA, name="analytics (replica)"
        )
        measured["violations API list (replica)"] = measure(
            client_for(list_org), api_list, None, runs, using=REPLICA, headers=headers, name="API list (replica)"
        )
    for name in ("analytics dashboard (replica)", "violations API list (replica)"):
        stdout.write(f"  {name}: {measured[name]}")
    return {
        "note": f"{_where()}, lag {state.lag_seconds} s (caught up in {caught_up} s more)",
        "lag_seconds": state.lag_seconds,
        "pages": measured,
    }


def _where() -> str:
    return f"{settings.DATABASES[REPLICA]['HOST']}:{settings.DATABASES[REPLICA]['PORT']}"


@contextmanager
def replay_paused():
    """With a replica on the same machine, its replay of a seed took a core from the seed being timed: the replica
    keeps receiving the WAL meanwhile and replays it afterwards (wait_for_replay times that)."""
    if REPLICA not in connections.settings:
        yield
        return
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def wait_for_replay(timeout: float = 600) -> float:
    """Seconds until the replica has replayed everything the primary has written so far (the seed)."""
    started = time.perf_counter()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    with connections[REPLICA].cursor() as cursor:
        while time.perf_counter() - started < timeout:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                break
            time.sleep(0.5)
    return round(time.perf_counter() - started, 1)


def wait_for_horizon(timeout: float = 60) -> float:
    """Seconds until no replica's hot_standby_feedback holds back a transaction that had finished when this was
    called (the feedback comes every wal_receiver_status_interval, 10 s by default, so a replica that has replayed
    a commit may still be reported behind it for that long); VACUUM can then mark the pages all-visible."""
    started = time.perf_counter()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
        target = cursor.fetchone()[0]
        while time.perf_counter() - started < timeout:
            cursor.execute(
                "SELECT coalesce(bool_and(backend_xmin IS NULL OR age(backend_xmin) <= age(%s::xid)), true) "
                "FROM pg_stat_replication",
                [target],
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.2)
    return round(time.perf_counter() - started, 1)


def _token(org_id: int) -> str:
    membership = Membership.objects.filter(organization_id=org_id, role=Role.MANAGER).select_related("user").first()
    _token_row, raw = api_token_create(
        user=membership.user, organization=Organization.objects.get(pk=org_id), name="bench"
    )
    return raw
