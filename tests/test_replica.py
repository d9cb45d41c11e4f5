"""Reads from a real streaming replica (DATABASE_REPLICA_URL; `.ci/pg-replica start` makes one on 5433): the
analytics, exports and API lists read there; the writer reads their own writes from the primary; a replica
that is down or lagging is skipped, and /healthz says so.

Run: .ci/pg-replica start && DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
     DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/test .venv/bin/python -m pytest tests/test_replica.py
"""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appeals.bench.replica import replay_paused
from appeals.bench.seed import seed
from appeals.models import Appeal
from core import db_router
from core.models import Role
from core.tokens import api_token_create
from tests.factories import AccountFactory, AppealFactory, MembershipFactory, OrganizationFactory, ViolationFactory

pytestmark = [
    pytest.mark.replica,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def wait_for_replica(timeout: float = 15.0) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


def reads_on_replica(queries: CaptureQueriesContext) -> list[str]:
    """The page's own reads on the replica (the router's lag check is not one of them)."""
    return [q["sql"] for q in queries.captured_queries if "pg_is_in_recovery" not in q["sql"]]


@pytest.fixture(autouse=True)
def fresh_state(settings):
    settings.DATABASE_REPLICA_ENABLED = True
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    db_router.forget_replica_state()
    yield
    db_router.forget_replica_state()


@pytest.fixture
def team(client_for):
    org = OrganizationFactory(name="Replica Org", slug="replica-org")
    manager = MembershipFactory(organization=org, role=Role.MANAGER, user__email="boss@replica.test").user
    shop = AccountFactory(organization=org, external_id="RPL-SHOP", name="Replica Shop")
    now = timezone.now()
    for i, status in enumerate([Appeal.Status.REVERSED] * 3 + [Appeal.Status.UPHELD] * 3):
        AppealFactory(
            violation=ViolationFactory(account=shop, enforced_at=now - timedelta(days=10), reference=f"RPL-{i}"),
            status=status,
            submitted_at=now - timedelta(days=8),
            due_at=now - timedelta(days=5),
            decided_at=now - timedelta(days=2),
        )
    wait_for_replica()
    return org, manager, client_for(manager)


def test_analytics_and_export_read_from_the_replica(team):
    _org, _manager, client = team
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        response = client.get("/analytics/")
    assert response.status_code == 200 and "50%" in response.content.decode()
    assert len(reads_on_replica(replica)) >= 3
    assert not any("appeals_appeal" in q["sql"] for q in primary.captured_queries)

    with CaptureQueriesContext(connections["replica"]) as replica:
        export = client.get("/violations/export.csv")
        body = b"".join(export.streaming_content).decode()
    assert export.status_code == 200 and "RPL-5" in body
    assert any("appeals_violation" in sql for sql in reads_on_replica(replica))


def test_the_writer_reads_their_writes_from_the_primary(team):
    org, manager, client = team
    _token, key = api_token_create(user=manager, organization=org, name="script")
    headers = {"Authorization": f"Bearer {key}"}
    # Another reader (the token's user has not written yet) is served by the replica.
    with CaptureQueriesContext(connections["replica"]) as replica:
        listed = client.get("/api/v1/accounts", headers=headers)
    assert listed.status_code == 200 and reads_on_replica(replica)

    created = client.post(
        "/api/v1/accounts",
        {"kind": "seller_shop", "external_id": "RPL-NEW", "name": "New shop", "market": "US"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    with CaptureQueriesContext(connections["replica"]) as replica:
        listed = client.get("/api/v1/accounts", headers=headers)
    assert "RPL-NEW" in listed.content.decode()
    assert reads_on_replica(replica) == []


def test_a_lagging_replica_is_skipped_and_healthz_shows_the_lag(team, settings, client):
    _org, _manager, manager_client = team
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0.5
    with replay_paused():
        ViolationFactory(account=AccountFactory(organization=team[0]), reference="RPL-LATE")
        time.sleep(1.0)
        health = client.get("/healthz").json()
        assert health["replica"] == "lagging" and health["replica_lag_seconds"] > 0.5
        with CaptureQueriesContext(connections["replica"]) as replica:
            response = manager_client.get("/violations/export.csv")
            body = b"".join(response.streaming_content).decode()
        assert "RPL-LATE" in body and reads_on_replica(replica) == []
    wait_for_replica()
    db_router.forget_replica_state()
    health = client.get("/healthz").json()
    assert health["replica"] == "ok" and health["replica_lag_seconds"] <= 0.5


def test_a_replica_that_is_down_is_skipped(team, client):
    _org, _manager, manager_client = team
    replica = connections["replica"]
    port = replica.settings_dict["PORT"]
    replica.close()
    replica.settings_dict["PORT"] = 1  # nothing listens there
    try:
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["replica"] == "down"
        response = manager_client.get("/analytics/")
        assert response.status_code == 200 and "50%" in response.content.decode()
    finally:
        replica.close()
        replica.settings_dict["PORT"] = port


def test_the_bench_seed_is_vacuumed_after_the_replica_has_replayed_it():
    # Its replay is paused during the seed; a VACUUM before the replica has replayed (and reported) the seed's
    # commit marks no page all-visible, and the dashboard's index-only scans then read the heap for every row.
    result = seed(300, 3, stdout=io.StringIO())
    assert result["replica_catch_up_seconds"] >= 0
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT relname, relpages, relallvisible FROM pg_class WHERE relname = ANY(%s) AND relpages > 0",
            [["appeals_violation", "appeals_appeal", "appeals_decidedrollup", "appeals_violationday"]],
        )
        tables = cursor.fetchall()
    assert len(tables) == 4
    assert all(all_visible == pages for _name, pages, all_visible in tables), tables
