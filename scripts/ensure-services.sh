#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer at their standard ports, starting the
# machine's own servers when they are installed but stopped. Fails loudly.
set -euo pipefail

wait_for() {  # name, command...
  local name=$1; shift
  for _ in $(seq 1 30); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "$name did not come up at its standard port; the tests need it" >&2
  exit 1
}

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG; }

if ! pg_up 2>/dev/null; then
  echo "starting PostgreSQL"
  command -v pg_ctlcluster >/dev/null \
    || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  [ -n "$version" ] || { echo "no PostgreSQL cluster in /etc/postgresql" >&2; exit 1; }
  pg_ctlcluster --skip-systemctl-redirect "$version" main start \
    || { echo "could not start PostgreSQL $version" >&2; exit 1; }
  wait_for PostgreSQL pg_up
fi

if ! redis_up 2>/dev/null; then
  echo "starting Redis"
  command -v redis-server >/dev/null \
    || { echo "Redis is not installed (apt-get install redis-server)" >&2; exit 1; }
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log \
    || { echo "could not start Redis" >&2; exit 1; }
  wait_for Redis redis_up
fi
