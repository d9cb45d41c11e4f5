"""The labels notices put before their values ("Violation ID:", "Order ID(s)", "Shop ID"), one field each, and
the reading of "label: value" lines (or a label alone with its value on the next line, as Seller Center cards
copy)."""

from __future__ import annotations

import re
from dataclasses import dataclass

ID_FIELDS = ("sku_ids", "product_ids", "order_ids", "video_ids")

LABELS: dict[str, tuple[str, ...]] = {
    "reference": (
        "violation id", "violation reference number", "violation reference no", "violation reference",
        "violation ref", "reference number", "reference no", "reference id", "reference", "ref no", "ref",
        "record id", "violation record id", "violation record number", "violation record no", "record number",
        "violation number", "violation no", "case id", "case number", "case no", "notice id", "enforcement id",
        "penalty id", "violation record",
    ),
    "kind": ("violation type", "enforcement type", "type of violation", "penalty type", "type"),
    "policy": (
        "violation reason", "reason for violation", "reason", "policy violated", "violated policy", "policy",
        "policy name", "rule violated", "rule", "rule cited", "violation", "violation details", "issue",
        "violation category",
    ),
    "action": (
        "action taken", "enforcement action", "enforcement", "action", "penalty", "measure", "measures taken",
        "consequence", "enforcement measure", "enforcement result", "result",
    ),
    "record_status": ("record status", "status", "enforcement status", "violation status"),
    "enforced_at": (
        "violation time", "violation date", "enforcement date", "enforcement time", "enforced at", "enforced on",
        "date of violation", "date of enforcement", "notified at", "notification date", "notice date", "date issued",
        "issued on", "issued at", "issue date", "detected on", "created at", "created", "time", "date",
    ),
    "penalty_points": (
        "penalty points", "violation points", "points deducted", "points added", "points", "penalty point",
        "violation point", "points issued",
    ),
    "sku_ids": ("sku id", "sku ids", "sku", "skus", "seller sku", "affected sku", "affected skus", "sku list"),
    "product_ids": (
        "product id", "product ids", "product", "products", "affected product", "affected products", "item id",
        "listing id", "listing ids", "product list",
    ),
    "order_ids": (
        "order id", "order ids", "order number", "order numbers", "order no", "order", "orders", "affected order",
        "affected orders",
    ),
    "video_ids": ("video id", "video ids", "video", "videos", "content id", "affected video", "affected videos"),
    "account_external_id": (
        "shop id", "shop code", "seller id", "store id", "shop", "store", "creator", "creator username",
        "creator account", "username", "account", "tiktok account", "handle", "creator id", "account id",
    ),
    "appeal_by": (
        "appeal deadline", "appeal by", "appeal before", "appeal until", "appeal window closes", "deadline to appeal",
        "last day to appeal", "appeal window ends", "appeal due",
    ),
    # Labels that look like ours but mean something else: read, then ignored.
    "_skip": (
        "action required", "appeal status", "appeal result", "shop name", "product name", "sku name", "order status",
        "video title", "subject", "from", "to", "cc", "reply-to", "total points", "current points",
        "accumulated points", "points balance", "phone", "tel", "contact", "support", "address", "price",
        "section", "next steps", "what you can do", "store name",
    ),
}  # fmt: skip
FIELD_OF = {label: name for name, labels in LABELS.items() for label in labels}
LABEL_RE = "|".join(re.escape(label) for label in sorted(FIELD_OF, key=len, reverse=True))
LABEL_ALONE = re.compile(rf"(?:{LABEL_RE})(?:\s*\(s\)|s)?", re.I)
LABEL_LINE = re.compile(
    rf"^[-*#]?\s*(?P<label>{LABEL_RE})(?:\s*\(s\)|s)?(?:\s*(?:#|no\.))?"
    rf"(?:(?P<sep>\s*[:=]|\s+-\s+|\s{{2,}})\s*(?P<value>.*)|(?P<idsep>\s+)(?P<idvalue>[#@]?\d.*)|\s*$)",
    re.I,
)
# The email header of a forward: when the platform sent the notice, read only when nothing better says when.
HEADER_DATE = re.compile(r"^(?:date|sent)\s*:\s*(?P<value>.+)$", re.I)


@dataclass
class Labelled:
    field: str
    label: str
    value: str
    line: int
    value_line: int


def labelled_values(lines: list[str]) -> list[Labelled]:
    found: list[Labelled] = []
    for i, line in enumerate(lines):
        for segment in line.split(" | "):
            match = LABEL_LINE.match(segment.strip())
            if not match:
                continue
            label = re.sub(r"\s+", " ", match.group("label").lower())
            name = FIELD_OF[label]
            if match.group("idsep") is not None and name not in (*ID_FIELDS, "reference", "account_external_id"):
                continue
            value = (match.group("value") if match.group("sep") else match.group("idvalue")) or ""
            value = value.strip()
            j = i
            if not value:
                # Label alone on its line (a pasted table or card): the value is on the next line.
                j = next_filled(lines, i)
                if j is None or LABEL_LINE.match(lines[j]):
                    continue
                value = lines[j]
            found.append(Labelled(name, label, value, i, j))
    return found


def next_filled(lines: list[str], i: int) -> int | None:
    for j in range(i + 1, min(i + 3, len(lines))):
        if lines[j]:
            return j
    return None
