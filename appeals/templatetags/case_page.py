"""`{% case_jinja "appeals/case/_header.html" %}`: a part of the case page written by Jinja2 (templates/jinja2/appeals/
case/), inside a Django template. The part gets that template's context, the CSRF token and, as functions, the case
page's helpers (Django's tags and filters of the same names). Django's engine spent ~0.1 ms a tag or include on the
case page; the parts also serve the builder's header and the outcome and comment pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.utils import timezone
from django.utils.safestring import SafeString

from appeals.case_state import CaseHeader, case_header
from appeals.models import Violation
from appeals.templatetags.builder_tags import appeal_templates_for
from appeals.templatetags.clocks import case_market, two_clocks
from appeals.templatetags.outcomes import escalation_refusal, mention_parts, outcome_info, submitted_only
from appeals.templatetags.ticket_tags import case_tickets
from core.templatetags.jinja_partials import render_partial

register = template.Library()


def case_header_of(request: HttpRequest, violation: Violation) -> CaseHeader:
    """The case header's facts: from the appeals and escalations the case page prefetched (the builder reads them,
    two short queries), the organization's calendar and the current time."""
    organization = request.organization
    if organization.pk != violation.organization_id:
        organization = violation.organization
    return case_header(
        violation,
        violation.appeals.all(),
        violation.escalations.all(),
        organization=organization,
        calendar=organization.business_calendar(),
        now=timezone.now(),
    )


HELPERS: dict[str, Any] = {
    "appeal_templates_for": appeal_templates_for,
    "case_header_of": case_header_of,
    "case_market": case_market,
    "case_tickets": case_tickets,
    "clocks": two_clocks,
    "escalation_refusal": escalation_refusal,
    "filesizeformat": filesizeformat,
    "linebreaksbr": linebreaksbr,
    "mention_parts": mention_parts,
    "outcome_info": outcome_info,
    "submitted_only": submitted_only,
}


def case_part(name: str, values: dict[str, Any]) -> SafeString:
    request = values.get("request")
    csrf_token = get_token(request) if request is not None else ""
    return render_partial(name, {**HELPERS, "csrf_token": csrf_token, **values})


@register.simple_tag(takes_context=True)
def case_jinja(context, name: str, **values: Any) -> SafeString:
    return case_part(name, {**context.flatten(), **values})
