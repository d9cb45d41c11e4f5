"""Log in, sign up, email verification and password reset through django-allauth."""

from __future__ import annotations

import re
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from core.models import Membership, Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _link(message, path_prefix: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+)", message.body)
    assert match, message.body
    return match.group(1)


def _sign_up(client, email: str = "ana@example.com"):
    return client.post(
        "/signup/", {"full_name": "Ana Seller", "email": email, "password1": "a-long-unusual-passphrase"}
    )


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("core:login", "/login/"),
        ("account_login", "/login/"),
        ("core:logout", "/logout/"),
        ("account_logout", "/logout/"),
        ("core:sign_up", "/signup/"),
        ("account_signup", "/signup/"),
        ("core:password_reset", "/password/reset/"),
        ("account_reset_password", "/password/reset/"),
        ("account_email", "/auth/email/"),
        ("mfa_index", "/auth/2fa/"),
        ("usersessions_list", "/auth/sessions/"),
    ],
)
def test_public_urls_stay_short_and_allauth_links_to_them(name, path):
    assert reverse(name) == path


def test_log_in_with_email_and_password_at_login(client, owner):
    page = client.get("/login/")
    assert b'name="login"' in page.content and b'href="/password/reset/"' in page.content
    response = client.post("/login/", {"login": "OWNER@acme.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200


def test_wrong_password_is_an_error_on_the_form(client, owner):
    response = client.post("/login/", {"login": "owner@acme.test", "password": "not-the-password"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert client.get("/inbox/").status_code == 302


def test_sign_up_verifies_the_email_before_the_organization_is_created(client, mailoutbox):
    response = _sign_up(client, "Ana@Example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="ana@example.com")
    assert user.full_name == "Ana Seller"
    assert not EmailAddress.objects.get(user=user).verified
    assert not Membership.objects.filter(user=user).exists()
    assert client.get("/inbox/").status_code == 302  # not logged in yet

    # Logging in before confirming sends the person back to "check your email".
    blocked = client.post("/login/", {"login": "ana@example.com", "password": "a-long-unusual-passphrase"})
    assert blocked["Location"] == reverse("account_email_verification_sent")
    assert client.get("/inbox/").status_code == 302

    [message] = [m for m in mailoutbox if m.to == ["ana@example.com"]][:1]
    assert "Confirm your email address" in message.subject
    link = _link(message, "/auth/confirm-email/")
    assert b"Confirm that" in client.get(link).content
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    # Logged in, no organization yet: the inbox sends the person to create one.
    follow = client.get("/inbox/")
    assert follow["Location"] == reverse("core:organization_create")
    created = client.post(reverse("core:organization_create"), {"name": "Ana's Shop", "timezone": "America/Chicago"})
    assert created["Location"] == "/inbox/"
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.organization.name) == (Role.OWNER, "Ana's Shop")
    assert membership.organization.timezone == "America/Chicago"
    assert client.get("/inbox/").status_code == 200


def test_sign_up_with_a_taken_email_answers_exactly_like_a_new_one(client, owner, mailoutbox):
    new = _sign_up(client, "fresh@example.com")
    taken = _sign_up(client, "OWNER@acme.test")
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert User.objects.filter(email__iexact="owner@acme.test").count() == 1
    # The real owner is told, by email only.
    told = [m for m in mailoutbox if m.to == ["owner@acme.test"]]
    assert len(told) == 1 and "already have an Appeal Desk account" in told[0].subject


def test_sign_up_errors_show_at_the_field(client):
    response = client.post("/signup/", {"full_name": "", "email": "not-an-email", "password1": "short"})
    assert response.status_code == 200
    for field in ("full_name", "email", "password1"):
        assert f'id="id_{field}_error"'.encode() in response.content


def test_reset_email_sets_a_new_password_once(client, owner, mailoutbox, settings):
    settings.SITE_URL = "https://desk.example.com"
    response = client.post("/password/reset/", {"email": "OWNER@acme.test"}, HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    [message] = mailoutbox
    assert message.to == ["owner@acme.test"]
    assert "Reset your Appeal Desk password" in message.subject
    assert "https://desk.example.com/auth/password/reset/key/" in message.body
    assert "localhost" not in message.body
    html = (
        message.alternatives[0].content if hasattr(message.alternatives[0], "content") else message.alternatives[0][0]
    )
    assert "https://desk.example.com/auth/password/reset/key/" in html

    link = _link(message, "/auth/password/reset/key/")
    form_url = client.get(link)["Location"]  # the key moves into the session, then the form shows
    assert b"Choose a new password" in client.get(form_url).content
    done = client.post(form_url, {"password1": "an-entirely-new-secret", "password2": "an-entirely-new-secret"})
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    owner.refresh_from_db()
    assert owner.check_password("an-entirely-new-secret")
    again = client.get(link, follow=True)
    assert b"no longer works" in again.content


def test_reset_for_an_unknown_address_answers_the_same_and_mails_that_address(client, owner, mailoutbox):
    known = client.post("/password/reset/", {"email": "owner@acme.test"})
    unknown = client.post("/password/reset/", {"email": "nobody@nowhere.test"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mailoutbox] == [["owner@acme.test"], ["nobody@nowhere.test"]]
    assert "no account with this address" in mailoutbox[1].body


def test_mismatched_new_passwords_show_field_error(client, owner, mailoutbox):
    client.post("/password/reset/", {"email": "owner@acme.test"})
    form_url = client.get(_link(mailoutbox[0], "/auth/password/reset/key/"))["Location"]
    response = client.post(form_url, {"password1": "an-entirely-new-secret", "password2": "different-one-here"})
    assert response.status_code == 200
    assert b'id="id_password2_error"' in response.content
    owner.refresh_from_db()
    assert not owner.check_password("an-entirely-new-secret")


def test_users_made_outside_sign_up_have_a_verified_primary_address():
    user = UserFactory(email="made@by.cli")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("made@by.cli", True, True)
    admin = User.objects.create_superuser("root@desk.test", PASSWORD)
    assert EmailAddress.objects.get(user=admin).verified


def test_account_emails_leave_through_the_task_with_plain_context(client, owner, mailoutbox, settings):
    """The request hands the task only text (no user objects, no request), and links on SITE_URL."""
    from core.auth_adapters import email_context

    context = email_context(
        {"user": owner, "request": object(), "key": "k", "password_reset_url": "http://evil.test/x/?a=1", "n": 3}
    )
    assert context == {"user_name": owner.display_name, "password_reset_url": f"{settings.SITE_URL}/x/?a=1", "n": 3}


def test_logout_is_a_post(client, owner):
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/inbox/").status_code == 302


# --- Rate limits (ACCOUNT_RATE_LIMITS; the suite runs with them off, these turn them on) ------------------------


@pytest.fixture
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = settings.ACCOUNT_RATE_LIMITS_DEFAULT
    # A fresh client address per test: the counters live in the shared cache.
    return {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}


def test_reset_requests_for_one_address_are_capped(client, owner, mailoutbox, rate_limits, settings):
    email = f"{uuid.uuid4().hex[:10]}@nowhere.test"
    per_key = int(settings.ACCOUNT_RATE_LIMITS["reset_password"].split(",")[1].split("/")[0])
    statuses = [
        client.post("/password/reset/", {"email": email}, **rate_limits).status_code for _ in range(per_key + 1)
    ]
    assert statuses == [302] * per_key + [429]
    assert len(mailoutbox) == per_key


def test_sign_ups_from_one_address_are_capped(client, rate_limits, settings):
    per_minute = int(settings.ACCOUNT_RATE_LIMITS["signup"].split("/")[0])
    statuses = [
        client.post(
            "/signup/",
            {"full_name": "X", "email": f"{uuid.uuid4().hex[:10]}@ex.test", "password1": "a-long-unusual-passphrase"},
            **rate_limits,
        ).status_code
        for _ in range(per_minute + 1)
    ]
    assert statuses == [302] * per_minute + [429]


def _fresh_counter(rf, action: str, user) -> None:
    """Per-user counters are keyed by user id, which a new test database reuses: start from zero."""
    from allauth.core import ratelimit

    request = rf.post("/")
    request.user = user
    ratelimit.clear(request, action=action, user=user)


def test_invitations_are_rate_limited_per_owner(owner_client, owner, settings, mailoutbox, rf):
    settings.ACCOUNT_RATE_LIMITS = {"invite": "2/h/user"}
    _fresh_counter(rf, "invite", owner)
    sent = [owner_client.post("/settings/members/", {"email": f"p{n}@x.test", "role": "member"}) for n in range(3)]
    assert [r.status_code for r in sent] == [302, 302, 429]
    assert b"many invitations" in sent[2].content
    assert len(mailoutbox) == 2


def test_api_token_creation_is_rate_limited_per_user(member_client, member, settings, rf):
    settings.ACCOUNT_RATE_LIMITS = {"api_token_create": "1/h/user"}
    _fresh_counter(rf, "api_token_create", member)
    first = member_client.post("/profile/tokens/", {"name": "one"})
    second = member_client.post("/profile/tokens/", {"name": "two"})
    assert (first.status_code, second.status_code) == (200, 429)
    assert b"many tokens" in second.content


# --- Invitations, brute-force lockout --------------------------------------------------------------------------


def test_accepting_an_invitation_with_a_new_account_verifies_that_email(client, owner, org, mailoutbox):
    from core import services

    services.invitation_create(organization=org, email="Nia@acme.test", role=Role.MEMBER, invited_by=owner)
    token = re.search(r"/invitations/([^/\s]+)/", mailoutbox[0].body).group(1)
    client.post(f"/invitations/{token}/", {"full_name": "Nia New", "password": "a-long-unusual-passphrase"})
    address = EmailAddress.objects.get(user__email="nia@acme.test")
    assert address.verified and address.primary
    client.logout()
    logged_in = client.post("/login/", {"login": "nia@acme.test", "password": "a-long-unusual-passphrase"})
    assert logged_in["Location"] == "/inbox/"


def test_allauth_login_still_goes_through_axes(client, owner, settings):
    """Failures through allauth's form are counted per account by axes, and a locked account cannot log in."""
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"login": "Owner@Acme.test", "password": "wrong-password-1"})
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "owner@acme.test"
    locked = client.post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    assert locked.status_code in (403, 429)
    assert client.get("/inbox/").status_code == 302


def test_changing_the_email_takes_effect_once_the_new_address_is_confirmed(client, owner, mailoutbox):
    client.post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    response = client.post("/auth/email/", {"action_add": "", "email": "Boss@Acme.test"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email == "owner@acme.test"  # not before the new address is confirmed
    [message] = [m for m in mailoutbox if m.to == ["boss@acme.test"]]
    client.post(_link(message, "/auth/confirm-email/"))
    owner.refresh_from_db()
    assert owner.email == "boss@acme.test"
    assert list(EmailAddress.objects.filter(user=owner).values_list("email", flat=True)) == ["boss@acme.test"]
    client.post("/logout/")
    assert client.post("/login/", {"login": "boss@acme.test", "password": PASSWORD})["Location"] == "/inbox/"


def test_a_reset_does_the_same_work_for_known_and_unknown_addresses(client, owner, settings, monkeypatch):
    """The security review measured a reset twice as slow for a real account: the lookup now runs in the task."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.tasks import password_reset_email_send

    settings.ACCOUNT_EMAIL_TASK_EAGER = False
    enqueued = []
    monkeypatch.setattr(password_reset_email_send, "apply_async", lambda args, **kw: enqueued.append(args))
    queries = []
    for email in ("owner@acme.test", "nobody@nowhere.test"):
        with CaptureQueriesContext(connection) as captured:
            assert client.post("/password/reset/", {"email": email}).status_code == 302
        queries.append([q["sql"] for q in captured.captured_queries])
    assert enqueued == [("owner@acme.test",), ("nobody@nowhere.test",)]
    assert queries[0] == queries[1]


def test_a_taken_sign_up_hashes_a_password_like_a_new_one(client, owner, monkeypatch):
    from django.contrib.auth import hashers

    calls = []
    real = hashers.make_password
    monkeypatch.setattr("core.auth_adapters.make_password", lambda *a, **k: calls.append(1) or real(*a, **k))
    _sign_up(client, "owner@acme.test")
    assert calls == [1]
