"""The case log: services, inbox, list (filters, search, sort, query count), case page, bulk actions."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from appeals.models import (
    Appeal,
    CaseStatus,
    Escalation,
    NoticeAttachment,
    TimelineEvent,
    TimelineVerb,
    Violation,
    ViolationItem,
    ViolationKind,
    Watch,
)
from appeals.services import ServiceError, StaleVersion
from appeals.services import violations as services
from tests.factories import AccountFactory, AppealFactory, MembershipFactory, ViolationFactory


def _record(org, account, by, **overrides):
    kwargs = {
        "organization": org,
        "account": account,
        "by": by,
        "reference": "VR-1",
        "kind": ViolationKind.LISTING_REMOVAL,
        "policy": "Intellectual property: trademark",
        "enforced_at": datetime(2026, 3, 1, 15, 0, tzinfo=UTC),
        "items": {"sku": "111; 222,333\n444", "order": ["9001"]},
    }
    kwargs.update(overrides)
    return services.violation_create(**kwargs)


# --- Services ----------------------------------------------------------------------------------------------------


def test_create_computes_appeal_by_at_end_of_local_day(org, shop, member):
    violation = _record(org, shop, member)
    local = violation.appeal_by.astimezone(org.zoneinfo)
    # Enforced Mar 1 10:00 New York time; 30 calendar days later, last second of the day there.
    assert (local.date().isoformat(), local.hour, local.minute) == ("2026-03-31", 23, 59)
    assert sorted(violation.items.filter(kind="sku").values_list("value", flat=True)) == ["111", "222", "333", "444"]
    assert TimelineEvent.objects.filter(violation=violation, verb=TimelineVerb.CREATED, actor=member).exists()


def test_appeal_window_setting_per_kind(org, shop, member):
    org.appeal_window_days_by_kind = {"penalty_points": 10}
    org.save()
    violation = _record(org, shop, member, kind=ViolationKind.PENALTY_POINTS)
    assert violation.appeal_by.astimezone(org.zoneinfo).date().isoformat() == "2026-03-11"


def test_kind_must_fit_the_account(org, creator_account, member):
    with pytest.raises(ServiceError) as exc:
        _record(org, creator_account, member, kind=ViolationKind.LISTING_REMOVAL)
    assert exc.value.field == "kind"
    assert _record(org, creator_account, member, kind=ViolationKind.CONTENT_RESTRICTION).pk


def test_reference_unique_per_account_is_a_field_error(org, shop, member):
    _record(org, shop, member)
    with pytest.raises(ServiceError) as exc:
        _record(org, shop, member)
    assert exc.value.field == "reference"
    other_shop = AccountFactory(organization=org)
    assert _record(org, other_shop, member).reference == "VR-1"


def test_update_checks_version_and_recomputes_appeal_by(org, shop, member):
    violation = _record(org, shop, member)
    updated = services.violation_update(
        violation=violation,
        by=member,
        version=1,
        enforced_at=datetime(2026, 4, 1, 15, 0, tzinfo=UTC),
        items={"sku": ["111"]},
    )
    assert updated.version == 2
    assert updated.appeal_by.astimezone(org.zoneinfo).date().isoformat() == "2026-05-01"
    assert list(updated.items.values_list("value", flat=True)) == ["111"]
    event = TimelineEvent.objects.filter(violation=violation, verb=TimelineVerb.EDITED).get()
    assert "enforced_at" in event.data["changed"] and "affected IDs" in event.data["changed"]
    with pytest.raises(StaleVersion):
        services.violation_update(violation=violation, by=member, version=1, policy="Other")


def test_update_without_changes_keeps_version(org, shop, member):
    violation = _record(org, shop, member)
    same = services.violation_update(violation=violation, by=member, version=1, policy=violation.policy)
    assert same.version == 1
    assert not TimelineEvent.objects.filter(violation=violation, verb=TimelineVerb.EDITED).exists()


def test_assign_only_to_members_and_assignee_watches(org, shop, member, owner, outsider):
    violation = _record(org, shop, member)
    with pytest.raises(ServiceError):
        services.violation_assign(violation=violation, assignee=outsider, by=member)
    services.violation_assign(violation=violation, assignee=owner, by=member)
    violation.refresh_from_db()
    assert violation.assignee == owner
    assert Watch.objects.filter(violation=violation, user=owner).exists()
    assert TimelineEvent.objects.filter(violation=violation, verb=TimelineVerb.ASSIGNED).count() == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b;c d\ne", ["a", "b", "c", "d", "e"]),
        (" 1 ;; 1 , 2 ", ["1", "2"]),
        ("", []),
        (None, []),
    ],
)
def test_split_ids(text, expected):
    assert services.split_ids(text) == expected


@given(
    st.lists(st.text(alphabet="ABC0123456789-_", min_size=1, max_size=8), max_size=10),
    st.sampled_from([";", ",", " ", "\n"]),
)
def test_split_ids_round_trip(ids, separator):
    unique = list(dict.fromkeys(ids))
    assert services.split_ids(separator.join(ids)) == unique


def test_repeat_warning_at_threshold(org, creator_account, member):
    base = timezone.now() - timedelta(days=30)
    for i in range(5):
        ViolationFactory(
            account=creator_account, kind=ViolationKind.CONTENT_RESTRICTION, enforced_at=base + timedelta(days=i)
        )
    ViolationFactory(
        account=creator_account, kind=ViolationKind.CONTENT_RESTRICTION, enforced_at=base - timedelta(days=200)
    )
    sixth = ViolationFactory(
        account=creator_account, kind=ViolationKind.CONTENT_RESTRICTION, enforced_at=base + timedelta(days=10)
    )
    info = services.repeat_count(violation=sixth)
    assert info.count == 6 and info.warn
    assert info.message.startswith("6th creator content or live restriction in 90 days: creators lose e-commerce")
    fifth = Violation.objects.filter(account=creator_account).order_by("enforced_at")[5]
    assert not services.repeat_count(violation=fifth).warn


def _png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def test_attachment_sniffed_and_downloaded_safely(org, shop, member, member_client, outsider_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    violation = _record(org, shop, member)
    fake = SimpleUploadedFile("evil.png", b"<html><script>alert(1)</script>", content_type="image/png")
    response = member_client.post(f"/violations/{violation.pk}/attachments/", {"file": fake})
    assert response.status_code == 302
    assert not NoticeAttachment.objects.exists()

    png = SimpleUploadedFile("notice.png", _png_bytes(), content_type="application/octet-stream")
    member_client.post(f"/violations/{violation.pk}/attachments/", {"file": png})
    attachment = NoticeAttachment.objects.get()
    assert attachment.content_type == "image/png"
    assert "notice" not in attachment.file.name.rsplit("/", 1)[-1].split(".")[0]  # random storage name
    download = member_client.get(f"/violations/{violation.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert outsider_client.get(f"/violations/{violation.pk}/attachments/{attachment.pk}/").status_code == 404
    assert TimelineEvent.objects.filter(violation=violation, verb=TimelineVerb.ATTACHMENT_ADDED).exists()


# --- Derived status ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("appeals", "escalated", "expected"),
    [
        ([], False, CaseStatus.NOT_APPEALED),
        ([], True, CaseStatus.ESCALATED),
        ([(1, "draft")], False, CaseStatus.DRAFT),
        ([(1, "under_review")], False, CaseStatus.UNDER_REVIEW),
        ([(1, "under_review")], True, CaseStatus.ESCALATED),
        ([(1, "reversed")], False, CaseStatus.REVERSED),
        ([(1, "partially_reversed")], False, CaseStatus.PARTIALLY_REVERSED),
        ([(1, "upheld")], False, CaseStatus.UPHELD),
        ([(1, "upheld"), (2, "under_review")], False, CaseStatus.UNDER_REVIEW),
        ([(1, "upheld"), (2, "reversed")], False, CaseStatus.REVERSED),
        ([(1, "withdrawn")], False, CaseStatus.WITHDRAWN),
    ],
)
def test_derived_status(appeals, escalated, expected):
    rows = [Appeal(round=r, status=s) for r, s in appeals]
    escalations = [Escalation(answered_at=None)] if escalated else []
    assert Violation.derive_status(rows, escalations) == expected


def test_derived_status_display_on_list_and_case(org, shop, member_client):
    violation = ViolationFactory(account=shop, status=CaseStatus.PARTIALLY_REVERSED)
    assert "Partially reversed" in member_client.get("/violations/").content.decode()
    assert "Partially reversed" in member_client.get(f"/violations/{violation.pk}/").content.decode()


# --- Inbox -------------------------------------------------------------------------------------------------------


def test_inbox_empty_states_say_what_to_do(org, owner_client, shop):
    body = owner_client.get("/inbox/").content.decode()
    assert "No violations recorded yet" in body and "/violations/import/" in body


def test_inbox_without_accounts_asks_for_one(org, owner_client):
    body = owner_client.get("/inbox/").content.decode()
    assert "Add an account" in body


def test_inbox_groups_ordered_by_urgency(org, shop, member_client, django_assert_max_num_queries):
    now = timezone.now()
    late = ViolationFactory(
        account=shop, reference="LATE", enforced_at=now - timedelta(days=20), appeal_by=now + timedelta(days=40)
    )
    soon = ViolationFactory(
        account=shop, reference="SOON", enforced_at=now - timedelta(days=28), appeal_by=now + timedelta(days=2)
    )
    sooner = ViolationFactory(
        account=shop, reference="SOONER", enforced_at=now - timedelta(days=29), appeal_by=now + timedelta(hours=5)
    )
    overdue_case = ViolationFactory(account=shop, reference="OVERDUE", status=CaseStatus.UNDER_REVIEW)
    AppealFactory(
        violation=overdue_case,
        status="under_review",
        submitted_at=now - timedelta(days=6),
        due_at=now - timedelta(days=1),
    )
    due_case = ViolationFactory(account=shop, reference="DUE", status=CaseStatus.UNDER_REVIEW)
    AppealFactory(
        violation=due_case, status="under_review", submitted_at=now - timedelta(days=2), due_at=now + timedelta(days=1)
    )
    decided = ViolationFactory(
        account=shop, reference="DONE", status=CaseStatus.REVERSED, appeal_by=now + timedelta(days=1)
    )
    with django_assert_max_num_queries(10):
        response = member_client.get("/inbox/")
    box = response.context["inbox"]
    by_key = {g.key: g for g in box.groups}
    assert [v.reference for v in by_key["closing"].rows] == ["SOONER", "SOON"]
    assert [a.violation.reference for a in by_key["overdue"].rows] == ["OVERDUE"]
    assert [a.violation.reference for a in by_key["due"].rows] == ["DUE"]
    assert [v.reference for v in by_key["not_appealed"].rows] == ["LATE"]
    assert [g.key for g in box.groups] == ["closing", "overdue", "due", "not_appealed"]
    body = response.content.decode()
    assert body.index("SOONER") < body.index("OVERDUE") < body.index("LATE")
    assert "DONE" not in body
    assert decided and late and soon and sooner


def test_inbox_counts_each_group_apart(org, shop, member):
    """Each group's count is its own (distinct sizes, so two counts swapped would show), with and without "mine"."""
    from appeals.models import NoticeIntake
    from appeals.selectors import violations as selectors

    now = timezone.now()
    for n in range(3):
        ViolationFactory(account=shop, appeal_by=now + timedelta(days=2), assignee=member if n == 0 else None)
    for n in range(4):
        ViolationFactory(account=shop, appeal_by=now + timedelta(days=20), assignee=member if n < 2 else None)
    for n, due_at in enumerate([now - timedelta(days=1), now - timedelta(hours=2), now + timedelta(days=1)]):
        case = ViolationFactory(account=shop, status=CaseStatus.UNDER_REVIEW, assignee=member if n == 1 else None)
        AppealFactory(violation=case, status="under_review", submitted_at=now - timedelta(days=5), due_at=due_at)
    NoticeIntake.objects.create(organization=org, source=NoticeIntake.Source.values[0], text="n")
    box = selectors.inbox_for_member(org, user=member, now=now)
    assert {g.key: g.count for g in box.groups} == {"closing": 3, "overdue": 2, "due": 1, "not_appealed": 4}
    assert box.notices_to_review == 1
    mine = selectors.inbox_for_member(org, user=member, mine=True, now=now)
    assert {g.key: g.count for g in mine.groups} == {"closing": 1, "overdue": 1, "due": 0, "not_appealed": 2}
    assert [len(g.rows) for g in mine.groups] == [1, 1, 0, 2]


