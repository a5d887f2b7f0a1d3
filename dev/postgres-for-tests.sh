#!/usr/bin/env bash
# Makes a local PostgreSQL available for the audit store's PostgreSQL tests and prints its DSN on stdout:
# installs Debian's postgresql when missing, starts the first cluster if it is down, and creates the role and the
# database `tradewire_audit_test`. Used by .ci/run; safe to run again. Needs root (or sudo) for apt and the cluster.
set -euo pipefail
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
if ! command -v pg_lsclusters >/dev/null; then
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
read -r version cluster port status _ < <(pg_lsclusters --no-header | head -1)
if [ -z "${version:-}" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  $SUDO pg_createcluster "$version" main >&2
  read -r version cluster port status _ < <(pg_lsclusters --no-header | head -1)
fi
if [ "$status" != online ]; then $SUDO pg_ctlcluster "$version" "$cluster" start >&2; fi
for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.2; done
# psql as the postgres superuser (output on stdout).
psql_() {
  if [ "$(id -u)" = 0 ]; then su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1 $(printf '%q ' "$@")"
  else sudo -u postgres psql -q -p "$port" -v ON_ERROR_STOP=1 "$@"; fi
}
psql_ -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradewire_test') THEN CREATE ROLE tradewire_test LOGIN PASSWORD 'tradewire_test'; END IF; END \$\$;" >&2
if [ "$(psql_ -tAc "SELECT 1 FROM pg_database WHERE datname = 'tradewire_audit_test'")" != 1 ]; then
  psql_ -c "CREATE DATABASE tradewire_audit_test OWNER tradewire_test" >&2
fi
echo "postgres://tradewire_test:tradewire_test@127.0.0.1:$port/tradewire_audit_test"
