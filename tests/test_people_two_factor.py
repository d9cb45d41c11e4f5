"""Two-factor authentication (allauth.mfa) and the organization policy that requires it."""

from __future__ import annotations

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from core import services
from core.models import ApiToken, Membership
from core.tokens import api_token_create

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _log_in(client: Client, email: str) -> None:
    response = client.post("/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


def _reauthenticate(client: Client, path: str) -> None:
    """allauth asks for the password again before any change to the second factors."""
    first = client.get(path)
    assert first["Location"].startswith("/auth/reauthenticate/")
    assert client.post(first["Location"], {"password": PASSWORD})["Location"] == path


def _enrol_totp(client: Client) -> tuple[str, list[str]]:
    _reauthenticate(client, "/auth/2fa/totp/activate/")
    page = client.get("/auth/2fa/totp/activate/")
    assert page.status_code == 200
    assert b"data:image/svg+xml;base64," in page.content  # the QR code, drawn by allauth
    secret = page.context["form"].secret
    activated = client.post("/auth/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})
    assert activated["Location"] == "/auth/2fa/recovery-codes/"
    codes_page = client.get("/auth/2fa/recovery-codes/")
    codes = codes_page.context["unused_codes"]
    assert len(codes) == 10 and all(code.encode() in codes_page.content for code in codes)
    assert b'download="appeal-desk-recovery-codes.txt"' in codes_page.content
    return secret, list(codes)


def test_totp_enrolment_then_log_in_with_a_code_and_with_a_recovery_code(client, owner):
    _log_in(client, "owner@acme.test")
    secret, codes = _enrol_totp(client)
    # Shown once: a second visit no longer has them.
    again = client.get("/auth/2fa/recovery-codes/")
    assert not any(code.encode() in again.content for code in codes)
    assert b"were shown when they were made" in again.content

    client.post("/logout/")
    client.post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    assert client.get("/inbox/").status_code == 302  # the password alone is not enough now
    wrong = client.post("/auth/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and b'role="alert"' in wrong.content
    done = client.post("/auth/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()})
    assert done["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200

    client.post("/logout/")
    client.post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    assert client.post("/auth/2fa/authenticate/", {"code": codes[0]})["Location"] == "/inbox/"
    client.post("/logout/")
    client.post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    reused = client.post("/auth/2fa/authenticate/", {"code": codes[0]})
    assert reused.status_code == 200  # a recovery code works once


def test_removing_the_authenticator_asks_to_reauthenticate_first(client, owner):
    TOTP.activate(owner, pyotp.random_base32())
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/auth/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/reauthenticate/")
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()


def test_enrolling_emails_the_account_owner(client, owner, mailoutbox, django_capture_on_commit_callbacks):
    _log_in(client, "owner@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        _enrol_totp(client)
    assert any("Two-factor authentication changed" in m.subject for m in mailoutbox)


# --- Organization policy -------------------------------------------------------------------------------------


@pytest.fixture
def policy(org):
    org.require_two_factor = True
    org.save(update_fields=["require_two_factor"])
    return org


@pytest.mark.parametrize("path", ["/inbox/", "/violations/", "/profile/", "/settings/members/"])
def test_policy_sends_members_without_two_factor_to_the_set_up_page(member_client, policy, path):
    response = member_client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/auth/2fa/"


def test_policy_leaves_set_up_logout_and_static_open(member_client, policy):
    page = member_client.get("/inbox/", follow=True)
    assert page.redirect_chain == [("/auth/2fa/", 302)]
    assert b"requires two-factor authentication" in page.content
    assert member_client.get("/auth/2fa/totp/activate/")["Location"].startswith("/auth/reauthenticate/")
    assert member_client.get("/auth/reauthenticate/").status_code == 200
    assert member_client.get("/static/css/app.css").status_code in (200, 404)  # never a redirect
    assert member_client.post("/logout/")["Location"] == "/login/"


def test_policy_answers_htmx_with_a_redirect_header(member_client, policy):
    response = member_client.get("/inbox/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/auth/2fa/"


def test_members_with_a_second_factor_pass(member_client, member, policy):
    TOTP.activate(member, pyotp.random_base32())
    assert member_client.get("/inbox/").status_code == 200


def test_policy_does_not_touch_api_tokens(client, member, org, policy):
    _, raw = api_token_create(user=member, organization=org, name="sync")
    response = client.get("/api/v1/organization", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_organizations_without_the_policy_are_not_gated(member_client, member):
    assert member_client.get("/inbox/").status_code == 200


def test_owner_sets_the_policy_and_sees_who_enrolled(owner_client, owner, member, org):
    TOTP.activate(owner, pyotp.random_base32())
    api_token_create(user=member, organization=org, name="Nightly sheet sync")
    page = owner_client.get("/settings/security/")
    assert page.status_code == 200
    rows = {row.membership.user.email: row for row in page.context["members"]}
    assert rows["owner@acme.test"].factors == ["Authenticator app"]
    assert not rows["member@acme.test"].enrolled
    assert [t.name for t in rows["member@acme.test"].tokens] == ["Nightly sheet sync"]
    assert b"Not set up" in page.content and b"Nightly sheet sync" in page.content

    saved = owner_client.post("/settings/security/", {"require_two_factor": "on"})
    assert saved["Location"] == "/settings/security/"
    org.refresh_from_db()
    assert org.require_two_factor
    owner_client.post("/settings/security/", {})  # an unticked box sends nothing
    org.refresh_from_db()
    assert not org.require_two_factor


def test_an_owner_without_two_factor_cannot_require_it(owner_client, org):
    response = owner_client.post("/settings/security/", {"require_two_factor": "on"})
    assert response.status_code == 400
    assert b'id="id_require_two_factor_error"' in response.content
    org.refresh_from_db()
    assert not org.require_two_factor


@pytest.mark.parametrize("persona", ["manager_client", "member_client", "viewer_client"])
def test_only_owners_see_the_security_page(request, persona):
    assert request.getfixturevalue(persona).get("/settings/security/").status_code == 403


def test_security_page_lists_only_this_organizations_people(owner_client, outsider):
    page = owner_client.get("/settings/security/")
    assert b"outsider@other.test" not in page.content


def test_removing_a_member_revokes_their_tokens_here(owner, member, org, other_org):
    here, _ = api_token_create(user=member, organization=org, name="here")
    Membership.objects.create(user=member, organization=other_org, role="member")
    elsewhere, _ = api_token_create(user=member, organization=other_org, name="elsewhere")
    services.membership_remove(organization=org, membership_id=Membership.objects.get(user=member, organization=org).pk)
    here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert here.revoked_at is not None
    assert elsewhere.revoked_at is None
    assert ApiToken.objects.filter(user=member).count() == 2


def test_passkey_login_button_is_on_the_login_page(client):
    page = client.get("/login/")
    assert re.search(rb'id="passkey_login"', page.content)
    assert b"mfa/js/webauthn.js" in page.content


def test_account_pages_do_not_light_up_the_accounts_menu_entry(owner_client):
    page = owner_client.get("/auth/email/")
    assert [item.label for item in page.context["nav_items"] if item.current] == []
    security = owner_client.get("/settings/security/")
    assert [item.label for item in security.context["nav_items"] if item.current] == ["Settings"]


def test_removing_the_authenticator_after_reauthenticating_emails_the_owner(
    client, owner, mailoutbox, django_capture_on_commit_callbacks
):
    TOTP.activate(owner, pyotp.random_base32())
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    _reauthenticate(client, "/auth/2fa/totp/deactivate/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/auth/2fa/totp/deactivate/")
    assert response["Location"] == "/auth/2fa/"
    assert not Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
    [notice] = [m for m in mailoutbox if "removed" in m.subject]
    assert notice.to == ["owner@acme.test"] and "authenticator app was removed" in notice.body
