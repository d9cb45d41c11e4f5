"""Slack incoming webhook: a Block Kit message (header, section with fields, a button to the case).

Limits from Slack's Block Kit reference: header text plain_text ≤ 150 characters, section text ≤ 3000,
at most 10 fields of ≤ 2000, button text ≤ 75, URL ≤ 3000. mrkdwn needs &, < and > escaped.
"""

from __future__ import annotations

import json

from appeals.services.destinations.message import message_for


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(event: dict) -> dict:
    m = message_for(event)
    return {
        "text": f"{m.title}: {m.text}"[:3000],  # the notification and fallback text
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": m.title[:150], "emoji": False}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _escape(m.text)[:3000]},
                "fields": [
                    {"type": "mrkdwn", "text": f"*{_escape(label)}*\n{_escape(value)}"[:2000]}
                    for label, value in m.facts[:10]
                ],
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": m.link_label[:75]},
                        "url": m.link[:3000],
                        "action_id": "open",
                    }
                ],
            },
        ],
    }


def slack_request(event: dict, secret: str, timestamp: int) -> tuple[bytes, dict[str, str]]:
    return json.dumps(slack_body(event)).encode(), {"Content-Type": "application/json"}
