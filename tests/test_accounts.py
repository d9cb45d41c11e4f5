"""Accounts: list, create, edit, detail with points summary; the points selector as a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appeals.models import Account, CaseStatus, Violation
from appeals.selectors.accounts import account_points_summary, next_milestone
from appeals.services import ServiceError
from appeals.services.accounts import account_create, account_update
from tests.factories import AccountFactory, ViolationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_list_shows_accounts_with_kind_filter(viewer_client, shop, creator_account):
    page = viewer_client.get("/accounts/")
    assert page.status_code == 200
    assert b"Acme US Shop" in page.content and b"Acme Creator" in page.content
    creators = viewer_client.get("/accounts/?kind=creator")
    assert b"Acme Creator" in creators.content and b"Acme US Shop" not in creators.content
    partial = viewer_client.get("/accounts/?kind=seller_shop", headers={"HX-Request": "true"})
    assert b"Acme US Shop" in partial.content
    assert b"<html" not in partial.content
    assert b'id="account-results"' in partial.content


def test_empty_states_say_what_to_do(manager_client, viewer_client):
    assert b"Add seller shop" in manager_client.get("/accounts/").content
    viewer_page = viewer_client.get("/accounts/").content
    assert b"No accounts yet" in viewer_page
    assert b"Ask a manager" in viewer_page
    assert b"No creator accounts yet" in manager_client.get("/accounts/?kind=creator").content


def test_other_orgs_accounts_are_not_listed(viewer_client, other_org):
    AccountFactory(organization=other_org, name="Secret Shop")
    assert b"Secret Shop" not in viewer_client.get("/accounts/").content


def test_manager_creates_shop_and_creator(manager_client, org):
    response = manager_client.post(
        "/accounts/new/", {"kind": "seller_shop", "external_id": " 7495 ", "name": "Main Shop", "market": "GB"}
    )
    assert response.status_code == 302
    shop = Account.objects.get(organization=org, kind="seller_shop")
    assert (shop.external_id, shop.name, shop.market) == ("7495", "Main Shop", "GB")
    assert response["Location"] == f"/accounts/{shop.pk}/"
    response = manager_client.post(
        "/accounts/new/",
        {"kind": "creator", "external_id": "@dana.makes", "name": "Dana", "market": "US", "health_rating": "180"},
    )
    creator = Account.objects.get(organization=org, kind="creator")
    assert (creator.external_id, creator.health_rating) == ("dana.makes", 180)


def test_duplicate_id_is_a_field_error_and_keeps_input(manager_client, shop):
    response = manager_client.post(
        "/accounts/new/", {"kind": "seller_shop", "external_id": "7495001122", "name": "Typed Name", "market": "US"}
    )
    assert response.status_code == 400
    assert b'id="id_external_id_error"' in response.content
    assert b"already has the shop ID" in response.content
    assert b'value="Typed Name"' in response.content
    assert Account.objects.filter(external_id="7495001122").count() == 1


def test_same_id_in_another_org_is_fine(other_org, shop):
    account = account_create(organization=other_org, kind="seller_shop", external_id="7495001122", name="Theirs")
    assert account.organization == other_org


def test_creator_usernames_are_unique_ignoring_case_and_at(org):
    account_create(organization=org, kind="creator", external_id="@Dana", name="Dana")
    with pytest.raises(ServiceError) as exc:
        account_create(organization=org, kind="creator", external_id="dana", name="Dana again")
    assert exc.value.field == "external_id"


def test_edit_account_including_health_rating(manager_client, creator_account):
    response = manager_client.post(
        f"/accounts/{creator_account.pk}/edit/",
        {
            "kind": "creator",
            "external_id": "acme.creator",
            "name": "Acme Creator",
            "market": "US",
            "health_rating": "120",
        },
    )
    assert response.status_code == 302
    creator_account.refresh_from_db()
    assert creator_account.health_rating == 120
    bad = manager_client.post(
        f"/accounts/{creator_account.pk}/edit/",
        {"kind": "creator", "external_id": "acme.creator", "name": "X", "market": "US", "health_rating": "5000"},
    )
    assert bad.status_code == 400
    assert b'id="id_health_rating_error"' in bad.content


def test_update_to_an_existing_id_is_refused(org, shop):
    other = AccountFactory(organization=org, external_id="OTHER1")
    with pytest.raises(ServiceError) as exc:
        account_update(account=other, external_id="7495001122")
    assert exc.value.field == "external_id"


def test_detail_shows_counts_points_and_milestone(viewer_client, org, shop):
    org.penalty_point_milestones = [12, 24]
    org.save()
    ViolationFactory(account=shop, penalty_points=4, status=CaseStatus.UNDER_REVIEW)
    ViolationFactory(account=shop, penalty_points=6, status=CaseStatus.NOT_APPEALED)
    ViolationFactory(account=shop, penalty_points=6, status=CaseStatus.NOT_APPEALED, points_cleared=True)
    page = viewer_client.get(f"/accounts/{shop.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "10 <span" in body
    assert "12 points (2 to go)" in body
    assert "Under review" in body and "Not appealed" in body
    assert f'href="/accounts/{shop.pk}/edit/"' not in body  # viewers do not get the edit button


def test_account_detail_query_count_is_fixed(viewer_client, shop):
    ViolationFactory.create_batch(5, account=shop, penalty_points=1)
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(f"/accounts/{shop.pk}/")
    ViolationFactory.create_batch(20, account=shop, penalty_points=1)
    with CaptureQueriesContext(connection) as many:
        viewer_client.get(f"/accounts/{shop.pk}/")
    assert len(few) == len(many)


# --- account_points_summary: a table of cases --------------------------------------------------

#  (enforced days ago, points, record status, cleared) -> counted?
POINT_ROWS = [
    (1, 5, Violation.RecordStatus.ENFORCED, False, True),
    (89, 3, Violation.RecordStatus.ENFORCED, False, True),
    (90, 7, Violation.RecordStatus.ENFORCED, False, False),  # expired exactly at the expiry
    (120, 9, Violation.RecordStatus.ENFORCED, False, False),
    (2, 11, Violation.RecordStatus.PENDING, False, False),
    (2, 13, Violation.RecordStatus.ENFORCED, True, False),
    (-1, 17, Violation.RecordStatus.ENFORCED, False, False),  # in the future (bad clock): not yet
]


def test_points_summary_table(org, shop, other_org):
    for days_ago, points, record_status, cleared, _ in POINT_ROWS:
        ViolationFactory(
            account=shop,
            enforced_at=NOW - timedelta(days=days_ago),
            penalty_points=points,
            record_status=record_status,
            points_cleared=cleared,
        )
    ViolationFactory(account=AccountFactory(organization=other_org), enforced_at=NOW, penalty_points=50)
    ViolationFactory(account=AccountFactory(organization=org), enforced_at=NOW, penalty_points=50)
    summary = account_points_summary(org, shop, at=NOW)
    assert summary.outstanding_points == sum(row[1] for row in POINT_ROWS if row[4])
    assert summary.total_violations == len(POINT_ROWS)
    assert summary.counts_by_status == {CaseStatus.NOT_APPEALED: len(POINT_ROWS)}


def test_points_expiry_follows_org_setting(org, shop):
    org.penalty_point_expiry_days = 30
    org.save()
    ViolationFactory(account=shop, enforced_at=NOW - timedelta(days=29), penalty_points=2)
    ViolationFactory(account=shop, enforced_at=NOW - timedelta(days=31), penalty_points=5)
    assert account_points_summary(org, shop, at=NOW).outstanding_points == 2


@pytest.mark.parametrize(
    ("milestones", "kind", "rating", "points", "expected"),
    [
        ([12, 24, 48], Account.Kind.SELLER_SHOP, None, 0, ("points", 12, 12)),
        ([12, 24, 48], Account.Kind.SELLER_SHOP, None, 12, ("points", 24, 12)),
        ([12, 24, 48], Account.Kind.SELLER_SHOP, None, 47, ("points", 48, 1)),
        ([12, 24, 48], Account.Kind.SELLER_SHOP, None, 48, None),
        ([{"points": 6}, {"points": 3}], Account.Kind.SELLER_SHOP, None, 4, ("points", 6, 2)),
        ([12], Account.Kind.CREATOR, 180, 0, ("points", 12, 12)),  # org milestones win
        ([], Account.Kind.CREATOR, 180, 0, ("health", 150, 30)),
        ([], Account.Kind.CREATOR, 150, 0, ("health", 100, 50)),
        ([], Account.Kind.CREATOR, 1000, 0, ("health", 150, 850)),
        ([], Account.Kind.CREATOR, 1, 0, ("health", 0, 1)),
        ([], Account.Kind.CREATOR, 0, 0, None),
        ([], Account.Kind.CREATOR, None, 0, None),
        ([], Account.Kind.SELLER_SHOP, 180, 0, None),
    ],
)
def test_next_milestone_table(org, milestones, kind, rating, points, expected):
    org.penalty_point_milestones = milestones
    account = Account(organization=org, kind=kind, health_rating=rating)
    result = next_milestone(org, account, points)
    assert (None if result is None else (result.kind, result.value, result.distance)) == expected