def test_inbox_query_count_does_not_grow(org, shop, member_client, django_assert_num_queries):
    now = timezone.now()
    for i in range(30):
        v = ViolationFactory(account=shop, appeal_by=now + timedelta(days=1 + i % 10))
        ViolationItem.objects.create(violation=v, organization=org, kind="sku", value=f"S{i}")
    # Session user, membership, the counts (with the notices to review: none, so no list of them), two groups' rows.
    with django_assert_num_queries(5):
        assert member_client.get("/inbox/").status_code == 200


def test_inbox_needs_login(client, db):
    assert client.get("/inbox/").status_code == 302


# --- Full list ---------------------------------------------------------------------------------------------------


def _many(org, shop, n):
    now = timezone.now()
    for i in range(n):
        v = ViolationFactory(
            account=shop, reference=f"R{i:03}", enforced_at=now - timedelta(days=i), penalty_points=i % 7
        )
        ViolationItem.objects.bulk_create(
            [ViolationItem(violation=v, organization=org, kind="sku", value=f"SKU{i:03}-{k}") for k in range(4)]
        )
        AppealFactory(violation=v, status="draft")


@pytest.mark.parametrize("n", [5, 50])
def test_list_query_count_is_fixed(org, shop, member, member_client, django_assert_num_queries, n):
    _many(org, shop, n)
    # Session user, membership, the filter's member and account choices, the rows, their affected IDs, saved views;
    # and the result count when the rows fill more than a page (a first page holding every row counts itself).
    with django_assert_num_queries(7 + (n > 25)):
        response = member_client.get("/violations/?sort=appeal_by&q=R0")
    assert response.status_code == 200
    assert len(response.context["page"].rows) == min(n, 25)


