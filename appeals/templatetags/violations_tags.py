"""Template helpers of the case log: the list's rows, rendered by a Jinja2 partial (templates/jinja2/appeals/), and
the labels the list and the inbox (a Jinja2 page) show."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from appeals.models import CaseStatus, ViolationKind
from core.templatetags.jinja_partials import render_partial

register = template.Library()


KIND_LABELS = {k: str(label) for k, label in ViolationKind.choices}
STATUS_LABELS = {k: str(label) for k, label in CaseStatus.choices}
# What the next deadline of a case in each status is (Violation.next_deadline_at; appeal_by when not appealed).
_DEADLINE_LABELS = {
    CaseStatus.NOT_APPEALED: "appeal window",
    CaseStatus.DRAFT: "submit by",
    CaseStatus.UNDER_REVIEW: "decision due",
    CaseStatus.ESCALATED: "answer due",
    CaseStatus.UPHELD: "follow-up window",
    CaseStatus.PARTIALLY_REVERSED: "follow-up window",
}


@register.simple_tag
def violation_rows(rows, bulk_form) -> SafeString:
    """The list's table rows (see _list_rows for the precomputed fields); with a bulk form, a checkbox each."""
    return render_partial(
        "appeals/violations/_rows.html",
        {
            "rows": rows,
            "bulk_form": bulk_form,
            "kinds": KIND_LABELS,
            "statuses": STATUS_LABELS,
            "deadline_labels": _DEADLINE_LABELS,
            "now": timezone.now(),
            "tz": timezone.get_current_timezone(),
        },
    )
