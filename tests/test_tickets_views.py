"""Ticket pages, the missing-authorization warning, partner authorizations and the case page's ticket card."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import RequestFactory

from appeals.models import SupportChannel, SupportTicket
from appeals.services.tickets import ticket_create
from tests.factories import AccountFactory, ViolationFactory

NY = ZoneInfo("America/New_York")
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def december():
    with time_machine.travel(datetime(2026, 12, 18, 12, 0, tzinfo=NY)):
        yield


def _ticket(org, account, **extra) -> SupportTicket:
    fields = {
        "channel": SupportChannel.SELLER_CENTER_CHAT,
        "subject": "Listing 12345 removed",
        "opened_at": datetime(2026, 12, 14, 10, 0, tzinfo=NY),
    }
    return ticket_create(organization=org, account=account, **{**fields, **extra})


def _form_data(account, **extra) -> dict:
    return {
        "account": account.pk,
        "channel": "seller_center_ticket",
        "subject": "Why was my listing removed?",
        "platform_number": "TT-9001",
        "violation_reference": "",
        "appeal_round": "",
        "question": "Please reinstate SKU 12345",
        "opened_at": "2026-11-20T15:00",
        "first_response_at": "",
        "resolved_at": "",
        "notes": "",
        **extra,
    }


# List


def test_list_shows_tickets_with_sla_badges(org, shop, viewer_client, other_org):
    _ticket(org, shop, platform_number="TT-1")
    _ticket(other_org, AccountFactory(organization=other_org), subject="Secret other ticket")
    html = viewer_client.get("/tickets/").content.decode()
    assert "Listing 12345 removed" in html and "TT-1" in html
    assert 'class="badge on_time"' in html
    assert "Secret other ticket" not in html
    assert "Record a ticket" not in html  # viewers read only


def test_list_filters_by_url_and_htmx_returns_partial(org, shop, creator_account, member_client):
    _ticket(org, shop)
    _ticket(org, creator_account, channel=SupportChannel.CREATOR_CHAT, subject="Samples lost")
    full = member_client.get("/tickets/", {"channel": "creator_chat"}).content.decode()
    assert "<html" in full and "Samples lost" in full and "Listing 12345 removed" not in full
    part = member_client.get("/tickets/", {"q": "12345"}, headers=HX).content.decode()
    assert "<html" not in part and 'id="ticket-results"' in part
    assert "Listing 12345 removed" in part and "Samples lost" not in part
    part = member_client.get("/tickets/", {"sla": "met"}, headers=HX).content.decode()
    assert "No ticket matches these filters" in part


def test_list_empty_state_says_what_to_do(org, member_client):
    html = member_client.get("/tickets/").content.decode()
    assert "No support tickets yet" in html and "/channel-guide/" in html


def test_list_wrong_method(member_client):
    assert member_client.post("/tickets/").status_code == 405


def test_list_needs_login(client):
    assert client.get("/tickets/").status_code == 302


# Create


def test_member_records_a_ticket_with_deadlines(org, shop, member_client):
    response = member_client.post("/tickets/new/", _form_data(shop))
    ticket = SupportTicket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.opened_at == datetime(2026, 11, 20, 15, 0, tzinfo=NY)
    assert ticket.first_response_due_at == datetime(2026, 11, 25, 15, 0, tzinfo=NY)
    assert ticket.resolution_due_at == datetime(2026, 12, 1, 15, 0, tzinfo=NY)
    assert ticket.created_by.email == "member@acme.test"


def test_create_links_case_by_reference(org, shop, member_client):
    violation = ViolationFactory(account=shop, reference="VR-42")
    member_client.post("/tickets/new/", _form_data(shop, violation_reference="VR-42"))
    assert SupportTicket.objects.get().violation == violation


def test_create_unknown_case_is_a_field_error(org, shop, member_client):
    html = member_client.post("/tickets/new/", _form_data(shop, violation_reference="NOPE")).content.decode()
    assert "No case with reference NOPE" in html
    assert 'value="Why was my listing removed?"' in html  # typed data kept
    assert not SupportTicket.objects.exists()


def test_first_response_before_opening_is_a_field_error(org, shop, member_client):
    response = member_client.post("/tickets/new/", _form_data(shop, first_response_at="2026-11-20T14:00"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_first_response_at_error"' in html
    assert "cannot be before the ticket was opened" in html
    assert not SupportTicket.objects.exists()


def test_create_prefills_from_the_guide_and_the_case(org, shop, member_client):
    violation = ViolationFactory(account=shop, reference="VR-77")
    html = member_client.get(
        "/tickets/new/", {"channel": "seller_center_ticket", "violation_pk": violation.pk}
    ).content.decode()
    assert '<option value="seller_center_ticket" selected>' in html
    assert f'<option value="{shop.pk}" selected>' in html
    assert 'value="VR-77"' in html


def test_create_ignores_other_organizations_prefill(org, other_org, member_client):
    foreign = ViolationFactory(account=AccountFactory(organization=other_org), reference="THEIRS")
    html = member_client.get("/tickets/new/", {"violation_pk": foreign.pk, "channel": "bogus"}).content.decode()
    assert "THEIRS" not in html
    channel_select = html.split('id="id_channel"')[1].split("</select>")[0]
    assert channel_select.count("selected") == 1 and '<option value="" selected>' in channel_select


def test_viewer_cannot_record_tickets(org, shop, viewer_client):
    assert viewer_client.get("/tickets/new/").status_code == 403
    assert viewer_client.post("/tickets/new/", _form_data(shop)).status_code == 403
    assert not SupportTicket.objects.exists()


def test_create_wrong_method(member_client):
    assert member_client.put("/tickets/new/").status_code == 405


def test_outsider_cannot_use_our_account(org, shop, outsider_client):
    html = outsider_client.post("/tickets/new/", _form_data(shop)).content.decode()
    assert "Select a valid choice" in html
    assert not SupportTicket.objects.exists()


# Missing-authorization warning


@pytest.fixture
def agency(org):
    org.is_agency = True
    org.save()
    return org


def test_ticket_form_warns_about_missing_authorization(agency, shop, member_client):
    html = member_client.get("/tickets/new/", {"channel": "partner_shop_chat", "account_pk": shop.pk}).content.decode()
    assert "No authorization recorded" in html
    assert "You can still record the ticket" in html


def test_warning_on_post_does_not_block_recording(agency, shop, member_client):
    response = member_client.post("/tickets/new/", _form_data(shop, channel="partner_shop_chat"))
    assert response.status_code == 302
    detail = member_client.get(response["Location"]).content.decode()
    assert "No authorization recorded" in detail


def test_expired_and_expiring_authorization(agency, shop, creator_account, member_client):
    shop.authorized, shop.authorized_since, shop.authorization_expires_on = True, date(2025, 1, 1), date(2026, 12, 1)
    shop.save()
    creator_account.authorized = True
    creator_account.authorization_expires_on = date(2026, 12, 25)
    creator_account.save()
    url = "/tickets/authorization-check/"
    expired = member_client.get(url, {"account": shop.pk, "channel": "partner_shop_chat"}).content.decode()
    assert "Authorization expired" in expired and "Dec 1, 2026" in expired and "<html" not in expired
    expiring = member_client.get(url, {"account": creator_account.pk, "channel": "partner_creator_chat"})
    assert "Authorization expiring soon" in expiring.content.decode()


def test_no_warning_when_valid_or_not_a_partner_route(agency, shop, member_client):
    url = "/tickets/authorization-check/"
    assert (
        "Authorization"
        not in member_client.get(url, {"account": shop.pk, "channel": "seller_center_chat"}).content.decode()
    )
    shop.authorized = True
    shop.save()
    html = member_client.get(url, {"account": shop.pk, "channel": "partner_shop_chat"}).content.decode()
    assert "callout" not in html


def test_no_warning_for_non_agencies(org, shop, member_client):
    html = member_client.get("/tickets/new/", {"channel": "partner_shop_chat", "account_pk": shop.pk}).content.decode()
    assert "No authorization recorded" not in html


def test_authorization_check_ignores_other_org_accounts(agency, other_org, member_client):
    foreign = AccountFactory(organization=other_org, name="Foreign Shop")
    html = member_client.get(
        "/tickets/authorization-check/", {"account": foreign.pk, "channel": "partner_shop_chat"}
    ).content.decode()
    assert "Foreign Shop" not in html and "Choose the account" in html


# Detail, edit, quick actions


def test_detail_and_isolation(org, shop, viewer_client, outsider_client):
    ticket = _ticket(org, shop)
    html = viewer_client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "First response due" in html and "Support answered now" not in html
    assert outsider_client.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert outsider_client.get(f"/tickets/{ticket.pk}/edit/").status_code == 404
    assert outsider_client.post(f"/tickets/{ticket.pk}/resolve/", {"version": 1}).status_code == 404
    assert viewer_client.post(f"/tickets/{ticket.pk}/edit/").status_code == 403


def test_edit_moves_deadlines_with_opened_at(org, shop, member_client):
    ticket = _ticket(org, shop)
    data = _form_data(shop, opened_at="2026-11-23T09:00", version=ticket.version)
    assert member_client.post(f"/tickets/{ticket.pk}/edit/", data).status_code == 302
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == datetime(2026, 11, 25, 17, 0, tzinfo=NY)
    assert ticket.version == 2


def test_edit_with_stale_version_keeps_typed_data(org, shop, member_client):
    ticket = _ticket(org, shop)
    SupportTicket.objects.filter(pk=ticket.pk).update(version=5, subject="Their subject")
    data = _form_data(shop, subject="My subject", opened_at="2026-12-14T10:00", version=1)
    html = member_client.post(f"/tickets/{ticket.pk}/edit/", data).content.decode()
    assert "Someone else saved this" in html and "Their subject" in html
    assert 'value="My subject"' in html and 'name="version" value="5"' in html
    assert member_client.post(f"/tickets/{ticket.pk}/edit/", {**data, "version": 5}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.subject == "My subject"


def test_quick_first_response_and_resolve(org, shop, member_client):
    ticket = _ticket(org, shop)
    response = member_client.post(f"/tickets/{ticket.pk}/first-response/", {"version": 1}, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="ticket-status"' in html
    assert "First response recorded" in html
    ticket.refresh_from_db()
    assert abs(ticket.first_response_at - datetime(2026, 12, 18, 12, 0, tzinfo=NY)) < timedelta(minutes=1)
    response = member_client.post(f"/tickets/{ticket.pk}/resolve/", {"version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None


def test_quick_action_with_stale_version_changes_nothing(org, shop, member_client):
    ticket = _ticket(org, shop)
    html = member_client.post(f"/tickets/{ticket.pk}/resolve/", {"version": 9}, headers=HX).content.decode()
    assert "Someone else saved this" in html
    ticket.refresh_from_db()
    assert ticket.resolved_at is None


def test_quick_actions_need_post_and_member(org, shop, member_client, viewer_client):
    ticket = _ticket(org, shop)
    assert member_client.get(f"/tickets/{ticket.pk}/resolve/").status_code == 405
    assert viewer_client.post(f"/tickets/{ticket.pk}/first-response/", {"version": 1}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


# Partner authorizations


def test_authorizations_page_lists_states(agency, shop, creator_account, viewer_client):
    creator_account.authorized = True
    creator_account.authorization_expires_on = date(2027, 6, 1)
    creator_account.save()
    html = viewer_client.get("/authorizations/").content.decode()
    assert 'class="badge missing"' in html and 'class="badge valid"' in html
    assert "Jun 1, 2027" in html
    assert "/edit/" not in html  # viewers cannot edit


def test_manager_edits_authorization_inline(agency, shop, manager_client):
    url = f"/authorizations/{shop.pk}/edit/"
    form = manager_client.get(url, headers=HX).content.decode()
    assert "<html" not in form and f'name="auth-{shop.pk}-authorized"' in form
    prefix = f"auth-{shop.pk}-"
    data = {
        prefix + "authorized": "on",
        prefix + "authorized_since": "2026-10-01",
        prefix + "authorization_expires_on": "2027-10-01",
    }
    row = manager_client.post(url, data, headers=HX).content.decode()
    assert "<html" not in row and 'class="badge valid"' in row
    shop.refresh_from_db()
    assert shop.authorized and shop.authorization_expires_on == date(2027, 10, 1)


def test_authorization_plain_edit_and_errors(agency, shop, manager_client):
    url = f"/authorizations/{shop.pk}/edit/"
    assert "<html" in manager_client.get(url).content.decode()
    prefix = f"auth-{shop.pk}-"
    bad = {
        prefix + "authorized": "on",
        prefix + "authorized_since": "2026-10-01",
        prefix + "authorization_expires_on": "2026-09-01",
    }
    html = manager_client.post(url, bad).content.decode()
    assert "The renewal date must be after the start date" in html and "<html" in html
    good = {**bad, prefix + "authorization_expires_on": "2027-09-01"}
    assert manager_client.post(url, good).status_code == 302


def test_authorization_access(agency, shop, member_client, outsider_client, manager_client):
    url = f"/authorizations/{shop.pk}/edit/"
    assert member_client.post(url, {}).status_code == 403
    assert outsider_client.get(url).status_code == 404
    assert manager_client.put(url).status_code == 405
    assert manager_client.post("/authorizations/").status_code == 405


def test_authorizations_page_explains_for_non_agencies(org, shop, manager_client):
    assert "is not set up as an agency" in manager_client.get("/authorizations/").content.decode()


# Case page card


def test_case_card_lists_tickets_with_sla(org, shop, member):
    violation = ViolationFactory(account=shop)
    _ticket(org, shop, violation=violation, opened_at=datetime(2026, 12, 1, 9, 0, tzinfo=NY))
    request = RequestFactory().get("/")
    request.user = member
    html = render_to_string("appeals/case/_tickets.html", {"violation": violation}, request=request)
    assert "Listing 12345 removed" in html and 'class="badge breached"' in html
    assert f"/tickets/new/?violation_pk={violation.pk}" not in html  # no membership in this bare context
    html = render_to_string(
        "appeals/case/_tickets.html",
        {"violation": violation, "current_membership": member.memberships.get()},
        request=request,
    )
    assert f"/tickets/new/?violation_pk={violation.pk}" in html


def test_timedelta_sanity():
    # Guards the fixed "now" every test here relies on.
    assert datetime.now(NY) - datetime(2026, 12, 18, 12, 0, tzinfo=NY) < timedelta(minutes=5)


def test_case_page_shows_ticket_card(org, shop, member_client, viewer_client):
    violation = ViolationFactory(account=shop)
    _ticket(org, shop, violation=violation, subject="Chasing the decision")
    html = member_client.get(f"/violations/{violation.pk}/").content.decode()
    assert 'id="case-tickets"' in html and "Chasing the decision" in html
    assert f"/tickets/new/?violation_pk={violation.pk}" in html
    assert (
        f"/tickets/new/?violation_pk={violation.pk}"
        not in viewer_client.get(f"/violations/{violation.pk}/").content.decode()
    )


def test_list_page_query_count_does_not_grow_with_rows(org, shop, member_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert member_client.get("/tickets/").status_code == 200
        return len(ctx.captured_queries)

    _ticket(org, shop, violation=ViolationFactory(account=shop))
    count()  # the session's first request does one-time work (last-seen stamp, cached lookups)
    few = count()
    for _ in range(10):
        _ticket(org, shop, violation=ViolationFactory(account=shop))
    assert count() == few
