"""The stored evidence summary on Appeal (what the fast dashboard groups by) and the dashboard's fixed queries."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals.models import Appeal, Evidence
from appeals.selectors.analytics import analytics_dashboard
from appeals.services.appeals import appeal_start
from appeals.services.evidence import evidence_add, evidence_caption_save, evidence_remove
from appeals.services.outcomes import appeal_follow_up_start, outcome_record
from tests.factories import ViolationFactory
from tests.outcomes_helpers import make_evidence, submitted_appeal
from tests.test_analytics import RANGE, S, local, make_appeal
from tests.test_evidence import image_bytes

BITS = Evidence.CATEGORY_BITS


def truth(appeal: Appeal) -> tuple[int, int]:
    """Count and category bit mask recomputed from the evidence rows."""
    categories = list(Evidence.objects.filter(appeal=appeal).values_list("category", flat=True))
    mask = 0
    for category in categories:
        mask |= BITS[category]
    return len(categories), mask


def stored(appeal: Appeal) -> tuple[int, int]:
    appeal.refresh_from_db(fields=["evidence_count", "evidence_categories"])
    return appeal.evidence_count, appeal.evidence_categories


@pytest.fixture
def draft(shop, member):
    violation = ViolationFactory(account=shop, enforced_at=datetime(2026, 1, 5, tzinfo=UTC))
    return appeal_start(violation=violation, by=member)


def test_service_adds_and_removes_keep_the_summary(draft, member):
    assert stored(draft) == (0, 0)
    image = evidence_add(appeal_id=draft.pk, upload=SimpleUploadedFile("shot.png", image_bytes()), by=member)
    assert image.category == Evidence.Category.IMAGE
    assert stored(draft) == (1, BITS["image"])
    sheet = evidence_add(appeal_id=draft.pk, upload=SimpleUploadedFile("orders.csv", b"order,sku\n1,2\n"), by=member)
    evidence_add(appeal_id=draft.pk, upload=SimpleUploadedFile("second.png", image_bytes(color=(1, 2, 3))), by=member)
    assert stored(draft) == truth(draft) == (3, BITS["image"] | BITS[sheet.category])
    evidence_remove(evidence_id=image.pk, by=member)
    assert stored(draft) == truth(draft) == (2, BITS["image"] | BITS[sheet.category])
    evidence_remove(evidence_id=sheet.pk, by=member)
    assert stored(draft) == (1, BITS["image"])


def test_caption_edit_keeps_summary_and_version(draft, member):
    item = evidence_add(appeal_id=draft.pk, upload=SimpleUploadedFile("shot.png", image_bytes()), by=member)
    version = Appeal.objects.get(pk=draft.pk).version
    with CaptureQueriesContext(connection) as ctx:
        evidence_caption_save(evidence_id=item.pk, caption="Front of the box", by=member)
    assert not any(q["sql"].startswith('UPDATE "appeals_appeal"') for q in ctx.captured_queries)  # no refresh
    assert stored(draft) == (1, BITS["image"])
    assert Appeal.objects.get(pk=draft.pk).version == version  # the refresh is not an edit of the appeal


def test_direct_rows_queryset_delete_and_category_change(shop):
    appeal = submitted_appeal(shop)
    doc = make_evidence(appeal, b"one", "one.pdf")
    make_evidence(appeal, b"two", "two.pdf")
    assert stored(appeal) == (2, BITS["document"])
    doc.category = Evidence.Category.SPREADSHEET
    doc.save(update_fields=["category"])
    assert stored(appeal) == (2, BITS["document"] | BITS["spreadsheet"])
    Evidence.objects.filter(appeal=appeal).delete()
    assert stored(appeal) == (0, 0)


def test_follow_up_copies_carry_the_summary(shop, member):
    first = submitted_appeal(shop)
    make_evidence(first, b"invoice", "invoice.pdf")
    make_evidence(first, b"receipt", "receipt.pdf")
    first = outcome_record(appeal_id=first.pk, by=member, outcome="upheld", version=first.version)
    follow_up = appeal_follow_up_start(appeal_id=first.pk, by=member)
    assert (follow_up.evidence_count, follow_up.evidence_categories) == (2, BITS["document"])
    assert stored(follow_up) == truth(follow_up) == (2, BITS["document"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.booleans(), st.sampled_from(list(BITS))), max_size=12))
def test_summary_always_equals_the_rows(shop, ops):
    """Any sequence of adds (any category) and removes leaves the stored summary equal to the rows."""
    appeal = submitted_appeal(shop)
    for n, (add, category) in enumerate(ops):
        existing = Evidence.objects.filter(appeal=appeal).order_by("id").first()
        if add or existing is None:
            Evidence.objects.create(
                appeal=appeal,
                organization=appeal.organization,
                file=f"evidence/{appeal.pk}-{n}",
                original_name=f"f{n}",
                content_type="application/octet-stream",
                category=category,
                size=1,
                sha256=f"{appeal.pk}-{n}",
            )
        else:
            existing.delete()
        assert stored(appeal) == truth(appeal)


def test_migration_backfill_matches_the_rows(shop):
    appeals = [submitted_appeal(shop) for _ in range(3)]
    make_evidence(appeals[0], b"a", "a.pdf")
    make_evidence(appeals[0], b"b", "b.pdf")
    Evidence.objects.create(
        appeal=appeals[1],
        organization=appeals[1].organization,
        file="evidence/x",
        original_name="x.png",
        content_type="image/png",
        category="image",
        size=1,
        sha256="x",
    )
    Appeal.objects.update(evidence_count=0, evidence_categories=0)  # as before the migration
    backfill = importlib.import_module("appeals.migrations.0006_perf_appeal_evidence_summary").BACKFILL
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert [stored(a) for a in appeals] == [(2, BITS["document"]), (1, BITS["image"]), (0, 0)]


def _dashboard_queries(org, **filters) -> int:
    """Queries of one dashboard, less the one a small-data trend spends on monthly bins (tested below)."""
    with CaptureQueriesContext(connection) as ctx:
        data = analytics_dashboard(org, *RANGE, filters, now=local(2026, 4, 1))
    return len(ctx.captured_queries) - data["success_trend_shown"]["fallback"]


def test_the_monthly_fallback_of_a_small_trend_costs_one_query(org):
    with CaptureQueriesContext(connection) as ctx:
        data = analytics_dashboard(org, *RANGE, now=local(2026, 4, 1))
    assert data["success_trend_shown"]["fallback"] is True
    assert len(ctx.captured_queries) == (5 if connection.vendor != "postgresql" else 7) + 1


def test_dashboard_query_count_is_exact_whatever_the_data(org):
    # 5 aggregate queries; on PostgreSQL one more sets the planner options and, inside a caller's transaction
    # (as here), one more puts them back.
    expected = 5 if connection.vendor != "postgresql" else 7
    assert _dashboard_queries(org) == expected
    for i in range(20):
        make_appeal(
            org,
            status=[S.REVERSED, S.UPHELD, S.PARTIALLY_REVERSED][i % 3],
            decided_at=local(2026, 3, 1 + i),
            evidence=["image", "document", "spreadsheet"][: i % 4],
        )
        make_appeal(org, status=S.UNDER_REVIEW, submitted_at=local(2026, 3, 1 + i))
    assert _dashboard_queries(org) == expected
    assert _dashboard_queries(org, kind="listing_removal", round="follow_up", assignee="none") == expected


def test_evidence_bands_come_from_the_stored_summary(org):
    """Removing a file moves the appeal between evidence bands on the next dashboard."""
    appeal = make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, 10), evidence=["image", "document"])
    bands = analytics_dashboard(org, *RANGE, now=local(2026, 4, 1))["breakdowns"]
    assert {r["key"]: r["rate"].decided for r in bands["ev_band"]}["2-3"] == 1
    assert {r["key"]: r["rate"].decided for r in bands["ev_type"]} == {"image": 1, "document": 1, "spreadsheet": 0}
    Evidence.objects.filter(appeal=appeal, category="image").delete()
    bands = analytics_dashboard(org, *RANGE, now=local(2026, 4, 1))["breakdowns"]
    assert {r["key"]: r["rate"].decided for r in bands["ev_band"]} == {"0": 0, "1": 1, "2-3": 0, "4+": 0}
    assert {r["key"]: r["rate"].decided for r in bands["ev_type"]} == {"image": 0, "document": 1, "spreadsheet": 0}


@pytest.mark.postgres
def test_planner_settings_do_not_leak_into_the_callers_transaction(org):
    def show(name: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {name}")
            return cursor.fetchone()[0]

    before = show("jit"), show("enable_sort")
    make_appeal(org, status=S.REVERSED, decided_at=local(2026, 3, 10))
    assert analytics_dashboard(org, *RANGE, now=local(2026, 4, 1))["overall"].decided == 1
    assert (show("jit"), show("enable_sort")) == before
