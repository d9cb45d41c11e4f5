"""API tokens, authentication, the error shape and the OpenAPI description."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command

from core.models import ApiToken, Role
from core.tokens import TokenError, api_token_create, api_token_revoke
from tests.factories import MembershipFactory


@pytest.fixture
def token(owner, org):
    return api_token_create(user=owner, organization=org, name="sheet sync")[1]


def auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_token_is_stored_hashed_and_reads_the_organization(client, token, org):
    stored = ApiToken.objects.get()
    assert token not in (stored.key_hash, stored.prefix)
    response = client.get("/api/v1/organization", **auth(token))
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == org.slug
    assert body["working_days"] == [1, 2, 3, 4, 5]
    assert body["role"] == Role.OWNER
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nope", "Basic abc", "Bearer ad_" + "x" * 500])
def test_bad_or_missing_token_is_401_json(client, db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/organization", **extra)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_revoked_token_and_removed_member_are_refused(client, owner, org, member):
    _, raw = api_token_create(user=member, organization=org, name="x")
    assert client.get("/api/v1/organization", **auth(raw)).status_code == 200
    member.memberships.all().delete()
    assert client.get("/api/v1/organization", **auth(raw)).status_code == 401
    token, raw = api_token_create(user=owner, organization=org, name="y")
    client.force_login(owner)
    response = client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert client.get("/api/v1/organization", **auth(raw)).status_code == 401


def test_token_page_shows_new_key_once(owner_client, owner):
    response = owner_client.post("/profile/tokens/", {"name": "nightly"})
    assert response.status_code == 200
    raw = response.context["raw_key"]
    assert raw.startswith("ad_") and raw.encode() in response.content
    again = owner_client.get("/profile/tokens/")
    assert raw.encode() not in again.content
    assert b"nightly" in again.content


def test_token_page_asks_for_a_name(owner_client):
    response = owner_client.post("/profile/tokens/", {"name": "  "})
    assert b"Give the token a name" in response.content
    assert ApiToken.objects.count() == 0


def test_revoking_someone_elses_token_is_404(outsider_client, owner, org):
    token, _ = api_token_create(user=owner, organization=org, name="x")
    assert outsider_client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_create_api_token_command_prints_a_working_token(client, owner, org, capsys):
    call_command("create_api_token", owner.email, "--org", org.slug)
    raw = capsys.readouterr().out.strip()
    assert client.get("/api/v1/organization", **auth(raw)).status_code == 200


def test_create_api_token_command_refuses_non_members(owner, other_org):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a member"):
        call_command("create_api_token", owner.email, "--org", other_org.slug)


def test_openapi_and_docs_need_no_token_and_no_outside_host(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/organization" in schema["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"https://" not in docs.content


@pytest.fixture
def own_cache(settings):
    """A key prefix of this test's own: the budget is keyed by user and organization IDs, which tests running
    at once on other xdist workers (same Redis, own database) also have."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


def test_rate_limit_answers_429_json(client, token, settings, own_cache):
    from appeals.api import api

    throttle = api.throttle[0]
    throttle.rate = "2/m"
    throttle.num_requests, throttle.duration = throttle.parse_rate("2/m")
    try:
        statuses = [client.get("/api/v1/organization", **auth(token)).status_code for _ in range(3)]
    finally:
        throttle.rate = f"{settings.API_RATE_LIMIT_PER_MINUTE}/m"
        throttle.num_requests, throttle.duration = throttle.parse_rate(throttle.rate)
        from django.core.cache import cache

        cache.clear()
    assert statuses == [200, 200, 429]


