"""Walk every URL of the `appeals` and `core` namespaces with another organization's object IDs.

Rule (README, Development): every route kwarg that identifies a record is named after its model,
`<model>_pk` (violation_pk, appeal_pk, evidence_pk, ticket_pk, account_pk, ...). This test maps each
such name to a record of ANOTHER organization and asserts that an owner of `org` gets 404 for GET
and POST (a POST-only view may answer GET with 405, but a POST to it must be 404). A route with a
kwarg name the test does not know fails the test: add the name to OBJECTS below, so no route escapes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import cached_property

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from appeals import models as m
from core.models import ApiToken, ClosedDate, Invitation, Membership, Organization, Role, hash_secret
from tests.factories import AccountFactory, AppealFactory, MembershipFactory, ViolationFactory

pytestmark = pytest.mark.django_db

NAMESPACES = ("appeals", "core")

# Kwargs that are not a record of an organization (public links carrying their own secret, steps),
# with a value to build the URL. A route whose kwargs are all listed here is skipped by the walk.
NOT_OBJECTS = {
    "uidb64": "MQ",  # password reset (Django's signed user id)
    "token": "not-a-real-token",  # password reset token / invitation token
    "signed": "not-a-real-signature",  # email unsubscribe link (signed)
    "step": 1,  # appeal builder step number
    "session_pk": 1,  # a person's own signed-in session; someone else's is a 404 (tests/test_people_sessions.py)
    "code": "GB",  # a market code: every organization has its own view of each market (settings/markets/<code>/)
}


class OtherWorld:
    """One record of every kind, all belonging to `other_org`, created on first use."""

    def __init__(self, organization: Organization) -> None:
        self.org = organization

    @cached_property
    def user(self):
        return MembershipFactory(organization=self.org, role=Role.OWNER).user

    @cached_property
    def account(self):
        return AccountFactory(organization=self.org)

    @cached_property
    def violation(self):
        return ViolationFactory(account=self.account)

    @cached_property
    def appeal(self):
        return AppealFactory(violation=self.violation)

    def _file(self, model, **fields):
        content = f"{model.__name__} of other org".encode()
        obj = model(
            organization=self.org,
            original_name="proof.png",
            content_type="image/png",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            **fields,
        )
        obj.file.save("proof.png", ContentFile(content), save=False)
        obj.save()
        return obj

    @cached_property
    def evidence(self):
        return self._file(m.Evidence, appeal=self.appeal, category=m.Evidence.Category.values[0])

    @cached_property
    def attachment(self):
        return self._file(m.NoticeAttachment, violation=self.violation)

    @cached_property
    def ticket(self):
        now = timezone.now()
        return m.SupportTicket.objects.create(
            organization=self.org,
            account=self.account,
            violation=self.violation,
            channel=m.SupportChannel.values[0],
            subject="Other org ticket",
            first_response_due_at=now + timedelta(hours=24),
            resolution_due_at=now + timedelta(hours=48),
        )

    @cached_property
    def escalation(self):
        return m.Escalation.objects.create(
            organization=self.org,
            violation=self.violation,
            to_team=m.Escalation.Team.values[0],
            answer_due_at=timezone.now() + timedelta(days=5),
        )

    @cached_property
    def membership(self):
        return Membership.objects.get(organization=self.org, user=self.user)

    @cached_property
    def invitation(self):
        return Invitation.objects.create(
            organization=self.org,
            email="invitee@other.test",
            role=Role.MEMBER,
            token_hash=hash_secret("other-org-invitation"),
            expires_at=timezone.now() + timedelta(days=7),
        )

    @cached_property
    def template(self):
        return m.AppealTemplate.objects.create(
            organization=self.org, violation_kind=m.ViolationKind.values[0], name="Other org template"
        )

    @cached_property
    def checklist(self):
        return m.ChecklistItem.objects.create(
            organization=self.org, violation_kind=m.ViolationKind.values[0], text="Other org checklist item"
        )

    @cached_property
    def rule(self):
        return m.ChannelRule.objects.create(
            organization=self.org,
            audience=m.ChannelRule.Audience.values[0],
            channel=m.SupportChannel.values[0],
            steps="Other org steps",
        )

    @cached_property
    def batch(self):
        return m.ImportBatch.objects.create(organization=self.org, filename="other.csv")

    @cached_property
    def reminder(self):
        now = timezone.now()
        return m.Reminder.objects.create(
            organization=self.org,
            kind=m.Reminder.Kind.values[0],
            subject_key=f"violation:{self.violation.pk}",
            violation=self.violation,
            recipient=self.user,
            deadline=now + timedelta(days=1),
            send_after=now,
        )

    @cached_property
    def token(self):
        return ApiToken.objects.create(
            user=self.user, organization=self.org, name="other", prefix="other", key_hash=hash_secret("other-key")
        )

    @cached_property
    def comment(self):
        return m.Comment.objects.create(organization=self.org, violation=self.violation, author=self.user, body="hi")

    @cached_property
    def event(self):
        return m.TimelineEvent.objects.create(
            organization=self.org, violation=self.violation, verb=m.TimelineVerb.values[0], actor=self.user
        )

    @cached_property
    def closed_date(self):
        return ClosedDate.objects.create(organization=self.org, date=date(2031, 1, 2))

    @cached_property
    def import_profile(self):
        return m.ImportProfile.objects.create(organization=self.org, name="Other layout", header_key="k")

    @cached_property
    def saved_view(self):
        return m.SavedView.objects.create(organization=self.org, user=self.user, name="Other view", query="status=x")

    @cached_property
    def intake(self):
        from appeals.inbound_models import NoticeIntake

        return NoticeIntake.objects.create(organization=self.org, source=NoticeIntake.Source.values[0], text="n")

    @cached_property
    def intake_image(self):
        from appeals.inbound_models import NoticeIntakeImage

        content = b"intake image of other org"
        image = NoticeIntakeImage(
            intake=self.intake,
            organization=self.org,
            original_name="notice.png",
            content_type="image/png",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        image.file.save("notice.png", ContentFile(content), save=False)
        image.save()
        return image

    @cached_property
    def destination(self):
        from appeals.notify_models import Destination

        return Destination.objects.create(
            organization=self.org, kind=Destination.Kind.values[0], name="Other hook", url="https://example.com/h"
        )

    @cached_property
    def delivery(self):
        from appeals.notify_models import Delivery

        return Delivery.objects.create(
            organization=self.org,
            destination=self.destination,
            event_id="other-event",
            event_type=Delivery._meta.get_field("event_type").choices[0][0],
            event={"id": "other-event"},
        )

    @cached_property
    def rule_version(self):
        from core.rules import rule_version_for

        return rule_version_for(organization=self.org, market="US", on=self.violation.enforced_at)

    @cached_property
    def recompute_job(self):
        from appeals.services.recompute import recompute_job_start

        return recompute_job_start(organization=self.org, reason="other org", publish=False)


# kwarg name -> the other organization's record it stands for.
OBJECTS: dict[str, Callable[[OtherWorld], object]] = {
    "account_pk": lambda w: w.account,
    "violation_pk": lambda w: w.violation,
    "appeal_pk": lambda w: w.appeal,
    "evidence_pk": lambda w: w.evidence,
    "attachment_pk": lambda w: w.attachment,
    "ticket_pk": lambda w: w.ticket,
    "escalation_pk": lambda w: w.escalation,
    "member_pk": lambda w: w.membership,
    "membership_pk": lambda w: w.membership,
    "invitation_pk": lambda w: w.invitation,
    "template_pk": lambda w: w.template,
    "checklist_pk": lambda w: w.checklist,
    "item_pk": lambda w: w.checklist,
    "rule_pk": lambda w: w.rule,
    "batch_pk": lambda w: w.batch,
    "reminder_pk": lambda w: w.reminder,
    "token_pk": lambda w: w.token,
    "comment_pk": lambda w: w.comment,
    "event_pk": lambda w: w.event,
    "closed_date_pk": lambda w: w.closed_date,
    "profile_pk": lambda w: w.import_profile,
    "view_pk": lambda w: w.saved_view,
    "intake_pk": lambda w: w.intake,
    "image_pk": lambda w: w.intake_image,
    "destination_pk": lambda w: w.destination,
    "delivery_pk": lambda w: w.delivery,
    "version_pk": lambda w: w.rule_version,
    "job_pk": lambda w: w.recompute_job,
}


def _walk(patterns, namespace: str | None = None, converters: dict | None = None) -> Iterator[tuple]:
    for entry in patterns:
        found = {**(converters or {}), **_kwargs_of(entry.pattern)}
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if namespace and entry.namespace:
                inner = f"{namespace}:{entry.namespace}"
            yield from _walk(entry.url_patterns, inner, found)
        elif isinstance(entry, URLPattern) and namespace in NAMESPACES:
            yield namespace, entry, found


def _kwargs_of(pattern) -> dict:
    converters = getattr(pattern, "converters", None)
    if converters:
        return dict(converters)
    regex = getattr(pattern, "regex", None)
    return dict.fromkeys(regex.groupindex, None) if regex is not None else {}


def _object_for(kwarg: str, url_name: str, world: OtherWorld):
    if kwarg in OBJECTS:
        return OBJECTS[kwarg](world)
    if kwarg == "pk":
        # A bare `pk` is accepted when the route's name starts with the model: violation_detail -> violation_pk.
        for key in sorted(OBJECTS, key=len, reverse=True):
            if url_name.startswith(key.removesuffix("_pk") + "_"):
                return OBJECTS[key](world)
    return None


def object_routes() -> list[tuple[str, URLPattern, dict]]:
    return [route for route in _walk(get_resolver().url_patterns) if route[2]]


def test_walk_finds_object_routes_of_both_namespaces():
    names = {f"{ns}:{p.name}" for ns, p, _ in object_routes()}
    for expected in ("appeals:account_detail", "appeals:account_edit", "core:member_role", "core:closed_date_remove"):
        assert expected in names


def test_every_object_url_is_404_for_another_organization(owner_client, client_for, other_org):
    world = OtherWorld(other_org)
    # Control: the other organization's own owner reaches most of the same URLs, so the 404s
    # below come from scoping, not from badly built URLs.
    control = client_for(world.user)
    problems: list[str] = []
    checked = reachable = 0
    for namespace, pattern, kwargs in object_routes():
        label = f"{namespace}:{pattern.name} ({pattern.pattern})"
        if not pattern.name:
            problems.append(f"{label}: give this route a name so the walk can reverse it")
            continue
        values = {}
        for kwarg in kwargs:
            if kwarg in NOT_OBJECTS:
                values[kwarg] = NOT_OBJECTS[kwarg]
                continue
            obj = _object_for(kwarg, pattern.name, world)
            if obj is None:
                problems.append(
                    f"{label}: unknown kwarg '{kwarg}'. Name object kwargs '<model>_pk' and add the name to "
                    "OBJECTS in tests/test_cross_org_walk.py (or NOT_OBJECTS if it is not an organization's record)"
                )
                break
            values[kwarg] = obj.pk
        else:
            if all(k in NOT_OBJECTS for k in kwargs):
                continue  # public secret links (password reset, invitation): covered by their own tests
            url = reverse(f"{namespace}:{pattern.name}", kwargs=values)
            checked += 1
            try:
                got = owner_client.get(url).status_code
                posted = owner_client.post(url, {}).status_code
                own = control.get(url).status_code
            except Exception as exc:  # a crash is a finding too; keep walking to report them all
                problems.append(f"{label} {url}: raised {type(exc).__name__}: {exc}")
                continue
            reachable += own not in (404, 500)
            if got not in (404, 405):
                problems.append(f"{label} GET {url} answered {got}, expected 404")
            if posted != 404 and not (posted == 405 and got == 404):
                problems.append(f"{label} POST {url} answered {posted}, expected 404")
    assert checked >= 4
    assert reachable >= checked * 0.8, f"only {reachable} of {checked} URLs work for their own organization"
    assert not problems, "Cross-organization walk:\n" + "\n".join(problems)
