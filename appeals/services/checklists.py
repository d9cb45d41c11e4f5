"""Evidence checklists per violation kind: editable data with defaults for new organizations."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from appeals.models import ChecklistItem, ViolationKind
from appeals.services import ServiceError
from core.models import Organization

DEFAULT_CHECKLISTS: dict[str, list[str]] = {
    ViolationKind.LISTING_REMOVAL: [
        "Invoices from the manufacturer or an authorized distributor (counterfeit / IP claims)",
        "Brand authorization letter, if you resell a brand",
        "Trademark registration certificate (trademark claims)",
        "Product label and packaging photos",
        "Test report or safety certificate (product safety claims)",
        "Screenshot of the listing and of the violation notice",
    ],
    ViolationKind.PENALTY_POINTS: [
        "Screenshot of the violation notice with the points",
        "Proof the cited behaviour did not happen (orders, messages, listing history)",
        "Prior conversations with platform support",
    ],
    ViolationKind.SHOP_RESTRICTION: [
        "Screenshot of the restriction notice",
        "Business registration and identity documents on file",
        "Corrective action plan for the cited issue",
        "Invoices or supplier documents for the products concerned",
    ],
    ViolationKind.ORDER_ACTION: [
        "Carrier tracking showing handover before the dispatch deadline",
        "Shipping label and dispatch scan",
        "Messages with the buyer",
        "Screenshot of the order detail page",
    ],
    ViolationKind.CONTENT_RESTRICTION: [
        "Link to the video or LIVE and its video ID",
        "Context: what the video shows and why it follows the guidelines",
        "Licences for music or footage used",
        "Screenshot of the restriction notice",
    ],
    ViolationKind.AFFILIATE_RESTRICTION: [
        "Screenshot of the restriction notice",
        "Links to the promoted videos with their video IDs",
        "Agreement with the seller for the promoted products",
    ],
    ViolationKind.OTHER: [
        "Screenshot of the violation notice",
        "Documents that prove the facts you state",
    ],
}


def checklist_install_defaults(organization: Organization) -> None:
    """Give a new organization the default checklists; kinds it already has are left alone."""
    have = set(ChecklistItem.objects.filter(organization=organization).values_list("violation_kind", flat=True))
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(organization=organization, violation_kind=kind, text=text, position=position)
            for kind, texts in DEFAULT_CHECKLISTS.items()
            if kind not in have
            for position, text in enumerate(texts)
        ]
    )


def _clean(text: str, violation_kind: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write what the evidence is.", field="text")
    if len(text) > 200:
        raise ServiceError("Keep it under 200 characters.", field="text")
    if violation_kind not in ViolationKind.values:
        raise ServiceError("Choose a violation kind.", field="violation_kind")
    return text


@transaction.atomic
def checklist_item_add(*, organization: Organization, violation_kind: str, text: str, by) -> ChecklistItem:
    text = _clean(text, violation_kind)
    last = ChecklistItem.objects.filter(organization=organization, violation_kind=violation_kind).aggregate(
        m=Max("position")
    )["m"]
    return ChecklistItem.objects.create(
        organization=organization, violation_kind=violation_kind, text=text, position=(last or 0) + 1
    )


@transaction.atomic
def checklist_item_update(*, item_id: int, text: str, by) -> ChecklistItem:
    item = ChecklistItem.objects.select_for_update().get(pk=item_id)
    item.text = _clean(text, item.violation_kind)
    item.save(update_fields=["text"])
    return item


@transaction.atomic
def checklist_item_delete(*, item_id: int, by) -> None:
    ChecklistItem.objects.filter(pk=item_id).delete()
