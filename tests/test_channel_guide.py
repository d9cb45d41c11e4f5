"""The channel guide: pure matching over the default rules, the installer, the wizard and the rules editor."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeals.channel_guide import (
    FINANCIAL_NOTE,
    default_rule_fields,
    matching_rules,
    needs_authorization_warning,
    recommend,
    specificity,
)
from appeals.defaults import defaults_install
from appeals.models import ChannelRule, SupportChannel
from appeals.services.tickets import channel_rules_install
from tests.factories import OrganizationFactory

A, L, Iss, C = ChannelRule.Audience, ChannelRule.Login, ChannelRule.Issue, SupportChannel


def _defaults() -> list[SimpleNamespace]:
    return [SimpleNamespace(pk=i + 1, **fields) for i, fields in enumerate(default_rule_fields())]


@pytest.mark.parametrize(
    ("audience", "login", "issue", "channel"),
    [
        (A.SELLER, L.YES, Iss.ENFORCEMENT, C.SELLER_CENTER_CHAT),
        (A.SELLER, L.YES, Iss.LISTING, C.SELLER_CENTER_CHAT),
        (A.SELLER, L.YES, Iss.ORDER, C.SELLER_CENTER_CHAT),
        (A.SELLER, L.YES, Iss.PAYOUT, C.SELLER_CENTER_TICKET),
        (A.SELLER, L.NO, Iss.ENFORCEMENT, C.SELLER_CONTACT_FORM),
        (A.SELLER, L.NO, Iss.ACCESS, C.SELLER_CONTACT_FORM),
        (A.CREATOR, L.YES, Iss.ENFORCEMENT, C.CREATOR_CHAT),
        (A.CREATOR, L.YES, Iss.PAYOUT, C.CREATOR_TICKET),
        (A.CREATOR, L.NO, Iss.ACCESS, C.CONTACT_US_FORM),
        (A.PARTNER_SHOP, L.YES, Iss.ENFORCEMENT, C.PARTNER_SHOP_CHAT),
        (A.PARTNER_SHOP, L.YES, Iss.TECHNICAL, C.PARTNER_TECH_TICKET),
        (A.PARTNER_SHOP, L.NO, Iss.TECHNICAL, C.PARTNER_TECH_TICKET),
        (A.PARTNER_SHOP, L.NO, Iss.ENFORCEMENT, C.CONTACT_US_FORM),
        (A.PARTNER_SHOP, L.YES, Iss.PAYOUT, C.PARTNER_SHOP_CHAT),
        (A.PARTNER_CREATOR, L.YES, Iss.LISTING, C.PARTNER_CREATOR_CHAT),
        (A.PARTNER_CREATOR, L.YES, Iss.TECHNICAL, C.PARTNER_TECH_TICKET),
        (A.PARTNER_CREATOR, L.NO, Iss.ORDER, C.CONTACT_US_FORM),
    ],
)
def test_default_rules_table(audience, login, issue, channel):
    rec = recommend(_defaults(), audience=audience, can_log_in=login, issue=issue)
    assert rec is not None
    assert rec.rule.channel == channel


def test_documents_route_is_offered_as_alternative():
    rec = recommend(_defaults(), audience=A.SELLER, can_log_in=L.YES, issue=Iss.ENFORCEMENT)
    assert [r.channel for r in rec.alternatives] == [C.SELLER_CENTER_TICKET]
    assert "documents" in rec.alternatives[0].advice


def test_creator_steps_follow_the_studio_path():
    rec = recommend(_defaults(), audience=A.CREATOR, can_log_in=L.YES, issue=Iss.ENFORCEMENT)
    assert "TikTok Shop Studio → TikTok Shop for Creator → your profile → Help Center" in rec.rule.steps
    assert "main TikTok app does not reach" in rec.rule.advice


def test_partner_routes_need_authorization_and_have_contact_us_fallback():
    rec = recommend(_defaults(), audience=A.PARTNER_SHOP, can_log_in=L.YES, issue=Iss.ENFORCEMENT)
    assert rec.needs_authorization
    assert "authorization" in rec.rule.advice and "US market only" in rec.rule.advice
    assert C.CONTACT_US_FORM in [r.channel for r in rec.alternatives]


def test_payout_gets_the_second_touch_note_once():
    seller = recommend(_defaults(), audience=A.SELLER, can_log_in=L.YES, issue=Iss.PAYOUT)
    assert FINANCIAL_NOTE in seller.rule.advice
    assert seller.notes == []  # already in the rule's advice
    # A rule set without a payout rule still warns.
    only_chat = [r for r in _defaults() if r.issue != Iss.PAYOUT]
    creator = recommend(only_chat, audience=A.CREATOR, can_log_in=L.YES, issue=Iss.PAYOUT)
    assert creator.notes == [FINANCIAL_NOTE]


def test_no_rule_gives_none():
    assert recommend([], audience=A.SELLER, can_log_in=L.YES, issue=Iss.ORDER) is None


def test_position_breaks_ties_between_equally_specific_rules():
    rules = [
        SimpleNamespace(
            pk=1, audience=A.SELLER, can_log_in=L.ANY, issue=Iss.ANY, channel=C.CONTACT_US_FORM, position=5
        ),
        SimpleNamespace(
            pk=2, audience=A.SELLER, can_log_in=L.ANY, issue=Iss.ANY, channel=C.SELLER_CENTER_CHAT, position=1
        ),
    ]
    assert recommend(rules, audience=A.SELLER, can_log_in=L.NO, issue=Iss.ORDER).rule.pk == 2


_rule = st.builds(
    SimpleNamespace,
    pk=st.integers(min_value=1, max_value=10_000),
    audience=st.sampled_from(A.values),
    can_log_in=st.sampled_from(L.values),
    issue=st.sampled_from(Iss.values),
    channel=st.sampled_from(C.values),
    position=st.integers(min_value=0, max_value=30),
    advice=st.just(""),
)


@given(
    rules=st.lists(_rule, max_size=12),
    audience=st.sampled_from(A.values),
    login=st.sampled_from([L.YES, L.NO]),
    issue=st.sampled_from([i for i in Iss.values if i != Iss.ANY]),
)
def test_best_rule_matches_and_nothing_more_specific_was_skipped(rules, audience, login, issue):
    ranked = matching_rules(rules, audience=audience, can_log_in=login, issue=issue)
    rec = recommend(rules, audience=audience, can_log_in=login, issue=issue)
    if not ranked:
        assert rec is None
        return
    best = rec.rule
    assert best.audience == audience and best.can_log_in in (L.ANY, login) and best.issue in (Iss.ANY, issue)
    assert all(specificity(best) >= specificity(r) for r in ranked)
    assert len({r.channel for r in rec.alternatives}) == len(rec.alternatives)
    assert best.channel not in {r.channel for r in rec.alternatives}


def test_authorization_warning_rule():
    assert needs_authorization_warning(is_agency=True, audience=A.PARTNER_SHOP)
    assert needs_authorization_warning(is_agency=True, channel=C.PARTNER_CREATOR_CHAT)
    assert not needs_authorization_warning(is_agency=True, audience=A.SELLER, channel=C.SELLER_CENTER_CHAT)
    assert not needs_authorization_warning(is_agency=False, audience=A.PARTNER_SHOP, channel=C.PARTNER_SHOP_CHAT)


# Installer


def test_installer_is_idempotent_and_registered(db):
    org = OrganizationFactory()
    defaults_install(organization=org)
    count = ChannelRule.objects.filter(organization=org).count()
    assert count == len(default_rule_fields())
    assert channel_rules_install(org) == 0
    defaults_install(organization=org)
    assert ChannelRule.objects.filter(organization=org).count() == count


def test_installer_keeps_an_organizations_own_rules(org):
    ChannelRule.objects.create(organization=org, audience=A.SELLER, channel=C.CONTACT_US_FORM, steps="Ours")
    assert channel_rules_install(org) == 0
    assert list(ChannelRule.objects.filter(organization=org).values_list("steps", flat=True)) == ["Ours"]


# Guide page


@pytest.fixture
def rules(org):
    channel_rules_install(org)
    return ChannelRule.objects.filter(organization=org)


GUIDE = "/channel-guide/"


def test_guide_recommends_with_steps_ids_and_ticket_button(rules, viewer_client, member_client, shop):
    query = {"audience": "seller", "can_log_in": "yes", "issue": "enforcement", "account": shop.pk}
    page = viewer_client.get(GUIDE, query).content.decode()
    assert "Use: Seller Center live chat" in page
    assert "Have these IDs ready" in page and "Shop ID" in page
    assert "Open a ticket record with this channel" not in page  # viewers cannot record tickets
    page = member_client.get(GUIDE, query).content.decode()
    assert f"/tickets/new/?channel=seller_center_chat&amp;account_pk={shop.pk}" in page


def test_guide_htmx_returns_only_the_result(rules, member_client):
    response = member_client.get(
        GUIDE, {"audience": "creator", "can_log_in": "yes", "issue": "payout"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="guide-result"' in html
    assert "Creator Help Center support ticket" in html
    full = member_client.get(GUIDE).content.decode()
    assert "<html" in full and "Who are you?" in full


def test_guide_incomplete_answers_ask_for_more(rules, member_client):
    html = member_client.get(GUIDE, {"audience": "seller"}).content.decode()
    assert "Answer all three questions" in html


def test_guide_without_rules_says_what_to_do(org, owner_client, member_client):
    assert "Load the default rules" in owner_client.get(GUIDE).content.decode()
    assert "Ask an owner" in member_client.get(GUIDE).content.decode()


def test_guide_warns_agency_about_missing_authorization(org, rules, member_client, shop):
    org.is_agency = True
    org.save()
    query = {"audience": "partner_shop", "can_log_in": "yes", "issue": "enforcement", "account": shop.pk}
    html = member_client.get(GUIDE, query).content.decode()
    assert "No authorization recorded" in html
    assert "Use: Partner Center: support for a shop" in html  # a callout, not a refusal
    html = member_client.get(GUIDE, {**query, "account": ""}).content.decode()
    assert "Partner authorization needed" in html


def test_guide_post_not_allowed(rules, member_client):
    assert member_client.post(GUIDE).status_code == 405


def test_guide_outsider_gets_own_org_rules_only(rules, outsider_client):
    # The outsider's organization has no rules: they never see ours.
    assert "has no rules yet" in outsider_client.get(GUIDE).content.decode()


# Opened from a case


@pytest.fixture
def case(shop):
    from tests.factories import AppealFactory, ViolationFactory

    violation = ViolationFactory(account=shop, reference="VR-CASE-1", policy="Counterfeit goods")
    AppealFactory(violation=violation, round=1)
    AppealFactory(violation=violation, round=2)
    return violation


def test_guide_from_a_case_pre_answers_and_names_the_case(rules, member_client, case, shop):
    html = member_client.get(GUIDE, {"violation_pk": case.pk}).content.decode()
    assert 'id="guide-case"' in html and "VR-CASE-1" in html and "appeal round 2" in html
    assert 'value="seller" id="id_audience_0" required checked' in html
    assert 'value="enforcement" id="id_issue_0" required checked' in html
    assert "checked" not in html.split('name="can_log_in"')[1].split("</fieldset>")[0]  # only the user knows
    assert f'<option value="{shop.pk}" selected>' in html
    assert f'name="violation_pk" value="{case.pk}"' in html and 'name="appeal_round" value="2"' in html
    assert "Answer all three questions" not in html  # pre-answered, not an incomplete submission


def test_guide_from_a_case_links_the_ticket_to_account_case_and_round(rules, member_client, case, shop):
    query = {"audience": "seller", "can_log_in": "yes", "issue": "enforcement", "violation_pk": case.pk}
    html = member_client.get(GUIDE, {**query, "appeal_round": "1"}).content.decode()
    case_query = f"account_pk={shop.pk}&amp;violation_pk={case.pk}&amp;appeal_round=1"
    assert f"/tickets/new/?channel=seller_center_chat&amp;{case_query}" in html
    assert f"?channel=seller_center_ticket&amp;account_pk={shop.pk}&amp;violation_pk={case.pk}" in html  # alternative
    # No round given: the case's latest round.
    assert "&amp;appeal_round=2" in member_client.get(GUIDE, query).content.decode()


def test_guide_case_keeps_its_account_over_another_choice(rules, member_client, case, creator_account):
    query = {"audience": "seller", "can_log_in": "yes", "issue": "enforcement", "violation_pk": case.pk}
    html = member_client.get(GUIDE, {**query, "account": creator_account.pk}).content.decode()
    assert f"account_pk={case.account_id}&amp;violation_pk={case.pk}" in html


def test_guide_ignores_another_organizations_case(rules, outsider_client, member_client, case, other_org):
    from tests.factories import AccountFactory, ViolationFactory

    foreign = ViolationFactory(account=AccountFactory(organization=other_org), reference="THEIRS")
    query = {"audience": "seller", "can_log_in": "yes", "issue": "enforcement", "violation_pk": foreign.pk}
    html = member_client.get(GUIDE, query).content.decode()
    assert "THEIRS" not in html and "violation_pk=" not in html.split('id="guide-result"')[1]
    assert "VR-CASE-1" not in outsider_client.get(GUIDE, {"violation_pk": case.pk}).content.decode()


def test_ticket_from_the_guide_link_saves_with_account_case_and_round(rules, member_client, case, shop):
    from appeals.models import SupportTicket

    page = member_client.get(
        "/tickets/new/",
        {"channel": "seller_center_chat", "account_pk": shop.pk, "violation_pk": case.pk, "appeal_round": 1},
    )
    form = page.context["form"]
    assert form.initial["account"] == shop and form.initial["violation_reference"] == "VR-CASE-1"
    assert form.initial["appeal_round"] == 1 and form.initial["channel"] == "seller_center_chat"
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["account"] = data["account"].pk
    data["opened_at"] = data["opened_at"].strftime("%Y-%m-%dT%H:%M")
    response = member_client.post("/tickets/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = SupportTicket.objects.get()
    assert (ticket.account, ticket.violation, ticket.appeal.round) == (shop, case, 1)


def test_case_page_links_the_guide_with_the_case(rules, member_client, case):
    html = member_client.get(f"/violations/{case.pk}/").content.decode()
    assert f"/channel-guide/?violation_pk={case.pk}" in html


# Rules editor


RULES = "/channel-guide/rules/"


def test_owner_lists_adds_edits_and_deletes_rules(org, rules, owner_client):
    assert "Channel guide rules" in owner_client.get(RULES).content.decode()
    data = {
        "audience": "seller",
        "can_log_in": "any",
        "issue": "listing",
        "channel": "seller_center_ticket",
        "steps": "Open a ticket",
        "ids_to_have": "SKU ID",
        "advice": "",
        "position": 0,
    }
    response = owner_client.post(RULES + "new/", data)
    assert response.status_code == 302
    rule = ChannelRule.objects.get(organization=org, issue="listing")
    response = owner_client.post(f"{RULES}{rule.pk}/edit/", {**data, "steps": "Changed"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.steps == "Changed"
    assert owner_client.post(f"{RULES}{rule.pk}/delete/").status_code == 302
    assert not ChannelRule.objects.filter(pk=rule.pk).exists()


def test_rule_form_errors_stay_at_the_field(rules, owner_client):
    response = owner_client.post(RULES + "new/", {"audience": "seller", "channel": "nope", "steps": "x"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_channel_error"' in html or "Select a valid choice" in html


def test_htmx_delete_returns_empty_row(org, rules, owner_client):
    rule = rules.first()
    response = owner_client.post(f"{RULES}{rule.pk}/delete/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""


def test_restore_defaults_replaces_rules(org, rules, owner_client):
    ChannelRule.objects.filter(organization=org).delete()
    ChannelRule.objects.create(organization=org, audience=A.SELLER, channel=C.CONTACT_US_FORM, steps="Ours")
    assert owner_client.post(RULES + "restore/").status_code == 302
    assert ChannelRule.objects.filter(organization=org).count() == len(default_rule_fields())
    assert not ChannelRule.objects.filter(organization=org, steps="Ours").exists()


def test_non_owners_cannot_edit_rules(rules, member_client, manager_client, viewer_client):
    rule = rules.first()
    for client in (member_client, manager_client, viewer_client):
        assert client.get(RULES).status_code == 403
        assert client.post(RULES + "restore/").status_code == 403
        assert client.post(f"{RULES}{rule.pk}/delete/").status_code == 403
    assert ChannelRule.objects.filter(pk=rule.pk).exists()


def test_outsider_gets_404_for_our_rules(rules, outsider_client):
    rule = rules.first()
    assert outsider_client.get(f"{RULES}{rule.pk}/edit/").status_code == 404
    assert outsider_client.post(f"{RULES}{rule.pk}/delete/").status_code == 404
    assert ChannelRule.objects.filter(pk=rule.pk).exists()


def test_rule_delete_needs_post(rules, owner_client):
    assert owner_client.get(f"{RULES}{rules.first().pk}/delete/").status_code == 405
