"""Readiness of an appeal: plain functions that judge a draft the way a reviewer reads it, before it is pasted.

Each rule follows "What makes an appeal win" (shared/DOMAIN.md). Every finding costs points out of 100, and
every weight is at least MIN_WEIGHT, so four weaknesses always take a draft below 50; a specific,
evidence-backed appeal has no finding and scores 100. A blocking finding (a follow-up without new evidence)
also caps the score below the ready band. Nothing here touches the database: the builder, the API and submit
call `assess` with plain data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from appeals.readiness_words import (
    ACRONYMS,
    ACTION_NOUNS,
    ACTION_VERBS,
    COMMON_WORDS,
    DETERMINERS,
    GENERIC,
    HOSTILE,
    OBJECT_WORDS,
    REQUEST_WORDS,
    SOFT_VERBS,
    VAGUE_OBJECTS,
)

# Points lost per finding. Each is at least MIN_WEIGHT: four weaknesses cost more than 50.
WEIGHTS: dict[str, int] = {
    "no_outcome": 25,
    "vague_outcome": 15,
    "no_rule": 15,
    "no_rule_reason": 15,
    "generic_statement": 15,
    "no_reference": 13,
    "missing_ids": 15,
    "no_evidence": 20,
    "evidence_without_caption": 13,
    "too_long": 13,
    "shouting": 13,
    "hostile_tone": 15,
    "no_new_evidence": 25,
    # Reported, not scored: the platform's box simply refuses the text (see `assess`).
    "over_char_limit": 0,
}
MIN_WEIGHT = 13
MAX_SCORE = 100
# The band analytics and the badge call ready (appeals.stats.readiness_band: 80-100).
READY_SCORE = 80
# A blocking finding keeps the score out of the ready band whatever else is right.
BLOCKED_SCORE_CAP = READY_SCORE - 1
BLOCKING = {"no_new_evidence"}
# A reviewer reads about 200 words in 60 seconds.
MAX_WORDS = 200
# Words that carry content (not "the", "we", "is"), once generic claims and insults are taken out, that make
# "why the rule does not apply".
MIN_REASON_WORDS = 3
# Capitals in a row that read as shouting when they include ordinary words (not acronyms or product names).
SHOUT_RUN = 3
SHOUT_RUN_ANY = 6

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
# Which content field a finding is about (the fix examples are checked against that field).
FINDING_FIELD = {
    "no_outcome": "desired_outcome",
    "vague_outcome": "desired_outcome",
    "no_rule": "rule_cited",
    "no_rule_reason": "rule_explanation",
    "generic_statement": "explanation",
    "shouting": "explanation",
    "hostile_tone": "explanation",
    "evidence_without_caption": "caption",
}
FIELD_NAMES = {
    "desired_outcome": "the outcome",
    "rule_cited": "the rule",
    "rule_explanation": "why the rule does not apply",
    "explanation": "the background",
    "caption": "an evidence caption",
}

TOKEN = re.compile(r"[A-Za-z][A-Za-z'\-]*|\S*\d\S*")
WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
# "We want our shop back", "we would like SKU 1 back".
BACK_VERBS = {"get", "give", "put", "bring", "want", "need", "have", "like"}
QUOTED = re.compile(r'"([^"]+)"')
QUOTED_TEXT = re.compile(r'"[^"]*"|\u201c[^\u201d]*\u201d')


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
class FollowUp:
    """A follow-up round: which round it is, and how many of its files no earlier round of the case had."""

    round: int
    new_files: int

    @property
    def previous_round(self) -> int:
        return self.round - 1


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    fix: str

    @property
    def points(self) -> int:
        return WEIGHTS[self.code]

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING

    @property
    def examples(self) -> list[str]:
        """The example wordings the fix quotes (each passes the checker: tests/test_readiness.py)."""
        return QUOTED.findall(self.fix)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
            "points": self.points,
            "blocking": self.blocking,
        }


@dataclass(frozen=True)
class Report:
    score: int
    findings: list[Finding]

    @property
    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def ready(self) -> bool:
        return self.score >= READY_SCORE and not self.blocking

    def findings_as_dicts(self) -> list[dict[str, Any]]:
        return [f.as_dict() for f in self.findings]


def _clean(text: str) -> str:
    return (text or "").replace("\u2019", "'").replace("\u2018", "'")


def _words(text: str) -> list[str]:
    return WORD.findall(_clean(text))


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


def _texts(content: AppealContent, evidence: Sequence[EvidenceLine]) -> list[tuple[str, str]]:
    """Every piece of the appeal a person wrote, with its field, for the rules that apply wherever text appears."""
    texts = [
        ("desired_outcome", content.desired_outcome),
        ("rule_cited", content.rule_cited),
        ("rule_explanation", content.rule_explanation),
        ("explanation", content.explanation),
        *(("caption", e.caption) for e in evidence),
    ]
    return [(name, _clean(text)) for name, text in texts if text and text.strip()]


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


# --- Outcome: an action and an object -----------------------------------------------------------------------


def _is_action(words: list[str], i: int) -> bool:
    """A request for a decision: "reinstate", "be reinstated", "reinstatement of", "get ... back".

    Past forms describe what happened ("the listing was removed") unless asked for ("be restored"); a verb after
    "the" or "my" is a noun ("my refund"); a decision named as a noun counts at the start or after a request
    ("we ask for the removal"), not when the request is only to look at it ("review the removal").
    """
    word = words[i]
    previous = words[i - 1] if i else ""
    before = words[max(0, i - 3) : i]
    if word in ACTION_VERBS:
        form = ACTION_VERBS[word]
        if form == "past":
            return previous == "be"
        return previous not in DETERMINERS and previous not in {"did", "you", "they", "why"}
    if word in ACTION_NOUNS:
        if any(w in SOFT_VERBS for w in before):
            return False
        return i == 0 or any(w in REQUEST_WORDS for w in before)
    return word == "back" and any(w in BACK_VERBS for w in words[:i])


def _ids_in(content: AppealContent) -> list[str]:
    ids = content.ids or {}
    values = [str(ids.get("reference", "")).strip(), str(ids.get("account", "")).strip()]
    for key in ID_LABELS:
        values += _id_list(ids.get(key, []))
    return [v.lower() for v in values if len(v) >= 3]


def _names_a_product(words: list[str]) -> bool:
    """ "our ceramic travel mugs": a determiner and up to three words after it, none of them "decision", "issue" or
    another word that names no thing, and at least one that is not an ordinary word."""
    for i, word in enumerate(words):
        if word not in {"our", "my", "the", "these", "those"}:
            continue
        phrase = words[i + 1 : i + 4]
        if any(w in VAGUE_OBJECTS for w in phrase):
            continue
        if any(w not in COMMON_WORDS for w in phrase[:2]):
            return True
    return False


def _has_object(outcome: str, words: list[str], content: AppealContent) -> bool:
    """An ID, a number, a username, a thing the platform acts on (listing, points, shop...) or a named product."""
    lowered = outcome.lower()
    if re.search(r"\d|@\w", outcome) or any(v in lowered for v in _ids_in(content)):
        return True
    return any(w in OBJECT_WORDS for w in words) or _names_a_product(words)


def outcome_is_specific(content: AppealContent) -> bool:
    outcome = _clean(content.desired_outcome).strip()
    words = [w.lower() for w in _words(outcome)]
    if not words or (outcome.endswith("?") and words[0] in {"why", "how", "what", "when", "who"}):
        return False
    has_action = any(_is_action(words, i) for i in range(len(words)))
    return has_action and _has_object(outcome, words, content)


def check_outcome(content: AppealContent) -> list[Finding]:
    if not content.desired_outcome.strip():
        return [
            Finding(
                "no_outcome",
                "The appeal does not say what you want.",
                'Start with the outcome in one sentence, e.g. "Reinstate the listing for SKU 12345".',
            )
        ]
    if not outcome_is_specific(content):
        return [
            Finding(
                "vague_outcome",
                "The outcome is vague: it does not name the decision you want and what it applies to.",
                'Name the action and the thing (an ID, the product, the points): "Reinstate the listing for SKU '
                '12345", "Remove the 2 penalty points from violation VR123".',
            )
        ]
    return []


# --- Rule and reason ------------------------------------------------------------------------------------------


def reason_words(content: AppealContent) -> int:
    """Content words in either field (why the rule does not apply, or the background): text in both counts as
    the reason, and generic claims or insults do not."""
    text = f"{_clean(content.rule_explanation)}\n{_clean(content.explanation)}"
    text = HOSTILE.sub(" ", GENERIC.sub(" ", text))
    return sum(1 for w in TOKEN.findall(text) if w.lower().strip(".,;:!?") not in COMMON_WORDS)


def check_rule(content: AppealContent) -> list[Finding]:
    findings = []
    if not content.rule_cited.strip():
        findings.append(
            Finding(
                "no_rule",
                "No rule is named.",
                'Name the specific policy the notice cites, copied from the notice, e.g. "Intellectual property: '
                'trademark".',
            )
        )
    if reason_words(content) < MIN_REASON_WORDS:
        findings.append(
            Finding(
                "no_rule_reason",
                "The appeal does not say why the rule does not apply.",
                "Add one or two facts that show it, e.g. \"We bought these units from the brand's authorized US "
                'distributor; the invoice is attached."',
            )
        )
    return findings


# --- Generic claims, shouting, hostile words (wherever they appear) ---------------------------------------------


def check_generic(texts: list[tuple[str, str]]) -> list[Finding]:
    for name, text in texts:
        match = GENERIC.search(text)
        if match:
            return [
                Finding(
                    "generic_statement",
                    f'Generic statement in {FIELD_NAMES.get(name, name)}: "{match.group(0).strip()}". Reviewers '
                    "skip these; they do not change outcomes.",
                    'Replace it with a fact backed by evidence, e.g. "The invoice dated May 3 shows we bought these '
                    'units from the brand owner."',
                )
            ]
    return []


def _shouts(text: str) -> bool:
    if "!!" in text:
        return True
    # Quoted words are someone else's: a label's "WARNING: CHOKING HAZARD", the notice's own wording.
    tokens = TOKEN.findall(QUOTED_TEXT.sub(" ", text))
    run: list[str] = []
    letters = [t for t in tokens if t[0].isalpha() and len(t) >= 2]
    caps = [t for t in letters if t.isupper() and t.upper() not in ACRONYMS]
    if len(letters) >= 8 and len(caps) * 2 > len(letters):
        return True
    for token in [*tokens, "."]:
        if token[0].isalpha() and len(token) == 1:
            continue  # "I" and "A" are capitals in any sentence: they neither start nor break a run.
        if token[0].isalpha() and token.isupper() and token.upper() not in ACRONYMS:
            run.append(token.lower())
            continue
        ordinary = sum(1 for w in run if w.strip("'") in COMMON_WORDS)
        if (len(run) >= SHOUT_RUN and ordinary) or len(run) >= SHOUT_RUN_ANY:
            return True
        run = []
    return False


def check_tone(texts: list[tuple[str, str]]) -> list[Finding]:
    findings = []
    loud = [name for name, text in texts if _shouts(text)]
    if loud:
        findings.append(
            Finding(
                "shouting",
                f"{FIELD_NAMES.get(loud[0], loud[0]).capitalize()} shouts (words in capitals or repeated "
                "exclamation marks).",
                "Write in normal sentence case without exclamation marks; calm appeals read as credible.",
            )
        )
    hostile = sorted({m.group(0).lower() for _, text in texts for m in HOSTILE.finditer(text)})
    if hostile:
        findings.append(
            Finding(
                "hostile_tone",
                f"Hostile words: {', '.join(hostile)}.",
                "Stay neutral and factual; the reviewer is not the person who made the decision.",
            )
        )
    return findings


# --- IDs, evidence, length, follow-up ---------------------------------------------------------------------------


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


def check_follow_up(follow_up: FollowUp | None) -> list[Finding]:
    if follow_up is None or follow_up.round <= 1 or follow_up.new_files > 0:
        return []
    return [
        Finding(
            "no_new_evidence",
            f"No new evidence since round {follow_up.previous_round}: the platform reviews a follow-up only with "
            "a file it has not seen.",
            f"Add at least one file that no earlier round included (the same file again does not count), and say "
            f"in the background what it shows that round {follow_up.previous_round} did not.",
        )
    ]


def assess(
    content: AppealContent,
    violation_kind: str,
    evidence: Sequence[EvidenceLine] = (),
    char_limit: int = 1800,
    follow_up: FollowUp | None = None,
) -> Report:
    """Score 0-100 and the findings, worst first (blocking ones before all)."""
    texts = _texts(content, evidence)
    findings = [
        *check_follow_up(follow_up),
        *check_outcome(content),
        *check_rule(content),
        *check_generic(texts),
        *check_ids(content, violation_kind),
        *check_evidence(evidence),
        *check_length(content, char_limit),
        *check_tone(texts),
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
    if any(f.blocking for f in findings):
        score = min(score, BLOCKED_SCORE_CAP)
    findings.sort(key=lambda f: (not f.blocking, -f.points))
    return Report(score=score, findings=findings)
