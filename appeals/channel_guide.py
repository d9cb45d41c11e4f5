"""The channel guide: which support channel fits (audience, can log in, issue), and the default rules.

Matching is pure: it takes rules (model instances or any objects with the same
attributes) and answers without touching the database, so it is table-tested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from appeals.models import ChannelRule, SupportChannel

Audience = ChannelRule.Audience
Issue = ChannelRule.Issue
Login = ChannelRule.Login

# Channels through which a partner acts for one account: they need that account's authorization.
PARTNER_ACCOUNT_CHANNELS = frozenset({SupportChannel.PARTNER_SHOP_CHAT, SupportChannel.PARTNER_CREATOR_CHAT})
PARTNER_AUDIENCES = frozenset({Audience.PARTNER_SHOP, Audience.PARTNER_CREATOR})

FINANCIAL_NOTE = (
    "Financial issues (payouts, holds, dispute reversals) usually need a second touch: a different team "
    "resolves them, so plan to follow up after the first answer."
)


def specificity(rule: Any) -> int:
    """A rule naming the issue beats one naming the login state, which beats a catch-all."""
    return (2 if rule.issue != Issue.ANY else 0) + (1 if rule.can_log_in != Login.ANY else 0)


def rule_matches(rule: Any, *, audience: str, can_log_in: str, issue: str) -> bool:
    return rule.audience == audience and rule.can_log_in in (Login.ANY, can_log_in) and rule.issue in (Issue.ANY, issue)


def matching_rules(rules: Iterable[Any], *, audience: str, can_log_in: str, issue: str) -> list[Any]:
    """Every rule that applies, best first: most specific, then lowest position, then oldest."""
    found = [r for r in rules if rule_matches(r, audience=audience, can_log_in=can_log_in, issue=issue)]
    return sorted(found, key=lambda r: (-specificity(r), r.position, getattr(r, "pk", None) or 0))


@dataclass
class Recommendation:
    rule: Any
    alternatives: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    needs_authorization: bool = False


def recommend(rules: Iterable[Any], *, audience: str, can_log_in: str, issue: str) -> Recommendation | None:
    """The best rule plus other channels worth knowing (one per channel), or None when nothing applies."""
    ranked = matching_rules(rules, audience=audience, can_log_in=can_log_in, issue=issue)
    if not ranked:
        return None
    best, seen, alternatives = ranked[0], {ranked[0].channel}, []
    for rule in ranked[1:]:
        if rule.channel not in seen:
            seen.add(rule.channel)
            alternatives.append(rule)
    notes = []
    if issue == Issue.PAYOUT and FINANCIAL_NOTE not in (best.advice or ""):
        notes.append(FINANCIAL_NOTE)
    return Recommendation(
        rule=best,
        alternatives=alternatives,
        notes=notes,
        needs_authorization=audience in PARTNER_AUDIENCES or best.channel in PARTNER_ACCOUNT_CHANNELS,
    )


def needs_authorization_warning(*, is_agency: bool, audience: str = "", channel: str = "") -> bool:
    """Agencies reach a shop's or creator's support only with that account's authorization."""
    return is_agency and (audience in PARTNER_AUDIENCES or channel in PARTNER_ACCOUNT_CHANNELS)


_SELLER_IDS = "Shop ID; the violation reference number; SKU / product IDs or order IDs involved"
_CREATOR_PATH = "Open TikTok Shop Studio → TikTok Shop for Creator → your profile → Help Center"
_CREATOR_IDS = "Creator username; the violation reference number; video IDs or product IDs involved"
_PARTNER_SHOP_IDS = "The shop's ID and name; the violation reference number; SKU / product / order IDs involved"
_PARTNER_CREATOR_IDS = "The creator's username; the violation reference number; video or product IDs involved"
_PARTNER_SHOP_STEPS = (
    "Log in to Partner Center.\nOpen Help Center → Get support for a shop.\nPick the shop, then start the live chat."
)
_AUTH_NOTE = (
    "Needs the {who}'s authorization: the partner sends an authorization link and the {who} ticks "
    "“Submit a ticket for me” (renew it when it expires). No authorization, no access."
)