def test_rate_limit_is_per_user_and_organization_not_per_token(client, owner, org, other_org, settings, own_cache):
    """Issue 18, finding 13: a second token of the same user shares the first one's budget."""
    from django.core.cache import cache

    from appeals.api import api

    MembershipFactory(user=owner, organization=other_org, role=Role.OWNER)
    first = api_token_create(user=owner, organization=org, name="one")[1]
    second = api_token_create(user=owner, organization=org, name="two")[1]
    elsewhere = api_token_create(user=owner, organization=other_org, name="other org")[1]
    throttle = api.throttle[0]
    throttle.rate = "2/m"
    throttle.num_requests, throttle.duration = throttle.parse_rate("2/m")
    try:
        statuses = [client.get("/api/v1/organization", **auth(raw)).status_code for raw in (first, second, second)]
        other = client.get("/api/v1/organization", **auth(elsewhere)).status_code
    finally:
        throttle.rate = f"{settings.API_RATE_LIMIT_PER_MINUTE}/m"
        throttle.num_requests, throttle.duration = throttle.parse_rate(throttle.rate)
        cache.clear()
    assert statuses == [200, 200, 429]
    assert other == 200


def test_tokens_per_user_are_capped_with_a_clear_error(owner, org, owner_client, settings):
    settings.API_TOKENS_PER_USER = 3
    for n in range(3):
        api_token_create(user=owner, organization=org, name=f"t{n}")
    with pytest.raises(TokenError, match="3 active tokens"):
        api_token_create(user=owner, organization=org, name="one too many")
    response = owner_client.post("/profile/tokens/", {"name": "one too many"})
    assert response.status_code == 400
    assert "3 active tokens" in response.content.decode() and 'id="token-name-error"' in response.content.decode()
    with pytest.raises(CommandError, match="3 active tokens"):
        call_command("create_api_token", owner.email, "--org", org.slug)
    assert ApiToken.objects.filter(user=owner).count() == 3
    # A revoked token frees its place.
    api_token_revoke(token=ApiToken.objects.filter(user=owner).first())
    api_token_create(user=owner, organization=org, name="replacement")
    assert ApiToken.objects.filter(user=owner, revoked_at__isnull=True).count() == 3


def test_a_token_name_with_nul_is_a_field_error(owner_client, owner):
    """Issue 18, finding 5: name=a%00b was a 500."""
    response = owner_client.post("/profile/tokens/", "name=a%00b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "NUL" in response.content.decode() and 'id="token-name-error"' in response.content.decode()
    assert not ApiToken.objects.filter(user=owner).exists()


def test_viewer_token_reads(client, org):
    viewer = MembershipFactory(organization=org, role=Role.VIEWER).user
    _, raw = api_token_create(user=viewer, organization=org, name="ro")
    assert client.get("/api/v1/organization", **auth(raw)).json()["role"] == "viewer"


def _patch(client, raw, data):
    import json

    return client.patch("/api/v1/organization", json.dumps(data), content_type="application/json", **auth(raw))


def test_owner_changes_settings_and_closed_dates(client, token, org):
    response = _patch(
        client,
        token,
        {"review_business_days": 4, "working_days": [1, 2, 3, 4], "closed_dates": ["2026-12-24", "2026-12-31"]},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["review_business_days"] == 4 and body["working_days"] == [1, 2, 3, 4]
    assert body["closed_dates"] == ["2026-12-24", "2026-12-31"]
    again = _patch(client, token, {"closed_dates": ["2026-12-31"]}).json()
    assert again["closed_dates"] == ["2026-12-31"]
    org.refresh_from_db()
    assert org.review_business_days == 4


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"holiday_country": "ZZ"}, "holiday_country"),
        ({"holiday_subdivision": "XX"}, "holiday_subdivision"),
        ({"opens_at": "18:00"}, "closes_at"),
        ({"working_days": [0, 8]}, "working_days"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"max_rounds": 0}, "max_rounds"),
    ],
)
def test_bad_settings_name_the_field(client, token, data, field):
    response = _patch(client, token, data)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field


def test_only_owners_change_settings(client, org, manager):
    _, raw = api_token_create(user=manager, organization=org, name="m")
    assert _patch(client, raw, {"name": "Hijacked"}).status_code == 403
    org.refresh_from_db()
    assert org.name == "Acme Shop"
