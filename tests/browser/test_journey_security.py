"""Sign-in security in a real browser: an authenticator app (codes from pyotp), recovery codes, a passkey on
Chromium's virtual authenticator, the organization's "require 2FA" gate, and ending another session."""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from tests.browser.helpers import PASSWORD, check, log_in


def _log_in_with_password(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_load_state("load")


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/$"))


def _reauthenticate(page) -> None:
    page.wait_for_url(re.compile(r"/auth/reauthenticate/"))
    page.check()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


@pytest.mark.django_db(transaction=True)
def test_authenticator_app_then_log_in_with_a_code_and_a_recovery_code(browser_page, owner):
    page = browser_page
    log_in(page, "owner@acme.test")
    page.goto("/auth/2fa/")
    page.check()
    page.get_by_role("link", name="Activate").click()
    _reauthenticate(page)
    page.wait_for_url(re.compile(r"/auth/2fa/totp/activate/$"))
    assert page.locator("img[src^='data:image/svg+xml']").is_visible()  # the QR code
    page.check()
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()

    page.wait_for_url(re.compile(r"/auth/2fa/recovery-codes/$"))
    page.check()
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download codes").click()
    assert download.value.suggested_filename == "appeal-desk-recovery-codes.txt"
    page.reload()
    assert page.locator("#recovery_codes").count() == 0  # shown once

    _log_out(page)
    _log_in_with_password(page, "owner@acme.test")
    page.wait_for_url(re.compile(r"/auth/2fa/authenticate/$"))
    page.check()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/inbox/$"))

    _log_out(page)
    _log_in_with_password(page, "owner@acme.test")
    page.wait_for_url(re.compile(r"/auth/2fa/authenticate/$"))
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/inbox/$"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", ["laptop"])
def test_passkey_on_a_virtual_authenticator_then_passwordless_log_in(browser_page, owner):
    page = browser_page
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    log_in(page, "owner@acme.test")
    page.goto("/auth/2fa/")
    page.get_by_role("link", name="Add").click()
    _reauthenticate(page)
    page.wait_for_url(re.compile(r"/auth/2fa/webauthn/add/"))
    page.check()
    page.get_by_label("Name").fill("Laptop passkey")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    # The add page itself matches "/auth/2fa/webauthn/", so wait for a page past it.
    page.wait_for_url(re.compile(r"/auth/2fa/(recovery-codes/|webauthn/$)"))
    passkey = Authenticator.objects.get(user=owner, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().is_passwordless

    _log_out(page)
    page.goto("/login/")
    page.get_by_role("button", name="Use a passkey instead").click()
    page.wait_for_url(re.compile(r"/inbox/$"))
    page.get_by_role("heading", name="Inbox").wait_for()


@pytest.mark.django_db(transaction=True)
def test_require_two_factor_gate(browser_page, owner, member, org):
    TOTP.activate(owner, pyotp.random_base32())
    org.require_two_factor = True
    org.save(update_fields=["require_two_factor"])
    page = browser_page
    _log_in_with_password(page, "member@acme.test")
    page.wait_for_url(re.compile(r"/auth/2fa/$"))
    page.get_by_text("Acme Shop requires two-factor authentication").wait_for()
    page.check()
    page.goto("/violations/")
    page.wait_for_url(re.compile(r"/auth/2fa/$"))
    # Enrolling opens the app again.
    page.get_by_role("link", name="Activate").click()
    _reauthenticate(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r"/auth/2fa/recovery-codes/$"))
    page.goto("/inbox/")
    page.get_by_role("heading", name="Inbox").wait_for()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", ["laptop"])
def test_ending_another_session_logs_that_browser_out(browser_page, chromium_browser, live_server, owner):
    page = browser_page
    log_in(page, "owner@acme.test")
    other_context = chromium_browser.new_context(base_url=live_server.url, user_agent="Mozilla/5.0 (iPhone) Safari/604")
    try:
        other = other_context.new_page()
        other.watch = page.watch
        page.watch.attach(other)
        other.phone = False
        log_in(other, "owner@acme.test")
        page.goto("/auth/sessions/")
        check(page)
        page.get_by_role("button", name=re.compile(r"Sign out Safari on iPhone")).click()
        page.get_by_text("That session was signed out").wait_for()
        other.goto("/inbox/")
        other.wait_for_url(re.compile(r"/login/"))
        page.goto("/inbox/")
        page.get_by_role("heading", name="Inbox").wait_for()
    finally:
        other_context.close()
