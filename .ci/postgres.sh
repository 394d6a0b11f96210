#!/usr/bin/env bash
# Starts a local PostgreSQL for the tests when none is running, creates the test role and
# database, and prints the URL the tests read (SHUCHUANG_TEST_DATABASE_URL).
#
# Usage: export SHUCHUANG_TEST_DATABASE_URL="$(bash .ci/postgres.sh)"
# Needs root (it runs the server's tools as the postgres user). Installs Debian's
# `postgresql` package where no server is installed. Everything it prints besides the URL
# goes to standard error.
set -euo pipefail

ROLE=shuchuang_test
DB=shuchuang_test
PASSWORD=shuchuang_test

log() { echo "postgres.sh: $*" >&2; }

if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "no PostgreSQL cluster found: installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

# The newest installed cluster named main.
VERSION="$(ls -d /etc/postgresql/*/main | sed -E 's#/etc/postgresql/([^/]+)/main#\1#' | sort -V | tail -1)"
STATUS="$(pg_lsclusters --no-header | awk -v v="$VERSION" '$1 == v && $2 == "main" { print $4 }')"
if [ "$STATUS" != "online" ]; then
    log "starting cluster $VERSION/main"
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" main start >&2
fi
PORT="$(pg_lsclusters --no-header | awk -v v="$VERSION" '$1 == v && $2 == "main" { print $3 }')"

psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }

# The test role may create roles: the role tests make a read-only role of their own.
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
    psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEROLE PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
