#!/usr/bin/env bash
# Install and start what the test suite needs outside Python: a PostgreSQL server and Chromium.
# Idempotent; safe to run on every test run. Prints the PostgreSQL URL for the tests on stdout.
set -euo pipefail

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Bangla glyphs for screenshots (without a Bengali font Chromium draws boxes).
dpkg -s fonts-lohit-beng-bengali >/dev/null 2>&1 || need+=(fonts-lohit-beng-bengali)
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "system-deps: missing ${need[*]} and not root; install them or run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# Start the first PostgreSQL cluster (Debian creates one on install) and make a test database.
read -r ver name _ < <(pg_lsclusters --no-header | head -n1)
pg_ctlcluster "$ver" "$name" start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
port=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
su postgres -c "psql -qc \"alter user postgres password 'shondhan-test'\"" >/dev/null
su postgres -c "psql -qAtc \"select 1 from pg_database where datname='shondhan_test'\"" | grep -q 1 \
  || su postgres -c "createdb shondhan_test" >&2
echo "postgresql+psycopg://postgres:shondhan-test@127.0.0.1:${port}/shondhan_test"
