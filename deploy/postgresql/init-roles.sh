#!/bin/sh
# Run once by the postgres image on an empty data directory: the roles of Temporal (which creates
# its own two databases with its sql tool) and of Svodka (whose database is made here).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_pw="$TEMPORAL_DB_PASSWORD" -v svodka_pw="$SVODKA_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_pw';
CREATE ROLE svodka LOGIN PASSWORD :'svodka_pw';
CREATE DATABASE svodka OWNER svodka;
SQL
