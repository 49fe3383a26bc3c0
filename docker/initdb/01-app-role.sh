#!/usr/bin/env bash
# Runs once, on the database's first start: the role the application connects
# as. It owns no tables and cannot bypass row-level security; `samvirke db
# upgrade` (as the owner, `samvirke`) grants it what it may do.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE samvirke_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
SQL
