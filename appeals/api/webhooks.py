"""The OpenAPI 3.1 `webhooks` section: every event Appeal Desk POSTs to a webhook destination.

Slack and Teams destinations get the same events formatted as Block Kit and Adaptive Cards (see the README);
what is documented here is the generic webhook's JSON body and headers.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, NinjaAPI, Schema

from appeals.models import EventType


class EventOrganization(Schema):
    id: int
    name: str


class EventAccount(Schema):
    id: int
    name: str


class EventCase(Schema):
    id: int
    reference: str
    url: str
    status: str
    policy: str
    action: str
    penalty_points: int
    appeal_by: str | None
    account: EventAccount
    assignee: str | None


class EventAppeal(Schema):
    id: int
    round: int
    status: str
    submitted_at: str | None
    due_at: str | None
    decided_at: str | None


class CaseEventData(Schema):
    case: EventCase
    appeal: EventAppeal | None = None
    by: str | None = None
    source: str | None = Field(None, description='"import" when the case came from a spreadsheet import.')


class EventTicket(Schema):
    id: int
    subject: str
    platform_number: str
    url: str


class EventAuthorization(Schema):
    id: int
    name: str
    authorization_expires_on: str


class EventEscalation(Schema):
    id: int
    to_team: str
    reference: str
    escalated_at: str | None
    answer_due_at: str | None


class ReminderEventData(Schema):
    kind: str
    label: str
    deadline: str
    subject: str
    case: EventCase | None = None
    ticket: EventTicket | None = None
    account: EventAuthorization | None = None
    escalation: EventEscalation | None = None
    appeal_id: int | None = None


class OverdueAppeal(Schema):
    reference: str
    account: str
    due_at: str | None
    url: str


class WeeklySummaryData(Schema):
    week_from: str
    week_to: str
    overdue_count: int
    overdue: list[OverdueAppeal]
    url: str


class CaseEvent(Schema):
    id: str
    type: str
    created: str
    organization: EventOrganization
    data: CaseEventData


class ReminderEvent(Schema):
    id: str
    type: str
    created: str
    organization: EventOrganization
    data: ReminderEventData


class WeeklySummaryEvent(Schema):
    id: str
    type: str
    created: str
    organization: EventOrganization
    data: WeeklySummaryData


CASE_EVENTS = {
    EventType.VIOLATION_CREATED,
    EventType.APPEAL_SUBMITTED,
    EventType.DECISION_RECORDED,
    EventType.FOLLOW_UP_STARTED,
}
HEADERS = [
    {
        "name": "X-AppealDesk-Signature",
        "in": "header",
        "required": True,
        "description": '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`. Recompute over the raw '
        "body, compare in constant time, and reject a `t` older than 5 minutes.",
        "schema": {"type": "string"},
    },
    {
        "name": "X-AppealDesk-Event-Id",
        "in": "header",
        "required": True,
        "description": "The idempotency key (the body's `id`): the same on every retry and redelivery.",
        "schema": {"type": "string"},
    },
    {"name": "X-AppealDesk-Event-Type", "in": "header", "required": True, "schema": {"type": "string"}},
]


def _schema_for(event_type: str) -> type[Schema]:
    if event_type in CASE_EVENTS:
        return CaseEvent
    if event_type == EventType.WEEKLY_SUMMARY:
        return WeeklySummaryEvent
    return ReminderEvent


def webhooks_section(components: dict[str, Any]) -> dict[str, Any]:
    """The `webhooks` object; adds the event schemas to `components` (schemas)."""
    schemas = components.setdefault("schemas", {})
    for model in (CaseEvent, ReminderEvent, WeeklySummaryEvent):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas[model.__name__] = schema
    return {
        value: {
            "post": {
                "summary": label,
                "description": f"Sent to webhook destinations subscribed to `{value}`. Answer 2xx quickly; "
                "408, 429, 5xx and timeouts (5 s) are retried with backoff, other answers are not.",
                "operationId": f"webhook_{value.replace('.', '_')}",
                "parameters": HEADERS,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{_schema_for(value).__name__}"}}
                    },
                },
                "responses": {"2XX": {"description": "Received. Any other answer is logged; see above for retries."}},
            }
        }
        for value, label in EventType.choices
    }


class WebhookDocumentedAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI schema also lists the webhooks Appeal Desk sends."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["webhooks"] = webhooks_section(schema.setdefault("components", {}))
        return schema
