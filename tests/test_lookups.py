"""field__any: the same rows as field__in, on PostgreSQL and SQLite."""

from __future__ import annotations

import pytest

from appeals.models import Violation, Watch
from core.models import Organization
from tests.factories import UserFactory, ViolationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(shop):
    return [ViolationFactory(account=shop, reference=f"VR-{n}") for n in range(5)]


@pytest.mark.parametrize(
    ("pick", "expected"),
    [
        (lambda ids: ids[:3], 3),
        (lambda ids: [ids[0], ids[0], ids[4]], 2),  # duplicates count once
        (lambda ids: [], 0),
        (lambda ids: [max(ids) + 1000], 0),
        (lambda ids: set(ids), 5),  # any iterable
    ],
)
def test_any_matches_in(cases, pick, expected):
    ids = [c.pk for c in cases]
    chosen = pick(ids)
    found = sorted(Violation.objects.filter(pk__any=chosen).values_list("pk", flat=True))
    assert found == sorted(Violation.objects.filter(pk__in=list(chosen)).values_list("pk", flat=True))
    assert len(found) == expected


def test_any_on_a_foreign_key_and_on_text(cases, org):
    user = UserFactory()
    Watch.objects.create(user=user, violation=cases[1])
    Watch.objects.create(user=user, violation=cases[3])
    assert set(
        Watch.objects.filter(violation_id__any=[cases[1].pk, cases[2].pk]).values_list("violation_id", flat=True)
    ) == {cases[1].pk}
    assert set(Watch.objects.filter(violation__any=[cases[3].pk]).values_list("violation_id", flat=True)) == {
        cases[3].pk
    }
    assert list(Violation.objects.filter(reference__any=["VR-2", "nope"]).values_list("reference", flat=True)) == [
        "VR-2"
    ]
    assert Organization.objects.filter(slug__any=[org.slug]).get() == org


def test_any_with_many_values_is_one_parameter_on_postgresql(cases):
    from django.db import connection

    ids = [c.pk for c in cases] + list(range(10**6, 10**6 + 5000))
    qs = Violation.objects.filter(pk__any=ids)
    assert qs.count() == 5
    sql, params = qs.query.get_compiler(using="default").as_sql()
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and len(params) == 1 and len(params[0]) == 5005
    else:
        assert " IN (" in sql and len(params) == 5005
