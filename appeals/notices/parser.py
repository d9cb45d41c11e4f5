"""Read a pasted or forwarded platform notice into the fields of a case.

Pure: text in, fields out, no database. Two rules shape it:
1. It never invents an ID. A token becomes an ID only under a label that names it ("Order ID:", "SKU", "Shop ID"),
   in a list that such a label opens, or in a platform link that names it (".../video/<id>"). Phone numbers,
   prices, dates, "Section 4.2" or "48 hours" are never under such a label, so they never become IDs.
2. Copy-paste noise is removed before reading: tabs, non-breaking spaces, smart quotes, quote markers of
   forwarded mail, lines wrapped mid-sentence. Seller Center tables pasted as tab-separated rows become
   "label: value" lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo

from appeals.notices.dates import day_first_hint, find_dates
from appeals.notices.labels import HEADER_DATE, ID_FIELDS, LABEL_ALONE, LABEL_LINE, Labelled, labelled_values

FIELDS = (
    "reference",
    "kind",
    "policy",
    "action",
    "record_status",
    "enforced_at",
    "penalty_points",
    "sku_ids",
    "product_ids",
    "order_ids",
    "video_ids",
    "account_external_id",
    "appeal_by",
)
TEXT_MAX = 255


@dataclass
class ParsedNotice:
    reference: str | None = None
    kind: str | None = None
    policy: str | None = None
    action: str | None = None
    record_status: str | None = None
    enforced_at: datetime | None = None
    penalty_points: int | None = None
    sku_ids: list[str] = field(default_factory=list)
    product_ids: list[str] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    video_ids: list[str] = field(default_factory=list)
    account_external_id: str | None = None
    appeal_by: date | None = None

    @property
    def found(self) -> list[str]:
        return [name for name in FIELDS if getattr(self, name) not in (None, [], "")]

    def as_json(self) -> dict:
        data = {name: getattr(self, name) for name in FIELDS}
        data["enforced_at"] = self.enforced_at.isoformat() if self.enforced_at else None
        data["appeal_by"] = self.appeal_by.isoformat() if self.appeal_by else None
        return data


# --- 1. Cleaning -------------------------------------------------------------------------------------------------

_CHARS = str.maketrans(
    {
        "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u3000": " ",
        "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None, "\u00ad": None,
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
        "\uff1a": ":", "\uff03": "#", "\u2022": "-", "\u00b7": "-", "\u25aa": "-", "\u25cf": "-", "\u2023": "-",
        "\r": None,
    }
)  # fmt: skip
_QUOTE_MARKS = re.compile(r"^(?:\s*>)+ ?")


def _cleaned_lines(text: str) -> list[str]:
    raw = [_QUOTE_MARKS.sub("", line) for line in text.translate(_CHARS).split("\n")]
    lines: list[str] = []
    i = 0
    while i < len(raw):
        cells = [c.strip() for c in raw[i].split("\t")]
        if len(cells) >= 3 and i + 1 < len(raw) and _label_share(cells) >= 0.5:
            # A table row pasted from Seller Center: the header row names each cell of the next row.
            values = [c.strip() for c in raw[i + 1].split("\t")]
            if len(values) == len(cells):
                lines.extend(f"{h}: {v}" for h, v in zip(cells, values, strict=True) if h and v)
                i += 2
                continue
        lines.append(re.sub(r"[ \t]{2,}|\t", "  ", raw[i]).strip())
        i += 1
    return lines


def _label_share(cells: list[str]) -> float:
    named = [c for c in cells if c]
    return sum(1 for c in named if LABEL_ALONE.fullmatch(c)) / max(len(named), 1)


_WRAP_WIDTH = 60


def _unwrapped(lines: list[str]) -> list[str]:
    """Lines wrapped mid-sentence joined back: the next line goes on in lowercase, or follows a long line that
    stops without punctuation; a label line always starts anew."""
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        wrapped = (
            previous
            and line
            and not previous.endswith((".", ":", "!", "?", ","))
            and (line[0].islower() or len(previous) >= _WRAP_WIDTH)
            and not LABEL_LINE.match(line)
            and not line.startswith(("-", "*"))
        )
        if wrapped:
            out[-1] = f"{previous} {line}"
        else:
            out.append(line)
    return out


# --- 3. IDs ------------------------------------------------------------------------------------------------------

_TOKEN = r"#?[A-Za-z0-9][A-Za-z0-9_-]{3,}"
_ID_TOKEN = re.compile(r"#?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9][A-Za-z0-9_-]{3,}")
_NOT_ID = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{2,4}|\d+-\d+-\d+-?\d*|\d{1,3}")
_LIST_SPLIT = re.compile(r"\s*(?:[,;/]|\band\b|&|\s)\s*", re.I)
_INNER_ID = re.compile(rf"\b(?:id|no\.?|number|#)\s*[:#]?\s*({_TOKEN})", re.I)


def _id(token: str) -> str | None:
    token = token.strip().strip(".,;:()[]\"'").lstrip("#")
    if not _ID_TOKEN.fullmatch(token) or _NOT_ID.fullmatch(token):
        return None
    return token


def _ids_in_value(value: str) -> list[str]:
    """The IDs a labelled value lists: "(ID: 123)" inside a name, or leading ID tokens up to the first word."""
    inner = [_id(m.group(1)) for m in _INNER_ID.finditer(value)]
    if any(inner):
        return [i for i in inner if i]
    ids: list[str] = []
    for token in _LIST_SPLIT.split(value.strip().lstrip("-*").strip()):
        if not token or token in {"-", "*"}:
            continue
        found = _id(token)
        if found is None:
            break
        ids.append(found)
    return ids


def _id_lines(lines: list[str], start: int) -> list[str]:
    """A list under a label: the following lines that hold nothing but IDs, or bullets that start with one
    ("- 1729384756 ($12.99)": the rest of a bullet is its description)."""
    ids: list[str] = []
    for line in lines[start + 1 : start + 201]:
        if not line:
            if ids:
                break
            continue
        found = _ids_in_value(line)
        rest = _LIST_SPLIT.sub("", re.sub(rf"{_TOKEN}", "", line.lstrip("-*"))).strip()
        if found and rest and line.startswith(("-", "*")):
            first = _id(line.lstrip("-* ").split()[0])
            found, rest = ([first], "") if first else (found, rest)
        if not found or rest:
            break
        ids.extend(found)
    return ids


_MORE = rf"(?:\s*(?:,|and|&)\s*{_TOKEN})*"
_INLINE_IDS = {
    "sku_ids": re.compile(rf"\bskus?\s*(?:ids?|#|no\.?|numbers?)?\s*[:#]?\s*({_TOKEN}{_MORE})", re.I),
    "product_ids": re.compile(
        rf"\b(?:product|listing|item)\s*(?:ids?|#|no\.?|numbers?)\s*[:#]?\s*({_TOKEN}{_MORE})",
        re.I,
    ),
    "order_ids": re.compile(
        rf"\borders?\s*(?:ids?|#|no\.?|numbers?)\s*[:#]?\s*({_TOKEN}{_MORE})", re.I
    ),
    "video_ids": re.compile(
        rf"\b(?:video|content)\s*(?:ids?|#|no\.?)\s*[:#]?\s*({_TOKEN}{_MORE})", re.I
    ),
}  # fmt: skip
_LINKS = {
    "video_ids": re.compile(r"tiktok\.com/@[\w.]+/video/(\d{8,25})", re.I),
    "product_ids": re.compile(r"(?:shop\.tiktok\.com|tiktokshop\.com)/\S*?product/(?:[\w-]+/)?(\d{8,25})", re.I),
}
_INLINE_REFERENCE = re.compile(
    rf"\b(?:(?:violation|record|case|notice)\s+(?:reference\s+|record\s+)?(?:id|no\.?|number|#)"
    rf"|ref(?:erence)?\.?\s*(?:no\.?|number|id|#)|violation(?:\s+record|\s+notice)?|reference)"
    rf"\s*(?:is\s+|:\s*|#\s*)?({_TOKEN})",
    re.I,
)
_INLINE_SHOP = re.compile(rf"\b(?:shop|seller|store)\s*(?:id|code)\s*[:#]?\s*(?:is\s+)?({_TOKEN})", re.I)
_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.]{1,29})")
_GREETING_HANDLE = re.compile(r"^(?:hi|hello|dear|hey)\s+@([A-Za-z0-9_][A-Za-z0-9_.]{1,29})", re.I | re.M)
_BRAND_HANDLES = {"tiktok", "tiktokshop", "tiktokshopus", "tiktokshopuk", "tiktokshop_us", "tiktok_shop"}


# --- 4. Kind, status, points, prose ------------------------------------------------------------------------------

_KIND_RULES = [
    (
        "shop_restriction",
        re.compile(
            r"(?:shop|store|account)\s+(?:has\s+been\s+|is\s+|was\s+|will\s+be\s+)?(?:temporarily\s+|permanently\s+)?"
            r"(?:suspend|restrict|deactivat|frozen|freez|clos|ban|limit)|suspension|restricted features"
            r"|feature restriction|(?:shop|store)[- ]level|unable to (?:list|sell|create|publish)|selling privileges"
            r"|withh[oe]ld(?:ing)? (?:funds|settlement|payout)|shop restriction|suspend(?:ed|ing)? (?:your )?"
            r"(?:shop|store)|restrict(?:ed|ing)? (?:your )?(?:shop|store)|listing new products",
            re.I,
        ),
    ),
    (
        "affiliate_restriction",
        re.compile(
            r"affiliate|showcase|creator marketplace|e-?commerce (?:permission|access|privilege|feature)|commission"
            r"|product links?|add(?:ing)? products",
            re.I,
        ),
    ),
    (
        "content_restriction",
        re.compile(r"\bvideos?\b|\blive\b|livestream|\bcontent\b|for you feed|\bfyp\b|recommendation|go live", re.I),
    ),
    (
        "listing_removal",
        re.compile(r"\bproducts?\b|listing|delist|take\s*down|taken down|removal|deactivat|removed", re.I),
    ),
    ("order_action", re.compile(r"\borders?\b|cancell?(?:ed|ation)|refund", re.I)),
    ("penalty_points", re.compile(r"\bpoints?\b", re.I)),
    # A late dispatch or a bad tracking number is the reason behind points, so points are checked first.
    ("order_action", re.compile(r"dispatch|shipment|shipping|fulfil|delivery|tracking", re.I)),
]
_OTHER_KIND = re.compile(r"\bother\b|warning|misc", re.I)
_PENDING_TEXT = re.compile(
    r"not\s+yet\s+(?:taken|in)\s+effect|will\s+take\s+effect|takes?\s+effect\s+on|pending\s+(?:enforcement|action)"
    r"|will\s+be\s+(?:removed|suspended|restricted|deactivated|applied|enforced|deducted|added|limited|cancell?ed"
    r"|taken down|delisted|frozen|issued)|unless\s+you|if\s+you\s+do\s+not|if\s+no\s+action|grace\s+period"
    r"|(?:correct|fix|rectify|resolve|update|edit)\w*\b[^.\n]{0,80}\b(?:by|before)\b",
    re.I,
)
_PENDING_VALUE = re.compile(r"pending|not\s+(?:yet\s+)?(?:taken\s+)?(?:in\s+)?effect|scheduled|to be enforced", re.I)
_ENFORCED_VALUE = re.compile(r"enforce|taken|in effect|effective|active|completed|applied", re.I)
_POINTS_TEXT = [
    re.compile(r"(?<![\d.])(\d{1,3})\s+(?:penalty|violation)\s+points?", re.I),
    re.compile(
        r"(?:penalty|violation)\s+points?\s*(?:deducted|added|issued|applied|of)?\s*[:+=]?\s*\+?(\d{1,3})\b", re.I
    ),
    re.compile(r"\+(\d{1,3})\s*points?\b", re.I),
    re.compile(
        r"(?<![\d.])(\d{1,3})\s+points?\s+(?:have|has|were|was|will)\s+(?:been\s+|be\s+)?"
        r"(?:added|deducted|issued|applied)",
        re.I,
    ),
]  # fmt: skip
_POINTS_NOT = re.compile(
    r"total|accumulat|balance|current|reach|threshold|more than|at least|\bof\s+\d|avoid|up to|could|may|might", re.I
)
_POLICY_TEXT = re.compile(
    r"(?:violat(?:ed|es|ing|ions? of)|breach(?:ed|es|ing)?(?:\s+of)?|not\s+comply(?:ing)?\s+with|against)\s+"
    r"(?:our|the|TikTok(?: Shop)?(?:'s)?)?\s*"
    r"([A-Z][\w&'/,-]*(?:\s+[\w&'/,-]+){0,8}?\s+(?:[Pp]olicy|[Pp]olicies|[Rr]ules?|[Gg]uidelines?|[Ss]tandards?))",
)
_REASON_TEXT = re.compile(r"\b(?:reason|because of|due to)\s*(?:is|was|:)?\s*([^.\n]{6,160})", re.I)
_SENTENCE_CHAR = r"(?:[^.!?\n]|[.!?](?=[^\s]))"
_ACTION_TEXT = re.compile(
    rf"(?:^|(?<=[.!?]\s)|(?<=\n))({_SENTENCE_CHAR}*?\b(?:(?:has|have|will|was|were)\s+(?:been\s+|be\s+)?"
    r"(?:temporarily\s+|permanently\s+)?(?:removed|suspended|restricted|deactivated|cancell?ed|frozen|limited"
    r"|taken down|banned|blocked|deducted|added|applied|issued|deleted|paused|disabled|hidden|delisted"
    r"|made ineligible|received|incurred)"
    rf"|we\s+(?:removed|suspended|restricted|deactivated|took down|limited|cancell?ed|paused|disabled))\b"
    rf"{_SENTENCE_CHAR}*)",
    re.I,
)
_LEAD_IN = re.compile(
    r"^(?:as a result|unfortunately|therefore|consequently|accordingly|please note(?: that)?|note that"
    r"|we(?:'d| would) like to (?:inform|let) you (?:know )?that)\s*,?\s*",
    re.I,
)
_DEADLINE_BEFORE = re.compile(
    r"(?:\bby|before|until|deadline|no later than|expires?|clos(?:es|ing)|take effect on|effect on"
    r"|effective\s+(?:on|from)|through|on or before|ends?|due|starting|from)\W{0,3}(?:on\s+)?$",
    re.I,
)
_APPEAL_BEFORE = re.compile(
    r"appeal[^.\n]{0,60}(?:\bby|before|until|no later than|deadline|clos(?:es|ing)|ends?|expires?|due)"
    r"\W{0,3}(?:on\s+)?$"
    r"|deadline[^.\n]{0,25}appeal[^.\n]{0,10}$|last day to appeal[^.\n]{0,10}$",
    re.I,
)


def _kind_of(*texts: str | None) -> str | None:
    for text in texts:
        if not text:
            continue
        for kind, rule in _KIND_RULES:
            if rule.search(text):
                return kind
        if _OTHER_KIND.search(text):
            return "other"
    return None


def _first(values: Iterable[str | None]) -> str | None:
    return next((v for v in values if v), None)


def _clip(text: str | None) -> str | None:
    if not text:
        return None
    text = re.sub(r"\s+", " ", text).strip(" .;:-\"'")
    return text[:TEXT_MAX] or None


# --- 5. The parser -----------------------------------------------------------------------------------------------


def parse_notice(
    text: str,
    *,
    tz: tzinfo = UTC,
    accounts: Iterable[str] = (),
    day_first: bool | None = None,
) -> ParsedNotice:
    """The fields a notice states; `accounts` are the organization's shop IDs and @usernames to match against."""
    lines = _unwrapped(_cleaned_lines(text or ""))
    prose = "\n".join(lines)
    labelled = labelled_values(lines)
    by_field: dict[str, list[Labelled]] = {}
    for item in labelled:
        by_field.setdefault(item.field, []).append(item)

    def values(name: str) -> list[str]:
        return [item.value for item in by_field.get(name, [])]

    if day_first is None:
        day_first = day_first_hint(prose)
        if day_first is None:
            day_first = bool(re.search(r"\b(?:GMT|BST|United Kingdom|UK)\b|£", prose)) or _day_first_zone(tz)
    notice = ParsedNotice()

    # IDs: labelled values and the lists they open, then inline labels, then platform links.
    ids: dict[str, list[str]] = {name: [] for name in ID_FIELDS}
    for item in labelled:
        if item.field in ID_FIELDS:
            ids[item.field] += _ids_in_value(item.value) + _id_lines(lines, item.value_line)
    for name, rule in _INLINE_IDS.items():
        for match in rule.finditer(prose):
            ids[name] += _ids_in_value(match.group(1))
    for name, rule in _LINKS.items():
        ids[name] += [m.group(1) for m in rule.finditer(prose)]
    for name in ID_FIELDS:
        setattr(notice, name, list(dict.fromkeys(ids[name])))

    references = [found[0] for found in (_ids_in_value(v) for v in values("reference")) if found]
    references += [r for r in (_id(m.group(1)) for m in _INLINE_REFERENCE.finditer(prose)) if r and len(r) >= 6]
    taken = {i for name in ID_FIELDS for i in getattr(notice, name)}
    notice.reference = _first(r for r in references if r not in taken)

    notice.account_external_id = _account(values("account_external_id"), prose, accounts)

    notice.policy = _clip(_first(values("policy")) or _policy_in(prose))
    notice.action = _clip(_first(values("action")) or _action_in(prose))
    subject = "\n".join(lines[:4])
    notice.kind = _kind_of(_first(_kind_value(v) for v in values("kind")), notice.action, subject, notice.policy, prose)
    if notice.kind == "shop_restriction" and (notice.account_external_id or "").startswith("@"):
        # A creator has no shop: a restriction of the whole account is of its selling (affiliate) privileges.
        notice.kind = "affiliate_restriction"

    points = [_points(v) for v in values("penalty_points")]
    notice.penalty_points = _first_int([*points, *_points_in(prose)])

    _dates(notice, by_field, lines, prose, tz=tz, day_first=day_first)

    if notice.reference or notice.kind or notice.policy or notice.action:
        notice.record_status = _record_status(values("record_status"), prose)
    return notice


