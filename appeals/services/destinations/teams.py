"""Microsoft Teams (Workflows "When a Teams webhook request is received"): a message with one Adaptive Card.

Shape from Microsoft's docs: {"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard 1.4: TextBlocks, a FactSet, an
Action.OpenUrl>}]}.
"""

from __future__ import annotations

import json

from appeals.services.destinations.message import message_for

CARD_VERSION = "1.4"


def teams_body(event: dict) -> dict:
    m = message_for(event)
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": [
            {"type": "TextBlock", "text": m.title, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": m.text, "wrap": True},
            {"type": "FactSet", "facts": [{"title": label, "value": value} for label, value in m.facts]},
        ],
        "actions": [{"type": "Action.OpenUrl", "title": m.link_label, "url": m.link}],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def teams_request(event: dict, secret: str, timestamp: int) -> tuple[bytes, dict[str, str]]:
    return json.dumps(teams_body(event)).encode(), {"Content-Type": "application/json"}
