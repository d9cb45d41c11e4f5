"""The organization always keeps at least one owner, whatever sequence of changes (and concurrently)."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appeals.services import ServiceError
from core import services
from core.models import Membership, Role
from tests.factories import MembershipFactory, OrganizationFactory

operations = st.lists(
    st.tuples(st.sampled_from(["role", "remove"]), st.integers(0, 3), st.sampled_from(Role.values)),
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_changes_keeps_an_owner(ops):
    org = OrganizationFactory()
    people = [
        MembershipFactory(organization=org, role=role) for role in (Role.OWNER, Role.OWNER, Role.MEMBER, Role.VIEWER)
    ]
    for op, index, role in ops:
        target = people[index]
        try:
            if op == "role":
                services.membership_change_role(organization=org, membership_id=target.pk, role=role)
            else:
                services.membership_remove(organization=org, membership_id=target.pk)
        except ServiceError as exc:
            assert "only owner" in exc.message
        except Membership.DoesNotExist:
            pass  # already removed
        assert Membership.objects.filter(organization=org, role=Role.OWNER).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    org = OrganizationFactory()
    a = MembershipFactory(organization=org, role=Role.OWNER)
    b = MembershipFactory(organization=org, role=Role.OWNER)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(target: Membership) -> None:
        try:
            barrier.wait()
            services.membership_change_role(organization=org, membership_id=target.pk, role=Role.MEMBER)
            outcomes.append("demoted")
        except ServiceError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=demote, args=(m,)) for m in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(organization=org, role=Role.OWNER).count() == 1
