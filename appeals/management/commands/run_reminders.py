"""Run one reminder sweep now (for cron, tests, or when beat is not running)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from appeals.models import Reminder
from appeals.services import reminders


class Command(BaseCommand):
    help = "Find due deadlines, create reminder rows and enqueue their emails (or send them here with --inline)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--inline", action="store_true", help="Send the due emails in this process instead of via the worker."
        )

    def handle(self, *args, inline: bool = False, **options) -> None:
        counts = reminders.reminders_sweep(enqueue=not inline)
        if inline:
            results: dict[str, int] = {}
            singles, digest_users = reminders.reminders_due_for_sending(reminders.timezone.now())
            for reminder_id in singles:
                outcome = self._try(lambda i=reminder_id: reminders.reminder_deliver(reminder_id=i))
                results[outcome] = results.get(outcome, 0) + 1
            for user_id in digest_users:
                outcome = self._try(lambda u=user_id: reminders.digest_deliver(user_id=u))
                results[outcome] = results.get(outcome, 0) + 1
            # Slack, Teams and webhook deliveries that are due, sent here too.
            from appeals.services.destinations.deliver import deliveries_due, delivery_deliver

            for delivery_id in deliveries_due(reminders.timezone.now()):
                outcome = self._try(lambda i=delivery_id: delivery_deliver(delivery_id=i))
                results[f"delivery_{outcome}"] = results.get(f"delivery_{outcome}", 0) + 1
            counts.update({f"inline_{k}": v for k, v in results.items()})
        counts["failed_total"] = Reminder.objects.filter(status=Reminder.Status.FAILED).count()
        self.stdout.write(", ".join(f"{k}={v}" for k, v in counts.items()))

    @staticmethod
    def _try(send) -> str:
        try:
            return send()
        except reminders.ReminderRetry:
            return "retry_later"
