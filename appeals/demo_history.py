"""Six months of decided appeals for the demo organization (load_demo), drawn from a model of what wins.

The platform's guidance (shared/DOMAIN.md, "What makes an appeal win") says specific, evidence-backed appeals
filed soon after the notice succeed more often. Each generated case gets a seller "diligence" that decides how
good its appeal is (outcome that names the action and the IDs, the rule and why it does not apply, every ID,
evidence files, no generic or hostile words, filed early); its readiness score is then computed by
appeals.readiness from that text and those files, and the outcome is drawn from a logistic model of the same
qualities. A seeded random.Random makes the data the same on every run.

Evidence files are small generated PNG, PDF and text files stored through the evidence field's storage, typed
and thumbnailed by the evidence service's own checks, so the case pages show real, downloadable files.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from appeals.models import (
    KINDS_FOR_ACCOUNT,
    Account,
    Appeal,
    Evidence,
    TimelineEvent,
    TimelineVerb,
    Violation,
    ViolationItem,
    ViolationKind,
)
from appeals.services.appeals import appeal_readiness
from appeals.services.evidence import check_image, make_thumbnail, sniff
from appeals.services.status import violation_refresh_status
from appeals.services.violations import appeal_by_for, case_clock_and_version
from core.markets import rules_for
from core.rules import case_clock, case_rules

HISTORY_CASES = 180
HISTORY_DAYS = 182
# Share of upheld first appeals that get a follow-up with new evidence.
FOLLOW_UP_SHARE = 0.3

# What each kind's outcome asks for: (verb, object with an {id} placeholder, the ID's item kind or "account").
OUTCOME_OBJECTS = {
    ViolationKind.LISTING_REMOVAL: ("Reinstate", "the listing for SKU {id}", ViolationItem.Kind.SKU),
    ViolationKind.PENALTY_POINTS: ("Remove", "the penalty points added to shop {id}", "account"),
    ViolationKind.SHOP_RESTRICTION: ("Lift", "the listing restriction on shop {id}", "account"),
    ViolationKind.ORDER_ACTION: ("Reverse", "the refund charged to us for order {id}", ViolationItem.Kind.ORDER),
    ViolationKind.CONTENT_RESTRICTION: ("Restore", "video {id} to the For You feed", ViolationItem.Kind.VIDEO),
    ViolationKind.AFFILIATE_RESTRICTION: ("Restore", "affiliate access for {id}", "account"),
    ViolationKind.OTHER: ("Release", "the payout hold on account {id}", "account"),
}
VAGUE_OUTCOMES = [
    "Please fix this.",
    "Our listing is down.",
    "Please help us with this notice.",
    "We want this sorted out.",
]
RULE_REASONS = {
    ViolationKind.LISTING_REMOVAL: "The brand owner authorized us to resell this product; the authorization letter "
    "names this SKU, so the trademark rule does not apply.",
    ViolationKind.PENALTY_POINTS: "Every order in the notice was handed to the carrier inside the dispatch window; "
    "the carrier scans show the pickup times, so the late-dispatch rule does not apply.",
    ViolationKind.SHOP_RESTRICTION: "The earlier violations the restriction counts were reversed on appeal, so the "
    "repeat-violation threshold was not reached.",
    ViolationKind.ORDER_ACTION: "The tracking number is the carrier's own and shows delivery to the shopper's "
    "address, so the fake-tracking rule does not apply.",
    ViolationKind.CONTENT_RESTRICTION: "The video is our own footage, filmed in our studio; the raw files and the "
    "upload history show it is original.",
    ViolationKind.AFFILIATE_RESTRICTION: "The promotion repeats the claims on the product's approved listing "
    "word for word; nothing in it is misleading.",
    ViolationKind.OTHER: "The account details match the business registration document issued to us.",
}
FACTS = {
    ViolationKind.LISTING_REMOVAL: "The product is authentic: it comes from the brand's authorized distributor "
    "and the listing text matches the packaging.",
    ViolationKind.PENALTY_POINTS: "All affected orders were packed and handed over on the day they were placed.",
    ViolationKind.SHOP_RESTRICTION: "The shop has had no upheld violation in the last 90 days.",
    ViolationKind.ORDER_ACTION: "The shopper received the parcel; the carrier confirms the delivery.",
    ViolationKind.CONTENT_RESTRICTION: "No part of the video was taken from another creator.",
    ViolationKind.AFFILIATE_RESTRICTION: "The claims in the video are the seller's approved product claims.",
    ViolationKind.OTHER: "The registered name and address are the same on the account and the document.",
}
GENERIC_LINES = [
    "We follow all the rules and this decision is unfair.",
    "We did nothing wrong.",
    "We comply with all policies.",
    "This was a mistake, please check again.",
]
HOSTILE_LINES = [
    "This is RIDICULOUS and your review is a joke.",
    "Your system is useless and we will take legal action.",
]
# (file name, caption, maker) per evidence slot, most useful first.
EVIDENCE_FILES = [
    ("invoice.pdf", "Supplier invoice for the affected items"),
    ("listing-screenshot.png", "Screenshot of the listing as published"),
    ("order-export.csv", "Order export with dispatch and delivery dates"),
    ("authorization-letter.pdf", "Authorization letter from the brand owner"),
    ("product-label.png", "Photo of the product label"),
    ("carrier-confirmation.txt", "Carrier confirmation with dates and tracking numbers"),
]
# "Other" is rarer than the named kinds.
KIND_WEIGHT = {ViolationKind.OTHER: 0.3}
DECISION_MESSAGES = {
    Appeal.Status.REVERSED: "After review, the violation has been reversed.",
    Appeal.Status.PARTIALLY_REVERSED: "The action is partly lifted; the rest of the decision stands.",
    Appeal.Status.UPHELD: "After review, the original decision stands.",
}
IMPACTS = {
    ViolationKind.LISTING_REMOVAL: Appeal.Impact.LISTING_REINSTATED,
    ViolationKind.PENALTY_POINTS: Appeal.Impact.POINTS_REMOVED,
}


@dataclass(frozen=True)
class Quality:
    """What a generated appeal does well; the outcome model and the text both follow it."""

    specific: bool
    rule_reason: bool
    all_ids: bool
    evidence: int
    generic: bool
    hostile: bool
    notice_days: int

    @classmethod
    def draw(cls, rng: random.Random, diligence: float) -> Quality:
        """Each quality is there when the seller's diligence, blurred a little, clears its bar: a careful seller
        tends to do everything right, a hasty one most things wrong."""

        def clears(bar: float) -> bool:
            return rng.gauss(diligence, 0.2) > bar

        evidence = 0
        if clears(0.3):
            evidence = min(4, 1 + int(max(0.0, rng.gauss(diligence, 0.25)) * 4))
        if clears(0.45):
            notice_days = rng.randint(0, 2)
        elif clears(0.2):
            notice_days = rng.randint(3, 7)
        else:
            notice_days = rng.randint(8, 26)
        return cls(
            specific=clears(0.35),
            rule_reason=clears(0.45),
            all_ids=clears(0.3),
            evidence=evidence,
            generic=not clears(0.3),
            hostile=not clears(0.05),
            notice_days=notice_days,
        )

    def win_probability(self, *, follow_up: bool = False) -> float:
        """The outcome model: a logistic in the qualities the platform's guidance names."""
        logit = (
            -1.7
            + 1.1 * self.specific
            + 0.7 * self.rule_reason
            + 0.6 * self.all_ids
            + 0.45 * min(self.evidence, 3)
            - 0.7 * self.generic
            - 0.9 * self.hostile
            + (0.6 if self.notice_days <= 2 else 0.2 if self.notice_days <= 7 else -0.3)
            + (0.3 if follow_up else 0.0)
        )
        return 1 / (1 + math.exp(-logit))


