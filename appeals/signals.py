"""Keep Appeal.evidence_count / evidence_categories equal to the appeal's evidence rows.

Connected in AppealsConfig.ready. Any save or delete of an Evidence row (services, admin, tests, cascades)
refreshes its appeal's summary; bulk_create skips signals, so its callers call the refresh themselves.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from appeals.models import Evidence
from appeals.services.evidence import appeal_evidence_summary_refresh


@receiver(post_save, sender=Evidence, dispatch_uid="evidence_summary_on_save")
@receiver(post_delete, sender=Evidence, dispatch_uid="evidence_summary_on_delete")
def _evidence_changed(sender, instance: Evidence, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not ({"category", "appeal", "appeal_id"} & set(update_fields)):
        return  # a caption or position edit leaves the summary as it is
    appeal_evidence_summary_refresh(appeal_id=instance.appeal_id)
