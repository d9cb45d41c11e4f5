"""Template helpers of the tickets area (the case page's ticket card)."""

from __future__ import annotations

from django import template

from appeals.selectors.tickets import tickets_for_violation

register = template.Library()


@register.simple_tag
def case_tickets(violation):
    """Tickets of a case with their SLA report, for templates/jinja2/appeals/case/_tickets.html."""
    if violation is None:
        return []
    prefetched = getattr(violation, "_prefetched_objects_cache", {}).get("tickets")  # the case page's (case_detail)
    tickets = None if prefetched is None else list(prefetched)
    return tickets_for_violation(violation.organization, violation, tickets=tickets)