def history_load(*, organization, accounts: list[Account], users: dict, calendar, rng: random.Random, now: datetime):
    """Create HISTORY_CASES decided first appeals over the last HISTORY_DAYS days, some with a decided follow-up."""
    author, reviewer = users["member"], users["manager"]
    kinds_of = {a.pk: sorted(str(k) for k in KINDS_FOR_ACCOUNT[Account.Kind(a.kind)]) for a in accounts}
    earliest = now - timedelta(days=HISTORY_DAYS)
    # Enforcement dates per (account, kind), the planned cases' included: no account may reach the platform's
    # repeat-violation threshold (that would cost a real shop or creator its e-commerce permissions).
    taken: dict[tuple[int, str], list[datetime]] = {}
    for account_id, kind, at in Violation.objects.filter(organization=organization).values_list(
        "account_id", "kind", "enforced_at"
    ):
        taken.setdefault((account_id, kind), []).append(at)
    _EVENTS.clear()
    for n in range(HISTORY_CASES):
        quality = Quality.draw(rng, rng.random())
        # A date where some account and kind still has room under the repeat threshold (a few tries).
        for _ in range(20):
            decided_at = earliest + timedelta(seconds=rng.uniform(0, (HISTORY_DAYS - 2) * 86400))
            decided_at = _working_hour(decided_at)
            submitted_at = decided_at - timedelta(days=rng.choice([1, 2, 2, 3, 3, 3, 4, 5, 7]), hours=rng.randint(0, 5))
            enforced_at = (submitted_at - timedelta(days=quality.notice_days, hours=rng.randint(1, 8))).replace(
                second=0, microsecond=0
            )
            choice = _account_and_kind(accounts, kinds_of, taken, enforced_at, organization, rng)
            if choice is not None:
                break
        else:
            continue
        account, kind = choice
        taken.setdefault((account.pk, kind), []).append(enforced_at)
        violation = _violation(organization, account, kind, n, enforced_at, calendar, rng, author)
        first = _decided_appeal(
            violation, 1, None, quality, submitted_at, decided_at, calendar, rng, author, now, quality.evidence
        )
        follow_up_submitted = first.decided_at + timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 6))
        if (
            first.status == Appeal.Status.UPHELD
            and rng.random() < FOLLOW_UP_SHARE
            and follow_up_submitted + timedelta(days=8) < now
        ):
            new_files = rng.randint(1, 2)
            better = Quality(
                specific=True,
                rule_reason=quality.rule_reason or rng.random() < 0.7,
                all_ids=True,
                evidence=new_files,
                generic=False,
                hostile=False,
                notice_days=quality.notice_days,
            )
            decided = _working_hour(follow_up_submitted + timedelta(days=rng.randint(2, 7)))
            _decided_appeal(
                violation, 2, first, better, follow_up_submitted, decided, calendar, rng, author, now, new_files
            )
        violation_refresh_status(violation=violation)
        if first.status == Appeal.Status.UPHELD and n % 9 == 0:
            _event(violation, TimelineVerb.COMMENTED, reviewer, at=first.decided_at + timedelta(hours=2))
    TimelineEvent.objects.bulk_create(_EVENTS, batch_size=500)
    _EVENTS.clear()


