"""Role enforcement: viewer reads only, member edits cases but not accounts, manager not people/settings,
an outsider gets 404 on every object URL (see also test_cross_org_walk.py)."""

from __future__ import annotations

import pytest

from appeals.models import Account
from core.models import Membership, Role

pytestmark = pytest.mark.django_db

ACCOUNT_POST = {"kind": "seller_shop", "external_id": "NEW-1", "name": "New Shop", "market": "US"}


def test_viewer_reads_accounts_but_cannot_write(viewer_client, shop):
    assert viewer_client.get("/accounts/").status_code == 200
    assert viewer_client.get(f"/accounts/{shop.pk}/").status_code == 200
    assert viewer_client.get("/accounts/new/").status_code == 403
    assert viewer_client.post("/accounts/new/", ACCOUNT_POST).status_code == 403
    assert viewer_client.post(f"/accounts/{shop.pk}/edit/", {**ACCOUNT_POST, "name": "Renamed"}).status_code == 403
    shop.refresh_from_db()
    assert shop.name == "Acme US Shop"
    assert not Account.objects.filter(external_id="NEW-1").exists()


def test_member_cannot_manage_accounts(member_client, shop):
    assert member_client.get(f"/accounts/{shop.pk}/").status_code == 200
    assert member_client.get("/accounts/new/").status_code == 403
    assert member_client.post("/accounts/new/", ACCOUNT_POST).status_code == 403
    assert member_client.get(f"/accounts/{shop.pk}/edit/").status_code == 403
    assert member_client.post(f"/accounts/{shop.pk}/edit/", {**ACCOUNT_POST, "name": "Renamed"}).status_code == 403
    shop.refresh_from_db()
    assert shop.name == "Acme US Shop"
    assert b"Add seller shop" not in member_client.get("/accounts/").content


def test_manager_manages_accounts(manager_client, shop):
    assert manager_client.get("/accounts/new/").status_code == 200
    assert manager_client.post("/accounts/new/", ACCOUNT_POST).status_code == 302
    assert manager_client.get(f"/accounts/{shop.pk}/edit/").status_code == 200


def test_manager_cannot_manage_people_or_settings(manager_client, org, owner):
    owner_membership = Membership.objects.get(user=owner, organization=org)
    assert manager_client.get("/settings/").status_code == 403
    assert manager_client.post("/settings/", {"name": "Taken over"}).status_code == 403
    assert manager_client.get("/settings/members/").status_code == 403
    assert manager_client.post("/settings/members/", {"email": "x@acme.test", "role": Role.OWNER}).status_code == 403
    assert (
        manager_client.post(f"/settings/members/{owner_membership.pk}/role/", {"role": Role.VIEWER}).status_code == 403
    )
    assert manager_client.post("/settings/closed-dates/", {"date": "2030-01-01"}).status_code == 403
    org.refresh_from_db()
    owner_membership.refresh_from_db()
    assert org.name == "Acme Shop"
    assert owner_membership.role == Role.OWNER


def test_outsider_gets_404_on_account_urls(outsider_client, shop):
    assert outsider_client.get(f"/accounts/{shop.pk}/").status_code == 404
    assert outsider_client.get(f"/accounts/{shop.pk}/edit/").status_code == 404
    assert outsider_client.post(f"/accounts/{shop.pk}/edit/", {**ACCOUNT_POST, "name": "Stolen"}).status_code == 404
    shop.refresh_from_db()
    assert shop.name == "Acme US Shop"


def test_anonymous_is_sent_to_login(client, shop):
    for url in ("/accounts/", f"/accounts/{shop.pk}/", "/settings/", "/settings/members/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_user_without_organization_is_sent_to_create_one(client_for, db):
    from tests.factories import UserFactory

    client = client_for(UserFactory())
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert response["Location"] == "/organizations/new/"
