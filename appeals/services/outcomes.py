"""Outcomes, follow-up appeals, escalations and comments: what happens after an appeal is submitted."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appeals.models import Appeal, Comment, Escalation, Evidence, TimelineEvent, TimelineVerb, Violation, ViolationKind
from appeals.services import InvalidTransition, PermissionRefused, ServiceError, StaleVersion
from appeals.services.evidence import appeal_evidence_summary_refresh
from appeals.services.status import violation_refresh_status
from appeals.services.timeline import timeline_record
from core.models import Membership, Role
from core.rules import case_clock, case_rules

logger = logging.getLogger(__name__)

# Appeal fields a follow-up starts from (the builder's content; frozen fields are not copied).
FOLLOW_UP_COPIED_FIELDS = ("desired_outcome", "rule_cited", "rule_explanation", "ids", "explanation")
FOLLOW_UP_ALLOWED_AFTER = {Appeal.Status.UPHELD, Appeal.Status.PARTIALLY_REVERSED}
ESCALATION_ALLOWED_AFTER = {Appeal.Status.UPHELD, Appeal.Status.PARTIALLY_REVERSED}

# Impacts cleared by a full reversal when the user does not list them, by violation kind.
DEFAULT_IMPACTS_BY_KIND = {
    ViolationKind.LISTING_REMOVAL: [Appeal.Impact.LISTING_REINSTATED],
    ViolationKind.PENALTY_POINTS: [Appeal.Impact.POINTS_REMOVED],
    ViolationKind.SHOP_RESTRICTION: [Appeal.Impact.RESTRICTION_LIFTED],
    ViolationKind.CONTENT_RESTRICTION: [Appeal.Impact.RESTRICTION_LIFTED],
    ViolationKind.AFFILIATE_RESTRICTION: [Appeal.Impact.RESTRICTION_LIFTED],
}


def _require_editor(organization_id: int, by) -> None:
    """The API and the web both call these services; a viewer or an outsider may never write."""
    if by is None:
        return
    membership = Membership.objects.filter(user=by, organization_id=organization_id).first()
    if membership is None or not membership.has_role(Role.MEMBER):
        raise PermissionRefused("Only members of this organization (not viewers) can change cases.")


def _fmt_day(moment: datetime | None, organization) -> str:
    if moment is None:
        return ""
    return moment.astimezone(organization.zoneinfo).strftime("%b %d, %Y").replace(" 0", " ")


# ---------------------------------------------------------------------------------------------
# Questions (pure, used by services, templates and the builder)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSummary:
    business_days: int
    window: int

    @property
    def within(self) -> bool:
        return self.business_days <= self.window


def review_summary(appeal: Appeal) -> ReviewSummary | None:
    """How many business days the platform's review took (its market's days), against the case's review window."""
    if appeal.submitted_at is None or appeal.decided_at is None:
        return None
    days = case_clock(appeal.violation).business_days_between(appeal.submitted_at, appeal.decided_at)
    return ReviewSummary(business_days=max(days, 0), window=case_rules(appeal.violation).review_business_days)


def follow_up_deadline(appeal: Appeal) -> datetime | None:
    """A follow-up must be submitted by the end of the market day `follow_up_window_days` after the decision."""
    if appeal.decided_at is None:
        return None
    clock = case_clock(appeal.violation)
    window = case_rules(appeal.violation).follow_up_window_days
    last_day = clock.local(appeal.decided_at).date() + timedelta(days=window)
    return clock.end_of_day(last_day)


def follow_up_refusal(
    appeal: Appeal, now: datetime | None = None, *, later_round_exists: bool | None = None
) -> str | None:
    """Why no follow-up can be started after this appeal, in words for the user; None when it can
    (`later_round_exists`: known from the case's appeals the caller has loaded, else a query)."""
    organization = appeal.organization
    rules = case_rules(appeal.violation)
    if appeal.status not in FOLLOW_UP_ALLOWED_AFTER:
        if appeal.status == Appeal.Status.REVERSED:
            return "The appeal was reversed: there is nothing left to appeal."
        return "A follow-up appeal can be started only after an upheld or partially reversed decision."
    if appeal.round >= rules.max_rounds:
        return (
            f"The decision is final: this was round {appeal.round} of the {rules.max_rounds} appeals the "
            "platform allows for one violation. To take it further, escalate to your account manager, "
            "program team or partnership team."
        )
    deadline = follow_up_deadline(appeal)
    if deadline is not None and (now or timezone.now()) > deadline:
        return (
            f"The decision is final: a follow-up had to be submitted within {rules.follow_up_window_days} "
            f"calendar days of the decision (by {_fmt_day(deadline, organization)}). To take it further, escalate "
            "to your account manager, program team or partnership team."
        )
    if later_round_exists is None:
        later_round_exists = Appeal.objects.filter(violation_id=appeal.violation_id, round__gt=appeal.round).exists()
    if later_round_exists:
        return "A follow-up appeal already exists for this decision."
    return None


