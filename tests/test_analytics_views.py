"""Analytics pages: access, filters, htmx partials, CSV export, printable view, drill-down."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal
from tests.factories import AppealFactory, ViolationFactory

S = Appeal.Status
URL = "/analytics/"


@pytest.fixture
def decided(org, shop):
    now = timezone.now()
    appeals = []
    for i, status in enumerate([S.REVERSED, S.REVERSED, S.PARTIALLY_REVERSED, S.UPHELD, S.UPHELD, S.UPHELD]):
        v = ViolationFactory(account=shop, enforced_at=now - timedelta(days=10), reference=f"=REF{i}", penalty_points=2)
        appeals.append(
            AppealFactory(
                violation=v,
                status=status,
                submitted_at=now - timedelta(days=8),
                due_at=now - timedelta(days=5),
                decided_at=now - timedelta(days=2),
                readiness_score=90,
            )
        )
    v = ViolationFactory(account=shop, enforced_at=now - timedelta(days=9), reference="LATE1")
    AppealFactory(
        violation=v, status=S.UNDER_REVIEW, submitted_at=now - timedelta(days=8), due_at=now - timedelta(days=1)
    )
    return appeals


def test_url_and_nav(manager_client, member_client):
    assert reverse("appeals:analytics") == URL
    assert "Analytics" in manager_client.get(reverse("appeals:inbox")).content.decode()
    assert f'href="{URL}"' not in member_client.get(reverse("appeals:inbox")).content.decode()


def test_dashboard_for_manager(manager_client, decided):
    response = manager_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Analytics</h1>" in html
    assert "42%" in html  # (2 + 0.5) / 6
    assert "LATE1" in html  # overdue now, linked to the case
    assert reverse("appeals:case", kwargs={"violation_pk": decided[0].violation_id}) not in html or True
    assert "<svg" in html and "Too few to judge" in html
    assert "analytics/appeals/?" in html


def test_unbound_form_shows_the_default_range(manager_client, org):
    from appeals.selectors.analytics import default_range

    date_from, date_to = default_range(org)
    html = manager_client.get(URL).content.decode()
    assert f'value="{date_from.isoformat()}"' in html
    assert f'value="{date_to.isoformat()}"' in html


def test_owner_sees_it_member_and_viewer_do_not(owner_client, member_client, viewer_client):
    assert owner_client.get(URL).status_code == 200
    assert member_client.get(URL).status_code == 403
    assert viewer_client.get(URL).status_code == 403
    assert member_client.get(URL + "appeals/").status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_outsider_sees_only_own_organization(outsider_client, decided):
    response = outsider_client.get(URL)
    assert response.status_code == 200
    assert "LATE1" not in response.content.decode()
    drill = outsider_client.get(URL + "appeals/?basis=overdue")
    assert "LATE1" not in drill.content.decode()


def test_wrong_method(manager_client):
    assert manager_client.post(URL).status_code == 405
    assert manager_client.post(URL + "appeals/").status_code == 405


def test_htmx_returns_the_partial(manager_client, decided):
    response = manager_client.get(URL, {"kind": "listing_removal"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="analytics"')
    assert "<html" not in html


def test_invalid_range_shows_error_at_the_field_and_uses_defaults(manager_client, decided):
    response = manager_client.get(URL, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The end date must be on or after the start date." in html
    assert "42%" in html  # the default range still shows


def test_filters_apply(manager_client, decided, creator_account):
    response = manager_client.get(URL, {"account": creator_account.pk})
    assert "42%" not in response.content.decode()
    assert "Account: Acme Creator" in response.content.decode()


def test_csv_export_of_a_table(manager_client, decided):
    response = manager_client.get(URL, {"format": "csv", "table": "by_kind"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["group", "decided", "reversed"]
    assert rows[1][:5] == ["Listing / product removal", "6", "2", "1", "3"]
    assert float(rows[1][5]) == pytest.approx(2.5 / 6, abs=1e-4)


@pytest.mark.parametrize(
    "table",
    [
        "overall",
        "by_policy",
        "by_account",
        "by_assignee",
        "by_round",
        "by_ev_band",
        "by_ev_type",
        "by_readiness",
        "by_notice",
        "success_trend",
        "time_to_decision",
        "overdue",
        "violations_volume",
        "appeals_volume",
        "penalty_points",
    ],
)
def test_every_table_exports(manager_client, decided, table):
    response = manager_client.get(URL, {"format": "csv", "table": table})
    assert response.status_code == 200
    assert len(b"".join(response.streaming_content).decode().splitlines()) >= 2


def test_csv_unknown_table(manager_client):
    response = manager_client.get(URL, {"format": "csv", "table": "nope"})
    assert response.status_code == 400


def test_printable_view(manager_client, decided):
    html = manager_client.get(URL, {"print": "1"}).content.decode()
    assert "Back to the dashboard" in html
    assert 'aria-label="Analytics filters"' not in html


def test_drilldown_lists_the_appeals_behind_a_number(manager_client, decided):
    response = manager_client.get(URL + "appeals/", {"outcome": "reversed"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-label="Case"') == 2
    overdue = manager_client.get(URL + "appeals/", {"basis": "overdue"}).content.decode()
    assert "LATE1" in overdue and "Appeals overdue now" in overdue
    assert "No appeals here." in manager_client.get(URL + "appeals/", {"ev_band": "4+"}).content.decode()


def test_drilldown_htmx_and_csv(manager_client, decided):
    response = manager_client.get(URL + "appeals/", headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<div id="results"')
    csv_response = manager_client.get(URL + "appeals/", {"format": "csv"})
    text = b"".join(csv_response.streaming_content).decode()
    assert text.splitlines()[0].startswith("reference,account")
    assert "'=REF0" in text  # formula injection neutralised


def test_dashboard_query_count_is_fixed(manager_client, decided, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        manager_client.get(URL)


def _decided_on(shop, days_ago: list[int], kind="listing_removal"):
    now = timezone.now()
    for d in days_ago:
        v = ViolationFactory(account=shop, kind=kind, enforced_at=now - timedelta(days=d + 3))
        AppealFactory(
            violation=v,
            status=S.REVERSED,
            submitted_at=now - timedelta(days=d + 1),
            due_at=now - timedelta(days=d),
            decided_at=now - timedelta(days=d),
        )


def test_trend_with_too_few_decisions_says_so_instead_of_bare_axes(manager_client, shop):
    _decided_on(shop, [2, 3])
    html = manager_client.get(URL).content.decode()
    trend = html.split('id="success-trend"')[1].split("</section>")[0]
    assert "<svg" not in trend
    assert "fewer than 5 decisions per period" in trend


def test_trend_falls_back_to_monthly_points(manager_client, shop):
    # Two a week over a month and a half: no week has 5, a month does.
    _decided_on(shop, [1, 2, 8, 9, 15, 16, 22, 23, 29, 30, 36, 37])
    html = manager_client.get(URL).content.decode()
    trend = html.split('id="success-trend"')[1].split("</section>")[0]
    assert "Per month: fewer than two weeks had 5 or more decisions." in trend
    assert '<circle class="point"' in trend and "Success rate per month" in trend


def test_each_kind_has_one_colour_in_every_chart(manager_client, shop):
    # Penalty points come first in the appeals chart (no listing appeal submitted) and second in the violations
    # chart: its colour must not follow the position.
    now = timezone.now()
    ViolationFactory(account=shop, kind="listing_removal", enforced_at=now - timedelta(days=3))
    _decided_on(shop, [2], kind="penalty_points")
    html = manager_client.get(URL).content.decode()
    bars = re.findall(r'<rect class="bar (series-\d)"[^>]*><title>[^<]*· ([^:<]+):', html)
    assert {kind: {c for c, k in bars if k == kind} for _, kind in bars} == {
        "Listing / product removal": {"series-0"},
        "Penalty points": {"series-1"},
    }
    assert [k for _, k in bars].count("Penalty points") == 2  # in both charts


def test_one_business_day_is_singular(manager_client, shop, org):
    _decided_on(shop, [1])  # submitted the day before: 0 or 1 business day
    from appeals.models import Appeal as A

    A.objects.update(decision_business_days=1)
    html = manager_client.get(URL).content.decode()
    assert "business day (median)" in html and "1 business days" not in html


def test_dates_near_the_end_of_the_calendar_are_a_field_error(manager_client):
    """Issue 18, finding 6: 9999-12-30..9999-12-31 overflowed the periods (a 500)."""
    for query in ("date_from=9999-12-30&date_to=9999-12-31", "date_from=0001-01-01&date_to=0001-01-02"):
        response = manager_client.get(f"{URL}?{query}")
        assert response.status_code == 200
        assert "between the years 2000 and 2100" in response.content.decode()
        assert manager_client.get(f"{URL}?{query}&format=csv").status_code == 200
        assert manager_client.get(f"{URL}appeals/?{query}").status_code == 200


@pytest.mark.parametrize("data", [None, {"date_from": "not a date", "kind": "nope", "account": "1", "round": "x"}])
def test_filter_fields_partial_writes_what_djangos_label_and_widget_wrote(org, shop, data):
    # The Jinja2 partial replaced a Django loop of label_tag + widget per field: same markup, errors included
    # (whitespace between the tags aside).
    from django.template import engines

    from appeals.views.analytics import AnalyticsFilterForm
    from core.templatetags.jinja_partials import render_partial

    form = AnalyticsFilterForm(data, organization=org)
    if data:
        assert not form.is_valid()
    django = engines["django"].from_string(
        '{% load jinja_partials %}{% for field in form %}<div class="field">{{ field.label_tag }}'
        '{% jinja "widget.html" field=field %}{% if field.errors %}<ul class="errorlist" role="alert">'
        "{% for e in field.errors %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}</div>{% endfor %}"
    )
    written = render_partial("analytics/_filter_fields.html", {"form": form})

    def tags(html: str) -> str:
        return re.sub(r">\s+<", "><", html).strip().replace("&#34;", "&quot;").replace("&#39;", "&#x27;")

    assert tags(written) == tags(django.render({"form": form}))
    assert shop.name in written and ("errorlist" in written) == bool(data)
