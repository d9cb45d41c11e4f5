"""PreparedValues (core/prepared.py): a values() query compiled once gives, for any parameters, what the ORM gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from appeals.models import Violation
from core.prepared import PreparedValues, slot_datetime, slot_id
from tests.factories import ViolationFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "reference", "appeal_by", "account__name", "assignee__email")


def _window(organization, assignee, start, until):
    rows = Violation.objects.filter(organization_id=organization)
    if assignee is not None:
        rows = rows.filter(assignee_id=assignee)
    return rows.filter(Q(appeal_by__gte=start, appeal_by__lte=until)).order_by("appeal_by", "pk").values(*COLUMNS)


def test_prepared_values_equal_the_orm_for_every_organization_assignee_and_window(org, other_org, shop, member):
    now = timezone.now().replace(microsecond=0)
    for days in (-3, 0, 1, 2, 5, 9):
        ViolationFactory(account=shop, appeal_by=now + timedelta(days=days), assignee=member if days % 2 else None)
    ViolationFactory(account__organization=other_org, appeal_by=now + timedelta(days=1))
    everyone = PreparedValues(
        _window(slot_id(0), None, slot_datetime(0), slot_datetime(1)),
        using="default",
        slots={"organization": slot_id(0), "start": slot_datetime(0), "until": slot_datetime(1)},
    )
    assigned = PreparedValues(
        _window(slot_id(0), slot_id(1), slot_datetime(0), slot_datetime(1)),
        using="default",
        slots={
            "organization": slot_id(0),
            "assignee": slot_id(1),
            "start": slot_datetime(0),
            "until": slot_datetime(1),
        },
    )
    windows = [(now, now + timedelta(days=7)), (now - timedelta(days=5), now), (now + timedelta(days=30), now)]
    for start, until in windows:
        for organization in (org.pk, other_org.pk):
            expected = list(_window(organization, None, start, until))
            got = everyone.run(organization=organization, start=start, until=until)
            assert got == expected
            expected_mine = list(_window(organization, member.pk, start, until))
            assert (
                assigned.run(organization=organization, assignee=member.pk, start=start, until=until) == expected_mine
            )
    week = everyone.run(organization=org.pk, start=now, until=now + timedelta(days=7))
    assert [row["appeal_by"] - now for row in week] == [timedelta(days=d) for d in (0, 1, 2, 5)]
    assert week[0]["appeal_by"].tzinfo is not None  # typed as the ORM types it, on SQLite too
    assert {row["account__name"] for row in week} == {shop.name}


def test_prepared_values_refuse_a_slot_the_query_does_not_use_and_rows_of_models():
    with pytest.raises(ValueError, match="'until'"):
        PreparedValues(
            Violation.objects.filter(organization_id=slot_id(0)).values("id"),
            using="default",
            slots={"organization": slot_id(0), "until": slot_datetime(1)},
        )
    with pytest.raises(ValueError, match="values"):
        PreparedValues(Violation.objects.filter(organization_id=slot_id(0)), using="default", slots={})
