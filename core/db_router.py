"""Reads that may be served by the read replica (`DATABASE_REPLICA_URL`), and when they must not be.

Only code that asks for it reads from the replica: views decorated with `reads_from_replica` (analytics,
exports, the API's lists) and blocks inside `replica_reads()` (weekly summaries). Even then a read goes to
the primary when:
1. no replica is configured, or it is switched off (`DATABASE_REPLICA_ENABLED`);
2. the primary connection is inside a transaction (it must see its own writes);
3. the person wrote something in the last `DATABASE_READ_YOUR_WRITES_SECONDS` (read-your-writes);
4. the replica is down, or replays more than `DATABASE_REPLICA_MAX_LAG_SECONDS` behind (checked at most
   every `DATABASE_REPLICA_CHECK_SECONDS` per process).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class _Reads:
    """Inside replica_reads(): the request being served, if any, whose user is checked for recent writes once,
    when the first read is routed (an API token's user is known only after the view's authentication)."""

    def __init__(self, request=None) -> None:
        self.request = request
        self._primary: bool | None = None

    def must_use_primary(self) -> bool:
        if self._primary is None:
            self._primary = self.request is not None and wrote_recently(getattr(self.request, "user", None))
        return self._primary


_replica_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)

# How far the replica's replay is behind: 0 when it has replayed all it received (an idle primary sends
# nothing, so the age of the last replayed transaction says nothing then).
LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() "
    "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE coalesce(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


@dataclass(frozen=True)
class ReplicaState:
    status: str  # "off", "ok", "lagging" or "down"
    lag_seconds: float | None = None

    @property
    def usable(self) -> bool:
        return self.status == "ok"


_state_lock = threading.Lock()
_state: tuple[float, ReplicaState] | None = None


def replica_configured() -> bool:
    return REPLICA in connections.settings and getattr(settings, "DATABASE_REPLICA_ENABLED", True)


def replica_state(*, fresh: bool = False) -> ReplicaState:
    """Is the replica reachable, and how far behind? Remembered per process for a few seconds."""
    global _state
    if not replica_configured():
        return ReplicaState("off")
    now = time.monotonic()
    with _state_lock:
        if not fresh and _state is not None and now - _state[0] < settings.DATABASE_REPLICA_CHECK_SECONDS:
            return _state[1]
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            _in_recovery, lag = cursor.fetchone()
        lag = float(lag or 0)
        state = ReplicaState("ok" if lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS else "lagging", round(lag, 3))
    except Exception:
        logger.warning("read replica unreachable; reading from the primary", exc_info=True)
        connection.close_if_unusable_or_obsolete()
        try:
            connection.close()
        except Exception:  # the connection is already broken; closing is best effort
            logger.debug("closing the replica connection failed", exc_info=True)
        state = ReplicaState("down")
    with _state_lock:
        _state = (time.monotonic(), state)
    return state


def forget_replica_state() -> None:
    global _state
    with _state_lock:
        _state = None


def _wrote_recently_key(user_id: int) -> str:
    return f"db:wrote:{user_id}"


def wrote_recently(user) -> bool:
    user_id = getattr(user, "pk", None)
    return user_id is not None and bool(cache.get(_wrote_recently_key(user_id)))


def read_alias() -> str:
    """The alias a read should use now (see the module's numbered rules)."""
    reads = _replica_reads.get()
    if reads is None or not replica_configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block or reads.must_use_primary():
        return DEFAULT_DB_ALIAS
    return REPLICA if replica_state().usable else DEFAULT_DB_ALIAS


@contextmanager
def replica_reads(request=None) -> Iterator[str]:
    """Reads inside may come from the replica (not `request`'s user's, if they just wrote); yields the alias
    chosen for them at the start."""
    token = _replica_reads.set(_Reads(request))
    try:
        yield read_alias()
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view: Callable) -> Callable:
    """A view (web, or an API operation through ninja's decorate_view, serialization included) whose reads
    may come from the replica."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with replica_reads(request):
            return view(request, *args, **kwargs)

    return wrapper


class RecentWritesMiddleware:
    """Remembers (in the shared cache) that a person just changed something, so their next pages read
    from the primary for `DATABASE_READ_YOUR_WRITES_SECONDS`: nobody sees their own change missing."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in UNSAFE_METHODS and response.status_code < 400 and replica_configured():
            user = getattr(request, "user", None)
            if getattr(user, "is_authenticated", False):
                cache.set(_wrote_recently_key(user.pk), 1, settings.DATABASE_READ_YOUR_WRITES_SECONDS)
        return response


class ReplicaRouter:
    """Writes and migrations on the primary; reads on the replica only where read_alias() allows."""

    def db_for_read(self, model, **hints) -> str:
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # related rows come from where their parent was read
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def read_alias_for(request) -> str:
    """The alias for reads that run after the view returns (a streamed export): chosen now, by the same rules."""
    with replica_reads(request) as alias:
        return alias