def _account_and_kind(accounts, kinds_of, taken, at: datetime, organization, rng: random.Random):
    """A random account and kind whose cases around `at` stay under the repeat threshold in any window of
    repeat_violation_days (checked over twice the window, so every window holding `at` is covered); None when
    40 tries find none."""
    window = timedelta(days=organization.repeat_violation_days)
    limit = organization.repeat_violation_count - 1
    for _ in range(40):
        account = accounts[rng.randrange(len(accounts))]
        kinds = kinds_of[account.pk]
        kind = rng.choices(kinds, weights=[KIND_WEIGHT.get(k, 1.0) for k in kinds])[0]
        near = sum(1 for d in taken.get((account.pk, kind), ()) if abs(d - at) < window)
        if near < limit:
            return account, kind
    return None


def _working_hour(at: datetime) -> datetime:
    return at.replace(hour=14 + at.hour % 6, minute=at.minute, second=0, microsecond=0)


def _violation(organization, account, kind, n, enforced_at, calendar, rng, author) -> Violation:
    from appeals.management.commands.load_demo import CASES, ITEM_KINDS, _item_value

    policy, action = rng.choice(CASES[kind])
    clock, rule_version = case_clock_and_version(organization=organization, account=account, enforced_at=enforced_at)
    rules = rules_for(organization, rule_version)
    window = rules.appeal_window_for(kind)
    violation = Violation.objects.create(
        organization=organization,
        account=account,
        reference=f"VIO-{2025_0000 + 53 * (n + 1)}",
        kind=kind,
        policy=policy,
        action=action,
        enforced_at=enforced_at,
        notice=f"We found that your account violated our policy: {policy}. Action taken: {action}. "
        f"You may appeal within {window} days.",
        penalty_points=int(action.split()[0]) if kind == ViolationKind.PENALTY_POINTS else 0,
        appeal_by=appeal_by_for(clock=clock, rules=rules, kind=kind, enforced_at=enforced_at),
        rule_version=rule_version,
        assignee=author if n % 3 else None,
        created_by=author,
        created_at=enforced_at + timedelta(minutes=30),
    )
    values = {(k, _item_value(k, rng)) for k in ITEM_KINDS[kind] for _ in range(rng.randint(1, 2))}
    ViolationItem.objects.bulk_create(
        ViolationItem(violation=violation, organization=organization, kind=k, value=v) for k, v in sorted(values)
    )
    _event(violation, TimelineVerb.CREATED, author, at=violation.created_at)
    return violation


