"""Case page helpers for the appeals section (the case view's context stays the case's own)."""

from __future__ import annotations

from django import template

from appeals.models import AppealTemplate, Violation

register = template.Library()


@register.simple_tag
def appeal_templates_for(violation: Violation) -> list[AppealTemplate]:
    """Templates offered by the "Start appeal" button: those of the case's kind."""
    return list(AppealTemplate.objects.filter(organization_id=violation.organization_id, violation_kind=violation.kind))


@register.filter
def can_start_appeal(appeals) -> bool:
    """Round 1 starts only on a case without appeals; follow-ups start from an outcome."""
    return not list(appeals)