def _day_first_zone(tz: tzinfo) -> bool:
    """Outside the Americas (and UTC) a numeric date like 07/11/2026 is day/month."""
    key = getattr(tz, "key", "UTC")
    return not (key.startswith("America/") or key.startswith("US/") or key in {"UTC", "Etc/UTC"})


def _kind_value(value: str) -> str | None:
    return value if _kind_of(value) else None


def _first_int(values: Iterable[int | None]) -> int | None:
    return next((v for v in values if v is not None), None)


def _points(value: str) -> int | None:
    found = re.match(r"\s*[+-]?(\d{1,4})\b", value)
    return int(found.group(1)) if found and int(found.group(1)) <= 1000 else None


def _points_in(prose: str) -> list[int | None]:
    found: list[int | None] = []
    for rule in _POINTS_TEXT:
        for match in rule.finditer(prose):
            before = prose[max(0, match.start() - 40) : match.start()]
            if not _POINTS_NOT.search(before + match.group(0)):
                found.append(int(match.group(1)))
    return found


def _policy_in(prose: str) -> str | None:
    match = _POLICY_TEXT.search(prose)
    if match:
        return match.group(1)
    match = _REASON_TEXT.search(prose)
    return match.group(1) if match else _reason_after_action(prose)


_BECAUSE = re.compile(r"\s+(?:because|due to|as it|as they|since|under|for (?=\w+ing\b))\s*", re.I)
_MAIL_HEADER = re.compile(r"(?:subject|from|to|date|sent|cc)\s*:", re.I)


