#include "bff/auth/pg_store.h"

namespace fleet::bff::auth {

const std::vector<pg::Migration>& BffMigrations() {
  static const auto* migrations = new std::vector<pg::Migration>{
      {1, "users_sessions_keys_audit_calls", R"sql(
CREATE FUNCTION bff_ts(us bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT timestamptz 'epoch' + us * interval '1 microsecond' $$;
CREATE FUNCTION bff_us(t timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;

CREATE TABLE users (
  id            text        COLLATE "C" PRIMARY KEY,
  display_name  text        NOT NULL,
  role          text        NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  password_hash text        NOT NULL,
  disabled      boolean     NOT NULL DEFAULT false,
  create_time   timestamptz NOT NULL,
  update_time   timestamptz NOT NULL
);

-- Only the SHA-256 of the cookie token is stored.
CREATE TABLE sessions (
  token_hash  text        PRIMARY KEY,
  user_id     text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  create_time timestamptz NOT NULL,
  expire_time timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expire ON sessions (expire_time);

CREATE TABLE api_keys (
  seq           bigserial   UNIQUE,
  id            text        COLLATE "C" PRIMARY KEY,
  display_name  text        NOT NULL,
  secret_hash   text        NOT NULL,  -- SHA-256 of the secret part
  route_classes text        NOT NULL,
  device_ids    text        NOT NULL,
  device_labels text        NOT NULL,
  rate_limits   text        NOT NULL,
  created_by    text        NOT NULL,
  create_time   timestamptz NOT NULL,
  expire_time   timestamptz,
  revoke_time   timestamptz,
  replaced_by   text        NOT NULL DEFAULT ''
);

CREATE TABLE audit_log (
  seq        bigserial   PRIMARY KEY,
  time       timestamptz NOT NULL,
  actor      text        NOT NULL,
  actor_kind text        NOT NULL,
  role       text        NOT NULL,
  method     text        NOT NULL,
  path       text        NOT NULL,
  status     integer     NOT NULL,
  trace_id   text        NOT NULL,
  request_id text        NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq DESC);

CREATE TABLE api_key_calls (
  seq        bigserial   PRIMARY KEY,
  key_id     text        NOT NULL,
  time       timestamptz NOT NULL,
  method     text        NOT NULL,
  route      text        NOT NULL,
  path       text        NOT NULL,
  status     integer     NOT NULL,
  latency_us bigint      NOT NULL,
  trace_id   text        NOT NULL,
  request_id text        NOT NULL
);
CREATE INDEX api_key_calls_key ON api_key_calls (key_id, seq DESC);
)sql"},
  };
  return *migrations;
}

}  // namespace fleet::bff::auth
