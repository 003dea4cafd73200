# Sourced by the PostgreSQL CLI tests and bench: a real PostgreSQL 15 (Debian postgresql-15,
# scripts/test-deps.sh) in a fresh data directory, on a free loopback port, stopped and removed
# on exit. The server runs as an unprivileged user (initdb refuses root): `nobody`.
#   pg_start            initdb + start (sets PG_PORT, PG_PASSWORD, PG_ADMIN_URL); password
#                       authentication (scram-sha-256) over TCP, so URLs carry a real secret
#   pg_psql DB ARGS...  psql as the superuser on database DB
#   pg_load_library SQLITE_DB DB
#                       creates database DB with the app's tables (SQLAlchemy's PostgreSQL DDL)
#                       and copies users, samples and vibe_analyses from a SQLite library
#   pg_url DB           postgresql://postgres:PASSWORD@127.0.0.1:PORT/DB
#   pg_stop             stops the server, removes its directory
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=
PG_PORT=
PG_PASSWORD="pw-$$-Sx7kQ"
pg_require() {
  if [ ! -x "$PG_BIN/initdb" ] || ! command -v psql >/dev/null; then
    echo "no PostgreSQL 15 server at $PG_BIN: run scripts/test-deps.sh (make test-deps)" >&2
    return 1
  fi
}
pg_url() { echo "postgresql://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/$1"; }
pg_psql() { local db=$1; shift; PGPASSWORD=$PG_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" "$@"; }
_pg_as() { runuser -u nobody -- "$@"; }
pg_start() {
  pg_require || return 1
  # a directory of its own outside the build tree: nobody must reach it, whatever the checkout's
  # permissions
  PG_DIR=$(mktemp -d /tmp/samplevec-pg.XXXXXX) || return 1
  chown nobody "$PG_DIR" && chmod 700 "$PG_DIR"
  printf '%s\n' "$PG_PASSWORD" > "$PG_DIR/pw" && chown nobody "$PG_DIR/pw"
  _pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$PG_DIR/pw" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 1; }
  local try
  for try in 1 2 3 4 5; do
    PG_PORT=$(( (RANDOM << 1 | RANDOM & 1) % 20000 + 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null && continue
    if _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null 2>&1; then
      return 0
    fi
  done
  cat "$PG_DIR/server.log" >&2
  echo "PostgreSQL did not start" >&2
  return 1
}
pg_stop() {
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
    _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$PG_DIR"
    PG_DIR=
  fi
}
trap pg_stop EXIT

# The app's tables as SQLAlchemy creates them on PostgreSQL (Integer primary keys → SERIAL,
# Float → FLOAT, JSON → JSON, DateTime(timezone=True) → TIMESTAMP WITH TIME ZONE).
PG_APP_DDL="
CREATE TABLE users (id SERIAL NOT NULL, email VARCHAR NOT NULL, username VARCHAR NOT NULL,
  hashed_password VARCHAR NOT NULL, is_active BOOLEAN, is_superuser BOOLEAN,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT now(), updated_at TIMESTAMP WITH TIME ZONE, PRIMARY KEY (id));
CREATE TABLE samples (id SERIAL NOT NULL, user_id INTEGER NOT NULL, title VARCHAR NOT NULL,
  file_path VARCHAR NOT NULL, file_size INTEGER, duration FLOAT, bpm FLOAT, musical_key VARCHAR,
  genre VARCHAR, bpm_confidence INTEGER, genre_confidence INTEGER, key_confidence INTEGER, tags JSON,
  extra_metadata JSON, analysis_metadata JSON, created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
  analyzed_at TIMESTAMP WITH TIME ZONE, last_accessed_at TIMESTAMP WITH TIME ZONE, PRIMARY KEY (id),
  FOREIGN KEY(user_id) REFERENCES users (id));
CREATE TABLE vibe_analyses (id SERIAL NOT NULL, sample_id INTEGER NOT NULL, mood_primary VARCHAR NOT NULL,
  mood_secondary VARCHAR, energy_level FLOAT, danceability FLOAT, acousticness FLOAT,
  instrumentalness FLOAT, texture_tags JSON, characteristics JSON, model_version VARCHAR,
  confidence_score FLOAT, processing_time_ms INTEGER, created_at TIMESTAMP WITH TIME ZONE DEFAULT now(),
  PRIMARY KEY (id), UNIQUE (sample_id), FOREIGN KEY(sample_id) REFERENCES samples (id));
CREATE INDEX ix_samples_id ON samples (id);
CREATE INDEX ix_samples_genre ON samples (genre);
CREATE INDEX ix_vibe_analyses_id ON vibe_analyses (id);
"
pg_load_library() { # SQLITE_DB DB
  local src=$1 db=$2 t cols
  pg_psql postgres -c "CREATE DATABASE $db" || return 1
  pg_psql "$db" -c "$PG_APP_DDL" || return 1
  for t in users samples vibe_analyses; do
    # REAL columns with 17 digits, so every double arrives exact
    cols=$(sqlite3 "$src" "SELECT group_concat(CASE WHEN type IN ('FLOAT','REAL') THEN 'CASE WHEN \"' || name || '\" IS NULL THEN NULL ELSE printf(''%.17g'', \"' || name || '\") END' ELSE '\"' || name || '\"' END, ', ') FROM pragma_table_info('$t')")
    sqlite3 -csv "$src" "SELECT $cols FROM $t ORDER BY id" > "$PG_DIR/$t.csv" || return 1
    chmod 644 "$PG_DIR/$t.csv"
    pg_psql "$db" -c "\\copy $t FROM '$PG_DIR/$t.csv' WITH (FORMAT csv)" || return 1
    pg_psql "$db" -c "SELECT setval(pg_get_serial_sequence('$t', 'id'), (SELECT max(id) FROM $t))" >/dev/null
  done
}
