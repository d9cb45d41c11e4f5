"""What a chat message says about an event: a title, one line, the key facts and the link (Slack and Teams
shape these into Block Kit and Adaptive Cards)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from appeals.models import EventType

OUTCOMES = {
    "reversed": "Reversed",
    "partially_reversed": "Partially reversed",
    "upheld": "Upheld",
    "withdrawn": "Withdrawn",
    "under_review": "Under review",
}


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    facts: list[tuple[str, str]]
    link: str
    link_label: str


def _when(value: str | None) -> str:
    if not value:
        return "–"
    return datetime.fromisoformat(value).strftime("%a %d %b %Y, %H:%M UTC%z").replace("UTC+0000", "UTC")


def message_for(event: dict) -> Message:
    data = event.get("data", {})
    case = data.get("case") or {}
    appeal = data.get("appeal") or {}
    type_ = event["type"]
    label = EventType(type_).label if type_ in EventType.values else type_
    subject = (
        case.get("reference")
        or (data.get("ticket") or {}).get("subject")
        or (data.get("account") or {}).get("name", "")
    )
    title = f"{label}: {subject}" if subject else label
    imported = data.get("import")
    if imported:
        count = imported["cases"]
        title = f"{count:,} {'violation' if count == 1 else 'violations'} imported"
    facts: list[tuple[str, str]] = [("Organization", event["organization"]["name"])]
    if case:
        facts += [("Account", case["account"]["name"]), ("Policy", case.get("policy") or "–")]
        if case.get("assignee"):
            facts.append(("Assignee", case["assignee"]))
    if appeal:
        facts.append(("Appeal round", str(appeal.get("round", ""))))
    if type_ == EventType.DECISION_RECORDED:
        facts.append(("Outcome", OUTCOMES.get(appeal.get("status", ""), appeal.get("status", ""))))
    if imported:
        facts.append(("First cases", ", ".join(imported["references"]) or "–"))
    if data.get("escalation"):
        facts.append(("Escalated to", data["escalation"]["to_team"]))
    if "deadline" in data:
        facts.append(("Deadline", _when(data["deadline"])))
    elif appeal.get("due_at") and type_ == EventType.APPEAL_SUBMITTED:
        facts.append(("Decision due", _when(appeal["due_at"])))
    elif case.get("appeal_by") and type_ == EventType.VIOLATION_CREATED:
        facts.append(("Appeal by", _when(case["appeal_by"])))
    text = {
        EventType.VIOLATION_CREATED: "A new violation was recorded.",
        EventType.APPEAL_SUBMITTED: "An appeal was submitted to the platform.",
        EventType.DECISION_RECORDED: "The platform's decision was recorded.",
        EventType.FOLLOW_UP_STARTED: "A follow-up appeal was started.",
        EventType.WEEKLY_SUMMARY: "This week's appeals at a glance.",
    }.get(type_, f"{label}.")
    if imported:
        text = "New violations were recorded from a spreadsheet import."
    if data.get("by"):
        text = f"{text[:-1]} by {data['by']}."
    link = (
        case.get("url")
        or (data.get("ticket") or {}).get("url")
        or (imported or {}).get("url")
        or data.get("url")
        or settings.SITE_URL + "/"
    )
    link_label = "Open case" if case else ("Open the list" if imported else "Open Appeal Desk")
    return Message(title=title, text=text, facts=facts, link=link, link_label=link_label)
