"""Rows, sort headers, widgets (Jinja2 partials) and the menu: same content, escaped, on the right pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import CaseStatus, ViolationItem
from core.navigation import _belongs
from tests.factories import ViolationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "patterns", "expected"),
    [
        ("violations", ("=violations", "=case", "violation_", "import_"), True),
        ("violation_edit", ("=violations", "=case", "violation_", "import_"), True),
        ("case", ("=violations", "=case", "violation_", "import_"), True),
        ("violations_bulk", ("=violations", "=case", "violation_", "import_"), False),
        ("inbox", ("=inbox",), True),
        ("inbox_extra", ("=inbox",), False),
        ("analytics_drilldown", ("analytics",), True),
        ("", ("=inbox",), False),
    ],
)
def test_menu_entry_belongs(url_name, patterns, expected):
    assert _belongs(url_name, patterns) is expected


def _current(html: str) -> list[str]:
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    return [part.split(">", 1)[1].split("<", 1)[0] for part in nav.split("<a ")[1:] if 'aria-current="page"' in part]


def test_menu_marks_the_current_section_and_hides_what_the_role_may_not_see(member_client, owner_client, shop):
    case = ViolationFactory(account=shop)
    assert _current(member_client.get("/inbox/").content.decode()) == ["Inbox"]
    assert _current(member_client.get(f"/violations/{case.pk}/").content.decode()) == ["Violations"]
    member_menu = member_client.get("/violations/").content.decode()
    assert "Analytics" not in member_menu and "Settings" not in member_menu
    owner_menu = owner_client.get("/violations/").content.decode()
    assert ">Analytics</a>" in owner_menu and ">Settings</a>" in owner_menu


def test_list_rows_escape_truncate_and_show_badges(member_client, shop, member):
    now = timezone.now()
    case = ViolationFactory(
        account=shop,
        reference="VR-<b>1</b>",
        policy="P" * 70,
        assignee=member,
        penalty_points=3,
        status=CaseStatus.NOT_APPEALED,
        enforced_at=now - timedelta(days=1),
        appeal_by=now + timedelta(days=1),
    )
    for n in range(5):
        ViolationItem.objects.create(violation=case, organization=case.organization, kind="sku", value=f"SKU{n}")
    html = member_client.get("/violations/").content.decode()
    row = html[html.index(f'id="select-{case.pk}"') - 200 : html.index("</tr>", html.index(f'id="select-{case.pk}"'))]
    assert "VR-&lt;b&gt;1&lt;/b&gt;" in row and "<b>1</b>" not in row
    assert f'href="/violations/{case.pk}/"' in row
    assert "SKU0, SKU1, SKU2 +2" in row
    assert "P" * 59 + "…" in row and "P" * 61 not in row
    assert 'class="num">3</td>' in row
    assert "1 day left" in row and "Not appealed" in row
    assert str(member) in row


@pytest.mark.parametrize(
    "data",
    [None, {"q": 'a "quoted" <b>', "policy": "Counterfeit", "enforced_from": "2026-01-02", "enforced_to": "nope"}],
)
def test_widget_partial_writes_inputs_textareas_and_selects_as_django_does(org, member, data):
    from appeals.filters import ViolationFilter
    from appeals.forms.violations import BulkForm
    from appeals.models import Violation
    from core.templatetags.jinja_partials import render_partial

    filterset = ViolationFilter(data, queryset=Violation.objects.none(), organization=org, user=member)
    bulk = BulkForm(
        {"desired_outcome": "Reinstate <now>", "rule_cited": "", "explanation": "Line 1\nLine 2"} if data else None,
        organization=org,
    )
    kinds = {"text", "date", "textarea", "number", "search", "select"}
    fields = [f for f in [*filterset.form, *bulk] if f.widget_type in kinds]
    assert len(fields) >= 9 and any(f.widget_type == "select" for f in fields)
    for field in fields:
        written = str(render_partial("widget.html", {"field": field}))
        # The same entities: Jinja2 (MarkupSafe) writes a quote as &#34;, Django as &quot;.
        assert written.replace("&#34;", "&quot;").replace("&#39;", "&#x27;") == str(field.as_widget()), field.name


def test_sort_headers_toggle_and_keep_the_filters(member_client, shop):
    ViolationFactory(account=shop, kind="listing_removal")
    html = member_client.get("/violations/?kind=listing_removal&sort=reference&page=1").content.decode()
    assert (
        '<th aria-sort="ascending"><a href="?kind=listing_removal&amp;sort=-reference" '
        'hx-get="?kind=listing_removal&amp;sort=-reference" hx-push-url="true">Reference ↑</a></th>'
    ) in html
    html = member_client.get("/violations/?sort=-penalty_points").content.decode()
    assert '<th class="num" aria-sort="descending"><a href="?sort=penalty_points"' in html and "Points ↓" in html
    assert '<th ><a href="?sort=status"' in html
