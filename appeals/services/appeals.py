"""Appeal drafts: start, save a builder step, submit, templates, and the final text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from appeals import readiness
from appeals.models import Appeal, AppealTemplate, Evidence, TimelineVerb, Violation, ViolationKind
from appeals.services import InvalidTransition, ServiceError, StaleVersion
from appeals.services.status import violation_refresh_status
from appeals.services.timeline import timeline_record
from core.bulk import update_by_pk, update_rows_by_pk
from core.calendar import BusinessCalendar
from core.models import Organization
from core.rules import case_clock, case_rules

STEPS = {
    1: "Outcome",
    2: "Rule and why",
    3: "IDs",
    4: "Evidence",
    5: "Review and submit",
}
LAST_STEP = max(STEPS)
# The fields each step writes; the builder form of a step posts exactly these.
STEP_FIELDS: dict[int, tuple[str, ...]] = {
    1: ("desired_outcome",),
    2: ("rule_cited", "rule_explanation", "explanation"),
    3: ("ids",),
    4: (),
    5: (),
}
ID_KEYS = ("sku", "product", "order", "video")
MAX_IDS_PER_KIND = 200
# Clocks differ a little; a submission time slightly ahead of ours is not "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)


def _frozen_message(appeal: Appeal) -> str:
    return (
        f"This appeal is {appeal.get_status_display().lower()}; its text is frozen. "
        "A change after submission is a new follow-up appeal."
    )


def appeal_initial_ids(violation: Violation) -> dict[str, Any]:
    """The IDs step prefilled from the case: reference, the account, and every affected ID."""
    account = violation.account
    ids: dict[str, Any] = {
        "reference": violation.reference,
        "account": account.external_id,
        "account_label": "Shop ID" if account.kind == account.Kind.SELLER_SHOP else "Creator",
    }
    for key in ID_KEYS:
        ids[key] = []
    for item in violation.items.all():
        if item.kind in ids and item.value not in ids[item.kind]:
            ids[item.kind].append(item.value)
    return ids


def appeal_content(appeal: Appeal) -> readiness.AppealContent:
    return readiness.AppealContent(
        desired_outcome=appeal.desired_outcome,
        rule_cited=appeal.rule_cited,
        rule_explanation=appeal.rule_explanation,
        explanation=appeal.explanation,
        ids=appeal.ids or {},
    )


def appeal_evidence_lines(appeal: Appeal, evidence: Sequence[Evidence] | None = None) -> list[readiness.EvidenceLine]:
    items = appeal.evidence.all() if evidence is None else evidence
    return [readiness.EvidenceLine(caption=e.caption, name=e.original_name) for e in items]


def appeal_compose_text(appeal: Appeal, evidence: Sequence[Evidence] | None = None) -> str:
    """The text as it will be pasted; a submitted appeal keeps the text frozen at submission."""
    if not appeal.is_editable and appeal.final_text:
        return appeal.final_text
    return readiness.compose(appeal_content(appeal), appeal_evidence_lines(appeal, evidence))


def appeal_new_evidence(appeal: Appeal, evidence: Sequence[Evidence] | None = None) -> list[Evidence]:
    """The appeal's files that no earlier round of the case included (same bytes = same SHA-256 = not new)."""
    items = list(appeal.evidence.all() if evidence is None else evidence)
    if appeal.round <= 1:
        return items
    earlier = set(
        Evidence.objects.filter(appeal__violation_id=appeal.violation_id, appeal__round__lt=appeal.round).values_list(
            "sha256", flat=True
        )
    )
    return [e for e in items if e.sha256 not in earlier]


def appeal_follow_up_input(
    appeal: Appeal, evidence: Sequence[Evidence] | None = None, new_files: Sequence[Evidence] | None = None
) -> readiness.FollowUp | None:
    """What readiness needs to know about a follow-up round (None for a first appeal)."""
    if appeal.round <= 1:
        return None
    new = appeal_new_evidence(appeal, evidence) if new_files is None else new_files
    return readiness.FollowUp(round=appeal.round, new_files=len(new))


