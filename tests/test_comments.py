"""Comments on a case with @mentions that email the people mentioned."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from appeals.models import Comment, TimelineEvent, TimelineVerb
from appeals.services import PermissionRefused, ServiceError
from appeals.services.outcomes import comment_add, mentioned_users
from tests.factories import MembershipFactory, ViolationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def violation(shop):
    return ViolationFactory(account=shop, reference="VR-C-1")


def test_mentions_by_local_part_and_full_email(org, violation, member, owner, manager, outsider):
    body = "@member can you check? cc @Owner@acme.test, and @outsider and @nobody."
    users = mentioned_users(org.pk, body)
    assert {u.email for u in users} == {"member@acme.test", "owner@acme.test"}


def test_email_addresses_without_at_prefix_are_not_mentions(org, member):
    assert mentioned_users(org.pk, "write to member@acme.test please") == []


def test_comment_stores_mentions_timeline_and_emails_after_commit(
    violation, owner, member, manager, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = comment_add(violation_id=violation.pk, by=owner, body="@member and @manager: new invoice is in.")
    assert mailoutbox == []  # nothing sent before the commit
    for callback in callbacks:
        callback()
    assert set(comment.mentions.values_list("email", flat=True)) == {"member@acme.test", "manager@acme.test"}
    assert sorted(m.to[0] for m in mailoutbox) == ["manager@acme.test", "member@acme.test"]
    message = mailoutbox[0]
    assert "mentioned you on case VR-C-1" in message.subject
    assert "new invoice is in" in message.body
    assert f"/cases/{violation.pk}" in message.body or "#comments" in message.body
    html = message.alternatives[0][0]
    assert "VR-C-1" in html
    event = TimelineEvent.objects.get(violation=violation, verb=TimelineVerb.COMMENTED)
    assert event.actor == owner and event.data["comment_id"] == comment.pk


def test_self_mention_is_stored_but_not_emailed(violation, member, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_add(violation_id=violation.pk, by=member, body="note to self @member")
    assert comment.mentions.count() == 1
    assert mailoutbox == []


def test_empty_comment_and_viewer_refused(violation, member, viewer):
    with pytest.raises(ServiceError) as exc:
        comment_add(violation_id=violation.pk, by=member, body="   ")
    assert exc.value.field == "body"
    with pytest.raises(PermissionRefused):
        comment_add(violation_id=violation.pk, by=viewer, body="hello")
    assert not Comment.objects.exists()


def test_failed_mention_email_does_not_lose_the_others(
    org, violation, owner, member, manager, mailoutbox, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core import mail

    real_send = mail.EmailMultiAlternatives.send

    def flaky(self, *args, **kwargs):
        if self.to == ["member@acme.test"]:
            raise ConnectionRefusedError("smtp down")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(violation_id=violation.pk, by=owner, body="@member @manager")
    assert [m.to for m in mailoutbox] == [["manager@acme.test"]]
    assert Comment.objects.count() == 1


def mentions_marked(body: str) -> str:
    return render_to_string("appeals/case/_comment_body.html", {"body": body})


@given(st.text(max_size=200))
@settings(max_examples=100, deadline=None)
def test_mentions_marked_always_escapes(text):
    html = str(mentions_marked(text))
    assert "<script" not in html.lower()
    stripped = html.replace('<strong class="mention">', "").replace("</strong>", "").replace("<br>", "")
    assert "<" not in stripped and ">" not in stripped


def test_mentions_are_highlighted():
    assert str(mentions_marked("hi @anna <b>")) == 'hi <strong class="mention">@anna</strong> &lt;b&gt;'


# --- views ------------------------------------------------------------------------------------


def _url(violation):
    return reverse("appeals:comments", kwargs={"violation_pk": violation.pk})


def test_comment_plain_post_redirects(member_client, violation, member):
    response = member_client.post(_url(violation), {"body": "Looks good"})
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    assert Comment.objects.get().author == member


def test_comment_htmx_post_returns_the_list(member_client, violation, owner):
    response = member_client.post(_url(violation), {"body": "Ping @owner"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="comments"' in body
    assert '<strong class="mention">@owner</strong>' in body
    assert "will get an email" in body


def test_comment_error_keeps_page_and_shows_field_error(member_client, violation):
    response = member_client.post(_url(violation), {"body": ""})
    assert response.status_code == 200
    assert 'id="id_body_error"' in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_list_page_for_viewer_without_form(viewer_client, violation, member):
    comment_add(violation_id=violation.pk, by=member, body="Visible to viewers")
    response = viewer_client.get(_url(violation))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Visible to viewers" in body and 'name="body"' not in body


def test_comment_access(viewer_client, outsider_client, violation):
    assert viewer_client.post(_url(violation), {"body": "x"}).status_code == 403
    assert outsider_client.get(_url(violation)).status_code == 404
    assert outsider_client.post(_url(violation), {"body": "x"}).status_code == 404
    assert not Comment.objects.exists()


def test_comment_wrong_method(member_client, violation):
    assert member_client.delete(_url(violation)).status_code == 405


def test_member_of_two_organizations_is_not_mentioned_from_the_other(org, other_org, violation, owner):
    MembershipFactory(organization=other_org, user__email="zed@other.test")
    assert mentioned_users(org.pk, "@zed") == []
