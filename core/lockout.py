"""Log-in lock-out rules on top of django-axes (settings AXES_*).

Two counts over the cool-off window, both from the client's real address (core.client_ip):
- one email from one address: locked after AXES_FAILURE_LIMIT failures (5);
- one address, any emails: locked after AXES_IP_FAILURE_LIMIT failures (20), so an address cannot try a few
  passwords on every account.
Nothing counts per email alone: a stranger at another address cannot lock a user out.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

# Where a sign-in form or backend may carry the email: our form, django-allauth's form, authenticate() kwargs.
USERNAME_KEYS = ("username", "email", "login")


def lockout_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the email tried, lower-cased so that `Ann@` and `ann@` count together."""
    sources = [credentials or {}, getattr(request, "POST", {}) or {}]
    for source in sources:
        for key in USERNAME_KEYS:
            value = source.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip().lower()[:255]
    return None


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Failures on the email+address scale: axes compares one number with AXES_FAILURE_LIMIT.

        The address's failures are scaled down by AXES_FAILURE_LIMIT / AXES_IP_FAILURE_LIMIT (rounded down), so
        the result reaches AXES_FAILURE_LIMIT exactly when either count reaches its own limit.
        """
        recent = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
        )
        address = recent.aggregate(n=Sum("failures_since_start"))["n"] or 0
        pair = recent.filter(username=get_client_username(request, credentials)).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        return max(pair or 0, address * settings.AXES_FAILURE_LIMIT // settings.AXES_IP_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful log-in clears that email's failures from that address, not the address's whole count
        (otherwise one valid account would reset the address's budget for guessing the others)."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count