def _action_in(prose: str) -> str | None:
    """The sentence that states the enforcement, without its reason; a conditional one ("will be removed unless
    you ...") only when no sentence states it outright."""
    conditional = None
    for match in _ACTION_TEXT.finditer(prose):
        sentence = match.group(1).strip()
        if _MAIL_HEADER.match(sentence) or re.search(r"\b(?:appeal|may|can)\b", sentence, re.I):
            continue
        sentence = _LEAD_IN.sub("", _BECAUSE.split(sentence, maxsplit=1)[0])
        if not re.search(r"\b(?:if|unless)\b", sentence, re.I):
            return sentence
        conditional = conditional or sentence
    return conditional


def _reason_after_action(prose: str) -> str | None:
    """ "... points have been added for sharing product links": the reason that follows the action."""
    for match in _ACTION_TEXT.finditer(prose):
        parts = _BECAUSE.split(match.group(1), maxsplit=1)
        if len(parts) == 2 and not _MAIL_HEADER.match(parts[0]):
            return re.sub(r"^(?:violating|breaching)\s+(?:our|the)?\s*", "", parts[1].strip(), flags=re.I) or None
    return None


def _record_status(labelled: list[str], prose: str) -> str:
    for value in labelled:
        if _PENDING_VALUE.search(value):
            return "pending"
        if _ENFORCED_VALUE.search(value):
            return "enforced"
    return "pending" if _PENDING_TEXT.search(prose) else "enforced"


