"""Journey 6: someone from another organization tries the first organization's case pages and file links
and gets the not-found page, the same as for an ID that does not exist."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from appeals.models import NoticeAttachment
from tests.browser.helpers import ignore_expected_status, log_in
from tests.outcomes_helpers import make_evidence, submitted_appeal


@pytest.mark.django_db(transaction=True)
def test_other_organization_gets_not_found(browser_page, member_client, shop, outsider):
    appeal = submitted_appeal(shop, platform_reference="APL-ISO")
    evidence = make_evidence(appeal, b"%PDF-1.4 certificate", "certificate.pdf")
    violation = appeal.violation
    shot = NoticeAttachment(
        violation=violation,
        organization=violation.organization,
        original_name="notice.png",
        content_type="image/png",
        size=4,
        sha256=hashlib.sha256(b"png!").hexdigest(),
    )
    shot.file.save("notice.png", ContentFile(b"png!"), save=False)
    shot.save()
    urls = [
        reverse("appeals:case", kwargs={"violation_pk": violation.pk}),
        reverse("appeals:violation_edit", kwargs={"violation_pk": violation.pk}),
        reverse("appeals:builder", kwargs={"appeal_pk": appeal.pk}),
        reverse("appeals:appeal_download", kwargs={"appeal_pk": appeal.pk}),
        reverse("appeals:evidence_download", kwargs={"evidence_pk": evidence.pk}),
        reverse("appeals:attachment_download", kwargs={"violation_pk": violation.pk, "attachment_pk": shot.pk}),
        reverse("appeals:escalation_packet", kwargs={"violation_pk": violation.pk}),
        reverse("appeals:escalation_packet_zip", kwargs={"violation_pk": violation.pk}),
        reverse("appeals:account_detail", kwargs={"account_pk": shop.pk}),
    ]
    # The links are real: the first organization's member gets each of them.
    assert {url: member_client.get(url, follow=True).status_code for url in urls} == dict.fromkeys(urls, 200)

    page = browser_page
    log_in(page, "outsider@other.test")
    page.check()
    for url in urls:
        response = page.goto(url)
        assert response.status == 404, url
        page.get_by_role("heading", name="Not found").wait_for()
        assert "APL-ISO" not in page.content() and violation.reference not in page.content()
        page.check()
    page.get_by_role("link", name="Go to the inbox").click()
    page.get_by_role("heading", name="Inbox").wait_for()
    assert violation.reference not in page.content()
    ignore_expected_status(page, 404)
