"""Print the benchmark's database URL (DATABASE_URL with the database renamed), creating that database if needed.

The benchmark flushes its database, so it never runs on the one DATABASE_URL names. With --replica, print
DATABASE_REPLICA_URL pointing at the benchmark database's copy on the replica instead (or nothing when unset).
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg

source = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
if not source.startswith(("postgres://", "postgresql://")):
    sys.exit("make bench needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/db (and REDIS_URL).")
parts = urlsplit(source)
name = parts.path.lstrip("/") if os.environ.get("BENCH_DATABASE_URL") else "appeal_desk_bench"
if sys.argv[1:] == ["--replica"]:
    replica = os.environ.get("DATABASE_REPLICA_URL", "")
    print(urlunsplit(urlsplit(replica)._replace(path=f"/{name}")) if replica else "")
    sys.exit(0)
with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
print(urlunsplit(parts._replace(path=f"/{name}")))
