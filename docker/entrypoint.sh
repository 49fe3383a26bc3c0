#!/usr/bin/env bash
# Entrypoint for every Samvirke container (web, worker, scheduler, one-off commands).
#   1. Waits up to DB_WAIT_SECONDS (default 60) for the PostgreSQL in DATABASE_URL,
#      with a small psycopg retry loop (no netcat in the image).
#   2. If RUN_MIGRATIONS=1 (compose sets it on the web service only; default 0),
#      runs `samvirke db upgrade` then `samvirke tenants sync`, holding a
#      PostgreSQL advisory lock so replicas started together (--scale web=3)
#      migrate one at a time; the later ones find nothing left to do.
#   3. exec's the command (the image CMD or compose `command:`) as PID 1,
#      so it receives SIGTERM directly and can shut down gracefully.
set -euo pipefail

export RUN_MIGRATIONS="${RUN_MIGRATIONS:-0}"
export DB_WAIT_SECONDS="${DB_WAIT_SECONDS:-60}"

python - <<'PY'
import os
import re
import subprocess
import sys
import time

import psycopg

LOCK_ID = 7420117  # arbitrary, constant: "Samvirke start-up migrations"
url = os.environ.get("DATABASE_URL", "")
migrate = os.environ["RUN_MIGRATIONS"] == "1"


def log(message):
    print(f"entrypoint: {message}", file=sys.stderr, flush=True)


def run_migrations():
    for cmd in (["samvirke", "db", "upgrade"], ["samvirke", "tenants", "sync"]):
        log(" ".join(cmd))
        result = subprocess.run(cmd, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            log(f"{' '.join(cmd)} failed (exit {result.returncode})")
            sys.exit(result.returncode)


if not url.startswith("postgresql"):
    # Not PostgreSQL (or unset, which the production config reports by itself):
    # nothing to wait for and no lock to take.
    if migrate:
        run_migrations()
    sys.exit(0)

# libpq wants postgresql://, without SQLAlchemy's "+psycopg" driver suffix.
dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
deadline = time.monotonic() + float(os.environ["DB_WAIT_SECONDS"])
while True:
    try:
        conn = psycopg.connect(dsn, connect_timeout=3, autocommit=True)
        break
    except psycopg.OperationalError as exc:
        if time.monotonic() >= deadline:
            log(f"database still unreachable after {os.environ['DB_WAIT_SECONDS']}s: {exc}")
            sys.exit(1)
        log("waiting for the database ...")
        time.sleep(2)

with conn:
    if migrate:
        conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_ID,))
        run_migrations()  # the lock goes with the connection when it closes
PY

exec "$@"
