"""The words and phrases appeals.readiness judges by: requests, things acted on, generic claims, hostility.

Kept apart from the rules so the lists can grow without touching the logic; tests/readiness_corpus.py measures
them (recall of labelled weaknesses, false findings on strong appeals).
"""

from __future__ import annotations

import re

# Verbs that ask for a decision, in their base form (the forms are derived below).
_REQUEST_VERBS = (
    "reinstate", "restore", "reverse", "remove", "lift", "reactivate", "unfreeze", "release", "clear",
    "withdraw", "cancel", "overturn", "unblock", "re-enable", "enable", "republish", "approve", "waive",
    "refund", "revoke", "unban", "unsuspend", "drop", "delete", "relist", "re-list", "reopen", "rescind",
    "undo", "unlock", "unrestrict", "unhide", "resume", "retract", "allow", "permit", "repost", "reinstall",
    "readmit", "restart", "exempt", "erase", "expunge", "annul", "void", "unflag", "unmute",
)  # fmt: skip
_IRREGULAR_PAST = {
    "withdraw": ("withdrawn", "withdrew"),
    "unfreeze": ("unfrozen", "unfroze"),
    "undo": ("undone", "undid"),
    "drop": ("dropped",),
    "cancel": ("cancelled", "canceled"),
    "unban": ("unbanned",),
    "unhide": ("unhidden",),
    "permit": ("permitted",),
    "repost": ("reposted",),
    "unmute": ("unmuted",),
}


def _forms(verb: str) -> dict[str, str]:
    stem = verb[:-1] if verb.endswith("e") else verb
    forms = {verb: "base", f"{verb}s": "other", f"{stem}ing": "other"}
    double = verb[-1] if verb in {"drop", "unban", "permit", "cancel"} else ""
    if double:
        forms[f"{verb}{double}ing"] = "other"
    for past in _IRREGULAR_PAST.get(verb, (f"{stem}ed",)):
        forms[past] = "past"
    return forms


# word -> "base" (reinstate), "other" (reinstating, reinstates) or "past" (reinstated: a request only after "be").
ACTION_VERBS: dict[str, str] = {}
for _verb in _REQUEST_VERBS:
    ACTION_VERBS.update(_forms(_verb))

# A decision named as a noun: a request at the start ("Reinstatement of SKU 1") or after "we ask for", "please".
ACTION_NOUNS = {
    "reinstatement", "restoration", "reversal", "removal", "reactivation", "cancellation", "withdrawal",
    "lifting", "deletion", "unbanning", "unsuspension", "approval", "waiver", "rescission", "retraction",
    "reopening", "annulment", "expungement", "relisting", "re-listing", "reinstating", "restoring",
}  # fmt: skip
# Asking only to look at something does not name the decision wanted.
SOFT_VERBS = {
    "review", "check", "look", "investigate", "reconsider", "consider", "examine", "explain", "clarify",
    "understand", "see", "help", "fix", "assess", "reassess", "re-evaluate", "evaluate", "verify",
}  # fmt: skip
REQUEST_WORDS = {
    "request", "requesting", "requests", "ask", "asking", "want", "need", "seek", "seeking", "please", "grant",
    "for", "kindly", "expect", "like", "appeal", "appealing",
}  # fmt: skip
# Words that make a base verb a noun ("the refund", "my release") rather than a request.
DETERMINERS = {"the", "my", "our", "your", "a", "an", "this", "that", "their", "his", "her", "its", "no"}

# What the platform acts on: naming one of these (or an ID, a number) makes the request concrete.
OBJECT_WORDS = {
    "listing", "listings", "product", "products", "item", "items", "sku", "skus", "order", "orders", "video",
    "videos", "post", "posts", "content", "live", "lives", "livestream", "livestreams", "stream", "shop", "store",
    "storefront", "account", "point", "points", "penalty", "penalties", "strike", "strikes", "warning", "warnings",
    "restriction", "restrictions", "suspension", "ban", "violation", "violations", "privileges", "privilege",
    "permissions", "permission", "affiliate", "commission", "commissions", "payout", "payouts", "funds", "hold",
    "deduction", "deductions", "fine", "fee", "fees", "rating", "showcase", "campaign", "campaigns", "sample",
    "samples", "takedown", "removal", "enforcement", "limit", "limits", "limitation", "limitations", "selling",
    "sales", "feature", "features", "access", "username", "page", "brand", "ad", "ads", "balance", "reserve",
    "mark", "record", "records", "flag", "label", "tag", "shipments", "shipment", "sound", "music", "clip",
}  # fmt: skip