def follow_up_problems(appeal: Appeal, now: datetime | None = None) -> list[str]:
    """What blocks submitting a follow-up appeal (round 2+); empty for a first appeal or a good follow-up.

    Called by the builder's submit checks (`_check_submittable`), so the builder says so plainly.
    """
    if appeal.round <= 1:
        return []
    organization = appeal.organization
    rules = case_rules(appeal.violation)
    problems: list[str] = []
    if appeal.round > rules.max_rounds:
        problems.append(
            f"The decision is final: the platform allows {rules.max_rounds} appeals per violation and this "
            f"would be round {appeal.round}. Escalate instead (account manager, program team or partnership team)."
        )
    previous = (
        Appeal.objects.filter(violation_id=appeal.violation_id, round__lt=appeal.round)
        .select_related("organization")
        .order_by("-round")
        .first()
    )
    deadline = follow_up_deadline(previous) if previous is not None else None
    if deadline is not None and (now or timezone.now()) > deadline:
        problems.append(
            f"The decision is final: a follow-up had to be submitted within {rules.follow_up_window_days} "
            f"calendar days of the last decision (by {_fmt_day(deadline, organization)}). "
            "Escalate instead (account manager, program team or partnership team)."
        )
    earlier = set(
        Evidence.objects.filter(appeal__violation_id=appeal.violation_id, appeal__round__lt=appeal.round).values_list(
            "sha256", flat=True
        )
    )
    current = set(appeal.evidence.values_list("sha256", flat=True))
    if not current - earlier:
        problems.append(
            "A follow-up appeal needs new evidence: add at least one file that no earlier appeal of this violation "
            "included (the same file uploaded again does not count)."
        )
    return problems


def stored_file_shared(name: str, exclude_pk: int | None = None) -> bool:
    """True when an evidence row (e.g. a follow-up's copy) other than `exclude_pk` uses this stored file."""
    if not name:
        return False
    rows = Evidence.objects.filter(Q(file=name) | Q(thumbnail=name))
    return rows.exclude(pk=exclude_pk).exists() if exclude_pk else rows.exists()


def evidence_file_shared(evidence: Evidence) -> bool:
    """True when another evidence row (a follow-up's copy) uses the same stored file: keep the file then."""
    return stored_file_shared(evidence.file.name, evidence.pk)


def latest_appeal(violation: Violation) -> Appeal | None:
    return violation.appeals.order_by("-round").first()


def escalated_appeal(violation: Violation) -> Appeal | None:
    """The latest appeal that left the draft stage: an escalation is about its decision (or lack of one). From the
    case's prefetched appeals when the caller loaded them (the case page), else one query."""
    if "appeals" in getattr(violation, "_prefetched_objects_cache", {}):
        submitted = [a for a in violation.appeals.all() if a.status != Appeal.Status.DRAFT]
        return max(submitted, key=lambda a: a.round, default=None)
    return violation.appeals.exclude(status=Appeal.Status.DRAFT).order_by("-round").first()


def escalation_refusal(violation: Violation, now: datetime | None = None) -> str | None:
    """Why the case cannot be escalated yet; None when it can (a follow-up draft does not prevent it)."""
    appeal = escalated_appeal(violation)
    if appeal is None:
        return "Escalate after an appeal: first submit an appeal and wait for its decision."
    if appeal.status in ESCALATION_ALLOWED_AFTER:
        return None
    if appeal.status == Appeal.Status.UNDER_REVIEW:
        if appeal.is_overdue(now):
            return None
        return "The appeal is still within its review window: escalate when the decision is overdue or upheld."
    return f"The latest appeal is {appeal.get_status_display().lower()}: escalation is for upheld or overdue decisions."


# ---------------------------------------------------------------------------------------------
# Outcomes
# ---------------------------------------------------------------------------------------------


