"""Every page a signed-in user gets, every API answer and every download says `Cache-Control: private, no-store`."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from core.tokens import api_token_create
from tests.test_cross_org_walk import NOT_OBJECTS, OtherWorld, _object_for, _walk

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",") if part}


def is_private_no_store(response) -> bool:
    return {"private", "no-store"} <= directives(response)


def every_route_url(world: OtherWorld) -> list[str]:
    """Each URL of the `appeals` and `core` namespaces, built with records of the signed-in user's organization."""
    urls = []
    for namespace, pattern, kwargs in _walk(get_resolver().url_patterns):
        if not pattern.name:
            continue
        values = {}
        for kwarg in kwargs:
            obj = None if kwarg in NOT_OBJECTS else _object_for(kwarg, pattern.name, world)
            values[kwarg] = NOT_OBJECTS[kwarg] if kwarg in NOT_OBJECTS else getattr(obj, "pk", 1)
        urls.append(reverse(f"{namespace}:{pattern.name}", kwargs=values))
    return urls


def test_every_page_of_a_signed_in_user_is_private_and_not_stored(org, client_for):
    world = OtherWorld(org)
    client = client_for(world.user)
    urls = every_route_url(world)
    assert len(urls) > 60
    problems = []
    for url in urls:
        if url == reverse("core:logout"):
            continue  # signs the user out: what follows is an anonymous page
        response = client.get(url)
        if not is_private_no_store(response):
            problems.append(f"GET {url} -> {response.status_code} Cache-Control: {response.get('Cache-Control')!r}")
        htmx = client.get(url, headers={"HX-Request": "true"})
        if not is_private_no_store(htmx):
            problems.append(f"htmx GET {url} -> {htmx.status_code} Cache-Control: {htmx.get('Cache-Control')!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "url",
    ["/violations/export.csv", "/violations/export.csv?status=open", "/analytics/", "/inbox/"],
)
def test_exports_and_pages_carry_the_header(owner_client, url):
    response = owner_client.get(url)
    assert response.status_code == 200
    assert is_private_no_store(response), response.get("Cache-Control")


def test_downloads_keep_their_sandbox_and_are_not_stored(org, client_for):
    world = OtherWorld(org)
    client = client_for(world.user)
    for url in (
        reverse("appeals:evidence_download", kwargs={"evidence_pk": world.evidence.pk}),
        reverse(
            "appeals:attachment_download",
            kwargs={"violation_pk": world.violation.pk, "attachment_pk": world.attachment.pk},
        ),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert is_private_no_store(response), (url, response.get("Cache-Control"))


def test_the_calendar_feed_is_a_download_and_is_not_stored(client, member):
    response = client.get(f"/calendar/{member.calendar_token}.ics")
    assert response.status_code == 200
    assert is_private_no_store(response), response.get("Cache-Control")


def test_api_answers_are_private_and_not_stored(client, owner, org):
    token = api_token_create(user=owner, organization=org, name="cache")[1]
    for url in ("/api/v1/organization", "/api/v1/violations", "/api/v1/accounts/999999"):
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert is_private_no_store(response), (url, response.status_code, response.get("Cache-Control"))
