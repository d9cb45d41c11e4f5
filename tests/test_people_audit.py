"""The security record: sign-ins, failures, lock-outs, credential and token changes, shown to owners."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client

from core import services
from core.models import Membership, SecurityEvent
from core.tokens import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
K = SecurityEvent.Kind
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Safari/604.1"


def _kinds(user) -> list[str]:
    return list(SecurityEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_sign_in_and_failure_are_recorded_with_where_from(owner):
    client = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.7")
    client.post("/login/", {"login": "owner@acme.test", "password": "wrong-password"})
    client.post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    assert _kinds(owner) == [K.SIGN_IN_FAILED, K.SIGNED_IN]
    event = SecurityEvent.objects.filter(user=owner).last()
    assert (event.ip, event.user_agent, event.email) == ("203.0.113.7", FIREFOX, "owner@acme.test")


def test_failures_at_unknown_addresses_are_not_recorded(client, db):
    client.post("/login/", {"login": "nobody@nowhere.test", "password": "wrong-password"})
    assert not SecurityEvent.objects.exists()


def test_lockout_is_recorded(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/login/", {"login": "owner@acme.test", "password": "wrong-password"})
    assert K.LOCKED_OUT in _kinds(owner)


def test_password_and_second_factor_changes_are_recorded(owner, django_capture_on_commit_callbacks):
    client = Client()
    client.post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    reauth = client.get("/auth/2fa/totp/activate/")["Location"]
    client.post(reauth, {"password": PASSWORD})
    secret = client.get("/auth/2fa/totp/activate/").context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/auth/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})
    client.post(
        "/auth/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    kinds = _kinds(owner)
    assert kinds[0] == K.SIGNED_IN
    assert K.TWO_FACTOR_ADDED in kinds and K.PASSWORD_CHANGED in kinds
    added = SecurityEvent.objects.filter(user=owner, kind=K.TWO_FACTOR_ADDED).values_list("detail", flat=True)
    assert sorted(added) == ["authenticator app", "recovery codes"]


def test_token_creation_and_revocation_are_recorded(owner, member, org):
    token, _ = api_token_create(user=member, organization=org, name="sync")
    api_token_revoke(token=token)
    api_token_revoke(token=token)  # already revoked: nothing new
    api_token_create(user=member, organization=org, name="second")
    services.membership_remove(organization=org, membership_id=Membership.objects.get(user=member).pk)
    assert _kinds(member) == [K.TOKEN_CREATED, K.TOKEN_REVOKED, K.TOKEN_CREATED, K.TOKEN_REVOKED]
    assert SecurityEvent.objects.filter(user=member).first().detail.startswith("sync (ad_")


def test_the_record_is_append_only(owner):
    event = SecurityEvent.objects.create(user=owner, email=owner.email, kind=K.SIGNED_IN)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        SecurityEvent.objects.filter(pk=event.pk).update(kind=K.SIGN_IN_FAILED)
    with pytest.raises(PermissionError):
        SecurityEvent.objects.all().delete()


def test_owners_see_their_members_events_and_nobody_elses(owner_client, member, outsider):
    Client().post("/login/", {"login": "member@acme.test", "password": PASSWORD})
    Client().post("/login/", {"login": "outsider@other.test", "password": PASSWORD})
    page = owner_client.get("/settings/security/")
    events = page.context["events"]
    assert [(e.email, e.kind) for e in events] == [("member@acme.test", K.SIGNED_IN)]
    assert b"Signed in" in page.content
    assert b"outsider@other.test" not in page.content


def test_a_sign_in_from_a_new_kind_of_device_is_emailed(owner, mailoutbox):
    Client(HTTP_USER_AGENT=FIREFOX).post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    Client(HTTP_USER_AGENT=FIREFOX).post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    assert [m for m in mailoutbox if "New sign-in" in m.subject] == []  # first ever, then the same device
    Client(HTTP_USER_AGENT=SAFARI_IPHONE).post("/login/", {"login": "owner@acme.test", "password": PASSWORD})
    [notice] = [m for m in mailoutbox if "New sign-in" in m.subject]
    assert notice.to == ["owner@acme.test"]
    assert "Safari" in notice.body and "reset your password" in notice.body