def _stale_message(appeal: Appeal) -> str:
    last = TimelineEvent.objects.filter(appeal=appeal).select_related("actor").order_by("-created_at", "-id").first()
    who = str(last.actor) if last is not None and last.actor is not None else "Someone else"
    state = appeal.get_status_display().lower()
    if appeal.decided_at is not None:
        state += f", decided {_fmt_day(appeal.decided_at, appeal.organization)}"
    return (
        f"{who} changed this appeal while you were editing: it is now {state}. "
        "Nothing was overwritten. Review their change below, then save again if it still needs changing."
    )


@transaction.atomic
def outcome_record(
    *,
    appeal_id: int,
    by,
    outcome: str,
    decided_at: datetime | None = None,
    message: str = "",
    impacts_cleared: list[str] | None = None,
    version: int,
) -> Appeal:
    """Record the platform's decision (or the team's withdrawal) on an appeal."""
    appeal = Appeal.objects.select_for_update().select_related("organization", "violation").get(pk=appeal_id)
    _require_editor(appeal.organization_id, by)
    if appeal.version != version:
        raise StaleVersion(_stale_message(appeal))
    if outcome not in Appeal.Status.values or not appeal.can_transition_to(outcome):
        current = appeal.get_status_display().lower()
        target = Appeal.Status(outcome).label.lower() if outcome in Appeal.Status.values else outcome
        raise InvalidTransition(f"A {current} appeal cannot become {target}.")

    valid_impacts = set(Appeal.Impact.values)
    impacts = list(dict.fromkeys(impacts_cleared or []))
    unknown = [i for i in impacts if i not in valid_impacts]
    if unknown:
        raise ServiceError(f"Unknown impact: {', '.join(unknown)}.", field="impacts_cleared")
    if outcome in {Appeal.Status.UPHELD, Appeal.Status.WITHDRAWN} and impacts:
        raise ServiceError("Nothing is cleared when the appeal is upheld or withdrawn.", field="impacts_cleared")
    if outcome == Appeal.Status.PARTIALLY_REVERSED:
        if not impacts:
            raise ServiceError("Tick what the partial reversal cleared.", field="impacts_cleared")
        if len(impacts) == len(valid_impacts):
            raise ServiceError("Everything was cleared: record a full reversal instead.", field="impacts_cleared")
    violation = appeal.violation
    if outcome == Appeal.Status.REVERSED and impacts_cleared is None:
        impacts = list(DEFAULT_IMPACTS_BY_KIND.get(violation.kind, []))
        if violation.penalty_points and Appeal.Impact.POINTS_REMOVED not in impacts:
            impacts.append(Appeal.Impact.POINTS_REMOVED)

    now = timezone.now()
    if outcome == Appeal.Status.WITHDRAWN:
        appeal.decided_at = None
    else:
        decided = decided_at or now
        if appeal.submitted_at is not None and decided < appeal.submitted_at:
            submitted = _fmt_day(appeal.submitted_at, appeal.organization)
            raise ServiceError(
                f"The decision cannot come before the submission ({submitted}).",
                field="decided_at",
            )
        if decided > now + timedelta(minutes=5):
            raise ServiceError("The decision date cannot be in the future.", field="decided_at")
        appeal.decided_at = decided
    appeal.status = outcome
    appeal.decision_message = message.strip()
    appeal.impacts_cleared = impacts
    appeal.version += 1
    appeal.save(update_fields=["status", "decided_at", "decision_message", "impacts_cleared", "version", "updated_at"])

    points_cleared = outcome == Appeal.Status.REVERSED or Appeal.Impact.POINTS_REMOVED in impacts
    if points_cleared and not violation.points_cleared:
        Violation.objects.filter(pk=violation.pk).update(points_cleared=True)
        violation.points_cleared = True

    summary = review_summary(appeal)
    data: dict[str, Any] = {"outcome": outcome, "round": appeal.round, "impacts_cleared": impacts}
    if appeal.decided_at is not None:
        data["decided_at"] = appeal.decided_at.isoformat()
    if summary is not None:
        data["review_business_days"] = summary.business_days
    if appeal.decision_message:
        data["message"] = appeal.decision_message[:500]
    summary_bits = [f"round {appeal.round}: {appeal.get_status_display().lower()}"]
    if summary is not None:
        summary_bits.append(
            f"review took {summary.business_days} business day{'s' if summary.business_days != 1 else ''}"
            f" ({'within' if summary.within else 'over'} the {summary.window}-day window)"
        )
    if impacts:
        summary_bits.append("cleared: " + ", ".join(Appeal.Impact(i).label.lower() for i in impacts))
    data["summary"] = "; ".join(summary_bits)
    timeline_record(violation=violation, verb=TimelineVerb.OUTCOME_RECORDED, actor=by, appeal=appeal, data=data)
    violation_refresh_status(violation=violation)
    return appeal


