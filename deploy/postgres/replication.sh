#!/bin/sh
# Primary, first start only (docker-entrypoint-initdb.d): a role the optional replica streams with, and the
# pg_hba line that lets it connect for replication from the stack's network.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD:-replicator}';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
