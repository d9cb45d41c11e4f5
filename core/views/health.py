"""`GET /healthz`: is the database reachable, can tasks be enqueued? For load balancers and CI. With a read
replica configured it also says whether the replica is usable and how far behind it is."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.db_router import replica_state

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1.0


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("healthz: database check failed")
        return False


def broker_ok() -> bool:
    """Redis answers PING within a second, or the filesystem broker's queue folder is writable."""
    url: str = settings.CELERY_BROKER_URL
    try:
        if url.startswith(("redis://", "rediss://")):
            import redis

            client = redis.Redis.from_url(
                url, socket_connect_timeout=BROKER_TIMEOUT_SECONDS, socket_timeout=BROKER_TIMEOUT_SECONDS
            )
            try:
                return bool(client.ping())
            finally:
                client.close()
        if url.startswith("filesystem://"):
            folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-"):
                return True
        if url.startswith("memory://"):
            return True
        logger.error("healthz: no check for broker URL scheme %s", url.split(":", 1)[0])
        return False
    except Exception:
        logger.exception("healthz: broker check failed")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    state = {
        "database": "ok" if database_ok() else "error",
        "broker": "ok" if broker_ok() else "error",
    }
    healthy = all(value == "ok" for value in state.values())
    replica = replica_state(fresh=True)
    if replica.status != "off":
        # Informative only: reads fall back to the primary while the replica is down or behind.
        state["replica"] = replica.status
        state["replica_lag_seconds"] = replica.lag_seconds
    return JsonResponse(state, status=200 if healthy else 503)


urlpatterns = [path("healthz", healthz, name="healthz")]
