"""Outcome and follow-up screens: success, conflicts, htmx, wrong method and access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, CaseStatus
from appeals.services.outcomes import outcome_record
from tests.outcomes_helpers import make_evidence, submitted_appeal

pytestmark = pytest.mark.django_db


def _url(appeal):
    return reverse("appeals:outcome_record", kwargs={"appeal_pk": appeal.pk})


def test_outcome_form_page_renders(member_client, shop):
    appeal = submitted_appeal(shop)
    response = member_client.get(_url(appeal))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Record the outcome" in body
    assert 'name="impacts_cleared"' in body and 'name="version"' in body
    assert body.count("<h1") == 1


def test_record_outcome_plain_post_redirects_to_case(member_client, shop):
    appeal = submitted_appeal(shop, penalty_points=3)
    response = member_client.post(
        _url(appeal), {"outcome": "reversed", "message": "Reinstated", "version": appeal.version, "decided_at": ""}
    )
    assert response.status_code == 302
    assert f"#appeal-{appeal.pk}" in response["Location"]
    appeal.refresh_from_db()
    appeal.violation.refresh_from_db()
    assert appeal.status == Appeal.Status.REVERSED
    assert appeal.violation.points_cleared and appeal.violation.status == CaseStatus.REVERSED


def test_record_outcome_htmx_redirects_to_the_case(member_client, shop):
    appeal = submitted_appeal(shop, submitted_at=timezone.now() - timedelta(days=1))
    response = member_client.post(
        _url(appeal), {"outcome": "upheld", "version": appeal.version}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].endswith(f"#appeal-{appeal.pk}")
    body = member_client.get(_url(appeal)).content.decode()
    assert "Review took" in body and "window" in body
    assert "Start follow-up appeal" in body


def test_record_outcome_htmx_error_returns_the_block(member_client, shop):
    appeal = submitted_appeal(shop)
    response = member_client.post(
        _url(appeal), {"outcome": "partially_reversed", "version": appeal.version}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and f'id="appeal-outcome-{appeal.pk}"' in body
    assert "Tick what the partial reversal cleared" in body


def test_decision_before_submission_shows_field_error_and_keeps_input(member_client, shop):
    appeal = submitted_appeal(shop)
    too_early = (appeal.submitted_at - timedelta(days=3)).astimezone(timezone.get_default_timezone())
    response = member_client.post(
        _url(appeal),
        {
            "outcome": "upheld",
            "decided_at": too_early.strftime("%Y-%m-%dT%H:%M"),
            "message": "Typed message kept",
            "version": appeal.version,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "cannot come before the submission" in body
    assert "Typed message kept" in body
    assert 'id="id_decided_at_error"' in body


def test_conflicting_save_shows_the_other_change(member_client, owner, shop):
    appeal = submitted_appeal(shop)
    stale = appeal.version
    outcome_record(appeal_id=appeal.pk, by=owner, outcome="upheld", message="Policy applies.", version=stale)
    response = member_client.post(
        _url(appeal), {"outcome": "reversed", "message": "My reversal text", "version": stale}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was overwritten" in body
    assert "Policy applies." in body  # the saved outcome is shown
    assert 'class="callout warning"' in body
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD and appeal.decision_message == "Policy applies."


def test_outcome_view_access(viewer_client, outsider_client, client, shop):
    appeal = submitted_appeal(shop)
    assert viewer_client.get(_url(appeal)).status_code == 403
    assert viewer_client.post(_url(appeal), {"outcome": "upheld", "version": 1}).status_code == 403
    assert outsider_client.get(_url(appeal)).status_code == 404
    assert outsider_client.post(_url(appeal), {"outcome": "upheld", "version": 1}).status_code == 404
    assert client.get(_url(appeal)).status_code == 302  # to login
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UNDER_REVIEW


def test_outcome_view_wrong_method(member_client, shop):
    appeal = submitted_appeal(shop)
    assert member_client.put(_url(appeal)).status_code == 405


def test_draft_can_be_withdrawn_from_the_outcome_page(member_client, shop):
    from tests.factories import AppealFactory, ViolationFactory

    appeal = AppealFactory(violation=ViolationFactory(account=shop))
    page = member_client.get(_url(appeal)).content.decode()
    assert "Withdraw draft" in page
    response = member_client.post(_url(appeal), {"outcome": "withdrawn", "version": appeal.version})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.WITHDRAWN


# --- follow-up --------------------------------------------------------------------------------


def _follow_up_url(appeal):
    return reverse("appeals:appeal_follow_up", kwargs={"appeal_pk": appeal.pk})


def test_follow_up_button_creates_round_two(member_client, member, shop):
    appeal = submitted_appeal(shop)
    make_evidence(appeal, b"first evidence")
    appeal = outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=1)
    response = member_client.post(_follow_up_url(appeal))
    assert response.status_code == 302
    follow_up = Appeal.objects.get(violation=appeal.violation, round=2)
    assert follow_up.parent == appeal and follow_up.evidence.count() == 1


def test_follow_up_htmx_redirects_with_header(member_client, member, shop):
    appeal = submitted_appeal(shop)
    appeal = outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=1)
    response = member_client.post(_follow_up_url(appeal), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"]
    assert Appeal.objects.filter(violation=appeal.violation, round=2).exists()


def test_follow_up_refusal_is_shown_as_message(member_client, member, shop):
    appeal = submitted_appeal(shop)
    appeal = outcome_record(appeal_id=appeal.pk, by=member, outcome="reversed", version=1)
    response = member_client.post(_follow_up_url(appeal), follow=True)
    assert "nothing left to appeal" in response.content.decode()
    assert not Appeal.objects.filter(violation=appeal.violation, round=2).exists()


def test_final_decision_block_points_to_escalation(member_client, member, org, shop):
    org.max_rounds = 1
    org.save()
    appeal = submitted_appeal(shop)
    outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=1)
    body = member_client.get(_url(appeal)).content.decode()
    assert "The decision is final" in body
    assert reverse("appeals:escalation_create", kwargs={"violation_pk": appeal.violation_id}) in body


def test_follow_up_access(viewer_client, outsider_client, member, shop):
    appeal = submitted_appeal(shop)
    appeal = outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=1)
    assert viewer_client.post(_follow_up_url(appeal)).status_code == 403
    assert outsider_client.post(_follow_up_url(appeal)).status_code == 404
    assert Appeal.objects.filter(violation=appeal.violation).count() == 1


def test_follow_up_get_not_allowed(member_client, shop):
    appeal = submitted_appeal(shop)
    assert member_client.get(_follow_up_url(appeal)).status_code == 405


# --- the case page ------------------------------------------------------------------------------


def _case(client, violation):
    return client.get(reverse("appeals:case", kwargs={"violation_pk": violation.pk}))


def test_case_page_offers_recording_the_outcome(member_client, shop):
    appeal = submitted_appeal(shop)
    response = _case(member_client, appeal.violation)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="decisions"' in body and f'id="appeal-{appeal.pk}"' in body
    assert _url(appeal) in body and "Save outcome" in body
    assert 'id="escalations"' in body and 'id="comments"' in body


def test_case_page_after_upheld_decision_offers_follow_up_and_escalation(member_client, member, shop):
    appeal = submitted_appeal(shop)
    outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", message="Stands.", version=1)
    body = _case(member_client, appeal.violation).content.decode()
    assert _follow_up_url(appeal) in body
    assert reverse("appeals:escalation_create", kwargs={"violation_pk": appeal.violation_id}) in body
    assert "Review took" in body and "Stands." in body
    assert "recorded the outcome" in body and "round 1: upheld" in body  # timeline entry with its summary


def test_case_page_for_viewer_has_no_write_controls(viewer_client, member, shop):
    appeal = submitted_appeal(shop)
    body = _case(viewer_client, appeal.violation).content.decode()
    assert "Save outcome" not in body and 'name="body"' not in body
    outcome_record(appeal_id=appeal.pk, by=member, outcome="upheld", version=1)
    body = _case(viewer_client, appeal.violation).content.decode()
    assert _follow_up_url(appeal) not in body


def test_htmx_save_from_the_case_page_refreshes_it(member_client, shop):
    appeal = submitted_appeal(shop)
    case = reverse("appeals:case", kwargs={"violation_pk": appeal.violation_id})
    response = member_client.post(
        _url(appeal),
        {"outcome": "upheld", "version": appeal.version},
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{case}#appeal-{appeal.pk}"},
    )
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true" and "HX-Redirect" not in response


@pytest.mark.parametrize(
    "data", [None, {"outcome": "partially_reversed", "impacts_cleared": ["points_removed", "nope"], "message": "<b>"}]
)
def test_widget_partial_writes_radio_and_checkbox_lists_and_file_inputs_as_django_does(data):
    from django import forms as django_forms

    from appeals.forms.outcomes import OutcomeForm
    from appeals.forms.violations import AttachmentForm
    from core.market_forms import MarketClockForm
    from core.templatetags.jinja_partials import render_partial

    class Optional(django_forms.Form):  # a clearable input showing its current file (written by Django)
        file = django_forms.FileField(required=False)

    current = type("Current", (), {"url": "/files/a&b.png", "__str__": lambda self: "a&b.png"})()
    forms = [
        OutcomeForm(data, initial={"version": 1}, auto_id="id_o7_%s"),
        MarketClockForm(data and {"support_days": [2]}),
        AttachmentForm(data, {}),
        Optional(initial={"file": current}),
    ]
    kinds = {"radioselect", "checkboxselectmultiple", "clearablefile"}
    fields = [f for form in forms for f in form if f.widget_type in kinds]
    assert len(fields) == 5
    for field in fields:
        written = str(render_partial("widget.html", {"field": field}))
        # The same entities: Jinja2 (MarkupSafe) writes a quote as &#34;, Django as &quot;.
        assert written.replace("&#34;", "&quot;").replace("&#39;", "&#x27;") == str(field.as_widget()), field.name
        assert data is None or " checked" in written or field.widget_type == "clearablefile"
