"""Saved views of the violation list, the "Assigned to me" views, the next-deadline sort and the result count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from appeals.forms.saved_views import list_query
from appeals.models import CaseStatus, SavedView, Violation
from appeals.selectors import violations as selectors
from appeals.services import ServiceError
from appeals.services.saved_views import saved_view_create
from tests.factories import AccountFactory, MembershipFactory, ViolationFactory

pytestmark = pytest.mark.django_db

CREATE = "/violations/views/"


def _delete_url(view) -> str:
    return reverse("appeals:saved_view_delete", kwargs={"view_pk": view.pk})


# --- Saving -----------------------------------------------------------------------------------------------------


def test_save_the_current_filter(org, member, member_client):
    response = member_client.post(
        CREATE, {"name": "  My   trademark cases ", "query": "q=tm&page=3&kind=&sort=reference"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/violations/?q=tm&sort=reference"
    view = SavedView.objects.get(user=member, organization=org)
    # Spaces squeezed, the page number and empty filters dropped.
    assert (view.name, view.query) == ("My trademark cases", "q=tm&sort=reference")
    page = member_client.get("/violations/").content.decode()
    assert 'href="/violations/?q=tm&amp;sort=reference"' in page and "My trademark cases" in page


@pytest.mark.parametrize(
    ("name", "query", "error"),
    [
        ("", "kind=listing_removal", "Give the view a name."),
        ("   ", "kind=listing_removal", "Give the view a name."),
        ("x" * 61, "kind=listing_removal", "Keep the name to 60 characters (this one has 61)."),
        ("Long", "q=" + "a" * 1000, "This filter is too long to save"),
        ("Mine", "assignee=me", "You already have a view named “Mine”"),
    ],
)
def test_bad_names_get_a_message_at_the_field(org, member, member_client, name, query, error):
    SavedView.objects.create(user=member, organization=org, name="Mine", query="assignee=me")
    response = member_client.post(CREATE, {"name": name, "query": query})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorlist" role="alert"' in body and error in body.replace("&#x27;", "'")
    assert 'aria-invalid="true"' in body
    assert SavedView.objects.filter(user=member).count() == 1


def test_htmx_error_answers_with_the_form_alone(org, member, member_client):
    response = member_client.post(CREATE, {"name": "", "query": "q=x"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="saved-view-form"' in body
    assert "Give the view a name." in body


def test_htmx_success_redirects_to_the_view(org, member, member_client):
    response = member_client.post(
        CREATE, {"name": "Pending", "query": "record_status=pending"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204 and response["HX-Redirect"] == "/violations/?record_status=pending"


def test_the_same_name_is_free_for_another_person_and_organization(org, other_org, member, member_client):
    teammate = MembershipFactory(organization=org).user
    saved_view_create(user=teammate, organization=org, name="Mine", query="")
    saved_view_create(user=member, organization=other_org, name="Mine", query="")
    assert member_client.post(CREATE, {"name": "Mine", "query": ""}).status_code == 302
    with pytest.raises(ServiceError) as exc:
        saved_view_create(user=member, organization=org, name="Mine ", query="q=y")
    assert exc.value.field == "name"


def test_the_form_page_opens_with_the_current_filter(member_client):
    response = member_client.get(CREATE + "?query=kind%3Dlisting_removal%26page%3D2")
    body = response.content.decode()
    assert response.status_code == 200 and 'value="kind=listing_removal"' in body


def test_viewer_can_save_own_view(org, viewer, viewer_client):
    assert viewer_client.post(CREATE, {"name": "Mine", "query": ""}).status_code == 302
    assert SavedView.objects.filter(user=viewer).exists()


def test_saving_needs_login(client):
    assert client.post(CREATE, {"name": "x"}).status_code == 302
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("page=2", ""),
        ("status=draft&page=2&sort=-next_deadline", "status=draft&sort=-next_deadline"),
        ("evil=1&q=a%26b", "q=a%26b"),
        ("assignee=me&kind=", "assignee=me"),
    ],
)
def test_list_query_keeps_only_filters_and_sort(query, kept):
    assert list_query(query) == kept


# --- Deleting ---------------------------------------------------------------------------------------------------


def test_delete_own_view(org, member, member_client):
    view = SavedView.objects.create(user=member, organization=org, name="Mine")
    assert member_client.get(_delete_url(view)).status_code == 405
    assert member_client.post(_delete_url(view)).status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_another_persons_or_organizations_view_is_404(org, other_org, member, member_client, outsider):
    teammates = SavedView.objects.create(user=MembershipFactory(organization=org).user, organization=org, name="T")
    outsiders = SavedView.objects.create(user=outsider, organization=other_org, name="O")
    # The member's own view kept in another organization is not reachable from this one either.
    MembershipFactory(organization=other_org, user=member)
    own_elsewhere = SavedView.objects.create(user=member, organization=other_org, name="E")
    for view in (teammates, outsiders, own_elsewhere):
        assert member_client.post(_delete_url(view)).status_code == 404
    assert SavedView.objects.count() == 3


def test_list_shows_only_my_views_of_this_organization(org, other_org, member, member_client):
    SavedView.objects.create(user=member, organization=org, name="Here")
    SavedView.objects.create(user=MembershipFactory(organization=org).user, organization=org, name="Theirs")
    MembershipFactory(organization=other_org, user=member)
    SavedView.objects.create(user=member, organization=other_org, name="Elsewhere")
    page = member_client.get("/violations/").content.decode()
    assert "Here" in page and "Theirs" not in page and "Elsewhere" not in page


# --- Assigned to me ---------------------------------------------------------------------------------------------


def test_assigned_to_me_is_one_click_on_the_list_and_inbox(org, shop, member, member_client):
    soon = timezone.now() + timedelta(days=3)
    ViolationFactory(account=shop, reference="MINE-1", assignee=member, appeal_by=soon)
    ViolationFactory(account=shop, reference="THEIRS-1", appeal_by=soon)
    page = member_client.get("/violations/").content.decode()
    assert 'href="/violations/?assignee=me&amp;sort=next_deadline"' in page
    mine = member_client.get("/violations/?assignee=me&sort=next_deadline").content.decode()
    assert "MINE-1" in mine and "THEIRS-1" not in mine
    inbox = member_client.get("/inbox/").content.decode()
    assert 'href="/inbox/?mine=1"' in inbox and "MINE-1" in inbox and "THEIRS-1" in inbox
    mine = member_client.get("/inbox/?mine=1").content.decode()
    assert "MINE-1" in mine and "THEIRS-1" not in mine


def test_inbox_assigned_to_me_counts_decisions_of_my_cases(org, shop, member, member_client):
    from tests.outcomes_helpers import submitted_appeal

    now = timezone.now()
    mine = submitted_appeal(shop, violation=ViolationFactory(account=shop, assignee=member, reference="M-UR"))
    submitted_appeal(shop, violation=ViolationFactory(account=shop, reference="T-UR"))
    Violation.objects.update(status=CaseStatus.UNDER_REVIEW)
    box = selectors.inbox_for_member(org, user=member, mine=True, now=now + timedelta(days=10))
    overdue = next(g for g in box.groups if g.key == "overdue")
    assert overdue.count == 1 and overdue.rows[0].pk == mine.pk


def test_inbox_assigned_to_me_when_nothing_is_mine(org, shop, member_client):
    ViolationFactory(account=shop, appeal_by=timezone.now() + timedelta(days=3))
    body = member_client.get("/inbox/?mine=1").content.decode()
    assert "Nothing assigned to you needs action right now." in body


# --- Next deadline ----------------------------------------------------------------------------------------------


def test_next_deadline_sort_puts_final_cases_last(org, shop, member, member_client):
    now = timezone.now()
    ViolationFactory(account=shop, reference="D-LATE", appeal_by=now + timedelta(days=20))
    review = ViolationFactory(account=shop, reference="D-REVIEW", appeal_by=now + timedelta(days=40))
    Violation.objects.filter(pk=review.pk).update(
        status=CaseStatus.UNDER_REVIEW, next_deadline_at=now + timedelta(days=2)
    )
    final = ViolationFactory(account=shop, reference="D-FINAL", appeal_by=now - timedelta(days=60))
    Violation.objects.filter(pk=final.pk).update(status=CaseStatus.REVERSED, next_deadline_at=None)
    ViolationFactory(account=shop, reference="D-SOON", appeal_by=now + timedelta(days=5))

    def order(sort: str) -> list[str]:
        response = member_client.get(f"/violations/?sort={sort}")
        return [v.reference for v in response.context["page"].rows]

    assert order("next_deadline") == ["D-REVIEW", "D-SOON", "D-LATE", "D-FINAL"]
    assert order("-next_deadline") == ["D-FINAL", "D-LATE", "D-SOON", "D-REVIEW"]
    body = member_client.get("/violations/?sort=next_deadline").content.decode()
    assert "decision due" in body and "Next deadline" in body and 'aria-sort="ascending"' in body


# --- Result count -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "shown"), [(0, 0), (999, 999), (10_001, 10_000), (12_345, 12_300), (12_351, 12_400), (987_654, 988_000)]
)
def test_about_keeps_three_significant_digits(n, shown):
    assert selectors.about(n) == shown


def test_result_count_labels():
    assert selectors.ResultCount(1234, exact=True).label == "1,234"
    assert selectors.ResultCount(12_345, exact=False).label == "about 12,300"
    assert selectors.ResultCount(10_000, exact=False, at_least=True).label == "more than 10,000"


def test_list_says_how_many_match(org, shop, member_client):
    for n in range(30):
        ViolationFactory(account=shop, reference=f"C{n:02}", kind="listing_removal" if n % 3 else "penalty_points")
    body = member_client.get("/violations/").content.decode()
    assert "Showing 1–25 of 30 violations." in body
    body = member_client.get("/violations/?kind=penalty_points").content.decode()
    assert "Showing 1–10 of 10 matching violations." in body
    body = member_client.get("/violations/?page=2").content.decode()
    assert "Showing 26–30 of 30 violations." in body


def test_above_the_limit_the_count_is_the_planners_estimate(org, shop, monkeypatch):
    for n in range(8):
        ViolationFactory(account=shop, reference=f"E{n}")
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 5)
    count = selectors.result_count(Violation.objects.filter(organization=org))
    if connection.vendor == "postgresql":
        # The planner's estimate when it is above the limit, else "more than" the limit: never a figure below
        # what the bounded count already saw (6 = limit + 1).
        assert not count.exact
        assert count.label == "more than 5" if count.at_least else count.label.startswith("about ")
    else:
        assert count.exact and count.value == 8
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 10)
    assert selectors.result_count(Violation.objects.filter(organization=org)) == selectors.ResultCount(8, True)


def test_a_free_text_filter_counts_exactly_only_up_to_the_search_limit(org, shop, member_client, monkeypatch):
    # A word in many cases: counting every match reads the text of every case of the organization, so the search
    # (and "Policy contains") count exactly only up to SEARCH_EXACT_COUNT_LIMIT; other filters keep their limit.
    for n in range(30):
        ViolationFactory(account=shop, reference=f"N{n:02}", policy="Counterfeit goods", notice=f"needle {n}")
    monkeypatch.setattr(selectors, "SEARCH_EXACT_COUNT_LIMIT", 10)
    for query in ("q=needle", "policy=counterfeit", "q=+&policy=counterfeit"):
        body = member_client.get(f"/violations/?{query}").content.decode()
        if connection.vendor == "postgresql":
            assert "of more than 10 matching" in body or "of about " in body, query
            assert "of 30 matching" not in body, query
        else:
            assert "of 30 matching" in body, query
    body = member_client.get("/violations/?kind=listing_removal&q=+").content.decode()
    assert "Showing 1–25 of 30 matching violations." in body


def test_the_list_masks_its_csrf_token_once_and_the_token_is_accepted(org, member):
    from django.test import Client

    view = SavedView.objects.create(user=member, organization=org, name="Mine", query="assignee=me")
    ViolationFactory(account=AccountFactory(organization=org))
    client = Client(enforce_csrf_checks=True)
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    client.get("/healthz")
    html = client.get("/violations/").content.decode()
    fields = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    header = re.findall(r'"X-CSRFToken": "([^"]+)"', html)
    # The saved view's delete form, the bulk form, the save form, the layout's forms and htmx's header: two masks of
    # the token (csrf_input's and csrf_token's), not one per use.
    tokens = fields + header
    assert len(tokens) >= 6 and len(set(tokens)) == 2
    assert client.post(_delete_url(view), {"csrfmiddlewaretoken": tokens[0]}).status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()
