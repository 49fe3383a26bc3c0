#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL, Redis and PgBouncer on 127.0.0.1 for the tests.
#   scripts/services.sh start DIR   -> prints the env lines to export
#   scripts/services.sh stop DIR
# Ports: PG_PORT, REDIS_PORT, PGBOUNCER_PORT (PgBouncer in transaction pooling
# mode in front of that PostgreSQL: TEST_PGBOUNCER_URL, tests/test_pgbouncer.py).
# Installs the Debian packages first when they are missing (needs root).
set -euo pipefail

action=${1:?start|stop}
dir=${2:?state directory}
pg_port=${PG_PORT:-54329}
redis_port=${REDIS_PORT:-63799}
pgbouncer_port=${PGBOUNCER_PORT:-64329}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_missing() {
  local missing=()
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    install_missing
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    bin=$(pg_bin)
    as_postgres "$bin/initdb" -D "$dir/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_postgres "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
      -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    # PgBouncer, transaction pooling, any database of that server, the test roles by name
    # (trust, as the server; it refuses to run as root). A small pool, so that concurrent
    # transactions of one client are served by different server connections.
    printf '"postgres" ""\n"samvirke_app" ""\n"samvirke_cross" ""\n' > "$dir/pgbouncer.users"
    cat > "$dir/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$pg_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgbouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $dir/pgbouncer.users
pool_mode = transaction
default_pool_size = 4
max_client_conn = 400
max_db_connections = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
EOF
    [ "$(id -u)" = 0 ] && chown postgres "$dir/pgbouncer.ini" "$dir/pgbouncer.users"
    as_postgres /usr/sbin/pgbouncer -d "$dir/pgbouncer.ini" >&2
    for _ in $(seq 50); do [ -f "$dir/pgbouncer.pid" ] && break; sleep 0.1; done
    echo "export TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$pg_port/postgres"
    echo "export TEST_REDIS_URL=redis://127.0.0.1:$redis_port/0"
    echo "export TEST_PGBOUNCER_URL=postgresql+psycopg://postgres@127.0.0.1:$pgbouncer_port/postgres"
    ;;
  stop)
    bin=$(pg_bin)
    [ -d "$dir/pg" ] && as_postgres "$bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
    [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    [ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
