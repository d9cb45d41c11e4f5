"""Inbound mail webhooks (django-anymail): Postmark and Mailgun post forwarded notices here.

Anymail reads each provider's payload and checks its signature (Postmark: the basic auth of the webhook URL;
Mailgun: the HMAC signature of each post). A bad or missing signature gets 403; a provider that is not set up
gets 404; the mail then goes to services.inbound, the same way as an .eml upload or `manage.py ingest_mail`.
"""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from appeals.models import NoticeIntake
from appeals.services import ServiceError
from appeals.services.inbound import inbound_mail_receive

logger = logging.getLogger(__name__)


class _InboundWebhook:
    source: str
    setting: str

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.ANYMAIL.get(cls.setting))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            self.run_validators(request)  # type: ignore[attr-defined]
            events = self.parse_events(request)  # type: ignore[attr-defined]
        except AnymailWebhookValidationFailure:
            logger.warning("Inbound %s webhook refused: bad or missing signature.", self.source)
            return JsonResponse({"code": "forbidden", "message": "Bad or missing webhook signature."}, status=403)
        except RequestDataTooBig:
            return _too_large()
        for event in events:
            message = event.message
            recipients = [message.envelope_recipient] if message.envelope_recipient else []
            try:
                inbound_mail_receive(raw=message, source=self.source, recipients=recipients)
            except ServiceError as exc:
                if exc.code == "too_large":
                    return _too_large(exc.message)
                raise
        return HttpResponse(status=200)


def _too_large(message: str | None = None) -> JsonResponse:
    megabytes = settings.INBOUND_MAIL_MAX_BYTES // (1024 * 1024)
    message = message or f"This mail is over the {megabytes} MB limit for forwarded notices; nothing was stored."
    return JsonResponse({"code": "too_large", "message": message}, status=413)


class PostmarkInbound(_InboundWebhook, PostmarkInboundWebhookView):
    source = NoticeIntake.Source.POSTMARK
    setting = "WEBHOOK_SECRET"


class MailgunInbound(_InboundWebhook, MailgunInboundWebhookView):
    source = NoticeIntake.Source.MAILGUN
    setting = "MAILGUN_WEBHOOK_SIGNING_KEY"


def _webhook(view_class: type[_InboundWebhook]):
    view = view_class.as_view()  # type: ignore[attr-defined]

    def dispatch(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Without its secret a provider's webhook would accept anyone's posts: it stays off.
        if not view_class.configured():
            return JsonResponse({"code": "not_found", "message": "This inbound provider is not set up."}, status=404)
        return view(request, *args, **kwargs)

    dispatch.csrf_exempt = True  # type: ignore[attr-defined]
    return dispatch


urlpatterns = [
    path("inbound/postmark/", _webhook(PostmarkInbound), name="inbound_postmark"),
    path("inbound/mailgun/", _webhook(MailgunInbound), name="inbound_mailgun"),
]
