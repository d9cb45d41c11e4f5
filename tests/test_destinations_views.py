"""Destination pages (owners and managers), the delivery log's redeliver, and each person's reminder choices."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from appeals.models import Appeal, CaseMute, CaseStatus, Delivery, Destination, Reminder, ReminderPreference
from appeals.services import reminders
from appeals.services.destinations.manage import destination_create
from core.models import Role, User
from tests.factories import AppealFactory, MembershipFactory, ViolationFactory

NY = ZoneInfo("America/New_York")
K = Reminder.Kind


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


def _form(url="https://hooks.slack.com/services/T0/B0/abc", kind="slack", events=("violation.created",)):
    return {"kind": kind, "name": "#appeals", "url": url, "events": list(events)}


def test_a_manager_adds_a_slack_destination(manager_client, org):
    response = manager_client.post("/destinations/", _form())
    d = Destination.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/destinations/{d.pk}/"
    assert (d.organization, d.kind, d.events, d.secret) == (org, "slack", ["violation.created"], "")
    assert manager_client.get("/destinations/").status_code == 200
    page = manager_client.get(f"/destinations/{d.pk}/")
    assert page.status_code == 200 and "Delivery log" in page.content.decode()


def test_a_webhook_gets_a_secret_shown_on_its_page(owner_client):
    owner_client.post("/destinations/", _form(url="https://example.com/hooks", kind="webhook"))
    d = Destination.objects.get()
    assert d.secret.startswith("whsec_") and d.secret in owner_client.get(f"/destinations/{d.pk}/").content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_form(url="http://hooks.slack.com/x"), "url", "https://"),
        (_form(url="not a url"), "url", "needs a host"),
        (_form(events=()), "events", "at least one event"),
        (_form(kind="carrier-pigeon"), "kind", "valid choice"),
    ],
)
def test_bad_input_is_explained_at_the_field(manager_client, settings, data, field, message):
    settings.DESTINATIONS_ALLOW_LOOPBACK = False
    response = manager_client.post("/destinations/", data)
    assert response.status_code == 200 and not Destination.objects.exists()
    assert message in " ".join(response.context["form"].errors[field])


def test_members_cannot_manage_destinations_and_other_orgs_get_404(member_client, outsider_client, org, owner):
    d = destination_create(
        organization=org, by=owner, kind="slack", name="x", url="https://hooks.slack.com/a", events=["appeal.submitted"]
    )
    assert member_client.get("/destinations/").status_code == 403
    assert member_client.post("/destinations/", _form()).status_code == 403
    assert outsider_client.get(f"/destinations/{d.pk}/").status_code == 404
    assert outsider_client.post(f"/destinations/{d.pk}/delete/").status_code == 404
    assert Destination.objects.filter(pk=d.pk).exists()


def test_edit_switch_on_again_and_delete(manager_client, org, owner):
    d = destination_create(
        organization=org, by=owner, kind="webhook", name="x", url="https://example.com/h", events=["appeal.submitted"]
    )
    Destination.objects.filter(pk=d.pk).update(is_active=False, consecutive_failures=15, disabled_reason="Off")
    old_secret = d.secret
    data = {"name": "Ops", "url": "https://example.com/h2", "events": ["decision.recorded"], "is_active": "on"}
    assert manager_client.post(f"/destinations/{d.pk}/", {**data, "rotate_secret": "on"}).status_code == 302
    d.refresh_from_db()
    assert (d.name, d.url, d.events, d.is_active, d.consecutive_failures) == (
        "Ops",
        "https://example.com/h2",
        ["decision.recorded"],
        True,
        0,
    )
    assert d.secret != old_secret
    assert manager_client.get(f"/destinations/{d.pk}/delete/").status_code == 405
    assert manager_client.post(f"/destinations/{d.pk}/delete/").status_code == 302
    assert not Destination.objects.exists()


def test_redeliver_from_the_log(manager_client, outsider_client, org, owner):
    d = destination_create(
        organization=org, by=owner, kind="webhook", name="x", url="https://example.com/h", events=["appeal.submitted"]
    )
    delivery = Delivery.objects.create(
        organization=org,
        destination=d,
        event_id="evt_1",
        event_type="appeal.submitted",
        event={"id": "evt_1"},
        status=Delivery.Status.FAILED,
        attempts=3,
    )
    assert outsider_client.post(f"/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert manager_client.post(f"/deliveries/{delivery.pk}/redeliver/").status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 0)
    # Pending: nothing to redeliver; the message says so, nothing breaks.
    response = manager_client.post(f"/deliveries/{delivery.pk}/redeliver/", follow=True)
    assert "still being tried" in response.content.decode()


# --- preferences ----------------------------------------------------------------------------------------------------


@pytest.fixture
def case(org, shop, member):
    return ViolationFactory(account=shop, assignee=member, status=CaseStatus.UNDER_REVIEW)


def _due(case) -> None:
    AppealFactory(
        violation=case, status=Appeal.Status.UNDER_REVIEW, submitted_at=ny(2026, 11, 20), due_at=ny(2026, 11, 25, 14)
    )


def test_a_kind_switched_off_by_email_makes_no_reminder(member_client, member, case):
    data = {f"email_{k}": "on" for k in K.values if k != K.DECISION_DUE_TODAY}
    assert member_client.post("/reminders/preferences/", data).status_code == 302
    assert ReminderPreference.objects.get(user=member, kind=K.DECISION_DUE_TODAY).email is False
    _due(case)
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert not Reminder.objects.filter(recipient=member).exists()


def test_one_kind_in_the_digest_the_others_at_once(member, case):
    reminders.preferences.reminder_preferences_set(user=member, choices={K.DECISION_DUE_TOMORROW: (True, True)})
    _due(case)
    with time_machine.travel(ny(2026, 11, 24, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
        r = Reminder.objects.get(recipient=member)
        assert (r.kind, r.digest) == (K.DECISION_DUE_TOMORROW, True)
        assert reminders.reminders_due_for_sending(ny(2026, 11, 24, 10, 0)) == ([], [])  # waits for the digest hour
    assert r.send_after > ny(2026, 11, 24, 10, 0)
    assert member.email_mode == User.EmailMode.IMMEDIATE
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    today = Reminder.objects.get(recipient=member, kind=K.DECISION_DUE_TODAY)
    assert today.digest is False  # the other kinds keep the person's mode


def test_a_muted_case_reminds_nobody_who_muted_it(member_client, member, case):
    _due(case)
    with time_machine.travel(ny(2026, 11, 24, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)  # due tomorrow: pending
    assert member_client.post(f"/violations/{case.pk}/mute/", {"muted": "1"}).status_code == 302
    assert CaseMute.objects.filter(user=member, violation=case).exists()
    assert Reminder.objects.get(recipient=member).status == Reminder.Status.SKIPPED
    with time_machine.travel(ny(2026, 11, 25, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert Reminder.objects.filter(recipient=member).count() == 1
    assert case.reference in member_client.get("/reminders/preferences/").content.decode()
    member_client.post(f"/violations/{case.pk}/mute/", {"muted": "0"})
    assert not CaseMute.objects.exists()


def test_muting_another_organizations_case_is_404(outsider_client, case):
    assert outsider_client.post(f"/violations/{case.pk}/mute/").status_code == 404


def test_the_manager_sees_who_hears_about_what(manager_client, member_client, member, org, owner):
    reminders.preferences.reminder_preferences_set(
        user=member, choices={K.DECISION_OVERDUE: (False, False), K.WINDOW_CLOSING: (True, True)}
    )
    destination_create(
        organization=org,
        by=owner,
        kind="teams",
        name="Teams room",
        url="https://x.example/w",
        events=["appeal.submitted"],
    )
    page = manager_client.get("/reminders/who-hears/")
    assert page.status_code == 200
    [row] = [r for r in page.context["rows"] if r.user == member]
    kinds = [k for k, _ in page.context["kinds"]]
    assert row.cells[kinds.index(K.DECISION_OVERDUE)] == "off"
    assert row.cells[kinds.index(K.WINDOW_CLOSING)] == "digest"
    assert row.cells[kinds.index(K.DECISION_DUE_TODAY)] == "email"
    assert "Teams room" in page.content.decode()
    assert member_client.get("/reminders/who-hears/").status_code == 403


def test_preferences_page_wrong_method(member_client):
    assert member_client.put("/reminders/preferences/").status_code == 405
    assert member_client.get("/violations/1/mute/").status_code == 405


def test_digest_users_existing_default_is_kept(org, shop):
    digest = MembershipFactory(organization=org, role=Role.MEMBER, user__email_mode=User.EmailMode.DIGEST).user
    v = ViolationFactory(account=shop, assignee=digest, status=CaseStatus.UNDER_REVIEW)
    _due(v)
    with time_machine.travel(ny(2026, 11, 24, 10, 0), tick=False):
        reminders.reminders_sweep(enqueue=False)
    assert Reminder.objects.get(recipient=digest).digest is True
    assert timedelta(0) < Reminder.objects.get(recipient=digest).send_after - ny(2026, 11, 24, 10, 0)