def _content(violation: Violation, quality: Quality, rng: random.Random) -> dict:
    """The builder fields of an appeal of this quality (the readiness check then judges them)."""
    items: dict[str, list[str]] = {}
    for item in violation.items.all():
        items.setdefault(item.kind, []).append(item.value)
    verb, obj, id_kind = OUTCOME_OBJECTS[violation.kind]
    the_id = violation.account.external_id if id_kind == "account" else (items.get(id_kind) or ["?"])[0]
    ids: dict = {"reference": violation.reference}
    if quality.all_ids:
        ids["account"] = violation.account.external_id
        ids.update(items)
    elif rng.random() < 0.5:
        ids["account"] = violation.account.external_id
    if quality.specific:
        outcome = f"{verb} {obj.format(id=the_id)} and clear violation {violation.reference}."
    else:
        outcome = rng.choice(VAGUE_OUTCOMES)
    lines = [FACTS[violation.kind]] if quality.rule_reason or rng.random() < 0.5 else []
    if quality.generic:
        lines.append(rng.choice(GENERIC_LINES))
    if quality.hostile:
        lines.append(rng.choice(HOSTILE_LINES))
    return {
        "desired_outcome": outcome,
        "rule_cited": violation.policy if quality.rule_reason or rng.random() < 0.4 else "",
        "rule_explanation": RULE_REASONS[violation.kind] if quality.rule_reason else "",
        "explanation": " ".join(lines),
        "ids": ids,
    }


def _decided_appeal(
    violation: Violation,
    round_: int,
    parent: Appeal | None,
    quality: Quality,
    submitted_at: datetime,
    decided_at: datetime,
    calendar,
    rng: random.Random,
    author,
    now: datetime,
    new_files: int,
) -> Appeal:
    """Draft → files → submitted (readiness frozen as the builder does) → decided by the outcome model."""
    started = max(violation.enforced_at, submitted_at - timedelta(hours=rng.randint(2, 30)))
    appeal = Appeal.objects.create(
        violation=violation,
        organization=violation.organization,
        round=round_,
        parent=parent,
        builder_step=5,
        created_by=author,
        created_at=started,
        **_content(violation, quality, rng),
    )
    _event(
        violation,
        TimelineVerb.FOLLOW_UP_STARTED if parent else TimelineVerb.APPEAL_STARTED,
        author,
        appeal=appeal,
        at=started,
    )
    # A follow-up brings new files: they take the slots after the ones its first round used.
    first_slot = parent.evidence_count if parent else 0
    for slot in range(first_slot, first_slot + new_files):
        _attach(appeal, slot, author, at=started + timedelta(minutes=10 * (slot + 1)))
    appeal.refresh_from_db(fields=["evidence_count", "evidence_categories"])
    report = appeal_readiness(appeal)
    won = rng.random() < quality.win_probability(follow_up=parent is not None)
    status = Appeal.Status.UPHELD
    if won:
        status = Appeal.Status.PARTIALLY_REVERSED if rng.random() < 0.2 else Appeal.Status.REVERSED
    appeal.final_text = "\n\n".join(
        part for part in (appeal.desired_outcome, appeal.rule_explanation, appeal.explanation) if part
    )
    appeal.readiness_score = report.score
    appeal.readiness_findings = report.findings_as_dicts()
    appeal.submitted_at = submitted_at
    appeal.platform_reference = f"APL-{rng.randint(10_000_000, 99_999_999)}"
    appeal.due_at = case_clock(violation).add_business_days(submitted_at, case_rules(violation).review_business_days)
    appeal.decided_at = min(decided_at, now - timedelta(hours=1))
    appeal.status = status
    appeal.decision_message = DECISION_MESSAGES[status]
    if status == Appeal.Status.REVERSED and violation.kind in IMPACTS:
        appeal.impacts_cleared = [IMPACTS[violation.kind]]
    appeal.save()
    _event(violation, TimelineVerb.APPEAL_SUBMITTED, author, appeal=appeal, at=submitted_at)
    _event(
        violation, TimelineVerb.OUTCOME_RECORDED, author, appeal=appeal, at=appeal.decided_at, data={"status": status}
    )
    if status == Appeal.Status.REVERSED and violation.kind == ViolationKind.PENALTY_POINTS:
        Violation.objects.filter(pk=violation.pk).update(points_cleared=True)
    return appeal


