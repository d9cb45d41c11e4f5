"""Paste the notice on Record a violation: htmx and plain requests, roles, isolation; nothing saved until saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appeals.models import Violation

URL = reverse("appeals:notice_read")
NOTICE = """Hi Seller,

Violation ID: VR7302938475
Violation reason: Prohibited products: weapons
Enforcement action: Product removed
Violation points: 4
Violation time: 2026/10/28 09:15
Shop ID: 7495001122
Product ID: 1729384756102938475
Call +1 (888) 555-0147.
"""


def test_create_page_has_the_paste_box_with_a_no_js_button(member_client, shop):
    page = member_client.get(reverse("appeals:violation_create")).content.decode()
    assert "Paste the notice" in page
    assert f'formaction="{URL}"' in page
    assert f'hx-post="{URL}"' in page


def test_read_notice_without_js_fills_and_marks_the_form_and_saves_nothing(member_client, shop):
    response = member_client.post(URL, {"notice_text": NOTICE})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page.lower()
    form = response.context["form"]
    assert form.initial["reference"] == "VR7302938475"
    assert form.initial["account"] == shop.pk
    assert form.initial["kind"] == "listing_removal"
    assert form.initial["penalty_points"] == 4
    assert form.initial["product_ids"] == "1729384756102938475"
    assert form.initial["notice"] == NOTICE
    assert page.count('data-from-notice="true"') == 9
    assert "From the notice: check it." in page
    assert "555-0147" not in form.initial.get("order_ids", "")
    assert Violation.objects.count() == 0


def test_read_notice_with_htmx_answers_the_fields_partial(member_client, shop):
    response = member_client.post(URL, {"notice_text": NOTICE}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page.lower()
    assert page.lstrip().startswith('<div id="violation-fields">')
    assert 'value="VR7302938475"' in page
    assert "Read from the notice: 9 fields" in page


def test_typed_fields_are_kept_when_the_notice_does_not_state_them(member_client, shop):
    response = member_client.post(
        URL, {"notice_text": "Violation ID: VR1234567", "policy": "Typed policy"}, headers={"HX-Request": "true"}
    )
    assert response.context["form"].initial["policy"] == "Typed policy"
    assert response.context["form"].initial["reference"] == "VR1234567"


def test_unknown_account_is_named_not_invented(member_client, shop):
    page = member_client.post(URL, {"notice_text": "Violation ID: VR1234567\nShop ID: 999888777666"}).content.decode()
    assert "999888777666" in page and "not one of your accounts" in page


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Paste the notice"), ("   \n", "Paste the notice"), ("x" * 20_001, "longer than 20,000 characters")],
)
def test_empty_or_too_long_notice_gets_a_message(member_client, shop, text, message):
    response = member_client.post(URL, {"notice_text": text}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_nothing_recognisable_says_so(member_client, shop):
    page = member_client.post(URL, {"notice_text": "Lunch at noon?"}).content.decode()
    assert "Nothing recognisable" in page


def test_read_notice_wrong_method_and_roles(member_client, viewer_client, client, shop):
    assert member_client.get(URL).status_code == 405
    assert viewer_client.post(URL, {"notice_text": NOTICE}).status_code == 403
    assert client.post(URL, {"notice_text": NOTICE}).status_code == 302


def test_other_organizations_account_is_not_matched(outsider_client, shop):
    response = outsider_client.post(URL, {"notice_text": NOTICE})
    assert response.status_code == 200
    assert "account" not in response.context["form"].initial or response.context["form"].initial["account"] is None


def test_paste_then_save_records_the_case(member_client, shop):
    form = member_client.post(URL, {"notice_text": NOTICE}).context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data["enforced_at"] = form.initial["enforced_at"].strftime("%Y-%m-%dT%H:%M")
    response = member_client.post(reverse("appeals:violation_create"), data)
    assert response.status_code == 302
    violation = Violation.objects.get()
    assert violation.reference == "VR7302938475"
    assert violation.notice == NOTICE.strip()
    assert [i.value for i in violation.items.all()] == ["1729384756102938475"]