# Capitals that are names, not shouting (agencies, carriers, units, formats, the platform's own terms).
ACRONYMS = {
    "SKU", "SKUS", "ID", "IDS", "IP", "FDA", "CPSC", "UPS", "USPS", "DHL", "FEDEX", "PDF", "LLC", "INC", "LTD",
    "USA", "US", "EU", "UK", "TM", "CE", "FCC", "UL", "LIVE", "ASAP", "GS1", "UPC", "EAN", "CSV", "URL", "OK",
    "TIKTOK", "MSDS", "SDS", "COA", "GMP", "ISO", "ASTM", "EPA", "USDA", "NSF", "FSC", "ROHS", "GTIN", "ASIN",
    "CPC", "CPSIA", "LED", "USB", "HDMI", "UV", "SPF", "CBD", "THC", "BPA", "PVC", "FAQ", "PO", "QR", "SMS",
    "VAT", "EIN", "TSP", "CAP", "MCN", "AHR", "PDP", "ETA", "USD", "UTC", "AM", "PM", "REF", "JPG", "JPEG",
    "PNG", "XLSX", "DOCX", "NDA", "CEO", "HQ", "DOT", "OEM", "ODM", "FBA", "LTL", "AWB", "BOL", "HTS", "COC",
    "INMETRO", "FTC", "IRS", "EAN13", "NFC", "GPS", "DIY", "XL", "XXL", "RGB", "AC", "DC", "USB-C",
}  # fmt: skip
# Ordinary words: a run of capitals that includes one reads as shouting, a run of names ("NIKE AIR MAX") not.
COMMON_WORDS = {
    "the", "a", "an", "and", "or", "but", "not", "no", "yes", "is", "are", "was", "were", "be", "been", "am",
    "this", "that", "these", "those", "it", "its", "it's", "we", "our", "ours", "us", "you", "your", "my", "me",
    "i'm", "they", "them", "their", "he", "she", "to", "of", "for", "on", "in", "at", "by", "with", "from", "as",
    "all", "any", "now", "please", "do", "did", "does", "don't", "didn't", "doesn't", "have", "has", "had",
    "will", "would", "can", "cannot", "can't", "should", "must", "why", "what", "how", "who", "again", "right",
    "immediately", "back", "just", "never", "ever", "very", "so", "too", "up", "out", "give", "get", "want",
    "need", "stop", "help", "fix", "still", "wrong", "fake", "real", "rule", "rules", "policy", "we're",
    "you're", "there", "here", "only", "every", "nothing", "anything", "because", "if", "then", "than",
    "today", "same", "listing", "account", "shop", "product", "products", "reinstate", "restore",
    "remove", "money", "sell", "selling", "sold", "open", "close", "closed", "down", "off", "over", "more",
    "less", "much", "many", "one", "two", "three", "let", "make", "made", "take", "took", "keep", "lost",
    "being", "doing", "done", "going", "gone", "see", "look", "read", "told", "tell", "say", "said", "know",
    "think", "thank", "thanks", "sorry", "genuine", "authentic", "original", "legit", "fair", "unfair",
}  # fmt: skip

