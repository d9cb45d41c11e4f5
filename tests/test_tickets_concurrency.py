"""Two people saving one ticket at once, on a real PostgreSQL: one save, one StaleVersion, nothing lost."""

from __future__ import annotations

import pytest

from appeals.models import ChannelRule, SupportChannel, SupportTicket
from appeals.services import StaleVersion
from appeals.services.tickets import channel_rules_install, ticket_create, ticket_resolve, ticket_update
from tests.concurrency import race as _race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_saves_at_once_one_refused(org, shop, member, owner):
    ticket = ticket_create(organization=org, account=shop, channel=SupportChannel.SELLER_CENTER_CHAT, subject="Hi")
    results = _race(
        lambda: ticket_update(ticket_id=ticket.pk, version=1, by=member, notes="Answer: resend invoice"),
        lambda: ticket_resolve(ticket_id=ticket.pk, version=1, by=owner),
    )
    saved = [r for r in results if isinstance(r, SupportTicket)]
    refused = [r for r in results if isinstance(r, StaleVersion)]
    assert len(saved) == 1 and len(refused) == 1, results
    ticket.refresh_from_db()
    assert ticket.version == 2
    assert (ticket.notes == "Answer: resend invoice") != (ticket.resolved_at is not None)


def test_two_installers_at_once_install_once(org):
    results = _race(lambda: channel_rules_install(org), lambda: channel_rules_install(org))
    assert sorted(results) == [0, ChannelRule.objects.filter(organization=org).count()], results
