"""Template helpers of the tickets area (the case page's ticket card)."""

from __future__ import annotations

from django import template

from appeals.selectors.tickets import tickets_for_violation

register = template.Library()


@register.simple_tag
def case_tickets(violation):
    """Tickets of a case with their SLA report, for templates/appeals/case/_tickets.html."""
    if violation is None:
        return []
    return tickets_for_violation(violation.organization, violation)