# Claims that say nothing a reviewer can check ("we follow every rule", "this is unfair", "we did nothing wrong").
_RULES = r"(?:rules?|polic(?:y|ies)|guidelines?|terms|standards|requirements|regulations|laws)"
GENERIC_PATTERNS = [
    # Compliance in general: "we follow every rule", "we comply with all policies", "we have always respected
    # TikTok's guidelines", "we follow the rules".
    r"\b(?:we|i|our\s+(?:shop|store|company|team|business|brand))\s+(?:have\s+|had\s+|do\s+)?"
    r"(?:always\s+|strictly\s+|fully\s+|carefully\s+|consistently\s+)?"
    r"(?:follow(?:ed|s)?|compl(?:y|ied|ies)|adhere(?:d|s)?|abide(?:d|s)?|obey(?:ed|s)?|respect(?:ed|s)?|"
    r"st(?:ick|uck)|observe(?:d|s)?)\s+(?:with\s+|to\s+|by\s+)?"
    r"(?:(?:all|every|each|any)\s+(?:of\s+)?(?:the\s+|your\s+|tiktok'?s?\s+|the\s+platform'?s\s+|shop\s+|platform\s+)*"
    r"(?:single\s+)?"
    + _RULES
    + r"|(?:the|your|tiktok(?:'s)?(?:\s+shop(?:'s)?)?|platform(?:'s)?|shop|community|seller)\s+"
    r"(?:rules|policies|guidelines|terms|standards)\b"
    r"(?!\s+(?:of|in|on|for|at|about)\b))",
    r"\b(?:we\s+are|we're|i\s+am|i'm|our\s+(?:shop|store)\s+is)\s+(?:fully\s+|100%\s+|always\s+|completely\s+)?"
    r"(?:compliant|in\s+(?:full\s+)?compliance|innocent)\b",
    # A verdict with no fact: "this is wrong", "the takedown was a mistake", "it is clearly incorrect".
    r"\b(?:this|it|that|(?:the|this|that|your)\s+(?:decision|takedown|removal|violation|penalty|restriction|"
    r"suspension|ban|enforcement|action|notice|strike|review|ruling))\s+(?:is|was|seems|feels|looks|appears)\s+"
    r"(?:to\s+be\s+)?"
    r"(?:completely\s+|totally\s+|very\s+|so\s+|clearly\s+|just\s+|simply\s+|absolutely\s+|obviously\s+)?"
    r"(?:wrong|a\s+mistake|incorrect|an\s+error|mistaken|unjust|unreasonable|baseless|groundless|"
    r"not\s+right|not\s+fair|not\s+correct|a\s+misunderstanding)\b",
    r"\bunfair(?:ly|ness)?\b",
    r"\b(?:is|was|are|were)(?:n't|\s+not)\s+(?:fair|right|just)\b",
    r"\bunjust(?:ly)?\b",
    r"\bnothing\s+wrong\b",
    r"\b(?:did\s*n[o']?t|did\s+not|have\s*n[o']?t|have\s+not|never)\s+(?:do(?:ne)?\s+anything\s+wrong|"
    r"(?:broken|broke|break|violated?|breached?)\s+(?:any|a\s+single)\s+(?:of\s+(?:the|your)\s+)?" + _RULES + r")",
    r"\bnot\s+our\s+fault\b",
    r"\bno\s+fault\s+of\s+(?:ours|our\s+own)\b",
    r"\b(?:for\s+no|without\s+(?:any|a))\s+(?:good\s+|valid\s+|apparent\s+)?reason\b",
    r"\bplease\s+(?:check|look)\s+(?:again|into\s+(?:it|this))\b",
    r"\bmakes?\s+no\s+sense\b",
    r"\b(?:does\s*n[o']?t|does\s+not)\s+make\s+(?:any\s+)?sense\b",
    r"\b(?:we\s+are|we're|i\s+am|i'm)\s+(?:a\s+|an\s+)?(?:loyal|honest|good|trusted|reputable|long-?time|"
    r"legitimate|legit|small|hard-?working)\s+(?:\w+\s+)?(?:seller|shop|store|business|creator|partner|customer)s?\b",
    r"\b(?:good|clean|perfect|excellent|spotless|great)\s+(?:track\s+)?(?:record|history|standing)\b",
    r"\b(?:100%|completely|totally|fully)\s+(?:legit|legal|innocent|compliant|authentic|genuine|original|real)\b",
    r"\bthere\s+(?:is|was)\s+no\s+violation\b",
]
GENERIC = re.compile("|".join(GENERIC_PATTERNS), re.IGNORECASE)

# Hostile or threatening wording, as words and as phrases (so a "trash can" or a supplier named Sue is not one).
HOSTILE_PATTERNS = [
    r"\b(?:scam(?:s|mers?|ming)?|ridiculous|stupid|incompeten(?:t|ce)|idiot(?:s|ic)?|pathetic|disgusting|"
    r"disgrace(?:ful)?|lawsuits?|thieves|useless|absurd|shameful|liars?|clowns?|moron(?:s|ic)?|unacceptable|"
    r"outrageous|insane|nonsense|bullshit|crap|damn|wtf|clueless|robbery|criminals?|extortion|unprofessional|"
    r"dumb)\b",
    r"\b(?:is|are|was|what)\s+a\s+(?:joke|farce)\b",
    r"\b(?:will|going\s+to|we'?ll|i'?ll|gonna)\s+sue\b",
    r"\b(?:legal\s+action|(?:my|our)\s+(?:lawyers?|attorneys?)|take\s+you\s+to\s+court)\b",
    r"\b(?:fed\s+up|sick\s+of|how\s+dare|shame\s+on\s+you|you\s+people)\b",
    r"\b(?:you\s+are|you're|they\s+are|they're)\s+(?:lying|liars|thieves|robbing)\b",
    r"\b(?:robbed|stealing\s+(?:our|my))\b",
    r"\bworst\s+(?:platform|support|service|company|app|team|experience)\b",
    r"\b(?:is|this|your|it's|what)\s+(?:garbage|trash)\b",
]
HOSTILE = re.compile("|".join(HOSTILE_PATTERNS), re.IGNORECASE)
# Not a thing a reviewer can act on: "reverse the decision", "fix the issue".
VAGUE_OBJECTS = {
    "decision", "decisions", "issue", "issues", "problem", "problems", "case", "matter", "situation", "thing",
    "things", "everything", "action", "actions", "mistake", "error", "appeal", "appeals", "same", "above",
    "outcome", "result", "ruling", "judgment", "judgement", "verdict", "status", "whole",
}  # fmt: skip
