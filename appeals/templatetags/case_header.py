"""The case header's tag (templates/appeals/case/_header.html), on the case page and at the top of the builder."""

from __future__ import annotations

from django import template
from django.utils import timezone

from appeals.case_state import CaseHeader, case_header
from appeals.models import Violation

register = template.Library()


@register.simple_tag(takes_context=True)
def case_header_for(context, violation: Violation) -> CaseHeader:
    """The case header's facts: from the appeals and escalations the case page prefetched (the builder reads them,
    two short queries), the organization's calendar and the current time."""
    organization = context["request"].organization
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
