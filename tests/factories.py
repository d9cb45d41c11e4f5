"""factory_boy factories for every model; personas live in conftest.py."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from appeals import models as m
from core.models import Membership, Organization, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    timezone = "America/New_York"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    timezone = "America/New_York"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.MEMBER


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Account

    organization = factory.SubFactory(OrganizationFactory)
    kind = m.Account.Kind.SELLER_SHOP
    external_id = factory.Sequence(lambda n: f"SHOP{1000 + n}")
    name = factory.Sequence(lambda n: f"Shop {n}")
    market = "US"


class ViolationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Violation

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    reference = factory.Sequence(lambda n: f"VR{100000 + n}")
    kind = m.ViolationKind.LISTING_REMOVAL
    policy = "Intellectual property: trademark"
    action = "Listing removed"
    enforced_at = factory.LazyFunction(timezone.now)
    appeal_by = factory.LazyAttribute(lambda o: o.enforced_at + timedelta(days=30))
    penalty_points = 0


class AppealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Appeal

    violation = factory.SubFactory(ViolationFactory)
    organization = factory.SelfAttribute("violation.organization")
    round = 1