# ---------------------------------------------------------------------------------------------
# Follow-up appeals
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_follow_up_start(*, appeal_id: int, by, now: datetime | None = None) -> Appeal:
    """Start round n+1 from a decided appeal: same text, same evidence rows (same stored files)."""
    previous = Appeal.objects.select_for_update().select_related("organization", "violation").get(pk=appeal_id)
    _require_editor(previous.organization_id, by)
    # Lock the case too: two people clicking at once get one follow-up, not an integrity error.
    Violation.objects.select_for_update().filter(pk=previous.violation_id).first()
    refusal = follow_up_refusal(previous, now)
    if refusal:
        raise ServiceError(refusal)
    follow_up = Appeal.objects.create(
        violation=previous.violation,
        organization=previous.organization,
        round=previous.round + 1,
        parent=previous,
        status=Appeal.Status.DRAFT,
        created_by=by,
        **{name: getattr(previous, name) for name in FOLLOW_UP_COPIED_FIELDS},
    )
    Evidence.objects.bulk_create(
        [
            Evidence(
                appeal=follow_up,
                organization=previous.organization,
                file=item.file.name,
                thumbnail=item.thumbnail.name if item.thumbnail else "",
                original_name=item.original_name,
                content_type=item.content_type,
                category=item.category,
                size=item.size,
                sha256=item.sha256,
                caption=item.caption,
                position=item.position,
                uploaded_by=item.uploaded_by,
            )
            for item in previous.evidence.all()
        ]
    )
    # bulk_create sends no signals: store the copied evidence's count and categories here.
    follow_up.evidence_count, follow_up.evidence_categories = appeal_evidence_summary_refresh(appeal_id=follow_up.pk)
    timeline_record(
        violation=previous.violation,
        verb=TimelineVerb.FOLLOW_UP_STARTED,
        actor=by,
        appeal=follow_up,
        data={
            "round": follow_up.round,
            "parent_round": previous.round,
            "parent_id": previous.pk,
            "summary": f"round {follow_up.round}, from round {previous.round}"
            f" with {len(previous.evidence.all())} evidence file(s) carried over",
        },
    )
    violation_refresh_status(violation=previous.violation)
    return follow_up


# ---------------------------------------------------------------------------------------------
# Escalations
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def escalation_create(
    *,
    violation_id: int,
    by,
    to_team: str,
    channel: str = "",
    reference: str = "",
    escalated_at: datetime | None = None,
    notes: str = "",
) -> Escalation:
    violation = Violation.objects.select_for_update().select_related("organization").get(pk=violation_id)
    _require_editor(violation.organization_id, by)
    now = timezone.now()
    escalated_at = escalated_at or now
    if to_team not in Escalation.Team.values:
        raise ServiceError("Choose who the case was escalated to.", field="to_team")
    if escalated_at > now + timedelta(minutes=5):
        raise ServiceError("The escalation date cannot be in the future.", field="escalated_at")
    refusal = escalation_refusal(violation, escalated_at)
    if refusal:
        raise ServiceError(refusal)
    organization = violation.organization
    appeal = escalated_appeal(violation)
    escalation = Escalation.objects.create(
        violation=violation,
        organization=organization,
        appeal=appeal,
        to_team=to_team,
        channel=channel.strip(),
        reference=reference.strip(),
        escalated_at=escalated_at,
        answer_due_at=organization.business_calendar().add_business_days(
            escalated_at, organization.escalation_answer_business_days
        ),
        notes=notes.strip(),
        created_by=by,
    )
    timeline_record(
        violation=violation,
        verb=TimelineVerb.ESCALATED,
        actor=by,
        appeal=appeal,
        data={
            "escalation_id": escalation.pk,
            "to_team": to_team,
            "to_team_label": escalation.get_to_team_display(),
            "channel": escalation.channel,
            "reference": escalation.reference,
            "answer_due_at": escalation.answer_due_at.isoformat(),
            "summary": f"to the {escalation.get_to_team_display().lower()}"
            + (f" ({escalation.reference})" if escalation.reference else "")
            + f"; answer due {_fmt_day(escalation.answer_due_at, organization)}",
        },
    )
    violation_refresh_status(violation=violation)
    return escalation


