from __future__ import annotations

import pytest


@pytest.mark.django_db(transaction=True)
def test_public_pages_are_clean_and_accessible(browser_page):
    page = browser_page
    for path in ["/", "/login/", "/signup/"]:
        page.goto(path)
        page.check()
    page.goto("/login/")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong-password-123")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()
    page.check()
