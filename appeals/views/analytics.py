"""Manager analytics: the dashboard, its CSV tables, a printable view and the drill-down list."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from appeals import charts, stats
from appeals.models import Appeal, Evidence, ViolationKind
from appeals.selectors import analytics as selectors
from core.csv_writer import csv_lines, csv_response
from core.db_router import reads_from_replica
from core.models import Role
from core.tenancy import member_required

MAX_RANGE_DAYS = 5 * 366
PER_PAGE = 50


def _sane_year(value: date) -> None:
    # A day near 9999-12-31 overflows the periods built from it.
    if not 2000 <= value.year <= 2100:
        raise forms.ValidationError("Choose a date between the years 2000 and 2100.")


class AnalyticsFilterForm(forms.Form):
    date_from = forms.DateField(
        label="From", required=False, validators=[_sane_year], widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, validators=[_sane_year], widget=forms.DateInput(attrs={"type": "date"})
    )
    account = forms.ChoiceField(label="Account", required=False)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any kind"), *ViolationKind.choices])
    policy = forms.CharField(label="Policy cited", required=False, max_length=255)
    assignee = forms.ChoiceField(label="Assignee", required=False)
    round = forms.ChoiceField(label="Round", required=False, choices=[("", "Any round"), *selectors.ROUND_CHOICES])
    granularity = forms.ChoiceField(label="Volume per", required=False, choices=[("week", "Week"), ("month", "Month")])

    def __init__(self, data, *, organization, choices: dict | None = None) -> None:
        super().__init__(data)
        self.organization = organization
        choices = choices or selectors.filter_choices(organization)
        self.fields["account"].choices = [("", "Any account"), *choices["accounts"]]
        self.fields["assignee"].choices = [("", "Anyone"), *choices["assignees"]]
        self.fields["date_from"].initial, self.fields["date_to"].initial = selectors.default_range(organization)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors.keys() & {"date_from", "date_to"}:
            return data
        default_from, default_to = selectors.default_range(self.organization)
        date_to = data.get("date_to") or default_to
        date_from = data.get("date_from") or (date_to - timedelta(days=selectors.DEFAULT_DAYS - 1))
        if date_from > date_to:
            self.add_error("date_to", "The end date must be on or after the start date.")
        elif (date_to - date_from).days > MAX_RANGE_DAYS:
            self.add_error("date_from", "Choose a range of at most five years.")
        data["date_from"], data["date_to"] = date_from, date_to
        return data


def _parse(request: HttpRequest, *, choices: dict | None = None) -> tuple[AnalyticsFilterForm, dict[str, Any]]:
    """The form (errors shown at the field) and the values to use: the defaults wherever input is invalid."""
    organization = request.organization  # type: ignore[attr-defined]
    form = AnalyticsFilterForm(request.GET or None, organization=organization, choices=choices)
    default_from, default_to = selectors.default_range(organization)
    values: dict[str, Any] = {"date_from": default_from, "date_to": default_to, "granularity": "week"}
    if form.is_bound:
        form.is_valid()
        cleaned = getattr(form, "cleaned_data", {})
        for name in ("account", "kind", "policy", "assignee", "round", "granularity"):
            if name in cleaned and name not in form.errors and cleaned[name]:
                values[name] = cleaned[name]
        if not form.errors.keys() & {"date_from", "date_to"}:
            values["date_from"] = cleaned.get("date_from", default_from)
            values["date_to"] = cleaned.get("date_to", default_to)
    values["filters"] = selectors.AnalyticsFilters.from_mapping(values)
    return form, values


# --- Tables (shared by the page's CSV export) -------------------------------------------------------------------


def _rate_columns(rate) -> list[Any]:
    d = rate.as_dict()
    return [
        d["decided"],
        d["reversed"],
        d["partially_reversed"],
        d["upheld"],
        "" if d["success_rate"] is None else d["success_rate"],
        "" if d["interval_low"] is None else d["interval_low"],
        "" if d["interval_high"] is None else d["interval_high"],
        "yes" if d["too_few_to_judge"] else "no",
    ]


RATE_HEADER = [
    "decided",
    "reversed",
    "partially_reversed",
    "upheld",
    "success_rate",
    "interval_low_95",
    "interval_high_95",
    "too_few_to_judge",
]


def csv_tables(data: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {
        "overall": (["scope", *RATE_HEADER], [["all decided appeals", *_rate_columns(data["overall"])]]),
    }
    for name, rows in data["breakdowns"].items():
        tables[f"by_{name}"] = (["group", *RATE_HEADER], [[r["label"], *_rate_columns(r["rate"])] for r in rows])
    tables["success_trend"] = (
        ["period_start", *RATE_HEADER],
        [[r["period"].isoformat(), *_rate_columns(r["rate"])] for r in data["success_trend_shown"]["rows"]],
    )
    ttd = data["time_to_decision"]
    tables["time_to_decision"] = (
        ["decided", "median_business_days", "p90_business_days", "review_business_days", "within_review_window"],
        [
            [
                ttd["count"],
                ttd["median"] if ttd["median"] is not None else "",
                ttd["p90"] or "",
                ttd["window"],
                ttd["within_window"] if ttd["within_window"] is not None else "",
            ]
        ],
    )
    tables["overdue"] = (
        ["reference", "account", "round", "due_at"],
        [[a.violation.reference, a.violation.account.name, a.round, a.due_at.isoformat()] for a in data["overdue"]],
    )
    for key, kinds_key in (("violations_volume", "violation_kinds"), ("appeals_volume", "appeal_kinds")):
        kinds = data[kinds_key]
        tables[key] = (
            ["period_start", *kinds, "total"],
            [[r["period"].isoformat(), *[r["by_kind"][k] for k in kinds], r["total"]] for r in data[key]],
        )
    tables["penalty_points"] = (
        ["account", "external_id", "points_outstanding", "cases"],
        [[r["name"], r["external_id"], r["points"], r["cases"]] for r in data["penalty_points"]],
    )
    return tables


def _csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    return csv_response(filename, csv_lines(header, rows))


def _volume_links(data: dict[str, Any]) -> None:
    """Per cell links: violations to the case list, appeals to the drill-down list.

    The filters and the period are encoded once per row; each cell only adds its kind.
    """
    f = data["filters"]
    common = {"account": f.account, "policy": f.policy, "assignee": f.assignee}
    for key, url, kinds_key, span_of in (
        (
            "violations_volume",
            reverse("appeals:violations"),
            "violation_kinds",
            lambda row: {**common, "enforced_from": row["from"].isoformat(), "enforced_to": row["to"].isoformat()},
        ),
        (
            "appeals_volume",
            reverse("appeals:analytics_appeals"),
            "appeal_kinds",
            lambda row: {
                **{k: v for k, v in f.params().items() if k != "kind"},
                "date_from": row["from"].isoformat(),
                "date_to": row["to"].isoformat(),
                "basis": "submitted",
            },
        ),
    ):
        kinds = [(k, urlencode({"kind": k})) for k in data[kinds_key]]
        for row in data[key]:
            prefix = f"{url}?{urlencode({k: v for k, v in span_of(row).items() if v})}"
            by_kind = row["by_kind"]
            row["cells"] = [(by_kind[k], f"{prefix}&{param}") for k, param in kinds]
            row["total_url"] = f"{prefix}&{urlencode({'kind': f.kind})}" if f.kind else prefix


# --- Charts -----------------------------------------------------------------------------------------------------


def _period_label(day: date, granularity: str) -> str:
    return date_format(day, "M Y" if granularity == "month" else "M j")


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    g = data["granularity"]
    out = {}
    # Both volumes have the same periods (and the trend too unless it fell back to months): date_format once each.
    labels_of: dict[tuple[date, str], str] = {}

    def label(period: date, granularity: str) -> str:
        if (period, granularity) not in labels_of:
            labels_of[(period, granularity)] = _period_label(period, granularity)
        return labels_of[(period, granularity)]

    for key, kinds_key, title in (
        ("violations_volume", "violation_kinds", "Violations received"),
        ("appeals_volume", "appeal_kinds", "Appeals submitted"),
    ):
        rows = data[key]
        labels = [label(r["period"], g) for r in rows]
        series = [
            charts.Series(selectors.KIND_LABELS.get(k, k), [r["by_kind"][k] for r in rows], colour=kind_colour(k))
            for k in data[kinds_key]
        ]
        total = sum(r["total"] for r in rows)
        out[key] = charts.stacked_bar_chart(f"{title} per {g}, by kind: {total} in total", labels, series)
    trend = data["success_trend_shown"]
    tg = trend["granularity"]
    # No period with enough decisions: the template says so instead of drawing bare axes.
    out["success_trend"] = trend["judged"] and charts.line_chart(
        f"Success rate per {tg} (periods with fewer than {stats.MIN_SAMPLE} decisions left out)",
        [label(r["period"], tg) for r in trend["rows"]],
        # Periods with too few decisions to judge are gaps, not points.
        [None if r["rate"].too_few else r["rate"].rate for r in trend["rows"]],
        percent=True,
    )
    return out


KIND_ORDER = list(selectors.KIND_LABELS)


def kind_colour(kind: str) -> int:
    """A violation kind's colour class, fixed by the kind so it is the same in every chart (7 kinds, 7 classes);
    a kind the code does not know takes the last (grey) class, like "Other"."""
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else charts.SERIES_CLASSES - 1


# --- Views --------------------------------------------------------------------------------------------------------


@require_GET
@member_required(Role.MANAGER)
@reads_from_replica
def analytics_dashboard(request: HttpRequest) -> HttpResponse:
    organization = request.organization  # type: ignore[attr-defined]
    choices = selectors.filter_choices(organization)
    form, v = _parse(request, choices=choices)
    data = selectors.analytics_dashboard(
        organization, v["date_from"], v["date_to"], v["filters"], granularity=v["granularity"]
    )
    if request.GET.get("format") == "csv":
        tables = csv_tables(data)
        name = request.GET.get("table", "overall")
        if name not in tables:
            return HttpResponse(
                f"Unknown table. Choose one of: {', '.join(tables)}.", status=400, content_type="text/plain"
            )
        header, rows = tables[name]
        return _csv_response(f"analytics-{name}-{v['date_from']}-{v['date_to']}.csv", header, rows)
    _volume_links(data)
    ttd = data["time_to_decision"]
    ttd["share_percent"] = stats.format_percent(ttd.get("within_window_share"))
    chart_svgs = _charts(data)
    context = {
        "form": form,
        "data": data,
        "charts": chart_svgs,
        "volume": [
            (
                "violations_volume",
                "Violations received",
                [selectors.KIND_LABELS.get(k, k) for k in data["violation_kinds"]],
                data["violations_volume"],
                chart_svgs["violations_volume"],
            ),
            (
                "appeals_volume",
                "Appeals submitted",
                [selectors.KIND_LABELS.get(k, k) for k in data["appeal_kinds"]],
                data["appeals_volume"],
                chart_svgs["appeals_volume"],
            ),
        ],
        "breakdowns": [
            (name, selectors.BREAKDOWN_TITLES[name], data["breakdowns"][name])
            for name in ("kind", "policy", "account", "assignee", "round", "ev_band", "ev_type", "readiness", "notice")
        ],
        "printable": request.GET.get("print") == "1",
        # Reversed once here rather than by a {% url %} in each of the ~300 rows that link to them.
        "drill_url": reverse("appeals:analytics_appeals"),
        "violations_url": reverse("appeals:violations"),
        "query": data["base_query"] + f"&granularity={data['granularity']}",
        "active_filters": _active_filter_labels(v, choices),
    }
    template = "appeals/analytics/dashboard.html"
    if request.htmx and not context["printable"]:  # type: ignore[attr-defined]
        template += "#dashboard"
    return render(request, template, context)


def _active_filter_labels(v: dict[str, Any], choices: dict) -> list[str]:
    f = v["filters"]
    labels = []
    if f.account:
        labels.append("Account: " + dict(choices["accounts"]).get(f.account, f.account))
    if f.kind:
        labels.append("Kind: " + selectors.KIND_LABELS.get(f.kind, f.kind))
    if f.policy:
        labels.append("Policy: " + f.policy)
    if f.assignee:
        labels.append("Assignee: " + dict(choices["assignees"]).get(f.assignee, f.assignee))
    if f.round:
        labels.append("Round: " + dict(selectors.ROUND_CHOICES).get(f.round, f.round))
    return labels


BASIS_TITLES = {
    "decided": "Appeals decided",
    "submitted": "Appeals submitted",
    "overdue": "Appeals overdue now",
}


@require_GET
@member_required(Role.MANAGER)
@reads_from_replica
def analytics_appeals(request: HttpRequest) -> HttpResponse:
    """The appeals behind one dashboard number (same parameters as the dashboard, plus the band)."""
    organization = request.organization  # type: ignore[attr-defined]
    choices = selectors.filter_choices(organization)
    form, v = _parse(request, choices=choices)
    basis = request.GET.get("basis", "decided")
    basis = basis if basis in BASIS_TITLES else "decided"
    dimensions = {d: request.GET.get(d, "") for d in selectors.DRILL_DIMENSIONS}
    outcome = request.GET.get("outcome", "")
    qs = selectors.appeals_for_drilldown(
        organization, v["date_from"], v["date_to"], v["filters"], basis=basis, dimensions=dimensions, outcome=outcome
    )
    if request.GET.get("format") == "csv":
        rows = (
            [
                a.violation.reference,
                a.violation.account.name,
                a.violation.get_kind_display(),
                a.violation.policy,
                a.round,
                a.get_status_display(),
                a.submitted_at.isoformat() if a.submitted_at else "",
                a.decided_at.isoformat() if a.decided_at else "",
                a.evidence_files,
                "" if a.readiness_score is None else a.readiness_score,
            ]
            for a in qs.iterator(chunk_size=2000)
        )
        header = [
            "reference",
            "account",
            "kind",
            "policy",
            "round",
            "status",
            "submitted_at",
            "decided_at",
            "evidence_files",
            "readiness_score",
        ]
        return _csv_response(f"analytics-appeals-{v['date_from']}-{v['date_to']}.csv", header, rows)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    band_labels = []
    labels = {
        "ev_band": ("Evidence files", dict((k, label) for k, label, _, _ in selectors.stats.EVIDENCE_BANDS)),
        "ev_type": ("Evidence type", dict(Evidence.Category.choices)),
        "readiness": ("Readiness", dict(selectors.FIXED_DIMENSIONS["readiness"])),
        "notice": ("Notice to submission", dict(selectors.FIXED_DIMENSIONS["notice"])),
    }
    for d, key in dimensions.items():
        if key:
            title, names = labels[d]
            band_labels.append(f"{title}: {names.get(key, key)}")
    if outcome:
        band_labels.append("Outcome: " + dict(Appeal.Status.choices).get(outcome, outcome))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    context = {
        "form": form,
        "page": page,
        "title": BASIS_TITLES[basis],
        "basis": basis,
        "date_from": v["date_from"],
        "date_to": v["date_to"],
        "active_filters": _active_filter_labels(v, choices) + band_labels,
        "query": params.urlencode(),
        "now": timezone.now(),
    }
    template = "appeals/analytics/appeals.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#results"
    return render(request, template, context)


urlpatterns = [
    path("analytics/", analytics_dashboard, name="analytics"),
    path("analytics/appeals/", analytics_appeals, name="analytics_appeals"),
]
