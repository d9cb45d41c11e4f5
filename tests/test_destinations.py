"""Destinations: events become signed deliveries, sent once through the claim machinery to a real HTTP receiver."""

from __future__ import annotations

import io
import json
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import jsonschema_rs
import pytest
import time_machine

from appeals.models import Appeal, CaseStatus, Delivery, DeliveryAttempt, Destination, EventType, Reminder
from appeals.services import ServiceError, reminders
from appeals.services.destinations import http
from appeals.services.destinations.deliver import delivery_deliver
from appeals.services.destinations.events import event_id
from appeals.services.destinations.manage import delivery_redeliver, destination_create
from appeals.services.destinations.slack import slack_body
from appeals.services.destinations.teams import teams_body
from appeals.services.destinations.webhook import signature, signature_valid
from appeals.services.violations import violation_create
from core.models import Role
from tests.factories import AppealFactory, MembershipFactory, ViolationFactory
from tests.webhook_receiver import Receiver

NY = ZoneInfo("America/New_York")
ALL = list(EventType.values)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def _webhook(org, owner, receiver, events=ALL) -> Destination:
    d = destination_create(organization=org, by=owner, kind="webhook", name="Ops", url=receiver.url, events=events)
    receiver.secret = d.secret
    return d


def _new_case(org, shop, owner, reference="VR-HOOK-1"):
    return violation_create(
        organization=org,
        account=shop,
        by=owner,
        reference=reference,
        kind="listing_removal",
        policy="Intellectual property: trademark",
        enforced_at=ny(2026, 11, 20, 9, 0),
        action="Listing removed",
    )


def _deliver_all(now=None) -> list[str]:
    outcomes = []
    for pk in Delivery.objects.filter(status=Delivery.Status.PENDING).order_by("id").values_list("id", flat=True):
        try:
            outcomes.append(delivery_deliver(delivery_id=pk, now=now))
        except reminders.ReminderRetry:
            outcomes.append("retry")
    return outcomes


# --- events become deliveries ----------------------------------------------------------------------------------


def test_a_new_case_is_delivered_once_signed_with_id_type_created_organization_data(org, shop, owner, receiver):
    _webhook(org, owner, receiver)
    violation = _new_case(org, shop, owner)
    d = Delivery.objects.get()
    assert d.event_type == EventType.VIOLATION_CREATED
    assert _deliver_all() == ["sent"]
    assert delivery_deliver(delivery_id=d.pk) == "skipped"  # the same delivery again: nothing sent
    [body] = receiver.bodies()
    assert set(body) == {"id", "type", "created", "organization", "data"}
    assert body["type"] == "violation.created" and body["id"] == d.event_id
    assert body["organization"] == {"id": org.pk, "name": org.name}
    assert body["data"]["case"]["reference"] == "VR-HOOK-1"
    assert body["data"]["case"]["url"].endswith(f"/violations/{violation.pk}/")
    assert receiver.requests[0]["signature_ok"] is True
    assert receiver.requests[0]["headers"]["X-AppealDesk-Event-Id"] == d.event_id
    assert dict(receiver.accepted) == {d.event_id: 1}
    d.refresh_from_db()
    assert (d.status, d.last_status_code, d.attempts) == (Delivery.Status.SENT, 200, 1)
    assert DeliveryAttempt.objects.get(delivery=d).status_code == 200


def test_only_subscribed_events_and_active_destinations(org, shop, owner, receiver):
    d = _webhook(org, owner, receiver, events=[EventType.APPEAL_SUBMITTED])
    _new_case(org, shop, owner)
    assert not Delivery.objects.exists()
    Destination.objects.filter(pk=d.pk).update(events=ALL, is_active=False)
    _new_case(org, shop, owner, reference="VR-HOOK-2")
    assert not Delivery.objects.exists()


