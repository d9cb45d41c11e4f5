"""Password reset by email: request, email with a working link, new password, link used once."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/password/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_login_page_links_to_reset(client):
    response = client.get("/login/")
    assert b'href="/password/reset/"' in response.content


def test_reset_email_is_sent_and_link_sets_new_password(client, owner, mailoutbox, settings):
    settings.SITE_URL = "https://desk.example.com"
    response = client.post("/password/reset/", {"email": "OWNER@acme.test"})
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["owner@acme.test"]
    assert "Reset your Appeal Desk password" in message.subject
    assert "https://desk.example.com/password/reset/" in message.body
    html = (
        message.alternatives[0].content if hasattr(message.alternatives[0], "content") else message.alternatives[0][0]
    )
    assert "https://desk.example.com/password/reset/" in html

    link = _reset_link(message)
    response = client.get(link)
    assert response.status_code == 302  # Django swaps the token into the session, then shows the form
    form_url = response["Location"]
    page = client.get(form_url)
    assert b"Choose a new password" in page.content
    response = client.post(
        form_url, {"new_password1": "an-entirely-new-secret", "new_password2": "an-entirely-new-secret"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/done/"
    assert b"Password changed" in client.get("/password/reset/done/").content
    owner.refresh_from_db()
    assert owner.check_password("an-entirely-new-secret")

    # The link works once.
    again = client.get(link, follow=True)
    assert b"no longer works" in again.content


def test_unknown_email_sends_nothing_but_looks_the_same(client, mailoutbox):
    response = client.post("/password/reset/", {"email": "nobody@nowhere.test"})
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"
    assert mailoutbox == []


def test_mismatched_new_passwords_show_field_error(client, owner, mailoutbox):
    client.post("/password/reset/", {"email": "owner@acme.test"})
    form_url = client.get(_reset_link(mailoutbox[0]))["Location"]
    response = client.post(form_url, {"new_password1": "an-entirely-new-secret", "new_password2": "different-one-here"})
    assert response.status_code == 200
    assert b'id="id_new_password2_error"' in response.content
    owner.refresh_from_db()
    assert not owner.check_password("an-entirely-new-secret")
