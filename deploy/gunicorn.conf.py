"""gunicorn settings of the production image (Dockerfile, docker-compose.yml): `gunicorn core.wsgi -c <this file>`.

gthread workers behind the buffering proxy: the proxy hands over whole requests and takes whole responses, so a
thread is busy only while Django works. One worker process per core (plus one), a few threads each; both can be
overridden with WEB_WORKERS / WEB_THREADS.
"""

from __future__ import annotations

import os


def available_cores() -> int:
    # The cores this container may use (a CPU limit or affinity mask), not the host's count.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", available_cores() + 1))
threads = int(os.environ.get("WEB_THREADS", 4))
# A request that takes longer is a bug; the proxy gives up at the same time (proxy_read_timeout).
timeout = int(os.environ.get("WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound. Rarely: a new worker imports the app
# (~1-2 s of CPU) while its connections wait, and at 2,000 requests a worker of a loaded 2-core machine was
# recycled every ~20 s, which showed in the p95 (173 ms against 136 ms without a recycle in `make bench`).
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"
