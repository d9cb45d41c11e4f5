"""Readiness of an appeal: plain functions that say what is still weak before it is pasted.

Each rule follows "What makes an appeal win" (shared/DOMAIN.md). Every finding costs a fixed
number of points out of 100; the weights below sum to 100, so a clean appeal scores 100.
Nothing here touches the database: the builder, the API and submit call `assess` with plain data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Points lost per finding (the groups sum to 100).
WEIGHTS: dict[str, int] = {
    "no_outcome": 20,  # outcome group: 20 (vague is a softer version of the same failure)
    "vague_outcome": 10,
    "no_rule": 10,  # rule group: 15
    "no_rule_reason": 5,
    "generic_statement": 10,  # generic group: 10
    "no_reference": 5,  # IDs group: 20
    "missing_ids": 15,
    "no_evidence": 15,  # evidence group: 15
    "evidence_without_caption": 8,
    "too_long": 10,  # length group: 10
    "shouting": 5,  # tone group: 10
    "hostile_tone": 5,
    # Reported, not scored: the platform's box simply refuses the text (see `assess`).
    "over_char_limit": 0,
}
MAX_SCORE = 100
# A reviewer reads about 200 words in 60 seconds.
MAX_WORDS = 200
MIN_OUTCOME_WORDS = 6

ID_LABELS = {
    "sku": "SKU IDs",
    "product": "Product IDs",
    "order": "Order IDs",
    "video": "Video IDs",
}
# Which IDs a reviewer needs for each violation kind (any one of the listed groups is enough).
REQUIRED_IDS: dict[str, tuple[tuple[str, ...], str]] = {
    "listing_removal": (("sku", "product"), "a SKU ID or product ID"),
    "order_action": (("order",), "the order ID"),
    "content_restriction": (("video",), "the video ID"),
    "shop_restriction": (("account",), "the shop ID"),
    "affiliate_restriction": (("account",), "the shop ID or creator username"),
    "penalty_points": (("account",), "the shop ID or creator username"),
}

ACTION_VERBS = {
    "reinstate", "restore", "reverse", "remove", "lift", "reactivate", "unfreeze", "release", "clear",
    "withdraw", "cancel", "overturn", "unblock", "re-enable", "enable", "republish", "approve", "waive",
    "refund", "revoke", "unban", "unsuspend", "drop", "delete", "return", "relist", "reopen", "rescind",
}  # fmt: skip
# "reinstate" also matches "reinstated", "reinstatement"; "remove" matches "removal".
ACTION_STEMS = tuple(v[:-1] if v.endswith("e") else v for v in ACTION_VERBS)
SYMPTOM_ONLY = re.compile(
    r"^\s*(please\s+)?(fix|help|check|look at|review|sort out)\b.{0,30}$"
    r"|\b(is|was|got)\s+(down|gone|blocked|removed)\s*[.!]*\s*$",
    re.IGNORECASE,
)
GENERIC_PATTERNS = [
    r"\b(this|it|that)\s+(was|is)\s+(wrong|a mistake|incorrect|an error)\b",
    r"\bcompl(y|ied|ies|iant)\s+with\s+all\b",
    r"\bfollow(ed|s)?\s+all\s+(the\s+|your\s+)?(rules|policies|guidelines)\b",
    r"\bunfair(ly)?\b",
    r"\b(did|have done)\s+nothing\s+wrong\b",
    r"\bdid(n't| not)\s+do\s+anything\s+wrong\b",
    r"\bnot\s+our\s+fault\b",
    r"\bplease\s+(check|look)\s+again\b",
    r"\bno\s+reason\b",
]
GENERIC = re.compile("|".join(GENERIC_PATTERNS), re.IGNORECASE)
HOSTILE_WORDS = {
    "scam", "scammers", "ridiculous", "stupid", "incompetent", "idiot", "idiots", "joke", "pathetic",
    "disgusting", "lawsuit", "sue", "thieves", "theft", "robbery", "useless", "absurd", "shameful",
    "worst", "liars", "lying", "garbage", "trash", "clowns", "moron", "morons", "hate",
}  # fmt: skip
# Upper-case words that are names, not shouting.
ACRONYMS = {
    "SKU", "SKUS", "ID", "IDS", "IP", "FDA", "CPSC", "UPS", "USPS", "DHL", "FEDEX", "PDF", "LLC", "INC", "USA",
    "US", "EU", "UK", "TM", "CE", "FCC", "UL", "LIVE", "ASAP", "GS1", "UPC", "EAN", "CSV", "URL", "OK", "TIKTOK",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


@dataclass(frozen=True)
class AppealContent:
    desired_outcome: str = ""
    rule_cited: str = ""
    rule_explanation: str = ""
    explanation: str = ""
    ids: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EvidenceLine:
    caption: str
    name: str


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    fix: str

    @property
    def points(self) -> int:
        return WEIGHTS[self.code]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fix": self.fix, "points": self.points}


@dataclass(frozen=True)
class Report:
    score: int
    findings: list[Finding]

    @property
    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def findings_as_dicts(self) -> list[dict[str, Any]]:
        return [f.as_dict() for f in self.findings]


def _words(text: str) -> list[str]:
    return WORD.findall(text or "")


def _id_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[\s,;]+", value)
    if not isinstance(value, Iterable):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def prose(content: AppealContent) -> str:
    """The written part a reviewer reads (IDs and the evidence list are scanned, not read)."""
    return "\n".join(
        p for p in (content.desired_outcome, content.rule_cited, content.rule_explanation, content.explanation) if p
    )


def compose(content: AppealContent, evidence: Sequence[EvidenceLine] = ()) -> str:
    """The final appeal text, as it will be pasted: outcome first, rule, IDs, explanation, evidence."""
    ids = content.ids or {}
    parts: list[str] = []
    if content.desired_outcome.strip():
        parts.append(content.desired_outcome.strip())
    rule_lines = []
    if content.rule_cited.strip():
        rule_lines.append(f"Rule cited: {content.rule_cited.strip()}")
    if content.rule_explanation.strip():
        rule_lines.append(f"Why it does not apply: {content.rule_explanation.strip()}")
    if rule_lines:
        parts.append("\n".join(rule_lines))
    id_lines = []
    if str(ids.get("reference", "")).strip():
        id_lines.append(f"Violation reference: {str(ids['reference']).strip()}")
    if str(ids.get("account", "")).strip():
        id_lines.append(f"{ids.get('account_label') or 'Account'}: {str(ids['account']).strip()}")
    for key, label in ID_LABELS.items():
        values = _id_list(ids.get(key, []))
        if values:
            id_lines.append(f"{label}: {', '.join(values)}")
    if id_lines:
        parts.append("\n".join(id_lines))
    if content.explanation.strip():
        parts.append(content.explanation.strip())
    if evidence:
        lines = ["Evidence attached:"]
        for number, item in enumerate(evidence, start=1):
            caption = item.caption.strip() or "(no caption)"
            lines.append(f"{number}. {caption} ({item.name})")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def check_outcome(content: AppealContent) -> list[Finding]:
    outcome = content.desired_outcome.strip()
    if not outcome:
        return [
            Finding(
                "no_outcome",
                "The appeal does not say what you want.",
                'Start with the outcome in one sentence, e.g. "Reinstate the listing for SKU 12345".',
            )
        ]
    words = [w.lower() for w in _words(outcome)]
    has_action = any(w.startswith(stem) for w in words for stem in ACTION_STEMS)
    if len(words) < MIN_OUTCOME_WORDS or not has_action or SYMPTOM_ONLY.search(outcome):
        return [
            Finding(
                "vague_outcome",
                "The outcome is vague: it describes the problem, not the decision you want.",
                'Name the action and the thing: "Reinstate the listing for SKU 12345", '
                '"Remove the 2 penalty points from violation VR123".',
            )
        ]
    return []


def check_rule(content: AppealContent) -> list[Finding]:
    if not content.rule_cited.strip():
        return [
            Finding(
                "no_rule",
                "No rule is named.",
                "Name the specific policy the notice cites (copy it from the notice) and say why it does not apply.",
            )
        ]
    if len(_words(content.rule_explanation)) < 3:
        return [
            Finding(
                "no_rule_reason",
                "You name the rule but not why it was misapplied.",
                "Add one or two sentences on why this rule does not apply to this case.",
            )
        ]
    return []


def check_generic(content: AppealContent) -> list[Finding]:
    match = GENERIC.search(prose(content))
    if match:
        return [
            Finding(
                "generic_statement",
                f'Generic statement: "{match.group(0)}". Reviewers skip these; they do not change outcomes.',
                "Replace it with a specific fact backed by evidence (a document, a date, a tracking number).",
            )
        ]
    return []


def check_ids(content: AppealContent, violation_kind: str) -> list[Finding]:
    ids = content.ids or {}
    findings = []
    if not str(ids.get("reference", "")).strip():
        findings.append(
            Finding(
                "no_reference",
                "The violation reference number is missing.",
                "Add the reference number from the notice so the reviewer finds the case at once.",
            )
        )
    required = REQUIRED_IDS.get(violation_kind)
    if required:
        keys, wording = required
        present = any(
            (_id_list(ids.get(k)) if k != "account" else [str(ids.get(k, "")).strip()] if ids.get(k) else [])
            for k in keys
        )
        if not present:
            findings.append(
                Finding(
                    "missing_ids",
                    f"This kind of violation needs {wording}, and the appeal has none.",
                    f"Add {wording} in the IDs step.",
                )
            )
    return findings


def check_evidence(evidence: Sequence[EvidenceLine]) -> list[Finding]:
    if not evidence:
        return [
            Finding(
                "no_evidence",
                "No evidence is attached.",
                "Attach what proves your point the first time: invoices, certificates, labels, tracking, screenshots.",
            )
        ]
    missing = [e.name for e in evidence if not e.caption.strip()]
    if missing:
        return [
            Finding(
                "evidence_without_caption",
                f"{len(missing)} file(s) without a caption: {', '.join(missing[:3])}{'…' if len(missing) > 3 else ''}.",
                'Give each file one line saying what it proves, e.g. "Invoice from the authorized distributor".',
            )
        ]
    return []


def check_length(content: AppealContent, char_limit: int) -> list[Finding]:
    text = prose(content)
    words = len(_words(text))
    if words > MAX_WORDS or (char_limit and len(text) > char_limit):
        return [
            Finding(
                "too_long",
                f"The written part has {words} words; a reviewer reads about {MAX_WORDS} in 60 seconds.",
                "Cut background and repetition; keep the outcome, the rule, one or two facts and the evidence list.",
            )
        ]
    return []


def check_tone(content: AppealContent) -> list[Finding]:
    text = prose(content)
    findings = []
    words = _words(text)
    long_words = [w for w in words if len(w) >= 3 and w.upper() not in ACRONYMS]
    caps = [w for w in long_words if w.isupper()]
    run = longest_run = 0
    for w in long_words:
        run = run + 1 if w.isupper() else 0
        longest_run = max(longest_run, run)
    if "!!" in text or longest_run >= 4 or (len(caps) >= 3 and len(caps) / max(len(long_words), 1) > 0.25):
        findings.append(
            Finding(
                "shouting",
                "The text shouts (many capitals or repeated exclamation marks).",
                "Write in normal sentence case without exclamation marks; calm appeals read as credible.",
            )
        )
    hostile = sorted({w.lower() for w in words if w.lower() in HOSTILE_WORDS})
    if hostile:
        findings.append(
            Finding(
                "hostile_tone",
                f"Hostile words: {', '.join(hostile)}.",
                "Stay neutral and factual; the reviewer is not the person who made the decision.",
            )
        )
    return findings


def assess(
    content: AppealContent,
    violation_kind: str,
    evidence: Sequence[EvidenceLine] = (),
    char_limit: int = 1800,
) -> Report:
    """Score 0-100 and the findings, worst first."""
    findings = [
        *check_outcome(content),
        *check_rule(content),
        *check_generic(content),
        *check_ids(content, violation_kind),
        *check_evidence(evidence),
        *check_length(content, char_limit),
        *check_tone(content),
    ]
    # Not scored, so adding captioned evidence never lowers the score; the counter shows it too.
    full = len(compose(content, evidence))
    if char_limit and full > char_limit:
        findings.append(
            Finding(
                "over_char_limit",
                f"The final text has {full} characters; the platform accepts {char_limit}.",
                "Shorten the explanation or the captions until the counter is within the limit.",
            )
        )
    score = max(0, min(MAX_SCORE, MAX_SCORE - sum(f.points for f in findings)))
    findings.sort(key=lambda f: -f.points)
    return Report(score=score, findings=findings)
