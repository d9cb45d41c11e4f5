"""Required fields are marked wherever forms are drawn by the shared includes (class "required"; the stylesheet
adds the asterisk), and optional ones are not."""

from __future__ import annotations

import re

from appeals.services.tickets import channel_rules_install


def _classes(html: str, field_id: str) -> set[str]:
    match = re.search(rf'<(?:div|fieldset) class="([^"]*)" id="{field_id}"', html)
    assert match, field_id
    return set(match.group(1).split())


def test_ticket_form_marks_required_fields_only(member_client):
    html = member_client.get("/tickets/new/").content.decode()
    for required in ("field-account", "field-channel", "field-subject", "field-opened_at"):
        assert "required" in _classes(html, required)
    for optional in ("field-platform_number", "field-violation_reference", "field-notes"):
        assert "required" not in _classes(html, optional)


def test_guide_questions_are_marked_and_the_account_is_optional(org, member_client):
    channel_rules_install(org)
    html = member_client.get("/channel-guide/").content.decode()
    assert {"inline-choices", "required"} <= _classes(html, "field-audience")
    assert '<div class="field">' in html.split('id="field-issue"')[1]  # the optional account question


def test_settings_page_fields_use_the_same_marker(owner_client):
    html = owner_client.get("/settings/").content.decode()
    assert "required" in _classes(html, "field-name")


def test_the_stylesheet_draws_the_asterisk():
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "static/css/app.css").read_text()
    assert '.field.required > label::after, fieldset.required > legend::after { content: " *";' in css
