"""Point the test process's Celery app at another broker (or a closed port) and back."""

from __future__ import annotations

from kombu import pools


def broker_switch(app, url: str) -> None:
    """Drop every pooled connection and producer, so the next publish connects to `url`.

    `app.pool.force_close_all()` alone leaves a closed pool behind: every later publish in this process then fails
    with "Acquire on closed pool", even in eager mode (Celery acquires a producer there too).
    """
    app.conf.broker_url = url
    app.pool.force_close_all()
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
