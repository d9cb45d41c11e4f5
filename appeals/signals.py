"""Keep the appeal's stored summaries equal to what they summarise.

- Appeal.evidence_count / evidence_categories: the appeal's evidence rows.
- Stored deadlines of open cases: counted again in a job (services.recompute) when the organization's deadline
  settings or closed dates change (core.signals.deadline_settings_changed, business_calendar_changed).
- Appeal analytics facts (violation_kind ... decision_business_days): the appeal's dates, its violation and its
  organization's business calendar (core.signals.business_calendar_changed).

Connected in AppealsConfig.ready. Any save or delete (services, admin, tests, cascades) refreshes them;
bulk_create / bulk_update / QuerySet.update skip signals, so their callers call the refresh themselves.
"""

from __future__ import annotations

from datetime import date

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from appeals.models import Appeal, Evidence, Violation
from appeals.services.appeals import (
    FACT_APPEAL_INPUTS,
    FACT_VIOLATION_INPUTS,
    appeal_analytics_facts_refresh,
    appeal_analytics_facts_store,
    organization_analytics_facts_refresh,
)
from appeals.services.evidence import appeal_evidence_summary_refresh
from appeals.services.recompute import organization_deadlines_changed, settings_change_reason
from core.models import Organization
from core.signals import business_calendar_changed, deadline_settings_changed, market_clock_changed


@receiver(post_save, sender=Evidence, dispatch_uid="evidence_summary_on_save")
@receiver(post_delete, sender=Evidence, dispatch_uid="evidence_summary_on_delete")
def _evidence_changed(sender, instance: Evidence, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not ({"category", "appeal", "appeal_id"} & set(update_fields)):
        return  # a caption or position edit leaves the summary as it is
    appeal_evidence_summary_refresh(appeal_id=instance.appeal_id)


@receiver(post_save, sender=Appeal, dispatch_uid="appeal_facts_on_save")
def _appeal_saved(sender, instance: Appeal, **kwargs) -> None:
    update_fields = kwargs.get("update_fields")
    if kwargs.get("raw") or (update_fields is not None and not (FACT_APPEAL_INPUTS & set(update_fields))):
        return
    appeal_analytics_facts_store(appeal=instance)


@receiver(post_save, sender=Violation, dispatch_uid="appeal_facts_on_violation_save")
def _violation_saved(sender, instance: Violation, created: bool, **kwargs) -> None:
    update_fields = kwargs.get("update_fields")
    if created or kwargs.get("raw") or (update_fields is not None and not (FACT_VIOLATION_INPUTS & set(update_fields))):
        return  # a new case has no appeals yet
    appeal_analytics_facts_refresh(violation_ids=[instance.pk])


@receiver(business_calendar_changed, dispatch_uid="appeal_facts_on_calendar_change")
def _calendar_changed(sender, organization: Organization, days: list[date] | None, **kwargs) -> None:
    organization_analytics_facts_refresh(organization=organization, days=days)


@receiver(deadline_settings_changed, dispatch_uid="deadlines_recompute_on_settings_change")
def _deadline_settings_changed(sender, organization: Organization, changes: dict, **kwargs) -> None:
    organization_deadlines_changed(organization=organization, reason=settings_change_reason(changes))


@receiver(market_clock_changed, dispatch_uid="deadlines_recompute_on_market_clock")
def _market_clock_changed(sender, organization: Organization, market: str, **kwargs) -> None:
    # A market's time zone, holidays or support hours count its cases' deadlines (cases of other markets do not
    # move in the recount).
    organization_deadlines_changed(organization=organization, reason=f"platform clock of {market} changed")


@receiver(business_calendar_changed, dispatch_uid="deadlines_recompute_on_closed_dates")
def _closed_dates_changed(sender, organization: Organization, days: list[date] | None, **kwargs) -> None:
    if days is None:
        return  # a change of the calendar's settings: deadline_settings_changed names it
    listed = ", ".join(day.strftime("%b %-d, %Y") for day in days)
    organization_deadlines_changed(organization=organization, reason=f"closed dates changed: {listed}")
