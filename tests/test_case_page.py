"""The case page's cost does not grow with the case: a fixed number of queries whatever the length of its history,
the latest timeline entries shown and older ones a page at a time ("Show older", htmx or a page of its own)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appeals.models import Appeal, CaseStatus, Comment, TimelineEvent, TimelineVerb, Violation, ViolationItem, Watch
from appeals.selectors.case import TIMELINE_PAGE, case_detail
from core.prepared import PLACEHOLDER, PreparedRows
from tests.factories import AppealFactory, MembershipFactory, ViolationFactory

pytestmark = pytest.mark.django_db

# Session user, membership; the case (with its affected IDs and repeat count); screenshots, watchers, escalations,
# appeals, comments; closed dates (the calendar, once); the latest timeline entries; the assignee picker; tickets.
CASE_PAGE_QUERIES = 12


def _case_with_history(org, shop, member, entries: int):
    """A case with `entries` timeline entries, two appeal rounds (the first upheld, a follow-up draft), affected IDs,
    a comment and a watcher: every section of the page has something to show. (A case not appealed yet spends one
    more query: the header's "Start appeal" offers the organization's appeal templates.)"""
    violation = ViolationFactory(account=shop)
    ViolationItem.objects.create(violation=violation, organization=org, kind="sku", value="SKU-1")
    ViolationItem.objects.create(violation=violation, organization=org, kind="order", value="ORD-1")
    first = AppealFactory(
        violation=violation, round=1, status=Appeal.Status.UPHELD, submitted_at=timezone.now() - timedelta(days=9)
    )
    first.decided_at = timezone.now() - timedelta(days=2)
    first.save(update_fields=["decided_at"])
    AppealFactory(violation=violation, round=2, parent=first, status=Appeal.Status.DRAFT)
    Violation.objects.filter(pk=violation.pk).update(status=CaseStatus.DRAFT)
    Comment.objects.create(violation=violation, organization=org, author=member, body="first note")
    Watch.objects.create(violation=violation, user=member)
    start = timezone.now() - timedelta(days=30)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            organization=org,
            violation=violation,
            actor=member,
            verb=TimelineVerb.EDITED,
            data={"changed": [f"field {n}"]},
            created_at=start + timedelta(minutes=n),
        )
        for n in range(entries)
    )
    return violation


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_case_page_queries_are_the_same_with_10_or_1000_timeline_entries(org, shop, member, member_client):
    short = _case_with_history(org, shop, member, 10)
    long = _case_with_history(org, shop, member, 1000)
    assert _queries(member_client, f"/violations/{short.pk}/") == CASE_PAGE_QUERIES
    assert _queries(member_client, f"/violations/{long.pk}/") == CASE_PAGE_QUERIES


def test_case_page_shows_the_latest_entries_and_a_link_to_older_ones(org, shop, member, member_client):
    violation = _case_with_history(org, shop, member, 1000)
    body = member_client.get(f"/violations/{violation.pk}/").content.decode()
    timeline = body[body.index('id="timeline"') :]
    assert timeline.count("— changed field") == TIMELINE_PAGE
    assert "field 999" in timeline and "field 980" in timeline and "field 979" not in timeline
    oldest = TimelineEvent.objects.get(violation=violation, data__changed=["field 980"])
    older = f"/violations/{violation.pk}/timeline/?before={oldest.pk}"
    assert f'href="{older}"' in timeline and f'hx-get="{older}"' in timeline


def test_short_history_has_no_show_older_link(org, shop, member, member_client):
    violation = _case_with_history(org, shop, member, 10)
    body = member_client.get(f"/violations/{violation.pk}/").content.decode()
    assert body.count("— changed field") == 10 and "Show older entries" not in body


def test_show_older_over_htmx_answers_the_next_entries_only(org, shop, member, member_client):
    violation = _case_with_history(org, shop, member, 30)
    oldest_shown = TimelineEvent.objects.get(violation=violation, data__changed=["field 10"])
    response = member_client.get(
        f"/violations/{violation.pk}/timeline/?before={oldest_shown.pk}", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert [f"field {n}" in body for n in (9, 0)] == [True, True] and "field 10" not in body
    assert body.count("<li>") == 10 and "Show older entries" not in body
    assert "HX-Request" in response["Vary"]


def test_show_older_without_javascript_is_a_page_with_its_own_link(org, shop, member, member_client):
    violation = _case_with_history(org, shop, member, 1000)
    newest_shown_later = TimelineEvent.objects.get(violation=violation, data__changed=["field 500"])
    response = member_client.get(f"/violations/{violation.pk}/timeline/?before={newest_shown_later.pk}")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body and "Older timeline entries" in body
    assert "field 499" in body and "field 480" in body and "field 479" not in body and "field 500" not in body
    assert "Show older entries" in body


def test_entries_at_the_same_moment_are_neither_lost_nor_repeated(org, shop, member, member_client):
    violation = ViolationFactory(account=shop)
    moment = timezone.now() - timedelta(days=1)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            organization=org,
            violation=violation,
            verb=TimelineVerb.EDITED,
            data={"changed": [f"f{n}"]},
            created_at=moment,
        )
        for n in range(TIMELINE_PAGE + 5)
    )
    body = member_client.get(f"/violations/{violation.pk}/").content.decode()
    oldest_shown = TimelineEvent.objects.filter(violation=violation).order_by("-id")[TIMELINE_PAGE - 1]
    older = member_client.get(f"/violations/{violation.pk}/timeline/?before={oldest_shown.pk}").content.decode()
    seen = [f"f{n}" for n in range(TIMELINE_PAGE + 5) if f"changed f{n}<" in body or f"changed f{n}<" in older]
    assert len(seen) == TIMELINE_PAGE + 5
    assert not any(f"changed f{n}<" in body and f"changed f{n}<" in older for n in range(TIMELINE_PAGE + 5))


def test_timeline_view_checks_access_and_method(org, shop, member, member_client, outsider_client):
    violation = _case_with_history(org, shop, member, 3)
    assert outsider_client.get(f"/violations/{violation.pk}/timeline/").status_code == 404
    assert member_client.post(f"/violations/{violation.pk}/timeline/").status_code == 405
    # A bad or foreign cursor is not an error: the newest entries.
    assert member_client.get(f"/violations/{violation.pk}/timeline/?before=x").status_code == 200


def test_viewer_sees_the_case_page_in_no_more_queries(org, shop, member, viewer_client):
    violation = _case_with_history(org, shop, member, 10)
    MembershipFactory(organization=org)
    assert _queries(viewer_client, f"/violations/{violation.pk}/") <= CASE_PAGE_QUERIES


def test_affected_ids_come_with_the_case_row_grouped_by_kind(org, shop, member, member_client):
    violation = _case_with_history(org, shop, member, 1)
    ViolationItem.objects.create(violation=violation, organization=org, kind="sku", value="SKU:0")
    body = member_client.get(f"/violations/{violation.pk}/").content.decode()
    assert '<dt>SKU IDs</dt><dd class="mono">SKU-1, SKU:0</dd>' in body
    assert '<dt>Order ID</dt><dd class="mono">ORD-1</dd>' in body
    bare = ViolationFactory(account=shop)
    assert "No affected IDs recorded." in member_client.get(f"/violations/{bare.pk}/").content.decode()


def test_an_entry_about_an_appeal_names_its_round(org, shop, member, member_client):
    violation = _case_with_history(org, shop, member, 3)
    follow_up = violation.appeals.get(round=2)
    TimelineEvent.objects.create(
        organization=org, violation=violation, appeal=follow_up, actor=member, verb=TimelineVerb.APPEAL_STEP_SAVED
    )
    body = member_client.get(f"/violations/{violation.pk}/").content.decode()
    timeline = body[body.index('id="timeline"') :]
    assert timeline.count("(appeal round 2)") == 1 and "(appeal round 1)" not in timeline
    assert _queries(member_client, f"/violations/{violation.pk}/") == CASE_PAGE_QUERIES


def test_repeat_warning_follows_the_organizations_window_when_it_changes(org, shop, member_client):
    """The case query is built once per organization and window: a new window is a new query."""
    base = timezone.now() - timedelta(days=60)
    for day in range(5):
        ViolationFactory(account=shop, kind="listing_removal", enforced_at=base + timedelta(days=day * 10))
    latest = ViolationFactory(account=shop, kind="listing_removal", enforced_at=base + timedelta(days=50))
    org.repeat_violation_count, org.repeat_violation_days = 6, 90
    org.save(update_fields=["repeat_violation_count", "repeat_violation_days"])
    assert "Repeat violation." in member_client.get(f"/violations/{latest.pk}/").content.decode()
    org.repeat_violation_days = 30  # the last four only
    org.save(update_fields=["repeat_violation_days"])
    assert "Repeat violation." not in member_client.get(f"/violations/{latest.pk}/").content.decode()


def test_assignee_picker_lists_the_members_with_the_assignee_selected(
    org, shop, member, owner, outsider, member_client
):
    owner.full_name = "Olive <Owner>"
    owner.save(update_fields=["full_name"])
    violation = ViolationFactory(account=shop, assignee=owner)
    body = member_client.get(f"/violations/{violation.pk}/").content.decode()
    picker = body[body.index('name="assignee"') : body.index("</select>", body.index('name="assignee"'))]
    assert '<option value="">Nobody</option>' in picker
    assert f'<option value="{owner.pk}" selected>Olive &lt;Owner&gt;</option>' in picker
    assert f'<option value="{member.pk}">{member}</option>' in picker
    assert "outsider" not in picker
    response = member_client.post(f"/violations/{violation.pk}/assign/", {"assignee": member.pk})
    assert response.status_code == 302
    violation.refresh_from_db()
    assert violation.assignee == member


def test_case_detail_gives_its_rows_as_prefetched_each_linked_to_the_case(org, shop, member):
    """The screenshots, escalations, appeals and tickets come from SQL compiled once (core/prepared.py): read
    without a query, with their link to the case, typed as the ORM types them, and still filterable."""
    violation = _case_with_history(org, shop, member, 1)
    other = _case_with_history(org, shop, member, 1)  # its rows must not show up
    case = case_detail(org, violation.pk)
    with CaptureQueriesContext(connection) as captured:
        appeals = list(case.appeals.all())
        assert list(case.attachments.all()) == [] and list(case.escalations.all()) == []
        assert list(case.tickets.all()) == []
        assert all(a.violation is case for a in appeals)
    assert len(captured) == 0
    assert [a.round for a in appeals] == [1, 2]
    assert [a.pk for a in appeals] == list(violation.appeals.order_by("round").values_list("pk", flat=True))
    assert appeals[0].submitted_at.tzinfo is not None and appeals[0].status == Appeal.Status.UPHELD
    assert case.appeals.filter(round=2).get().pk == appeals[1].pk  # a query on the case's appeals only
    assert case_detail(org, other.pk).appeals.count() == 2


def test_prepared_rows_take_one_placeholder_and_no_related_manager(org, shop, member):
    violation = _case_with_history(org, shop, member, 1)
    with pytest.raises(ValueError):
        PreparedRows(Appeal.objects.filter(violation_id=1), using="default")
    with pytest.raises(ValueError):  # its rows would need the manager's instance
        PreparedRows(violation.appeals.filter(pk=PLACEHOLDER), using="default")