def test_list_query_count_same_for_every_filter_and_page_size(org, shop, member, member_client):
    """Rows shown and filters used do not change the number of queries (rows' IDs come in one prefetch)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _many(org, shop, 3)
    url = f"/violations/?account={shop.pk}&kind=listing_removal&status=draft&assignee=me&policy=a&sort=-penalty_points"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert member_client.get(url).status_code == 200
        return len(ctx)

    few = count()
    _many(org, AccountFactory(organization=org), 30)
    assert count() == few <= 10


def test_list_row_shows_ids_preview_dates_and_case_link(org, shop, member_client):
    v = ViolationFactory(account=shop, reference="PREVIEW-1")
    ViolationItem.objects.bulk_create(
        [ViolationItem(violation=v, organization=org, kind="sku", value=f"SKU-{k}") for k in range(5)]
    )
    body = member_client.get("/violations/").content.decode()
    assert f'href="/violations/{v.pk}/">PREVIEW-1</a>' in body
    assert "SKU-0, SKU-1, SKU-2 +2" in body
    local = timezone.localtime(v.enforced_at)
    assert f'datetime="{local.isoformat()}"' in body


def test_list_account_filter_refuses_another_organizations_account(org, shop, other_org, member_client):
    ViolationFactory(account=shop, reference="MINE-1")
    foreign = AccountFactory(organization=other_org)
    ViolationFactory(account=foreign, reference="THEIRS-1")
    response = member_client.get(f"/violations/?account={foreign.pk}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "THEIRS-1" not in body
    assert "Select a valid choice" in body
    assert "MINE-1" in member_client.get(f"/violations/?account={shop.pk}").content.decode()


def test_list_paginates_25_per_page(org, shop, member_client):
    _many(org, shop, 30)
    first = member_client.get("/violations/")
    assert first.context["page"].has_next and len(first.context["page"].rows) == 25
    second = member_client.get("/violations/?page=2")
    assert not second.context["page"].has_next and len(second.context["page"].rows) == 5
    assert member_client.get("/violations/?page=zzz").status_code == 200


def test_a_page_past_any_database_offset_is_an_empty_page(org, shop, member_client):
    """Issue 18, finding 6: ?page=99999999999999999999 overflowed the OFFSET (a 500 on PostgreSQL)."""
    _many(org, shop, 3)
    for page in ("99999999999999999999", "-99999999999999999999", "1000001"):
        response = member_client.get(f"/violations/?page={page}")
        assert response.status_code == 200
        assert response.context["page"].rows == [] or page.startswith("-")


def test_search_by_sku_prefix_and_exact(org, shop, member_client, other_org):
    target = ViolationFactory(account=shop, reference="A1")
    ViolationItem.objects.create(violation=target, organization=org, kind="sku", value="SKU-778899")
    ViolationFactory(account=shop, reference="B2")
    foreign = ViolationFactory(account=AccountFactory(organization=other_org), reference="C3")
    ViolationItem.objects.create(violation=foreign, organization=other_org, kind="sku", value="SKU-778899")
    for query in ("SKU-778899", "SKU-7788"):
        rows = member_client.get("/violations/", {"q": query}).context["page"].rows
        assert [v.reference for v in rows] == ["A1"]


def test_search_reference_policy_notice(org, shop, member_client):
    ViolationFactory(account=shop, reference="REF-42", policy="Counterfeit goods", notice="Your listing was removed")
    ViolationFactory(account=shop, reference="OTHER", policy="Late dispatch")
    for query in ("ref-4", "counterfeit", "LISTING WAS"):
        rows = member_client.get("/violations/", {"q": query}).context["page"].rows
        assert [v.reference for v in rows] == ["REF-42"], query


def test_filters(org, shop, creator_account, member, member_client):
    now = timezone.now()
    a = ViolationFactory(account=shop, reference="A", enforced_at=now - timedelta(days=40), assignee=member)
    b = ViolationFactory(
        account=creator_account,
        reference="B",
        kind=ViolationKind.CONTENT_RESTRICTION,
        policy="Dangerous content",
        status=CaseStatus.UNDER_REVIEW,
        record_status=Violation.RecordStatus.PENDING,
        enforced_at=now - timedelta(days=2),
    )

    def refs(**params):
        return sorted(v.reference for v in member_client.get("/violations/", params).context["page"].rows)

    assert refs(account=shop.pk) == ["A"]
    assert refs(kind="content_restriction") == ["B"]
    assert refs(policy="dangerous") == ["B"]
    assert refs(status="under_review") == ["B"]
    assert refs(record_status="pending") == ["B"]
    assert refs(assignee="me") == ["A"]
    assert refs(assignee="none") == ["B"]
    assert refs(assignee=member.pk) == ["A"]
    assert refs(enforced_from=(now - timedelta(days=10)).date().isoformat()) == ["B"]
    assert refs(enforced_to=(now - timedelta(days=10)).date().isoformat()) == ["A"]
    assert a and b


def test_sorting(org, shop, member_client):
    now = timezone.now()
    ViolationFactory(account=shop, reference="B", penalty_points=5, enforced_at=now - timedelta(days=1))
    ViolationFactory(account=shop, reference="A", penalty_points=9, enforced_at=now - timedelta(days=3))
    ViolationFactory(account=shop, reference="C", penalty_points=1, enforced_at=now - timedelta(days=2))

    def refs(sort):
        return [v.reference for v in member_client.get("/violations/", {"sort": sort}).context["page"].rows]

    assert refs("-enforced_at") == ["B", "C", "A"]
    assert refs("reference") == ["A", "B", "C"]
    assert refs("-reference") == ["C", "B", "A"]
    assert refs("-penalty_points") == ["A", "B", "C"]
    assert refs("bogus") == ["B", "C", "A"]


def test_status_sort_puts_the_appeal_window_closing_first_within_a_status(org, shop, member_client):
    # The status sort reads violation_org_status_by (status, appeal_by, id) in order: within a status, the
    # window closing first, whatever the order the cases were recorded in.
    now = timezone.now()
    ViolationFactory(account=shop, reference="LATE", appeal_by=now + timedelta(days=20))
    ViolationFactory(account=shop, reference="SOON", appeal_by=now + timedelta(days=2))
    ViolationFactory(account=shop, reference="MID", appeal_by=now + timedelta(days=9))

    def refs(sort):
        return [v.reference for v in member_client.get("/violations/", {"sort": sort}).context["page"].rows]

    assert refs("status") == ["SOON", "MID", "LATE"]
    assert refs("-status") == ["LATE", "MID", "SOON"]


def test_htmx_gets_partial_plain_gets_page(org, shop, member_client):
    ViolationFactory(account=shop, reference="HX1")
    full = member_client.get("/violations/?q=HX")
    partial = member_client.get("/violations/?q=HX", headers={"HX-Request": "true"})
    assert b"<html" in full.content and b'id="results"' in full.content
    assert b"<html" not in partial.content and b'id="results"' in partial.content and b"HX1" in partial.content
    assert "HX-Request" in partial["Vary"]
    assert 'hx-push-url="true"' in full.content.decode()


def test_list_isolated_between_organizations(org, shop, other_org, outsider_client):
    ViolationFactory(account=shop, reference="MINE")
    assert b"MINE" not in outsider_client.get("/violations/").content
    assert b"MINE" not in outsider_client.get("/violations/export.csv").getvalue()


def test_list_rejects_post(member_client, org):
    assert member_client.post("/violations/").status_code == 405


def test_export_uses_import_columns_and_filters(org, shop, member_client):
    v = ViolationFactory(account=shop, reference="EXP1", notice="Line one,\nline two")
    ViolationItem.objects.create(violation=v, organization=org, kind="sku", value="S1")
    ViolationItem.objects.create(violation=v, organization=org, kind="sku", value="S2")
    ViolationFactory(account=shop, reference="EXP2")
    response = member_client.get("/violations/export.csv?q=EXP1")
    text = response.getvalue().decode()
    assert response["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0].split(",") == [
        "account",
        "reference",
        "kind",
        "policy",
        "action",
        "enforced_at",
        "sku_ids",
        "product_ids",
        "order_ids",
        "video_ids",
        "penalty_points",
        "notice",
    ]
    assert "EXP1" in text and "EXP2" not in text and "S1;S2" in text


# --- Create / edit / case page -----------------------------------------------------------------------------------


def _form_data(shop, **overrides):
    data = {
        "account": shop.pk,
        "reference": "VR-77",
        "kind": "listing_removal",
        "policy": "Prohibited product",
        "action": "Listing removed",
        "record_status": "enforced",
        "enforced_at": "2026-03-01T10:00",
        "penalty_points": "2",
        "sku_ids": "A1, A2",
        "product_ids": "",
        "order_ids": "",
        "video_ids": "",
        "notice": "We removed your listing.",
    }
    data.update(overrides)
    return data


def test_create_view(org, shop, member_client, member):
    assert member_client.get("/violations/new/").status_code == 200
    response = member_client.post("/violations/new/", _form_data(shop))
    violation = Violation.objects.get(reference="VR-77")
    assert response.status_code == 302 and response["Location"] == f"/violations/{violation.pk}/"
    assert violation.created_by == member
    # Entered in the viewer's timezone (New York).
    assert violation.enforced_at == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)


def test_create_view_shows_field_errors_and_keeps_input(org, shop, creator_account, member_client):
    member_client.post("/violations/new/", _form_data(shop))
    again = member_client.post("/violations/new/", _form_data(shop, policy="Typed text survives"))
    assert again.status_code == 200
    assert "already has a violation" in str(again.context["form"].errors["reference"])
    assert b"Typed text survives" in again.content
    wrong_kind = member_client.post("/violations/new/", _form_data(creator_account, reference="X"))
    assert "kind" in wrong_kind.context["form"].errors


def test_create_warns_on_repeat(org, creator_account, member_client):
    for i in range(5):
        ViolationFactory(
            account=creator_account,
            kind=ViolationKind.CONTENT_RESTRICTION,
            enforced_at=datetime(2026, 2, 1 + i, tzinfo=UTC),
        )
    response = member_client.post(
        "/violations/new/", _form_data(creator_account, kind="content_restriction", sku_ids=""), follow=True
    )
    body = response.content.decode()
    assert "6th creator content or live restriction in 90 days" in body


def test_viewer_cannot_write(org, shop, viewer_client):
    violation = ViolationFactory(account=shop)
    assert viewer_client.get("/violations/new/").status_code == 403
    assert viewer_client.post("/violations/new/", _form_data(shop)).status_code == 403
    assert viewer_client.post(f"/violations/{violation.pk}/edit/", _form_data(shop)).status_code == 403
    assert viewer_client.post(f"/violations/{violation.pk}/assign/", {}).status_code == 403
    assert viewer_client.post("/violations/bulk/", {"ids": [violation.pk], "action": "watch"}).status_code == 403
    assert viewer_client.get("/violations/import/").status_code == 403
    page = viewer_client.get(f"/violations/{violation.pk}/")
    assert page.status_code == 200
    assert f"/violations/{violation.pk}/edit/".encode() not in page.content


def test_outsider_gets_404(org, shop, outsider_client):
    violation = ViolationFactory(account=shop)
    for url in (f"/violations/{violation.pk}/", f"/violations/{violation.pk}/edit/"):
        assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(f"/violations/{violation.pk}/assign/", {}).status_code == 404
    assert outsider_client.post(f"/violations/{violation.pk}/watch/", {}).status_code == 404


def test_outsider_cannot_use_bulk_on_foreign_cases(org, shop, outsider_client, outsider):
    violation = ViolationFactory(account=shop)
    outsider_client.post("/violations/bulk/", {"ids": [violation.pk], "action": "watch"})
    assert not Watch.objects.filter(violation=violation).exists()


def test_case_page_context_and_countdown(org, shop, member, member_client, django_assert_max_num_queries):
    now = timezone.now()
    violation = ViolationFactory(account=shop, enforced_at=now - timedelta(days=28), appeal_by=now + timedelta(days=2))
    services.violation_assign(violation=violation, assignee=member, by=member)
    # tests/test_case_page.py's CASE_PAGE_QUERIES, and one for the appeal templates "Start appeal" offers.
    with django_assert_max_num_queries(13):
        response = member_client.get(f"/violations/{violation.pk}/")
    for key in ("violation", "appeals", "timeline", "membership"):
        assert key in response.context
    body = response.content.decode()
    # The header counts the window in the organization's business days (two calendar days: at most 2).
    header = body[body.index('id="case-header"') :]
    assert "Appeal window closes" in header and ("business day" in header or "today" in header)
    assert "assigned the case" in body


def test_edit_view_stale_version(org, shop, member_client, member):
    violation = _record(org, shop, member, reference="VR-77")
    page = member_client.get(f"/violations/{violation.pk}/edit/")
    assert page.status_code == 200 and page.context["form"].initial["version"] == 1
    ok = member_client.post(f"/violations/{violation.pk}/edit/", _form_data(shop, policy="New policy", version=1))
    assert ok.status_code == 302
    stale = member_client.post(f"/violations/{violation.pk}/edit/", _form_data(shop, policy="Lost", version=1))
    assert stale.status_code == 200 and "Someone else saved" in stale.content.decode()
    violation.refresh_from_db()
    assert violation.policy == "New policy" and violation.version == 2


def test_assign_and_watch_views_htmx_and_plain(org, shop, member_client, member, owner):
    violation = ViolationFactory(account=shop)
    plain = member_client.post(f"/violations/{violation.pk}/assign/", {"assignee": owner.pk})
    assert plain.status_code == 302
    violation.refresh_from_db()
    assert violation.assignee == owner
    partial = member_client.post(f"/violations/{violation.pk}/watch/", {"watch": "1"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and b"<html" not in partial.content and b"Stop watching" in partial.content
    assert Watch.objects.filter(violation=violation, user=member).exists()
    member_client.post(f"/violations/{violation.pk}/watch/", {"watch": "0"})
    assert not Watch.objects.filter(violation=violation, user=member).exists()
    assert member_client.get(f"/violations/{violation.pk}/assign/").status_code == 405


# --- Bulk actions ------------------------------------------------------------------------------------------------


def test_bulk_assign_and_watch(org, shop, member_client, member, owner):
    v1, v2 = ViolationFactory(account=shop), ViolationFactory(account=shop)
    response = member_client.post(
        "/violations/bulk/", {"ids": [v1.pk, v2.pk], "action": "assign", "assignee": owner.pk}
    )
    assert response.status_code == 302
    assert set(Violation.objects.values_list("assignee", flat=True)) == {owner.pk}
    member_client.post("/violations/bulk/", {"ids": [v1.pk, v2.pk], "action": "watch", "next": "/violations/?q=x"})
    assert Watch.objects.filter(user=member).count() == 2


def test_bulk_without_selection_says_so(org, member_client):
    response = member_client.post("/violations/bulk/", {"action": "watch"}, follow=True)
    assert "Select at least one violation" in response.content.decode()


def test_bulk_start_appeals(org, shop, member_client):
    v1, v2, v3 = (ViolationFactory(account=shop) for _ in range(3))
    AppealFactory(violation=v3, status="draft")
    response = member_client.post(
        "/violations/bulk/",
        {
            "ids": [v1.pk, v2.pk, v3.pk],
            "action": "start_appeals",
            "desired_outcome": "Reinstate the listings",
            "rule_cited": "Trademark policy 3.2",
            "explanation": "We are the brand owner.",
        },
        follow=True,
    )
    assert "Started 2 draft appeals" in response.content.decode()
    for v in (v1, v2):
        appeal = Appeal.objects.get(violation=v)
        assert (appeal.round, appeal.status, appeal.desired_outcome) == (1, "draft", "Reinstate the listings")
        assert appeal.rule_cited == "Trademark policy 3.2" and appeal.explanation == "We are the brand owner."
        assert Violation.objects.get(pk=v.pk).status == CaseStatus.DRAFT
    assert Appeal.objects.filter(violation=v3).count() == 1


def test_bulk_ignores_other_organizations(org, shop, other_org, member_client):
    foreign = ViolationFactory(account=AccountFactory(organization=other_org))
    member_client.post("/violations/bulk/", {"ids": [foreign.pk], "action": "start_appeals"})
    assert not Appeal.objects.filter(violation=foreign).exists()


def test_nav_has_violations(member_client, org):
    assert b'href="/violations/"' in member_client.get("/inbox/").content


def test_membership_of_other_org_member_cannot_be_assigned(org, shop, member_client, other_org):
    stranger = MembershipFactory(organization=other_org).user
    violation = ViolationFactory(account=shop)
    member_client.post(f"/violations/{violation.pk}/assign/", {"assignee": stranger.pk})
    violation.refresh_from_db()
    assert violation.assignee is None


def test_case_page_query_count_does_not_grow(org, shop, member, member_client, django_assert_max_num_queries):
    from appeals.models import Comment

    def build(n):
        v = ViolationFactory(account=shop)
        for i in range(n):
            ViolationItem.objects.create(violation=v, organization=org, kind="sku", value=f"S{i}")
            Comment.objects.create(violation=v, organization=org, author=member, body=f"note {i}")
            services.violation_watch(violation=v, user=MembershipFactory(organization=org).user)
        for r in range(1, min(n, 2) + 1):
            AppealFactory(violation=v, round=r, status="upheld" if r == 1 else "draft", submitted_at=timezone.now())
        return v

    small, big = build(1), build(6)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert member_client.get(f"/violations/{small.pk}/").status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = member_client.get(f"/violations/{big.pk}/")
    assert response.content.decode().count("note ") >= 6