def appeal_readiness(
    appeal: Appeal, evidence: Sequence[Evidence] | None = None, new_files: Sequence[Evidence] | None = None
) -> readiness.Report:
    """The readiness report; `new_files` (from appeal_new_evidence) saves its query when the caller has them."""
    items = list(appeal.evidence.all() if evidence is None else evidence)
    return readiness.assess(
        appeal_content(appeal),
        appeal.violation.kind,
        appeal_evidence_lines(appeal, items),
        case_rules(appeal.violation).appeal_char_limit,
        follow_up=appeal_follow_up_input(appeal, items, new_files),
    )


@transaction.atomic
def appeal_start(*, violation: Violation, by, template: AppealTemplate | None = None) -> Appeal:
    """Open the round-1 draft of a case (or return the draft someone already started).

    Follow-ups (round 2+) are started by the outcomes feature, which reuses this builder.
    """
    violation = Violation.objects.select_for_update().select_related("account").get(pk=violation.pk)
    existing = list(Appeal.objects.filter(violation=violation).order_by("round"))
    draft = next((a for a in existing if a.status == Appeal.Status.DRAFT), None)
    if draft is not None:
        return draft
    if any(a.status == Appeal.Status.UNDER_REVIEW for a in existing):
        raise InvalidTransition("An appeal for this case is already under review; record its outcome first.")
    if existing:
        raise InvalidTransition("This case already has an appeal; start a follow-up from its outcome instead.")
    if template is not None and template.organization_id != violation.organization_id:
        raise ServiceError("No such template.", field="template")
    appeal = Appeal(
        violation=violation,
        organization_id=violation.organization_id,
        round=1,
        rule_cited=violation.policy[:255],
        ids=appeal_initial_ids(violation),
        created_by=by,
    )
    if template is not None:
        appeal.desired_outcome = template.desired_outcome
        appeal.rule_cited = template.rule_cited or appeal.rule_cited
        appeal.rule_explanation = template.rule_explanation
        appeal.explanation = template.explanation
    try:
        with transaction.atomic():
            appeal.save()
    except IntegrityError:
        raise InvalidTransition("Someone started an appeal for this case at the same moment; open it.") from None
    timeline_record(
        violation=violation,
        verb=TimelineVerb.APPEAL_STARTED,
        actor=by,
        appeal=appeal,
        data={"round": appeal.round, **({"template": template.name} if template else {})},
    )
    violation_refresh_status(violation=violation)
    return appeal