def _attach(appeal: Appeal, slot: int, by, *, at: datetime) -> Evidence:
    name, caption = EVIDENCE_FILES[slot % len(EVIDENCE_FILES)]
    data = _file_bytes(name, f"{appeal.violation.reference} round {appeal.round}: {caption}")
    sniffed = sniff(data, name)
    evidence = Evidence(
        appeal=appeal,
        organization_id=appeal.organization_id,
        original_name=name,
        content_type=sniffed.content_type,
        category=sniffed.category,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        caption=caption,
        position=slot + 1,
        uploaded_by=by,
    )
    evidence.file.save(name, ContentFile(data), save=False)
    if sniffed.is_image:
        thumb, ext = make_thumbnail(check_image(data, name))
        evidence.thumbnail.save(f"thumb.{ext}", ContentFile(thumb), save=False)
    if hasattr(evidence, "uploaded_at"):
        evidence.uploaded_at = at
    evidence.save()
    _event(
        appeal.violation,
        TimelineVerb.EVIDENCE_ADDED,
        by,
        appeal=appeal,
        at=at,
        data={"name": name, "size": evidence.size, "content_type": evidence.content_type},
    )
    return evidence


def _file_bytes(name: str, text: str) -> bytes:
    if name.endswith(".png"):
        image = Image.new("RGB", (360, 200), (246, 244, 238))
        draw = ImageDraw.Draw(image)
        draw.rectangle((8, 8, 351, 191), outline=(60, 60, 60), width=2)
        draw.text((20, 24), text[:52], fill=(20, 20, 20))
        draw.text((20, 48), text[52:104], fill=(20, 20, 20))
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False)
        return out.getvalue()
    if name.endswith(".pdf"):
        return _pdf(text)
    if name.endswith(".csv"):
        order_id = "576" + str(int(hashlib.sha256(text.encode()).hexdigest()[:12], 16))[:15]
        return f"order_id,dispatched,delivered,note\n{order_id},2026-01-05,2026-01-08,{text}\n".encode()
    return f"{text}\n\nGenerated demo evidence for Appeal Desk.\n".encode()


def _pdf(text: str) -> bytes:
    """A one-page PDF with one line of text (valid xref offsets, so viewers open it)."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1", "replace")
    stream = b"BT /F1 12 Tf 50 780 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


_EVENTS: list[TimelineEvent] = []


def _event(violation, verb, actor, *, appeal=None, at=None, data=None) -> None:
    # Back-dated history: written with its own time (timeline_record stamps "now"), in one bulk insert at the end.
    _EVENTS.append(
        TimelineEvent(
            organization_id=violation.organization_id,
            violation=violation,
            appeal=appeal,
            actor=actor,
            verb=verb,
            data=data or {},
            created_at=at,
        )
    )
