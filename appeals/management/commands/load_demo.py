"""Demo data for a first look: an agency with shops, creators, cases in every state, appeals and tickets.

Runs only on an empty database (no organization yet), so `make run` can call it every time.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from appeals.demo_history import history_load
from appeals.models import (
    Account,
    Appeal,
    Escalation,
    SupportChannel,
    SupportTicket,
    TimelineEvent,
    TimelineVerb,
    Violation,
    ViolationItem,
    ViolationKind,
)
from appeals.services.appeals import appeal_readiness
from appeals.services.status import violation_refresh_status
from appeals.services.tickets import ticket_deadlines
from appeals.services.violations import appeal_by_for
from core.demo import DEMO_EMAIL, DEMO_PASSWORD
from core.models import Membership, Organization, Role, User
from core.rules import RuleBook, case_clock, case_rules, rule_version_for
from core.services import organization_create


def book_version(organization, account, at):
    return rule_version_for(organization=organization, market=account.market, on=at)


PEOPLE = [
    (DEMO_EMAIL, "Dana Demo", Role.OWNER),
    ("manager@appealdesk.local", "Morgan Lee", Role.MANAGER),
    ("member@appealdesk.local", "Sam Rivera", Role.MEMBER),
]

SHOPS = [
    ("7495001122", "Glow Beauty US"),
    ("7495003344", "Trailhead Outdoor Gear"),
    ("7495005566", "Little Sprout Kids"),
]
CREATORS = [("@maya.makes", "Maya Makes"), ("@chefdanny", "Chef Danny")]

CASES = {
    ViolationKind.LISTING_REMOVAL: [
        ("Intellectual property: trademark infringement", "Listing removed"),
        ("Prohibited product: unapproved cosmetic claims", "Listing removed"),
        ("Misleading product information", "Listing deactivated"),
    ],
    ViolationKind.PENALTY_POINTS: [
        ("Late dispatch rate above threshold", "2 penalty points"),
        ("Counterfeit or inauthentic product suspected", "4 penalty points"),
        ("Off-platform transaction attempt", "2 penalty points"),
    ],
    ViolationKind.SHOP_RESTRICTION: [
        ("Repeated policy violations", "Shop restricted from new listings for 7 days"),
    ],
    ViolationKind.ORDER_ACTION: [
        ("Fake shipping tracking number", "Order cancelled and refunded"),
        ("Shipped item not as described", "Order refunded at seller cost"),
    ],
    ViolationKind.CONTENT_RESTRICTION: [
        ("Unoriginal content", "Video restricted from For You feed"),
        ("Dangerous activities in LIVE", "LIVE access paused for 3 days"),
    ],
    ViolationKind.AFFILIATE_RESTRICTION: [
        ("Misleading promotion of affiliate product", "Affiliate access restricted for 14 days"),
    ],
    ViolationKind.OTHER: [("Account information mismatch", "Payout on hold pending verification")],
}

ITEM_KINDS = {
    ViolationKind.LISTING_REMOVAL: [ViolationItem.Kind.PRODUCT, ViolationItem.Kind.SKU],
    ViolationKind.PENALTY_POINTS: [ViolationItem.Kind.ORDER],
    ViolationKind.SHOP_RESTRICTION: [],
    ViolationKind.ORDER_ACTION: [ViolationItem.Kind.ORDER],
    ViolationKind.CONTENT_RESTRICTION: [ViolationItem.Kind.VIDEO],
    ViolationKind.AFFILIATE_RESTRICTION: [ViolationItem.Kind.VIDEO, ViolationItem.Kind.PRODUCT],
    ViolationKind.OTHER: [],
}

# Appeal outcome of each case in order ("" = not appealed); 25 cases.
PLAN = [
    "",
    "draft",
    "under_review",
    "reversed",
    "upheld",
    "",
    "under_review_overdue",
    "partially_reversed",
    "draft",
    "",
    "reversed",
    "upheld_escalated",
    "under_review",
    "",
    "withdrawn",
    "reversed",
    "follow_up",
    "",
    "draft",
    "under_review",
    "upheld",
    "",
    "reversed",
    "",
    "under_review",
]


class Command(BaseCommand):
    help = "Load a demo organization with realistic cases when the database has no organization yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same data).")

    def handle(self, *args, seed: int, **options) -> None:
        if Organization.objects.exists():
            self.stdout.write("Demo data not loaded: the database already has organizations.")
        else:
            with transaction.atomic():
                organization = self.load(random.Random(seed))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded demo organization “{organization.name}”: {organization.accounts.count()} accounts, "
                    f"{organization.violations.count()} violations, {organization.appeals.count()} appeals."
                )
            )
        if User.objects.filter(email=DEMO_EMAIL).exists():
            self.stdout.write(
                self.style.SUCCESS(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}  at {settings.SITE_URL}/login/")
            )

    # -- building blocks -------------------------------------------------------------------------

    def load(self, rng: random.Random) -> Organization:
        users = {}
        # One hash for the three demo people: the password hasher is slow on purpose (~0.5 s a hash).
        password = make_password(DEMO_PASSWORD)
        for email, name, role in PEOPLE:
            users[role] = User.objects.create_user(email=email, full_name=name, timezone="America/New_York")
            users[role].password = password
            users[role].save(update_fields=["password"])
        owner = users[Role.OWNER]
        organization = organization_create(
            name="Demo Agency", slug="demo", owner=owner, is_agency=True, timezone="America/New_York"
        )
        for role, user in users.items():
            if role != Role.OWNER:
                Membership.objects.create(user=user, organization=organization, role=role)
        calendar = organization.business_calendar()
        book = RuleBook(organization)
        now = timezone.now()
        today = timezone.localdate(now, organization.zoneinfo)

        accounts = [
            Account.objects.create(
                organization=organization,
                kind=Account.Kind.SELLER_SHOP,
                external_id=external_id,
                name=name,
                health_rating=rng.randint(70, 98),
                authorized=True,
                authorized_since=today - timedelta(days=200),
                authorization_expires_on=today + timedelta(days=10 if i == 0 else 300),
            )
            for i, (external_id, name) in enumerate(SHOPS)
        ] + [
            Account.objects.create(
                organization=organization,
                kind=Account.Kind.CREATOR,
                external_id=external_id,
                name=name,
                authorized=i == 0,
                authorized_since=today - timedelta(days=90) if i == 0 else None,
            )
            for i, (external_id, name) in enumerate(CREATORS)
        ]
        assignees = [users[Role.MEMBER], users[Role.MANAGER], None]

        violations = []
        for n, plan in enumerate(PLAN):
            account = accounts[n % len(accounts)]
            kinds = sorted(k for k in CASES if k in _kinds_for(account))
            kind = kinds[(n // len(accounts) + n) % len(kinds)]
            policy, action = rng.choice(CASES[kind])
            enforced_at = now - timedelta(days=rng.randint(1, 28) if plan in {"", "draft"} else rng.randint(12, 60))
            enforced_at = enforced_at.replace(second=0, microsecond=0)
            # The platform clock of the shop's market and the rules in force then, as violation_create counts.
            rule_version = book.version_at(account.market, enforced_at)
            window = book.rules(rule_version).appeal_window_for(kind)
            appeal_by = appeal_by_for(
                clock=book.clock(account.market), rules=book.rules(rule_version), kind=kind, enforced_at=enforced_at
            )
            points = int(action.split()[0]) if kind == ViolationKind.PENALTY_POINTS else 0
            violation = Violation.objects.create(
                organization=organization,
                account=account,
                reference=f"VIO-{2026_0000 + 137 * (n + 1)}",
                kind=kind,
                policy=policy,
                action=action,
                enforced_at=enforced_at,
                notice=f"We found that your account violated our policy: {policy}. Action taken: {action}. "
                f"You may appeal within {window} days.",
                penalty_points=points,
                appeal_by=appeal_by,
                rule_version=rule_version,
                assignee=assignees[n % len(assignees)],
                created_by=users[Role.MEMBER],
                created_at=enforced_at + timedelta(hours=2),
            )
            for item_kind in ITEM_KINDS[kind]:
                for _ in range(rng.randint(1, 3)):
                    ViolationItem.objects.get_or_create(
                        violation=violation,
                        organization=organization,
                        kind=item_kind,
                        value=_item_value(item_kind, rng),
                    )
            self.event(violation, TimelineVerb.CREATED, users[Role.MEMBER], at=violation.created_at)
            if plan:
                self.appeal(violation, plan, users, calendar, rng)
            violation_refresh_status(violation=violation)
            violations.append(violation)

        self.tickets(organization, accounts, violations, users[Role.MEMBER], calendar, now)
        # After the planned cases, so their primary keys come first (tests and screenshots pick the first ones).
        history_load(
            organization=organization,
            accounts=accounts,
            users={"member": users[Role.MEMBER], "manager": users[Role.MANAGER]},
            calendar=calendar,
            rng=rng,
            now=now,
        )
        return organization

    def appeal(self, violation: Violation, plan: str, users, calendar, rng: random.Random) -> None:
        author = users[Role.MEMBER]
        started = violation.created_at + timedelta(hours=rng.randint(3, 30))
        ids = {"reference": violation.reference, "account": violation.account.external_id}
        for item in violation.items.all():
            ids.setdefault(item.kind, []).append(item.value)
        appeal = Appeal(
            violation=violation,
            organization=violation.organization,
            status=Appeal.Status.DRAFT,
            builder_step=2,
            desired_outcome="Reinstate the listing and remove the violation from our record.",
            rule_cited=violation.policy,
            rule_explanation="The notice cites this rule; our listing and records show we complied with it.",
            ids=ids,
            explanation=(
                "We reviewed the case and attached the supplier invoice, the brand authorization letter "
                "and screenshots of the listing as it was published. The product is authentic and the "
                "listing text matches the packaging."
            ),
            created_by=author,
            created_at=started,
        )
        self.event(violation, TimelineVerb.APPEAL_STARTED, author, at=started)
        if plan == "draft":
            appeal.save()
            return
        submitted = started + timedelta(hours=rng.randint(1, 20))
        appeal.builder_step = 5
        appeal.final_text = appeal.explanation
        appeal.submitted_at = submitted
        appeal.platform_reference = f"APL-{rng.randint(10_000_000, 99_999_999)}"
        review_days = case_rules(violation).review_business_days
        appeal.due_at = case_clock(violation).add_business_days(submitted, review_days)
        if plan in {"under_review", "under_review_overdue"}:
            # Waiting for TikTok: most are inside the review time, one is overdue.
            hours_ago = rng.randint(2, 40) if plan == "under_review" else 9 * 24
            appeal.submitted_at = timezone.now() - timedelta(hours=hours_ago)
            appeal.due_at = case_clock(violation).add_business_days(appeal.submitted_at, review_days)
        appeal.status = Appeal.Status.UNDER_REVIEW
        if plan in {"reversed", "partially_reversed", "upheld", "upheld_escalated", "follow_up"}:
            appeal.status = {
                "reversed": Appeal.Status.REVERSED,
                "partially_reversed": Appeal.Status.PARTIALLY_REVERSED,
            }.get(plan, Appeal.Status.UPHELD)
            appeal.decided_at = submitted + timedelta(days=rng.randint(1, 4))
            appeal.decision_message = {
                Appeal.Status.REVERSED: "After review, the violation has been reversed.",
                Appeal.Status.PARTIALLY_REVERSED: "The listing is reinstated; the penalty points remain.",
                Appeal.Status.UPHELD: "After review, the original decision stands.",
            }[appeal.status]
            if appeal.status == Appeal.Status.REVERSED:
                appeal.impacts_cleared = [Appeal.Impact.LISTING_REINSTATED]
        elif plan == "withdrawn":
            appeal.status = Appeal.Status.WITHDRAWN
        appeal.save()
        # Frozen at submission as the builder does, from the real check of this text.
        report = appeal_readiness(appeal)
        Appeal.objects.filter(pk=appeal.pk).update(
            readiness_score=report.score, readiness_findings=report.findings_as_dicts()
        )
        self.event(violation, TimelineVerb.APPEAL_SUBMITTED, author, appeal=appeal, at=appeal.submitted_at)
        if appeal.decided_at:
            self.event(
                violation,
                TimelineVerb.OUTCOME_RECORDED,
                author,
                appeal=appeal,
                at=appeal.decided_at,
                data={"status": appeal.status},
            )
        if plan == "upheld_escalated":
            escalated_at = appeal.decided_at + timedelta(hours=5)
            Escalation.objects.create(
                violation=violation,
                organization=violation.organization,
                appeal=appeal,
                to_team=Escalation.Team.ACCOUNT_MANAGER,
                channel="Email to account manager",
                escalated_at=escalated_at,
                answer_due_at=calendar.add_business_days(
                    escalated_at, violation.organization.escalation_answer_business_days
                ),
                notes="Asked the account manager to review the upheld decision with the new invoice.",
                created_by=users[Role.MANAGER],
            )
            self.event(violation, TimelineVerb.ESCALATED, users[Role.MANAGER], appeal=appeal, at=escalated_at)
        if plan == "follow_up":
            follow_up_started = appeal.decided_at + timedelta(hours=3)
            Appeal.objects.create(
                violation=violation,
                organization=violation.organization,
                round=2,
                parent=appeal,
                status=Appeal.Status.DRAFT,
                desired_outcome=appeal.desired_outcome,
                rule_cited=appeal.rule_cited,
                ids=appeal.ids,
                explanation="New evidence: the carrier's delivery confirmation for every affected order.",
                created_by=author,
                created_at=follow_up_started,
            )
            self.event(violation, TimelineVerb.FOLLOW_UP_STARTED, author, at=follow_up_started)

    def tickets(self, organization, accounts, violations, author, calendar, now) -> None:
        specs = [
            (accounts[0], violations[2], SupportChannel.PARTNER_SHOP_CHAT, "Appeal pending beyond review time", 30),
            (accounts[1], violations[4], SupportChannel.SELLER_CENTER_TICKET, "Penalty points still showing", 4),
            (accounts[3], None, SupportChannel.PARTNER_CREATOR_CHAT, "LIVE access not restored", 70),
        ]
        for i, (account, violation, channel, subject, hours_ago) in enumerate(specs):
            opened = now - timedelta(hours=hours_ago)
            # The case's rule version, or the market's in force when the ticket opened (as ticket_create).
            rule_version = violation.rule_version if violation else book_version(organization, account, opened)
            deadlines = ticket_deadlines(
                organization=organization, opened_at=opened, market=account.market, rule_version=rule_version
            )
            ticket = SupportTicket.objects.create(
                organization=organization,
                account=account,
                violation=violation,
                channel=channel,
                platform_number=f"TK{8_100_000 + 17 * i}",
                subject=subject,
                question=f"{subject}. Reference: {violation.reference if violation else account.external_id}.",
                opened_at=opened,
                first_response_at=opened + timedelta(hours=3) if i == 2 else None,
                first_response_due_at=deadlines[0],
                resolution_due_at=deadlines[1],
                rule_version=rule_version,
                created_by=author,
            )
            if violation is not None:
                self.event(violation, TimelineVerb.TICKET_OPENED, author, at=opened, data={"ticket": ticket.pk})

    @staticmethod
    def event(violation, verb, actor, *, appeal=None, at=None, data=None) -> None:
        # Demo history is back-dated, so entries are written with their own time (timeline_record stamps "now").
        TimelineEvent.objects.create(
            organization_id=violation.organization_id,
            violation=violation,
            appeal=appeal,
            actor=actor,
            verb=verb,
            data=data or {},
            created_at=at or timezone.now(),
        )


def _kinds_for(account: Account) -> set[str]:
    from appeals.models import KINDS_FOR_ACCOUNT

    return {str(k) for k in KINDS_FOR_ACCOUNT[Account.Kind(account.kind)]}


def _item_value(kind: str, rng: random.Random) -> str:
    digits = {"sku": 13, "product": 19, "order": 18, "video": 19}[kind]
    return str(rng.randrange(10 ** (digits - 1), 10**digits))
