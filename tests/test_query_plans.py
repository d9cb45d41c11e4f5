"""Every filter and sort the UI offers is served by an index on the violations and appeals tables.

Each page is rendered while its queries are captured; each captured SELECT is then explained on PostgreSQL with
sequential scans disabled. A query that has no usable index still gets a "Seq Scan" node (at a prohibitive
cost), so a plan without one proves an index can serve it — at any table size. (`make bench` shows the plans
the planner really picks at 1M rows.)
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appeals.filters import SORTS
from appeals.models import Appeal, Violation, ViolationItem, ViolationKind
from appeals.selectors.violations import SEARCH_EXACT_COUNT_LIMIT, search_q
from tests.factories import AppealFactory, ViolationFactory

pytestmark = [pytest.mark.postgres]

GUARDED = ("appeals_violation", "appeals_appeal")


@pytest.fixture
def cases(org, shop, member):
    now = timezone.now()
    made = []
    for n in range(12):
        violation = ViolationFactory(
            account=shop,
            reference=f"QP{n}",
            enforced_at=now - timedelta(days=n * 7),
            assignee=member if n % 2 else None,
            kind=ViolationKind.LISTING_REMOVAL if n % 3 else ViolationKind.PENALTY_POINTS,
        )
        ViolationItem.objects.create(violation=violation, organization=org, kind="sku", value=f"SKU-{n}")
        if n % 2:
            AppealFactory(
                violation=violation,
                status=Appeal.Status.UPHELD if n % 4 == 1 else Appeal.Status.UNDER_REVIEW,
                submitted_at=now - timedelta(days=n * 7 - 2),
                due_at=now + timedelta(days=1),
                decided_at=now - timedelta(days=1) if n % 4 == 1 else None,
            )
    return made


def _unindexed(node: dict, guarded_sort: bool) -> list[str]:
    """Scans of a guarded table that no index condition narrows (or, for pages, sorts done in memory)."""
    problems = []
    relation = node.get("Relation Name")
    if relation in GUARDED:
        kind = node["Node Type"]
        if kind == "Seq Scan" or (kind in {"Index Scan", "Index Only Scan"} and "Index Cond" not in node):
            problems.append(f"{kind} on {relation} without an index condition")
    if guarded_sort and node["Node Type"] in {"Sort", "Incremental Sort"}:
        problems.append(f"{node['Node Type']} by {node.get('Sort Key')}")
    for child in node.get("Plans", []):
        problems += _unindexed(child, guarded_sort)
    return problems


def seq_scans(queries: list[dict], *, ordered_by_index: bool = False) -> list[str]:
    """Queries on the guarded tables whose plan scans without an index condition (or sorts a page in memory)."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
        cursor.execute("SET enable_incremental_sort = off")
        try:
            for query in queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT") or not any(t in sql for t in GUARDED):
                    continue
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                plan = plan[0]["Plan"] if isinstance(plan, list) else json.loads(plan)[0]["Plan"]
                paged = ordered_by_index and "ORDER BY" in sql and "LIMIT" in sql and 'FROM "appeals_violation"' in sql
                problems = _unindexed(plan, paged)
                if problems:
                    found.append(f"{sql[:300]} -> {problems}")
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
            cursor.execute("RESET enable_incremental_sort")
    return found


def render(client, url: str) -> list[dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return captured.captured_queries


FILTERS = [
    "",
    "?kind=listing_removal",
    "?status=under_review",
    "?status=not_appealed",
    "?record_status=pending",
    "?assignee=me",
    "?assignee=none",
    "?policy=trademark",
    "?q=QP3",
    "?q=SKU-5",
    "?enforced_from=2026-01-01&enforced_to=2026-12-31",
    "?account={account}",
]


@pytest.mark.parametrize("query", FILTERS)
def test_every_list_filter_uses_an_index(member_client, cases, shop, query):
    assert seq_scans(render(member_client, "/violations/" + query.format(account=shop.pk))) == []


@pytest.mark.parametrize("sort", list(SORTS))
def test_every_list_sort_uses_an_index(member_client, cases, sort):
    assert seq_scans(render(member_client, f"/violations/?sort={sort}"), ordered_by_index=True) == []


@pytest.mark.parametrize(
    "path",
    ["/inbox/", "/analytics/", "/analytics/?round=follow_up", "/violations/export.csv?status=upheld"],
)
def test_dashboard_pages_use_indexes(manager_client, cases, path):
    if path.endswith(".csv?status=upheld"):
        with CaptureQueriesContext(connection) as captured:
            b"".join(manager_client.get(path).streaming_content)
        queries = captured.captured_queries
    else:
        queries = render(manager_client, path)
    assert seq_scans(queries) == []


def test_assigned_to_me_views_use_indexes(member_client, cases):
    # The one-click "Assigned to me" list (next deadline first) reads pages in index order; the inbox's too.
    assert seq_scans(render(member_client, "/violations/?assignee=me&sort=next_deadline"), ordered_by_index=True) == []
    assert seq_scans(render(member_client, "/inbox/?mine=1")) == []


def test_case_page_and_builder_review_use_indexes(member_client, cases, shop):
    appeal = Appeal.objects.filter(violation__account=shop).first()
    assert seq_scans(render(member_client, f"/violations/{appeal.violation_id}/")) == []
    assert seq_scans(render(member_client, f"/appeals/{appeal.pk}/step/5/")) == []


def test_the_check_itself_catches_an_unindexed_filter(db, cases):
    # A filter on a column with no index must be reported, or the tests above prove nothing.
    assert seq_scans([{"sql": "SELECT id FROM appeals_violation WHERE action = 'x'"}]) != []
    assert seq_scans([{"sql": "SELECT id FROM appeals_violation ORDER BY notice LIMIT 5"}]) != []


@pytest.mark.parametrize("text", ["listing was", "counterfeit", "QP3", "SKU-5"])
def test_search_can_use_an_index_for_every_arm(org, cases, text):
    # Without the organization's own index to lean on, every arm of the search's OR (reference, policy, notice,
    # affected IDs) must have an index (migration 0019), or the planner could only test every case of a large
    # organization row by row for a rare word.
    query = Violation.objects.filter(search_q(org, text)).values("pk").query
    sql = connection.ops.compose_sql(*query.sql_with_params())
    assert seq_scans([{"sql": sql}]) == []
    plan = _plan(sql)
    assert "violation_notice_trgm" in plan and "violation_policy_trgm" in plan, plan


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")


def test_a_common_word_search_counts_a_bounded_number_of_cases(member_client, org, shop):
    # A word in more cases than a page: the result count stops at SEARCH_EXACT_COUNT_LIMIT + 1 matches (counting
    # every match of a common word read the text of every case of a 50k-case organization), through an index.
    for n in range(30):
        ViolationFactory(account=shop, reference=f"CW{n}", notice=f"A common word, case {n}")
    queries = render(member_client, "/violations/?q=common+word")
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1, counts
    assert f"LIMIT {SEARCH_EXACT_COUNT_LIMIT + 1})" in counts[0], counts[0]
    assert seq_scans(queries) == []


def test_the_affected_id_arm_does_not_sort_its_ids(org):
    # The ids only feed `id = ANY(ARRAY(...))`: ordering them (ViolationItem's default ordering) was a Sort of every
    # matching affected ID, 18,000 for a common prefix in the 50k-case organization of the 1M bench.
    sql = str(Violation.objects.filter(search_q(org, "SKU")).values("pk").query)
    assert "ARRAY((SELECT" in sql and "ORDER BY" not in sql, sql