def _clean_ids(raw: Any, current: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ServiceError("IDs must be a mapping of lists.", field="ids")
    ids: dict[str, Any] = {
        "reference": str(raw.get("reference", "")).strip()[:120],
        "account": str(raw.get("account", "")).strip()[:120],
        "account_label": current.get("account_label") or "Account",
    }
    for key in ID_KEYS:
        values = raw.get(key, [])
        if isinstance(values, str):
            values = values.replace(",", "\n").splitlines()
        cleaned: list[str] = []
        for value in values or []:
            value = str(value).strip()
            if not value:
                continue
            if len(value) > 120:
                raise ServiceError(f"An ID is longer than 120 characters: {value[:20]}…", field=key)
            if value not in cleaned:
                cleaned.append(value)
        if len(cleaned) > MAX_IDS_PER_KIND:
            raise ServiceError(f"At most {MAX_IDS_PER_KIND} IDs of one kind.", field=key)
        ids[key] = cleaned
    return ids


def _clean_step(appeal: Appeal, step: int, data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in STEP_FIELDS[step]:
        if name == "ids":
            values["ids"] = _clean_ids(data.get("ids", {}), appeal.ids or {})
            continue
        value = str(data.get(name, "") or "").strip()
        if name == "rule_cited" and len(value) > 255:
            raise ServiceError("Keep the rule name under 255 characters.", field=name)
        if len(value) > 5000:
            raise ServiceError("Keep this under 5,000 characters; reviewers read briefly.", field=name)
        values[name] = value
    return values


@transaction.atomic
def appeal_save_step(*, appeal_id: int, step: int, data: dict[str, Any], by, version: int) -> Appeal:
    """Save one builder step of a draft; `version` is the one the user's form was built from."""
    if step not in STEPS:
        raise ServiceError("No such step.", field="step")
    appeal = Appeal.objects.select_for_update().select_related("violation").get(pk=appeal_id)
    if not appeal.is_editable:
        raise InvalidTransition(_frozen_message(appeal))
    values = _clean_step(appeal, step, data)
    changed = [name for name, value in values.items() if getattr(appeal, name) != value]
    if changed and appeal.version != version:
        raise StaleVersion()
    update_fields = []
    resume_at = max(appeal.builder_step, min(step + 1, LAST_STEP))
    if resume_at != appeal.builder_step:
        appeal.builder_step = resume_at
        update_fields.append("builder_step")
    if changed:
        for name in changed:
            setattr(appeal, name, values[name])
        appeal.version += 1
        update_fields += [*changed, "version"]
    if update_fields:
        appeal.save(update_fields=[*update_fields, "updated_at"])
    if changed:
        timeline_record(
            violation=appeal.violation,
            verb=TimelineVerb.APPEAL_STEP_SAVED,
            actor=by,
            appeal=appeal,
            data={"step": step, "step_name": STEPS[step], "fields": changed},
        )
    return appeal


def _check_submittable(appeal: Appeal) -> list[str]:
    """Problems that block submission (readiness findings only warn). Follow-up rules add theirs here."""
    from appeals.services.outcomes import follow_up_problems  # follow-up rules (round 2+) live with outcomes

    problems = list(follow_up_problems(appeal))
    if not appeal.desired_outcome.strip():
        problems.append("State the outcome you want (step 1) before marking the appeal submitted.")
    limit = case_rules(appeal.violation).appeal_char_limit
    length = len(appeal_compose_text(appeal))
    if limit and length > limit:
        problems.append(f"The final text has {length} characters; the platform accepts {limit}. Shorten it first.")
    return problems


@transaction.atomic
def appeal_submit(*, appeal_id: int, by, submitted_at: datetime | None = None, platform_reference: str = "") -> Appeal:
    """Record that the appeal was sent on the platform.

    1. Lock the appeal and check the transition and the blocking problems.
    2. Freeze the final text and the readiness report (managers compare scores with outcomes).
    3. Compute the review deadline: the case's rule version's review days on its market's platform clock.
    4. Timeline entry and the case's stored status.
    """
    appeal = Appeal.objects.select_for_update().select_related("violation__account", "organization").get(pk=appeal_id)
    if not appeal.can_transition_to(Appeal.Status.UNDER_REVIEW):
        raise InvalidTransition(_frozen_message(appeal))
    problems = _check_submittable(appeal)
    if problems:
        raise ServiceError(" ".join(problems), field=None, code="not_submittable")
    now = timezone.now()
    submitted_at = submitted_at or now
    if submitted_at > now + FUTURE_TOLERANCE:
        raise ServiceError("The submission time cannot be in the future.", field="submitted_at")
    if submitted_at < appeal.violation.enforced_at - timedelta(days=1):
        raise ServiceError("The submission time is before the violation was enforced.", field="submitted_at")
    report = appeal_readiness(appeal)
    appeal.final_text = appeal_compose_text(appeal)
    appeal.readiness_score = report.score
    appeal.readiness_findings = report.findings_as_dicts()
    appeal.submitted_at = submitted_at
    appeal.platform_reference = platform_reference.strip()[:120]
    appeal.due_at = case_clock(appeal.violation).add_business_days(
        submitted_at, case_rules(appeal.violation).review_business_days
    )
    appeal.status = Appeal.Status.UNDER_REVIEW
    appeal.builder_step = LAST_STEP
    appeal.version += 1
    appeal.save()
    timeline_record(
        violation=appeal.violation,
        verb=TimelineVerb.APPEAL_SUBMITTED,
        actor=by,
        appeal=appeal,
        data={
            "round": appeal.round,
            "submitted_at": submitted_at.isoformat(),
            "due_at": appeal.due_at.isoformat(),
            "readiness_score": report.score,
            "platform_reference": appeal.platform_reference,
        },
    )
    violation_refresh_status(violation=appeal.violation)
    return appeal


@transaction.atomic
def appeal_template_save(*, appeal_id: int, by, name: str, violation_kind: str) -> AppealTemplate:
    """Save an appeal's wording (not its IDs or evidence) as a template for a violation kind."""
    appeal = Appeal.objects.get(pk=appeal_id)
    name = name.strip()
    if not name:
        raise ServiceError("Give the template a name.", field="name")
    if len(name) > 120:
        raise ServiceError("Keep the name under 120 characters.", field="name")
    if violation_kind not in ViolationKind.values:
        raise ServiceError("Choose a violation kind.", field="violation_kind")
    if AppealTemplate.objects.filter(organization_id=appeal.organization_id, name__iexact=name).exists():
        raise ServiceError("A template with this name exists; choose another name.", field="name")
    return AppealTemplate.objects.create(
        organization_id=appeal.organization_id,
        violation_kind=violation_kind,
        name=name,
        desired_outcome=appeal.desired_outcome,
        rule_cited=appeal.rule_cited,
        rule_explanation=appeal.rule_explanation,
        explanation=appeal.explanation,
        created_by=by,
    )


@transaction.atomic
def appeal_template_delete(*, template_id: int, by) -> None:
    AppealTemplate.objects.filter(pk=template_id).delete()


# --- Analytics facts ------------------------------------------------------------------------------------------

# The appeal fields read by appeal_analytics_facts, and the violation fields copied or used.
FACT_APPEAL_INPUTS = frozenset(
    {"violation", "violation_id", "organization", "organization_id", "submitted_at", "decided_at"}
)
FACT_VIOLATION_INPUTS = frozenset(
    {"kind", "policy", "account", "account_id", "assignee", "assignee_id", "enforced_at", "organization"}
)
FACT_FIELDS = (
    "violation_kind",
    "violation_policy",
    "violation_account_id",
    "violation_assignee_id",
    "notice_days",
    "decision_business_days",
)


def analytics_day_counts(
    *,
    enforced_at: datetime,
    submitted_at: datetime | None,
    decided_at: datetime | None,
    tz: tzinfo,
    calendar: BusinessCalendar | None,
) -> tuple[int | None, int | None]:
    """(notice_days, decision_business_days): local calendar days from enforcement to submission, and business days
    d with submitted day < d <= decided day (calendar: the organization's, needed once the appeal is decided)."""
    if submitted_at is None:
        return None, None
    submitted_day = submitted_at.astimezone(tz).date()
    notice_days = (submitted_day - enforced_at.astimezone(tz).date()).days
    if decided_at is None or calendar is None:
        return notice_days, None
    decided_day = decided_at.astimezone(tz).date()
    return notice_days, max(calendar.business_days_from_dates(submitted_day, decided_day), 0)


def appeal_analytics_facts(appeal: Appeal, violation: Violation, calendar: BusinessCalendar | None) -> dict[str, Any]:
    """The Appeal.FACT_FIELDS values for the appeal (calendar: the organization's, needed once it is decided)."""
    notice_days, decision_days = analytics_day_counts(
        enforced_at=violation.enforced_at,
        submitted_at=appeal.submitted_at,
        decided_at=appeal.decided_at,
        tz=appeal.organization.zoneinfo,
        calendar=calendar,
    )
    return {
        "violation_kind": violation.kind,
        "violation_policy": violation.policy,
        "violation_account_id": violation.account_id,
        "violation_assignee_id": violation.assignee_id,
        "notice_days": notice_days,
        "decision_business_days": decision_days,
    }


def appeal_analytics_facts_store(*, appeal: Appeal) -> bool:
    """Store the appeal's analytics facts if they changed (one UPDATE; the version stays); True if they did."""
    calendar = appeal.organization.business_calendar() if appeal.decided_at and appeal.submitted_at else None
    facts = appeal_analytics_facts(appeal, appeal.violation, calendar)
    if all(getattr(appeal, name) == value for name, value in facts.items()):
        return False
    Appeal.objects.filter(pk=appeal.pk).update(**facts)
    for name, value in facts.items():
        setattr(appeal, name, value)
    return True


def appeal_analytics_facts_refresh(*, violation_ids: Iterable[int]) -> int:
    """Recompute the analytics facts of these violations' appeals after a change to the violations; returns how
    many appeals changed. For writers that skip signals (bulk_update); Violation saves call it through
    appeals.signals."""
    ids = list(violation_ids)
    if not ids:
        return 0
    calendars: dict[int, BusinessCalendar] = {}
    changed = []
    appeals = Appeal.objects.filter(violation_id__in=ids).select_related("violation", "organization")
    for appeal in appeals:
        calendar = None
        if appeal.decided_at and appeal.submitted_at:
            if appeal.organization_id not in calendars:
                calendars[appeal.organization_id] = appeal.organization.business_calendar()
            calendar = calendars[appeal.organization_id]
        facts = appeal_analytics_facts(appeal, appeal.violation, calendar)
        if any(getattr(appeal, name) != value for name, value in facts.items()):
            for name, value in facts.items():
                setattr(appeal, name, value)
            changed.append(appeal)
    update_by_pk(Appeal, changed, list(FACT_FIELDS))
    return len(changed)


FACT_REFRESH_CHUNK = 10000


def organization_analytics_facts_refresh(*, organization: Organization, days: Iterable[date] | None = None) -> int:
    """Recount notice_days and decision_business_days of the organization's appeals after its calendar changed;
    returns how many appeals changed.

    days=None (timezone, working days, holidays): every submitted appeal. Else the dates closed or reopened: only
    the decided appeals whose review spans one of them (submitted day < date <= decided day).
    Reads plain rows, not models: an organization can hold 100,000 appeals, and this runs in the settings request.
    """
    tz = organization.zoneinfo
    calendar = organization.business_calendar()
    appeals = Appeal.objects.filter(organization=organization, submitted_at__isnull=False)
    if days is not None:
        days = sorted(set(days))
        if not days:
            return 0
        appeals = appeals.filter(
            decided_at__gte=datetime.combine(days[0], time.min, tzinfo=tz),
            submitted_at__lt=datetime.combine(days[-1], time.min, tzinfo=tz),
        )
    rows = appeals.order_by().values_list(
        "pk", "violation__enforced_at", "submitted_at", "decided_at", "notice_days", "decision_business_days"
    )
    count = 0
    changed: list[tuple[int, int | None, int | None]] = []
    for pk, enforced_at, submitted_at, decided_at, notice_was, decision_was in rows.iterator(
        chunk_size=FACT_REFRESH_CHUNK
    ):
        counts = analytics_day_counts(
            enforced_at=enforced_at, submitted_at=submitted_at, decided_at=decided_at, tz=tz, calendar=calendar
        )
        if counts != (notice_was, decision_was):
            changed.append((pk, *counts))
        if len(changed) >= FACT_REFRESH_CHUNK:
            update_rows_by_pk(Appeal, ["notice_days", "decision_business_days"], changed)
            count += len(changed)
            changed = []
    update_rows_by_pk(Appeal, ["notice_days", "decision_business_days"], changed)
    return count + len(changed)
