#!/bin/sh
# Run once by the postgres image when its data volume is first initialised (compose.yaml mounts it into
# /docker-entrypoint-initdb.d): one database and one owner each for claimflow and for Prefect's server, so neither
# can read the other's tables. Passwords come from the container's environment (.env beside compose.yaml).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v claimflow_pw="$CLAIMFLOW_DB_PASSWORD" -v prefect_pw="$PREFECT_DB_PASSWORD" <<'SQL'
CREATE ROLE claimflow LOGIN PASSWORD :'claimflow_pw';
CREATE DATABASE claimflow OWNER claimflow;
REVOKE ALL ON DATABASE claimflow FROM PUBLIC;
CREATE ROLE prefect LOGIN PASSWORD :'prefect_pw';
CREATE DATABASE prefect OWNER prefect;
REVOKE ALL ON DATABASE prefect FROM PUBLIC;
SQL