def test_reminder_events_are_one_per_deadline_whatever_the_recipients(org, shop, owner, manager, receiver):
    _webhook(org, owner, receiver)
    case = ViolationFactory(account=shop, assignee=manager, status=CaseStatus.UNDER_REVIEW)
    AppealFactory(
        violation=case,
        status=Appeal.Status.UNDER_REVIEW,
        submitted_at=ny(2026, 11, 20, 9, 0),
        due_at=ny(2026, 11, 25, 14, 0),
    )
    from appeals.models import Watch

    Watch.objects.create(user=owner, violation=case)
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        counts = reminders.reminders_sweep(enqueue=False)
        reminders.reminders_sweep(enqueue=False)  # a second sweep adds nothing
        assert counts["events"] == 1 and Reminder.objects.count() == 2
        assert _deliver_all() == ["sent"]
    [body] = receiver.bodies()
    assert body["type"] == "reminder.decision_due_today"
    assert datetime.fromisoformat(body["data"]["deadline"]) == ny(2026, 11, 25, 14, 0)
    assert body["data"]["case"]["id"] == case.pk


def test_a_reminder_event_overtaken_before_delivery_is_skipped(org, shop, owner, receiver):
    _webhook(org, owner, receiver)
    case = ViolationFactory(account=shop, status=CaseStatus.UNDER_REVIEW)
    AppealFactory(
        violation=case, status=Appeal.Status.UNDER_REVIEW, submitted_at=ny(2026, 11, 20), due_at=ny(2026, 11, 25, 11)
    )
    with time_machine.travel(ny(2026, 11, 25, 2, 30), tick=False):
        reminders.reminders_sweep(enqueue=False)
    with time_machine.travel(ny(2026, 11, 25, 9, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
        assert sorted(_deliver_all()) == ["not_due", "sent"]
    assert [b["type"] for b in receiver.bodies()] == ["reminder.decision_due_today"]


# --- answers: retried or not ----------------------------------------------------------------------------------


def test_500_then_200_is_retried_with_backoff_and_arrives_once(org, shop, owner, receiver):
    _webhook(org, owner, receiver)
    receiver.plan = ["500"]
    _new_case(org, shop, owner)
    d = Delivery.objects.get()
    now = datetime(2026, 11, 25, 15, 0, tzinfo=ZoneInfo("UTC"))
    with pytest.raises(reminders.ReminderRetry) as retry:
        delivery_deliver(delivery_id=d.pk, now=now)
    d.refresh_from_db()
    assert (d.status, d.last_status_code, d.claimed_at) == (Delivery.Status.PENDING, 500, None)
    assert d.send_after == now + timedelta(seconds=retry.value.retry_in)
    assert delivery_deliver(delivery_id=d.pk, now=d.send_after) == "sent"
    assert receiver.received[d.event_id] == 2 and receiver.accepted[d.event_id] == 1
    assert list(DeliveryAttempt.objects.filter(delivery=d).order_by("at").values_list("status_code", flat=True)) == [
        500,
        200,
    ]


@pytest.mark.parametrize(
    ("answer", "retried"), [("408", True), ("429", True), ("503", True), ("400", False), ("410", False), ("302", False)]
)
def test_which_answers_are_retried(org, shop, owner, receiver, answer, retried):
    _webhook(org, owner, receiver)
    receiver.default = answer
    _new_case(org, shop, owner)
    outcome = _deliver_all()
    d = Delivery.objects.get()
    assert outcome == (["retry"] if retried else ["failed"])
    assert d.status == (Delivery.Status.PENDING if retried else Delivery.Status.FAILED)
    assert d.last_status_code == int(answer)
    assert len(receiver.requests) == 1  # a redirect is not followed


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("120", 120),
        (" 0 ", 0),
        ("Wed, 25 Nov 2026 15:02:00 GMT", 120),
        ("Wed, 25 Nov 2026 14:00:00 GMT", 0),  # a date already past: at once
        ("soon", None),
        ("-5", None),
        ("Wed, 25 Nov 2026 15:02:00", 120),  # no zone named: RFC 5322 -0000, read as UTC
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(value, seconds):
    now = datetime(2026, 11, 25, 15, 0, tzinfo=ZoneInfo("UTC"))
    assert http.retry_after_seconds(value, now) == seconds


@pytest.mark.parametrize(
    ("answer", "wait"),
    [
        ("429 retry-after 240", 240),  # longer than the first backoff (60 s): honoured
        ("429 retry-after 10", 60),  # shorter: the backoff stands
        ("503 retry-after 5000", 600),  # longer than REMINDER_RETRY_MAX_SECONDS: capped
        ("429", 60),
    ],
)
def test_an_endpoints_retry_after_sets_the_next_attempt(org, shop, owner, receiver, settings, answer, wait):
    settings.REMINDER_RETRY_BASE_SECONDS, settings.REMINDER_RETRY_MAX_SECONDS = 60, 600
    _webhook(org, owner, receiver)
    receiver.plan = [answer]
    _new_case(org, shop, owner)
    d = Delivery.objects.get()
    now = datetime(2026, 11, 25, 15, 0, tzinfo=ZoneInfo("UTC"))
    with pytest.raises(reminders.ReminderRetry) as retry:
        delivery_deliver(delivery_id=d.pk, now=now)
    d.refresh_from_db()
    assert retry.value.retry_in == wait
    assert d.send_after == now + timedelta(seconds=wait)
    assert delivery_deliver(delivery_id=d.pk, now=d.send_after) == "sent"


def test_a_receiver_hanging_past_the_timeout_is_retried(org, shop, owner, receiver, settings):
    settings.DESTINATION_TIMEOUT_SECONDS = 1
    _webhook(org, owner, receiver)
    receiver.plan = ["hang"]
    _new_case(org, shop, owner)
    started = time.monotonic()
    assert _deliver_all() == ["retry"]
    assert time.monotonic() - started < 3
    d = Delivery.objects.get()
    assert "timed out" in d.last_error.lower() and d.last_status_code is None
    assert delivery_deliver(delivery_id=d.pk, now=d.send_after) == "sent"
    assert receiver.accepted[d.event_id] == 1


def test_the_answer_is_read_up_to_64_kb(receiver):
    receiver.default = "big"
    answer = http.post(receiver.url, b"{}", {"Content-Type": "application/json"})
    assert answer.status == 200 and len(answer.body) == http.MAX_RESPONSE_BYTES


def test_straight_failures_switch_the_destination_off_and_email_the_owners(
    org, shop, owner, receiver, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.DESTINATION_DISABLE_AFTER = 3
    dest = _webhook(org, owner, receiver)
    receiver.default = "400"
    for n in range(3):
        _new_case(org, shop, owner, reference=f"VR-OFF-{n}")
    with django_capture_on_commit_callbacks(execute=True):
        assert _deliver_all() == ["failed", "failed", "failed"]
    dest.refresh_from_db()
    assert dest.is_active is False and "3 failed deliveries in a row" in dest.disabled_reason
    [email] = mailoutbox
    assert email.to == [owner.email] and "Ops" in email.subject
    assert f"/destinations/{dest.pk}/" in email.body
    _new_case(org, shop, owner, reference="VR-OFF-9")
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 0


def test_a_success_resets_the_failure_count(org, shop, owner, receiver):
    dest = _webhook(org, owner, receiver)
    receiver.plan = ["400"]
    _new_case(org, shop, owner, reference="VR-R-1")
    _new_case(org, shop, owner, reference="VR-R-2")
    _deliver_all()
    dest.refresh_from_db()
    assert dest.consecutive_failures == 0 and dest.is_active


def test_manual_redeliver_sends_the_same_id_and_body(org, shop, owner, receiver, django_capture_on_commit_callbacks):
    _webhook(org, owner, receiver)
    _new_case(org, shop, owner)
    d = Delivery.objects.get()
    _deliver_all()
    with pytest.raises(ServiceError):
        delivery_redeliver(delivery_id=d.pk, organization=MembershipFactory(role=Role.OWNER).organization)
    with django_capture_on_commit_callbacks(execute=False):
        delivery_redeliver(delivery_id=d.pk, organization=org)
    assert _deliver_all() == ["sent"]
    first, second = receiver.requests
    assert first["body"] == second["body"] and receiver.accepted[d.event_id] == 2


# --- signatures ---------------------------------------------------------------------------------------------------


def test_signature_is_hmac_sha256_over_timestamp_and_body():
    import hashlib
    import hmac

    body = b'{"id":"evt_1"}'
    header = signature("whsec_test", 1764600000, body)
    expected = hmac.new(b"whsec_test", b"1764600000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1764600000,v1={expected}"
    assert signature_valid("whsec_test", header, body, now=1764600100)
    assert not signature_valid("whsec_test", header, body + b" ", now=1764600100)
    assert not signature_valid("whsec_other", header, body, now=1764600100)
    assert not signature_valid("whsec_test", header, body, now=1764600000 + 301)  # replayed later


def test_event_ids_are_stable():
    assert event_id("timeline:1") == event_id("timeline:1") != event_id("timeline:2")


# --- SSRF -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "loopback_allowed", "refused"),
    [
        ("https://hooks.slack.com/services/T0/B0/x", False, False),
        ("http://hooks.slack.com/services/T0/B0/x", False, True),
        ("http://127.0.0.1:8080/hook", True, False),
        ("http://127.0.0.1:8080/hook", False, True),
        ("http://10.0.0.5/hook", True, True),
        ("ftp://example.com/hook", True, True),
        ("https://user:pass@example.com/hook", False, True),
        ("https:///nohost", False, True),
    ],
)
def test_url_refusal_table(settings, url, loopback_allowed, refused):
    settings.DESTINATIONS_ALLOW_LOOPBACK = loopback_allowed
    assert bool(http.url_refusal(url)) is refused


@pytest.mark.parametrize(
    ("address", "loopback_allowed", "refused"),
    [
        ("93.184.215.14", False, False),
        ("2606:4700::6810:84e5", False, False),
        ("10.1.2.3", True, True),
        ("172.16.0.1", True, True),
        ("192.168.1.1", True, True),
        ("169.254.169.254", True, True),
        ("fd00:ec2::254", True, True),
        ("fe80::1", True, True),
        ("127.0.0.1", False, True),
        ("127.0.0.1", True, False),
        ("::1", False, True),
        ("0.0.0.0", True, True),
        ("224.0.0.1", True, True),
    ],
)
def test_address_refusal_table(settings, address, loopback_allowed, refused):
    settings.DESTINATIONS_ALLOW_LOOPBACK = loopback_allowed
    assert bool(http.address_refusal(address)) is refused


def test_a_name_resolving_to_a_private_address_is_refused_at_send_time(settings):
    settings.DESTINATIONS_ALLOW_LOOPBACK = False
    with pytest.raises(http.UrlRefused, match="loopback"):
        http.post("https://localhost:9/hook", b"{}", {})


def test_a_destination_url_must_be_https(org, owner, settings):
    settings.DESTINATIONS_ALLOW_LOOPBACK = False
    with pytest.raises(ServiceError) as refused:
        destination_create(organization=org, by=owner, kind="slack", name="", url="http://example.com/x", events=ALL)
    assert refused.value.field == "url"


# --- Slack Block Kit and Teams Adaptive Card shapes ---------------------------------------------------------------

TEXT = {"type": "object", "required": ["type", "text"], "properties": {"type": {"enum": ["plain_text", "mrkdwn"]}}}
PLAIN = {
    "type": "object",
    "required": ["type", "text"],
    "properties": {"type": {"const": "plain_text"}, "text": {"type": "string", "minLength": 1}},
}
# From Slack's Block Kit reference: header (plain_text ≤ 150), section (text ≤ 3000, ≤ 10 fields ≤ 2000),
# actions (≤ 25 elements; button text ≤ 75, url ≤ 3000); ≤ 50 blocks per message.
SLACK_MESSAGE = {
    "type": "object",
    "required": ["text", "blocks"],
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "blocks": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["type", "text"],
                        "properties": {
                            "type": {"const": "header"},
                            "text": {
                                **PLAIN,
                                "properties": {**PLAIN["properties"], "text": {"type": "string", "maxLength": 150}},
                            },
                        },
                    },
                    {
                        "type": "object",
                        "required": ["type"],
                        "anyOf": [{"required": ["text"]}, {"required": ["fields"]}],
                        "properties": {
                            "type": {"const": "section"},
                            "text": {
                                **TEXT,
                                "properties": {**TEXT["properties"], "text": {"type": "string", "maxLength": 3000}},
                            },
                            "fields": {
                                "type": "array",
                                "maxItems": 10,
                                "items": {
                                    **TEXT,
                                    "properties": {**TEXT["properties"], "text": {"type": "string", "maxLength": 2000}},
                                },
                            },
                        },
                    },
                    {
                        "type": "object",
                        "required": ["type", "elements"],
                        "properties": {
                            "type": {"const": "actions"},
                            "elements": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 25,
                                "items": {
                                    "type": "object",
                                    "required": ["type", "text"],
                                    "properties": {
                                        "type": {"const": "button"},
                                        "text": {
                                            **PLAIN,
                                            "properties": {
                                                **PLAIN["properties"],
                                                "text": {"type": "string", "maxLength": 75},
                                            },
                                        },
                                        "url": {"type": "string", "maxLength": 3000, "pattern": "^https?://"},
                                        "action_id": {"type": "string", "maxLength": 255},
                                    },
                                },
                            },
                        },
                    },
                ]
            },
        },
    },
}
# From Microsoft's "Create incoming webhooks with Workflows" and the Adaptive Card schema (1.4).
TEAMS_MESSAGE = {
    "type": "object",
    "required": ["type", "attachments"],
    "properties": {
        "type": {"const": "message"},
        "attachments": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["contentType", "content"],
                "properties": {
                    "contentType": {"const": "application/vnd.microsoft.card.adaptive"},
                    "content": {
                        "type": "object",
                        "required": ["type", "version", "body"],
                        "properties": {
                            "type": {"const": "AdaptiveCard"},
                            "version": {"type": "string", "pattern": r"^1\.[0-6]$"},
                            "body": {
                                "type": "array",
                                "items": {
                                    "oneOf": [
                                        {
                                            "type": "object",
                                            "required": ["type", "text"],
                                            "properties": {"type": {"const": "TextBlock"}, "text": {"type": "string"}},
                                        },
                                        {
                                            "type": "object",
                                            "required": ["type", "facts"],
                                            "properties": {
                                                "type": {"const": "FactSet"},
                                                "facts": {
                                                    "type": "array",
                                                    "items": {
                                                        "type": "object",
                                                        "required": ["title", "value"],
                                                        "properties": {
                                                            "title": {"type": "string"},
                                                            "value": {"type": "string"},
                                                        },
                                                    },
                                                },
                                            },
                                        },
                                    ]
                                },
                            },
                            "actions": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["type", "title", "url"],
                                    "properties": {
                                        "type": {"const": "Action.OpenUrl"},
                                        "url": {"type": "string", "pattern": "^https?://"},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def _sample_events(org, shop, owner) -> list[dict]:
    case = _new_case(org, shop, owner, reference="VR-<b>&1" + "x" * 100)
    return [
        {
            "id": "evt_x",
            "type": t,
            "created": "2026-11-25T15:00:00+00:00",
            "organization": {"id": org.pk, "name": org.name},
            "data": {
                "case": {
                    "id": case.pk,
                    "reference": case.reference,
                    "url": f"https://desk.example/violations/{case.pk}/",
                    "policy": case.policy,
                    "account": {"id": shop.pk, "name": shop.name},
                    "assignee": None,
                },
                "appeal": {"id": 1, "round": 2, "status": "upheld", "due_at": "2026-11-30T14:00:00+00:00"},
                **(
                    {"deadline": "2026-11-30T14:00:00+00:00", "kind": t.split(".", 1)[1]}
                    if t.startswith("reminder.")
                    else {}
                ),
            },
        }
        for t in EventType.values
    ]


def test_slack_bodies_are_valid_block_kit(org, shop, owner):
    validator = jsonschema_rs.validator_for(SLACK_MESSAGE)
    for event in _sample_events(org, shop, owner):
        body = slack_body(event)
        errors = [e.message for e in validator.iter_errors(body)]
        assert errors == [], (event["type"], errors)
        assert "&lt;b&gt;&amp;1" in json.dumps(body) or "VR-<b>&1" in body["blocks"][0]["text"]["text"]
        assert body["blocks"][-1]["elements"][0]["url"].endswith(f"/violations/{event['data']['case']['id']}/")


def test_teams_bodies_are_valid_adaptive_cards(org, shop, owner):
    validator = jsonschema_rs.validator_for(TEAMS_MESSAGE)
    for event in _sample_events(org, shop, owner):
        body = teams_body(event)
        errors = [e.message for e in validator.iter_errors(body)]
        assert errors == [], (event["type"], errors)
        facts = dict((f["title"], f["value"]) for f in body["attachments"][0]["content"]["body"][2]["facts"])
        assert facts["Account"] == shop.name


def test_slack_and_teams_destinations_post_their_own_shapes(org, shop, owner, receiver):
    for kind in ("slack", "teams"):
        destination_create(organization=org, by=owner, kind=kind, name=kind, url=receiver.url, events=ALL)
    _new_case(org, shop, owner)
    assert sorted(_deliver_all()) == ["sent", "sent"]
    shapes = sorted("blocks" if "blocks" in b else b["type"] for b in receiver.bodies())
    assert shapes == ["blocks", "message"]
    assert all("X-AppealDesk-Signature" not in r["headers"] for r in receiver.requests)


# --- OpenAPI -----------------------------------------------------------------------------------------------------


def test_openapi_lists_every_event_as_a_webhook_and_real_bodies_match(org, shop, owner, receiver):
    from appeals.api import api

    schema = api.get_openapi_schema()
    assert schema["openapi"].startswith("3.1")
    assert set(schema["webhooks"]) == set(EventType.values)
    components = schema["components"]["schemas"]
    _webhook(org, owner, receiver)
    _new_case(org, shop, owner)
    _deliver_all()
    [body] = receiver.bodies()
    ref = schema["webhooks"]["violation.created"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "$ref"
    ]
    document = {"$ref": ref, "components": {"schemas": components}}
    errors = [e.message for e in jsonschema_rs.validator_for(document).iter_errors(body)]
    assert errors == []
    headers = {p["name"] for p in schema["webhooks"]["reminder.decision_overdue"]["post"]["parameters"]}
    assert "X-AppealDesk-Signature" in headers


def test_the_weekly_summary_goes_once_on_monday_morning(org, owner, receiver):
    _webhook(org, owner, receiver, events=[EventType.WEEKLY_SUMMARY])
    with time_machine.travel(ny(2026, 11, 30, 7, 0), tick=False):  # Monday, before 08:00 New York
        assert reminders.reminders_sweep(enqueue=False)["events"] == 0
    with time_machine.travel(ny(2026, 11, 30, 9, 0), tick=False):
        assert reminders.reminders_sweep(enqueue=False)["events"] == 1
        assert _deliver_all() == ["sent"]
        reminders.reminders_sweep(enqueue=False)
    assert Delivery.objects.count() == 1
    [body] = receiver.bodies()
    assert body["type"] == "summary.weekly" and body["data"]["week_from"] == "2026-11-23"
    assert body["data"]["url"].startswith("http")


def test_escalation_unanswered_and_authorization_expiring_events(org, shop, owner, receiver):
    from datetime import date

    from appeals.models import Escalation

    _webhook(org, owner, receiver)
    case = ViolationFactory(account=shop, status=CaseStatus.ESCALATED)
    Escalation.objects.create(
        violation=case,
        organization=org,
        to_team=Escalation.Team.PROGRAM_TEAM,
        reference="PT-9",
        escalated_at=ny(2026, 11, 20, 10, 0),
        answer_due_at=ny(2026, 11, 27, 10, 0),
    )
    shop.authorized = True
    shop.authorization_expires_on = date(2026, 11, 30)
    shop.save()
    with time_machine.travel(ny(2026, 11, 27, 10, 30), tick=False):
        reminders.reminders_sweep(enqueue=False)
        assert sorted(_deliver_all()) == ["sent", "sent"]
    bodies = {b["type"]: b["data"] for b in receiver.bodies()}
    assert set(bodies) == {"escalation.unanswered", "reminder.authorization_expiring"}
    assert bodies["escalation.unanswered"]["escalation"]["reference"] == "PT-9"
    assert bodies["escalation.unanswered"]["case"]["id"] == case.pk
    assert bodies["reminder.authorization_expiring"]["account"]["authorization_expires_on"] == "2026-11-30"


def test_run_reminders_inline_sends_due_deliveries_too(org, shop, owner, receiver):
    from io import StringIO

    from django.core.management import call_command

    _webhook(org, owner, receiver)
    _new_case(org, shop, owner)
    out = StringIO()
    call_command("run_reminders", "--inline", stdout=out)
    assert "inline_delivery_sent=1" in out.getvalue()
    assert sum(receiver.accepted.values()) == 1


# --- Imported cases ----------------------------------------------------------------------------------------------


def _import_csv(org, by, references: list[str]):
    from appeals.imports import account_lookup, parse_violations_csv
    from appeals.services.violations import violations_import

    header = "account,reference,kind,policy,action,enforced_at"
    lines = [
        f"{org.accounts.get().external_id},{r},listing_removal,Counterfeit,Listing removed,2026-11-20"
        for r in references
    ]
    parsed = parse_violations_csv(
        io.BytesIO("\n".join([header, *lines]).encode()),
        accounts=account_lookup(org.accounts.all()),
        timezone=org.timezone,
    )
    assert parsed.ok, parsed.errors
    return violations_import(organization=org, rows=parsed.rows, by=by)


def test_imported_cases_are_one_webhook_event_each_and_one_chat_summary(org, shop, owner, receiver):
    hook = _webhook(org, owner, receiver, events=[EventType.VIOLATION_CREATED])
    slack = destination_create(
        organization=org, by=owner, kind="slack", name="chat", url=receiver.url, events=[EventType.VIOLATION_CREATED]
    )
    references = [f"VR-IMP-{i}" for i in range(7)]
    assert _import_csv(org, owner, references).created == 7
    assert Delivery.objects.filter(destination=hook).count() == 7
    assert Delivery.objects.filter(destination=slack).count() == 1
    assert sorted(_deliver_all()) == ["sent"] * 8
    bodies = receiver.bodies()
    cases = sorted(b["data"]["case"]["reference"] for b in bodies if "id" in b)
    assert cases == sorted(references)
    assert {b["data"]["source"] for b in bodies if "id" in b} == {"import"}
    assert len({b["id"] for b in bodies if "id" in b}) == 7
    [summary] = [b for b in bodies if "blocks" in b]
    text = json.dumps(summary)
    assert "7 violations imported" in text and "VR-IMP-0" in text and "VR-IMP-5" not in text

    # The same file again creates nothing, so it sends nothing.
    assert _import_csv(org, owner, references).created == 0
    assert Delivery.objects.count() == 8


def test_an_import_without_destinations_writes_no_delivery(org, shop, owner, receiver):
    _webhook(org, owner, receiver, events=[EventType.APPEAL_SUBMITTED])
    assert _import_csv(org, owner, ["VR-IMP-X"]).created == 1
    assert not Delivery.objects.exists()


def test_imported_case_bodies_match_the_openapi_webhook_schema(org, shop, owner, receiver):
    from appeals.api import api

    schema = api.get_openapi_schema()
    _webhook(org, owner, receiver, events=[EventType.VIOLATION_CREATED])
    _import_csv(org, owner, ["VR-IMP-S"])
    _deliver_all()
    [body] = receiver.bodies()
    document = {"$ref": "#/components/schemas/CaseEvent", "components": schema["components"]}
    assert [e.message for e in jsonschema_rs.validator_for(document).iter_errors(body)] == []
    assert body["data"]["by"] == owner.display_name
