"""List filters (django-filter): the full violation list, shareable as a plain GET URL."""

from __future__ import annotations

from datetime import datetime, time

import django_filters
from django import forms
from django.utils import timezone

from appeals.models import Account, CaseStatus, Violation, ViolationKind
from appeals.selectors.violations import organization_members, search_q
from core.models import Organization

SORTS = {
    "-enforced_at": "Newest first",
    "enforced_at": "Oldest first",
    "next_deadline": "Next deadline first",
    "-next_deadline": "Next deadline last",
    "appeal_by": "Appeal window closing first",
    "-appeal_by": "Appeal window closing last",
    "reference": "Reference A–Z",
    "-reference": "Reference Z–A",
    "status": "Status",
    "-status": "Status (reverse)",
    "-penalty_points": "Most points",
    "penalty_points": "Fewest points",
}
SORTABLE = {"enforced_at", "next_deadline", "appeal_by", "reference", "status", "penalty_points"}


def _local_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _local_end(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


# Choices as functions: a FilterSet deep-copies its filters and a form its fields for every request, and a list of
# (value, lazy label) pairs cost ~0.5 ms of copying a page, a function nothing.
def _kind_choices() -> list[tuple[str, str]]:
    return ViolationKind.choices


def _status_choices() -> list[tuple[str, str]]:
    return CaseStatus.choices


def _record_status_choices() -> list[tuple[str, str]]:
    return Violation.RecordStatus.choices


def _sort_choices() -> list[tuple[str, str]]:
    return list(SORTS.items())


class ViolationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        help_text="Reference, policy, notice text or an affected ID (SKU, order…)",
    )
    # Choices from (id, name, external id) tuples: no Account instances are built for a 200-option select,
    # and the chosen value is checked against those choices (no extra query).
    account = django_filters.ChoiceFilter(label="Account", empty_label="Any account", method="filter_account")
    kind = django_filters.ChoiceFilter(choices=_kind_choices, empty_label="Any kind")
    policy = django_filters.CharFilter(lookup_expr="icontains", label="Policy contains")
    status = django_filters.ChoiceFilter(choices=_status_choices, empty_label="Any status")
    record_status = django_filters.ChoiceFilter(
        choices=_record_status_choices, empty_label="Any record status", label="Record status"
    )
    assignee = django_filters.ChoiceFilter(label="Assignee", empty_label="Anyone", method="filter_assignee")
    enforced_from = django_filters.DateFilter(
        label="Enforced from", method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    enforced_to = django_filters.DateFilter(
        label="Enforced to", method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = django_filters.ChoiceFilter(label="Sort by", choices=_sort_choices, method="filter_sort", empty_label=None)

    class Meta:
        model = Violation
        fields: list[str] = []

    def __init__(self, data=None, *args, organization: Organization, user=None, **kwargs) -> None:
        self.organization = organization
        self.user = user
        super().__init__(data, *args, **kwargs)
        accounts = Account.objects.filter(organization=organization).order_by("name", "pk")
        self.member_choices = [(str(u.pk), str(u)) for u in organization_members(organization)]
        # Set on the built form's fields, not in the filters' extra: a form deep-copies the choices of its
        # fields, which for a few hundred accounts cost more than the page's queries.
        fields = self.form.fields
        fields["account"].choices = [
            (str(pk), f"{name} ({external_id})")
            for pk, name, external_id in accounts.values_list("pk", "name", "external_id")
        ]
        fields["assignee"].choices = [("me", "Me"), ("none", "Nobody"), *self.member_choices]

    def filter_account(self, queryset, name, value):
        return queryset.filter(account_id=int(value))

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_q(self.organization, value)) if value.strip() else queryset

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=value)

    def filter_from(self, queryset, name, value):
        return queryset.filter(enforced_at__gte=_local_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(enforced_at__lte=_local_end(value))

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last in `qs`, so the default sort holds when the field is absent

    @property
    def qs(self):
        queryset = super().qs
        sort = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        sort = sort if sort in SORTS else "-enforced_at"
        tie = "-pk" if sort.startswith("-") else "pk"
        if sort == "next_deadline":
            # Final cases (no deadline) last; NULLS LAST ascending is the index's own order on PostgreSQL.
            return queryset.order_by(Violation.next_deadline().asc(nulls_last=True), tie)
        if sort == "-next_deadline":
            # Read backwards, the same index gives NULLS FIRST: the final cases lead the reversed order.
            return queryset.order_by(Violation.next_deadline().desc(nulls_first=True), tie)
        if sort in {"status", "-status"}:
            # Within a status, the appeal window closing first: the order of violation_org_status_by.
            return queryset.order_by(sort, sort.replace("status", "appeal_by"), tie)
        return queryset.order_by(sort, tie)

    @property
    def current_sort(self) -> str:
        sort = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        return sort if sort in SORTS else "-enforced_at"

    @property
    def free_text(self) -> bool:
        """Filtered by free text (the search or "Policy contains"): its result count is exact only up to
        selectors.SEARCH_EXACT_COUNT_LIMIT, as finding those matches reads each case's text."""
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return bool((data.get("q") or "").strip() or (data.get("policy") or "").strip())