@transaction.atomic
def escalation_answer(
    *, escalation_id: int, by, result: str, answered_at: datetime | None = None, notes: str = ""
) -> Escalation:
    escalation = (
        Escalation.objects.select_for_update().select_related("violation", "organization").get(pk=escalation_id)
    )
    _require_editor(escalation.organization_id, by)
    if escalation.answered_at is not None:
        raise ServiceError("This escalation's answer is already recorded; log a new escalation to go further.")
    if not result or result not in Escalation.Result.values:
        raise ServiceError("Choose the answer you got.", field="result")
    now = timezone.now()
    answered_at = answered_at or now
    if answered_at < escalation.escalated_at:
        raise ServiceError("The answer cannot come before the escalation.", field="answered_at")
    if answered_at > now + timedelta(minutes=5):
        raise ServiceError("The answer date cannot be in the future.", field="answered_at")
    escalation.answered_at = answered_at
    escalation.result = result
    if notes.strip():
        escalation.notes = (escalation.notes + "\n\n" + notes.strip()).strip()
    escalation.save(update_fields=["answered_at", "result", "notes"])
    violation = escalation.violation
    if result == Escalation.Result.REVERSED and not violation.points_cleared:
        Violation.objects.filter(pk=violation.pk).update(points_cleared=True)
        violation.points_cleared = True
    timeline_record(
        violation=violation,
        verb=TimelineVerb.ESCALATION_ANSWERED,
        actor=by,
        appeal=escalation.appeal,
        data={
            "escalation_id": escalation.pk,
            "result": result,
            "result_label": escalation.get_result_display(),
            "answered_at": answered_at.isoformat(),
            "summary": f"{escalation.get_to_team_display()}: {escalation.get_result_display().lower()}",
        },
    )
    violation_refresh_status(violation=violation)
    return escalation


# ---------------------------------------------------------------------------------------------
# Comments
# ---------------------------------------------------------------------------------------------

MENTION_RE = re.compile(r"(?<![\w.+-])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


def mentioned_users(organization_id: int, body: str) -> list:
    """Members of the organization named in `body` as @local-part or @full-email."""
    tokens = {m.group(1).rstrip(".").lower() for m in MENTION_RE.finditer(body)}
    if not tokens:
        return []
    found = []
    for membership in Membership.objects.filter(organization_id=organization_id).select_related("user"):
        email = membership.user.email.lower()
        if email in tokens or email.split("@")[0] in tokens:
            found.append(membership.user)
    return found


def _mention_emails_send(comment_id: int) -> None:
    from core.emails import email_send

    comment = Comment.objects.select_related("author", "violation__account").get(pk=comment_id)
    for user in comment.mentions.all():
        if user.pk == comment.author_id:
            continue
        try:
            email_send(
                name="mention",
                to=[user.email],
                context={
                    "comment": comment,
                    "violation": comment.violation,
                    "recipient": user,
                    "author": comment.author,
                },
            )
        except Exception:  # one failed address must not lose the others' notices
            logger.exception("Mention email to %s failed for comment %s", user.pk, comment.pk)


@transaction.atomic
def comment_add(*, violation_id: int, by, body: str) -> Comment:
    violation = Violation.objects.select_related("organization").get(pk=violation_id)
    _require_editor(violation.organization_id, by)
    body = body.strip()
    if not body:
        raise ServiceError("Write a comment first.", field="body")
    if len(body) > 5000:
        raise ServiceError("Keep comments under 5,000 characters.", field="body")
    comment = Comment.objects.create(violation=violation, organization=violation.organization, author=by, body=body)
    mentions = mentioned_users(violation.organization_id, body)
    if mentions:
        comment.mentions.set(mentions)
    timeline_record(
        violation=violation,
        verb=TimelineVerb.COMMENTED,
        actor=by,
        data={
            "comment_id": comment.pk,
            "excerpt": body[:200],
            "mentions": [u.email for u in mentions],
            "summary": "“" + (body[:140] + ("…" if len(body) > 140 else "")) + "”",
        },
    )
    if mentions:
        transaction.on_commit(lambda: _mention_emails_send(comment.pk))
    return comment
