"""The inbox's "To review" group: forwarded notices waiting for a member (one query, only when the inbox's counts
query found some)."""

from __future__ import annotations

from django import template

from appeals.models import NoticeIntake

register = template.Library()
SHOWN = 10


@register.inclusion_tag("appeals/notices/_inbox_group.html", takes_context=True)
def notices_to_review(context) -> dict:
    organization = getattr(context.get("request"), "organization", None)
    inbox = context.get("inbox")
    if organization is None or (inbox is not None and not inbox.notices_to_review):
        # The inbox's counts query already said there are none: no query.
        return {"intakes": [], "count": 0}
    rows = list(
        NoticeIntake.objects.filter(organization=organization, status=NoticeIntake.Status.TO_REVIEW)
        .select_related("account")
        .order_by("-received_at")[: SHOWN + 1]
    )
    return {"intakes": rows[:SHOWN], "more": len(rows) > SHOWN}