# (audience, can_log_in, issue, channel, steps, ids_to_have, advice, position): from the domain notes.
DEFAULT_RULES: list[tuple[str, str, str, str, str, str, str, int]] = [
    (
        Audience.SELLER,
        Login.YES,
        Issue.ANY,
        SupportChannel.SELLER_CENTER_CHAT,
        "Log in to Seller Center.\nOpen Help → Contact us → Live chat.\n"
        "State the outcome you want first, then the IDs.",
        _SELLER_IDS,
        "Fastest: the agent sees your shop.",
        0,
    ),
    (
        Audience.SELLER,
        Login.YES,
        Issue.ANY,
        SupportChannel.SELLER_CENTER_TICKET,
        "Log in to Seller Center.\nOpen Help → Contact us → Submit a ticket.\nAttach the documents to the ticket.",
        _SELLER_IDS,
        "Use a ticket when documents must be attached (invoices, certificates, authorization letters).",
        10,
    ),
    (
        Audience.SELLER,
        Login.YES,
        Issue.ORDER,
        SupportChannel.SELLER_CENTER_CHAT,
        "Log in to Seller Center.\nOpen Help → Contact us → Live chat.\nGive the order ID in the first message.",
        "Order ID; shop ID",
        "A problem on the shopper's side (order, refund, payment, cancellation) is for the shopper: "
        "in-app Help, with the order number ready.",
        0,
    ),
    (
        Audience.SELLER,
        Login.YES,
        Issue.PAYOUT,
        SupportChannel.SELLER_CENTER_TICKET,
        "Log in to Seller Center.\nOpen Help → Contact us → Submit a ticket.\n"
        "Attach the statement or settlement showing the amount.",
        "Shop ID; order IDs or statement period; the amount held",
        FINANCIAL_NOTE,
        0,
    ),
    (
        Audience.SELLER,
        Login.NO,
        Issue.ANY,
        SupportChannel.SELLER_CONTACT_FORM,
        "Open the seller contact form from the Seller Center login page (Help / Contact us).\n"
        "Describe the problem and how you are locked out.",
        "Shop ID and shop name; the email registered with the shop; business registration documents",
        "Slower: identity is verified by hand.",
        0,
    ),
    (
        Audience.CREATOR,
        Login.YES,
        Issue.ANY,
        SupportChannel.CREATOR_CHAT,
        f"{_CREATOR_PATH}.\nChoose Chat.",
        _CREATOR_IDS,
        "Faster: takedowns, sample shipments. The main TikTok app does not reach creator support.",
        0,
    ),
    (
        Audience.CREATOR,
        Login.YES,
        Issue.ANY,
        SupportChannel.CREATOR_TICKET,
        f"{_CREATOR_PATH}.\nChoose Support ticket and attach the documents.",
        _CREATOR_IDS,
        "Use a support ticket when documents must be attached.",
        10,
    ),
    (
        Audience.CREATOR,
        Login.YES,
        Issue.PAYOUT,
        SupportChannel.CREATOR_TICKET,
        f"{_CREATOR_PATH}.\nChoose Support ticket and attach the commission or payout statement.",
        "Creator username; order IDs or payout period; the amount",
        FINANCIAL_NOTE,
        0,
    ),
    (
        Audience.CREATOR,
        Login.NO,
        Issue.ANY,
        SupportChannel.CONTACT_US_FORM,
        "Open the Contact Us form on the TikTok Shop help site.\nDescribe how you are locked out.",
        "Creator username; the email and phone number on the account",
        "Answers come by email.",
        0,
    ),
    (
        Audience.PARTNER_SHOP,
        Login.YES,
        Issue.ANY,
        SupportChannel.PARTNER_SHOP_CHAT,
        _PARTNER_SHOP_STEPS,
        _PARTNER_SHOP_IDS,
        "Live chat, US market only. " + _AUTH_NOTE.format(who="seller"),
        0,
    ),
    (
        Audience.PARTNER_SHOP,
        Login.YES,
        Issue.PAYOUT,
        SupportChannel.PARTNER_SHOP_CHAT,
        _PARTNER_SHOP_STEPS,
        "The shop's ID; order IDs or statement period; the amount held",
        FINANCIAL_NOTE + " " + _AUTH_NOTE.format(who="seller"),
        0,
    ),
    (
        Audience.PARTNER_SHOP,
        Login.ANY,
        Issue.TECHNICAL,
        SupportChannel.PARTNER_TECH_TICKET,
        "Log in to Partner Center.\nOpen Help Center → Get technical support.\nDescribe the steps that fail.",
        "Partner ID; the shop's ID; screenshots and the time it happened",
        "A ticket: answers within the partner response guideline (first response under 24 business hours).",
        0,
    ),
    (
        Audience.PARTNER_SHOP,
        Login.ANY,
        Issue.ANY,
        SupportChannel.CONTACT_US_FORM,
        "Open the Contact Us form on the Partner Center help site.",
        _PARTNER_SHOP_IDS,
        "Answers come by email. Use it outside the US market or when you cannot log in to Partner Center.",
        20,
    ),
    (
        Audience.PARTNER_CREATOR,
        Login.YES,
        Issue.ANY,
        SupportChannel.PARTNER_CREATOR_CHAT,
        "Log in to Partner Center.\nOpen Help Center → Get support for a creator.\n"
        "Pick the creator, then start the live chat.",
        _PARTNER_CREATOR_IDS,
        "Live chat, US market only. " + _AUTH_NOTE.format(who="creator"),
        0,
    ),
    (
        Audience.PARTNER_CREATOR,
        Login.ANY,
        Issue.TECHNICAL,
        SupportChannel.PARTNER_TECH_TICKET,
        "Log in to Partner Center.\nOpen Help Center → Get technical support.\nDescribe the steps that fail.",
        "Partner ID; the creator's username; screenshots and the time it happened",
        "A ticket: answers within the partner response guideline (first response under 24 business hours).",
        0,
    ),
    (
        Audience.PARTNER_CREATOR,
        Login.ANY,
        Issue.ANY,
        SupportChannel.CONTACT_US_FORM,
        "Open the Contact Us form on the Partner Center help site.",
        _PARTNER_CREATOR_IDS,
        "Answers come by email. Use it outside the US market or when you cannot log in to Partner Center.",
        20,
    ),
]


def default_rule_fields() -> list[dict[str, Any]]:
    keys = ("audience", "can_log_in", "issue", "channel", "steps", "ids_to_have", "advice", "position")
    return [dict(zip(keys, row, strict=True)) for row in DEFAULT_RULES]
