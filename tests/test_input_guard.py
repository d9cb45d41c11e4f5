"""NUL characters in web requests (issue 18, finding 5): a 400 or a field error, never a 500."""

from __future__ import annotations

import pytest
from django import forms

NUL = "a\x00b"

# Every page with a form a member fills in (GET shows the form, POST saves it).
FORM_PAGES = [
    "/accounts/new/",
    "/violations/new/",
    "/tickets/new/",
    "/channel-guide/rules/new/",
    "/settings/",
    "/settings/members/",
    "/organizations/new/",
    "/profile/",
    "/profile/tokens/",
    "/reminders/preferences/",
]


def test_calendar_feed_with_nul_is_404_without_login(client, db):
    assert client.get("/calendar/%00.ics").status_code == 404
    assert client.get("/invitations/a%00b/").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/violations/?q=a%00b", "/violations/?a%00b=1", "/analytics/appeals/?outcome=a%00b", "/inbox/?mine=%00"],
)
def test_query_string_with_nul_is_a_400_naming_the_parameter(owner_client, url):
    response = owner_client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def _forms_of(response) -> list[forms.BaseForm]:
    found: list[forms.BaseForm] = []
    for context in response.context or []:
        for value in context.dicts if hasattr(context, "dicts") else [context]:
            for item in value.values() if isinstance(value, dict) else []:
                if isinstance(item, forms.BaseForm) and item not in found:
                    found.append(item)
    return found


@pytest.mark.parametrize("url", FORM_PAGES)
def test_every_field_of_every_form_refuses_nul(owner_client, shop, url):
    page = owner_client.get(url)
    assert page.status_code == 200, url
    names = {name for form in _forms_of(page) for name in form.fields} or {"name"}
    response = owner_client.post(url, {name: NUL for name in names})
    assert response.status_code < 500, url
    if response.status_code == 200 or response.status_code == 400:
        assert "NUL" in response.content.decode() or "Null characters are not allowed" in response.content.decode()
