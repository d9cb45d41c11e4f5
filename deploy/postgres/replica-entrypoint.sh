#!/bin/sh
# The optional read replica (docker-compose --profile replica): on first start copy the primary with
# pg_basebackup (-R writes standby.signal and the connection to stream from), then run as a hot standby.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -h postgres -U appeal_desk -d appeal_desk; do sleep 2; done
    export PGPASSWORD="${REPLICATION_PASSWORD:-replicator}"
    pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream -c fast
    chmod 700 "$PGDATA"
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on