def _normal_handle(value: str) -> str:
    return value.strip().lstrip("@").rstrip(".").casefold()


def _account(labelled: list[str], prose: str, accounts: Iterable[str]) -> str | None:
    candidates: list[str] = []
    # A bare word under "Shop:" may be a shop's name: it counts only when it is one of the known accounts.
    names: list[str] = []
    for value in labelled:
        handle = _HANDLE.search(value)
        if handle:
            candidates.append("@" + handle.group(1).rstrip("."))
            continue
        candidates += _ids_in_value(value)[:1]
        if re.fullmatch(r"[A-Za-z0-9_.]{2,30}", value.strip()):
            names.append(value.strip())
    candidates += [m.group(1) for m in _INLINE_SHOP.finditer(prose) if _id(m.group(1))]
    candidates += ["@" + m.group(1).rstrip(".") for m in _GREETING_HANDLE.finditer(prose)]
    candidates += [
        "@" + m.group(1).rstrip(".")
        for m in _HANDLE.finditer(prose)
        if _normal_handle(m.group(1)) not in _BRAND_HANDLES
    ]
    known = {_normal_handle(a): a for a in accounts}
    if known:
        for candidate in [*candidates, *names]:
            if _normal_handle(candidate) in known:
                return known[_normal_handle(candidate)]
        for key, account in known.items():
            if len(key) >= 3 and re.search(rf"(?<![\w@]){re.escape(key)}(?![\w])", prose, re.I):
                return account
    return _first(candidates)


