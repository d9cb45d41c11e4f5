"""Template helpers for the outcome block, escalations and comments on the case page."""

from __future__ import annotations

import re
from typing import Any

from django import template

from appeals.forms.outcomes import OutcomeForm
from appeals.models import Appeal, Violation
from appeals.services import outcomes

register = template.Library()


@register.simple_tag
def outcome_info(appeal: Appeal, form: Any = None, case_appeals: Any = None) -> dict[str, Any]:
    """What the per-appeal outcome block shows: the review time, follow-up state and the form. `case_appeals`: every
    appeal of the case, when the page has loaded them (the case page), so the follow-up is found without a query."""
    info: dict[str, Any] = {
        "review": outcomes.review_summary(appeal),
        "impacts": [Appeal.Impact(i).label for i in appeal.impacts_cleared if i in Appeal.Impact.values],
        "can_record": appeal.status == Appeal.Status.UNDER_REVIEW,
        "follow_up": None,
        "follow_up_refusal": None,
        "follow_up_deadline": None,
        "form": form or None,
    }
    if appeal.status in outcomes.FOLLOW_UP_ALLOWED_AFTER:
        later_round_exists = None
        if case_appeals:
            follow_ups = sorted((a for a in case_appeals if a.parent_id == appeal.pk), key=lambda a: a.round)
            info["follow_up"] = follow_ups[0] if follow_ups else None
            later_round_exists = any(a.round > appeal.round for a in case_appeals)
        else:
            info["follow_up"] = appeal.follow_ups.order_by("round").first()
        if info["follow_up"] is None:
            info["follow_up_refusal"] = outcomes.follow_up_refusal(appeal, later_round_exists=later_round_exists)
            info["follow_up_deadline"] = outcomes.follow_up_deadline(appeal)
    if info["can_record"] and info["form"] is None:
        info["form"] = OutcomeForm(initial={"version": appeal.version}, appeal=appeal, auto_id=f"id_o{appeal.pk}_%s")
    return info


@register.filter
def submitted_only(appeals) -> list[Appeal]:
    """Appeals that left the draft stage (they have, or wait for, a decision)."""
    return [a for a in appeals or [] if a.status != Appeal.Status.DRAFT]


@register.simple_tag
def escalation_refusal(violation: Violation) -> str:
    return outcomes.escalation_refusal(violation) or ""


MENTION = re.compile(r"(?<![\w.+-])(@[A-Za-z0-9._%+-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


@register.filter
def mention_parts(body: str) -> list[tuple[str, bool]]:
    """A comment as (text, is a @mention) pieces, for appeals/case/_comment_body.html to highlight the mentions."""
    return [(part, bool(index % 2)) for index, part in enumerate(MENTION.split(str(body))) if part]


@register.simple_tag
def case_url(violation_id: int, anchor: str = "") -> str:
    from appeals.views.outcomes import case_url as url

    return url(violation_id, anchor)
