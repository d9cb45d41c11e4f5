"""What each person chose to hear: unsubscribe links and the calendar feed's secret."""

from __future__ import annotations

from django.core import signing

from appeals.services import ServiceError
from appeals.services.reminders.links import _url
from core.models import User

UNSUBSCRIBE_SALT = "appeals.reminders.unsubscribe"


def unsubscribe_url(user: User) -> str:
    token = signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)
    return _url("appeals:unsubscribe", signed=token)


def unsubscribe_user(signed: str) -> User:
    """The user named by a signed unsubscribe token (no expiry: old emails keep working)."""
    try:
        data = signing.loads(signed, salt=UNSUBSCRIBE_SALT)
        return User.objects.get(pk=data["u"])
    except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist):
        raise ServiceError("This unsubscribe link is not valid.") from None


def reminders_unsubscribe(*, user: User) -> None:
    """Stop reminder emails; pending ones are skipped when their turn comes."""
    User.objects.filter(pk=user.pk).update(reminder_emails=False)
    user.reminder_emails = False


def calendar_token_rotate(*, user: User) -> str:
    """A new secret feed URL; calendar apps subscribed to the old one stop receiving deadlines."""
    from core.models import new_secret

    user.calendar_token = new_secret()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


def reminder_preferences_set(*, user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    """Per reminder kind: (by email, in the daily digest). Applies to reminders made from now on."""
    from appeals.models import Reminder, ReminderPreference

    for kind, (email, digest) in choices.items():
        if kind not in Reminder.Kind.values:
            raise ServiceError(f"Unknown reminder: {kind}.")
        ReminderPreference.objects.update_or_create(user=user, kind=kind, defaults={"email": email, "digest": digest})


def case_mute(*, user: User, violation_id: int, muted: bool) -> bool:
    """Stop (or restart) this person's reminders about one case; pending ones are skipped when their turn comes."""
    from appeals.models import CaseMute, Reminder

    if muted:
        CaseMute.objects.get_or_create(user=user, violation_id=violation_id)
        Reminder.objects.filter(recipient=user, violation_id=violation_id, status=Reminder.Status.PENDING).update(
            status=Reminder.Status.SKIPPED, last_error="The recipient muted this case."
        )
    else:
        CaseMute.objects.filter(user=user, violation_id=violation_id).delete()
    return muted
