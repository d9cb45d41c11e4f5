"""Invitations and the members page: owners invite, change roles, remove; the last owner stays."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from appeals.services import ServiceError
from core import services
from core.models import Invitation, Membership, Role, User, hash_secret
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _invite(client, capture, email="new@acme.test", role=Role.MEMBER):
    with capture(execute=True):
        response = client.post("/settings/members/", {"email": email, "role": role})
    return response


def _token(message) -> str:
    match = re.search(r"/invitations/([^/\s]+)/", message.body)
    assert match, message.body
    return match.group(1)


def test_owner_invites_by_email_token_only_in_email(
    owner_client, owner, org, mailoutbox, django_capture_on_commit_callbacks
):
    response = _invite(owner_client, django_capture_on_commit_callbacks, email="New@Acme.test", role=Role.MANAGER)
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=org)
    assert invitation.email == "new@acme.test"
    assert invitation.role == Role.MANAGER
    assert invitation.invited_by == owner
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new@acme.test"]
    assert "Acme Shop" in message.subject
    token = _token(message)
    assert invitation.token_hash == hash_secret(token)
    assert token not in invitation.token_hash
    page = owner_client.get("/settings/members/")
    assert b"new@acme.test" in page.content
    assert token.encode() not in page.content


def test_invite_existing_member_is_a_field_error(owner_client, member, mailoutbox, django_capture_on_commit_callbacks):
    response = _invite(owner_client, django_capture_on_commit_callbacks, email="member@acme.test")
    assert response.status_code == 400
    assert b'id="id_email_error"' in response.content
    assert b"already a member" in response.content
    assert mailoutbox == []


def test_new_person_sets_name_and_password_and_joins(
    client, owner_client, org, mailoutbox, django_capture_on_commit_callbacks
):
    _invite(owner_client, django_capture_on_commit_callbacks, role=Role.VIEWER)
    url = f"/invitations/{_token(mailoutbox[0])}/"
    page = client.get(url)
    assert page.status_code == 200
    assert b"Create account and join" in page.content
    bad = client.post(url, {"full_name": "Nia", "password": "short"})
    assert bad.status_code == 400
    assert b'id="id_password_error"' in bad.content
    assert b'value="Nia"' in bad.content  # typed data kept
    response = client.post(url, {"full_name": "Nia New", "password": "a-long-unusual-passphrase"})
    assert response.status_code == 302
    user = User.objects.get(email="new@acme.test")
    assert user.check_password("a-long-unusual-passphrase")
    assert Membership.objects.get(user=user, organization=org).role == Role.VIEWER
    assert client.get("/inbox/").status_code == 200
    # Used once: the same link now explains itself.
    client.logout()
    used = client.get(url)
    assert used.status_code == 410
    assert b"already been used" in used.content


def test_logged_in_user_with_matching_email_joins(
    client_for, owner_client, org, other_org, mailoutbox, django_capture_on_commit_callbacks
):
    existing = MembershipFactory(organization=other_org, user__email="new@acme.test").user
    _invite(owner_client, django_capture_on_commit_callbacks, role=Role.MEMBER)
    url = f"/invitations/{_token(mailoutbox[0])}/"
    client = client_for(existing)
    assert b"Join Acme Shop" in client.get(url).content
    response = client.post(url)
    assert response.status_code == 302
    assert Membership.objects.get(user=existing, organization=org).role == Role.MEMBER
    # The new organization becomes the current one.
    assert b"Acme Shop" in client.get("/inbox/").content


def test_existing_account_not_logged_in_is_asked_to_log_in(
    client, owner_client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="new@acme.test")
    _invite(owner_client, django_capture_on_commit_callbacks)
    url = f"/invitations/{_token(mailoutbox[0])}/"
    page = client.get(url)
    assert b"Log in to accept" in page.content
    response = client.post(url, {"full_name": "X", "password": "a-long-unusual-passphrase"})
    assert response.status_code == 200
    assert User.objects.filter(email="new@acme.test").count() == 1


def test_other_logged_in_user_cannot_use_someone_elses_invitation(
    outsider_client, outsider, owner_client, org, mailoutbox, django_capture_on_commit_callbacks
):
    _invite(owner_client, django_capture_on_commit_callbacks)
    url = f"/invitations/{_token(mailoutbox[0])}/"
    assert outsider_client.get(url).status_code == 403
    assert outsider_client.post(url).status_code == 403
    assert not Membership.objects.filter(user=outsider, organization=org).exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "used", "unknown"])
def test_unusable_invitations_get_a_clear_page(client, owner, org, state):
    with time_machine.travel(timezone.now() - timedelta(days=8) if state == "expired" else timezone.now()):
        invitation = services.invitation_create(
            organization=org, email="x@acme.test", role=Role.MEMBER, invited_by=owner
        )
    raw = "raw-token-for-test"
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_secret(raw))
    if state == "revoked":
        services.invitation_revoke(organization=org, invitation_id=invitation.pk)
    if state == "used":
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    url = "/invitations/not-a-real-token/" if state == "unknown" else f"/invitations/{raw}/"
    response = client.get(url)
    expected = {
        "expired": b"has expired",
        "revoked": b"was withdrawn",
        "used": b"already been used",
        "unknown": b"not valid",
    }
    assert response.status_code == (404 if state == "unknown" else 410)
    assert expected[state] in response.content
    posted = client.post(url, {"full_name": "X", "password": "a-long-unusual-passphrase"})
    assert posted.status_code in (404, 410)
    assert not User.objects.filter(email="x@acme.test").exists()


def test_reinvite_replaces_pending_invitation(owner, org):
    first = services.invitation_create(organization=org, email="x@acme.test", role=Role.MEMBER, invited_by=owner)
    second = services.invitation_create(organization=org, email="X@acme.test", role=Role.MANAGER, invited_by=owner)
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.is_usable()


def test_owner_revokes_invitation(owner_client, owner, org):
    invitation = services.invitation_create(organization=org, email="x@acme.test", role=Role.MEMBER, invited_by=owner)
    assert owner_client.get(f"/settings/invitations/{invitation.pk}/revoke/").status_code == 405
    response = owner_client.post(f"/settings/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert b"No pending invitations" in owner_client.get("/settings/members/").content


def test_members_page_lists_members_and_pending(owner_client, owner, member, viewer, org):
    services.invitation_create(organization=org, email="pending@acme.test", role=Role.VIEWER, invited_by=owner)
    page = owner_client.get("/settings/members/")
    assert page.status_code == 200
    for email in (b"owner@acme.test", b"member@acme.test", b"viewer@acme.test", b"pending@acme.test"):
        assert email in page.content
    assert b"Only owner" in page.content


def test_change_role_and_remove_member(owner_client, org, member):
    membership = Membership.objects.get(user=member, organization=org)
    response = owner_client.post(f"/settings/members/{membership.pk}/role/", {"role": Role.MANAGER})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    assert owner_client.get(f"/settings/members/{membership.pk}/remove/").status_code == 405
    assert owner_client.post(f"/settings/members/{membership.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_last_owner_cannot_be_demoted_or_removed(owner_client, owner, org):
    membership = Membership.objects.get(user=owner, organization=org)
    response = owner_client.post(f"/settings/members/{membership.pk}/role/", {"role": Role.MEMBER}, follow=True)
    assert b"only owner" in response.content
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    response = owner_client.post(f"/settings/members/{membership.pk}/remove/", follow=True)
    assert b"only owner" in response.content
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_with_two_owners_one_may_step_down(owner, org):
    second = MembershipFactory(organization=org, role=Role.OWNER)
    mine = Membership.objects.get(user=owner, organization=org)
    services.membership_change_role(organization=org, membership_id=mine.pk, role=Role.MANAGER)
    with pytest.raises(ServiceError, match="only owner"):
        services.membership_remove(organization=org, membership_id=second.pk)
    assert Membership.objects.filter(organization=org, role=Role.OWNER).count() == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MEMBER, Role.MANAGER])
def test_only_owners_manage_people(client_for, org, role, owner):
    user = MembershipFactory(organization=org, role=role).user
    client = client_for(user)
    target = Membership.objects.get(user=owner, organization=org)
    invitation = services.invitation_create(organization=org, email="x@acme.test", role=Role.MEMBER, invited_by=owner)
    assert client.get("/settings/members/").status_code == 403
    assert client.post("/settings/members/", {"email": "y@acme.test", "role": Role.OWNER}).status_code == 403
    assert client.post(f"/settings/members/{target.pk}/role/", {"role": Role.VIEWER}).status_code == 403
    assert client.post(f"/settings/members/{target.pk}/remove/").status_code == 403
    assert client.post(f"/settings/invitations/{invitation.pk}/revoke/").status_code == 403
    target.refresh_from_db()
    assert target.role == Role.OWNER
    assert not Invitation.objects.filter(email="y@acme.test").exists()


def test_outsider_gets_404_on_member_objects(outsider_client, owner, org):
    target = Membership.objects.get(user=owner, organization=org)
    invitation = services.invitation_create(organization=org, email="x@acme.test", role=Role.MEMBER, invited_by=owner)
    assert outsider_client.post(f"/settings/members/{target.pk}/role/", {"role": Role.VIEWER}).status_code == 404
    assert outsider_client.post(f"/settings/members/{target.pk}/remove/").status_code == 404
    assert outsider_client.post(f"/settings/invitations/{invitation.pk}/revoke/").status_code == 404
    target.refresh_from_db()
    assert target.role == Role.OWNER


def test_smtp_failure_is_a_field_error_and_saves_nothing(owner_client, org, settings):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 2},
        }
    }
    response = owner_client.post("/settings/members/", {"email": "new@acme.test", "role": Role.MEMBER})
    assert response.status_code == 400
    assert b'id="id_email_error"' in response.content
    assert b"could not be sent" in response.content
    assert b'value="new@acme.test"' in response.content
    assert not Invitation.objects.filter(organization=org).exists()
