"""What a follow-up round's builder shows beside the editor: the platform's rejection, what changed since the
previous round (text and files), the rounds left and the follow-up window."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from appeals import readiness
from appeals.models import Appeal, Evidence
from appeals.services.appeals import appeal_compose_text, appeal_content, appeal_evidence_lines, appeal_new_evidence
from appeals.services.outcomes import follow_up_deadline
from core.rules import case_rules


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class FollowUpChanges:
    round: int
    previous: Appeal
    max_rounds: int
    deadline: datetime | None
    business_days_left: int | None  # business days until the deadline's day; negative once it has passed
    new_files: list[Evidence]
    diff: list[DiffLine]

    @property
    def previous_round(self) -> int:
        return self.previous.round

    @property
    def rounds_left_after(self) -> int:
        """Appeals the platform still allows after this one (0: this round's decision is final)."""
        return max(self.max_rounds - self.round, 0)

    @property
    def text_changed(self) -> bool:
        return any(line.op != "same" for line in self.diff)

    @property
    def overdue(self) -> bool:
        return self.deadline is not None and timezone.now() > self.deadline


def text_diff(before: str, after: str) -> list[DiffLine]:
    """Line by line, as a reviewer would compare the two rounds (blank lines dropped)."""
    old = [line for line in before.splitlines() if line.strip()]
    new = [line for line in after.splitlines() if line.strip()]
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [DiffLine("same", line) for line in old[i1:i2]]
            continue
        lines += [DiffLine("removed", line) for line in old[i1:i2]]
        lines += [DiffLine("added", line) for line in new[j1:j2]]
    return lines


def _previous_text(previous: Appeal) -> str:
    if previous.final_text:
        return previous.final_text
    return readiness.compose(appeal_content(previous), appeal_evidence_lines(previous))


def follow_up_changes(
    appeal: Appeal, evidence: Sequence[Evidence], now: datetime | None = None
) -> FollowUpChanges | None:
    """None for a first appeal (or a follow-up whose previous round is gone)."""
    if appeal.round <= 1:
        return None
    previous = (
        Appeal.objects.filter(violation_id=appeal.violation_id, round__lt=appeal.round)
        .select_related("organization")
        .order_by("-round")
        .first()
    )
    if previous is None:
        return None
    organization = appeal.organization
    deadline = follow_up_deadline(previous)
    days_left = None
    if deadline is not None:
        calendar = organization.business_calendar()
        today = calendar.local(now or timezone.now()).date()
        day = calendar.local(deadline).date()
        days_left = (
            calendar.business_days_from_dates(today, day)
            if day >= today
            else -calendar.business_days_from_dates(day, today)
        )
    return FollowUpChanges(
        round=appeal.round,
        previous=previous,
        max_rounds=case_rules(appeal.violation).max_rounds,
        deadline=deadline,
        business_days_left=days_left,
        new_files=appeal_new_evidence(appeal, evidence),
        diff=text_diff(_previous_text(previous), appeal_compose_text(appeal, evidence)),
    )