def _dates(notice: ParsedNotice, by_field: dict, lines: list[str], prose: str, *, tz: tzinfo, day_first: bool) -> None:
    def first_date(value: str) -> datetime | None:
        found = find_dates(value, tz=tz, day_first=day_first)
        return found[0][2] if found else None

    header_lines = {i for i, line in enumerate(lines) if HEADER_DATE.match(line) and _in_headers(lines, i)}
    for item in by_field.get("appeal_by", []):
        found = first_date(item.value)
        if found:
            notice.appeal_by = found.date()
            break
    # Labels that name the enforcement ("Violation time") before the generic ones ("Date", "Created").
    labelled_dates = sorted(by_field.get("enforced_at", []), key=lambda item: item.label in _GENERIC_DATE_LABELS)
    enforced = _first_dt(first_date(item.value) for item in labelled_dates if item.line not in header_lines)
    header = _first_dt(first_date(HEADER_DATE.match(lines[i]).group("value")) for i in sorted(header_lines))
    headers_text = {lines[i] for i in header_lines}
    labelled_lines = {lines[item.line] for items in by_field.values() for item in items}
    prose_dates: list[datetime] = []
    for paragraph in prose.split("\n"):
        if paragraph in headers_text:
            continue
        for start, _end, value, _has_time in find_dates(paragraph, tz=tz, day_first=day_first):
            before = paragraph[max(0, start - 80) : start]
            if _APPEAL_BEFORE.search(before):
                notice.appeal_by = notice.appeal_by or value.date()
            elif not _DEADLINE_BEFORE.search(before) and paragraph not in labelled_lines:
                prose_dates.append(value)
    notice.enforced_at = enforced or _first_dt(prose_dates) or header


_GENERIC_DATE_LABELS = {"date", "time", "created", "created at"}


def _in_headers(lines: list[str], i: int) -> bool:
    """A "Date:" line among "From:" / "Subject:" lines is a mail header, not the notice's own date."""
    near = lines[max(0, i - 3) : i + 4]
    return any(re.match(r"(?:from|subject|to)\s*:", line, re.I) for line in near)


def _first_dt(values: Iterable[datetime | None]) -> datetime | None:
    return next((v for v in values if v is not None), None)
