#include "services/tunnel/storage/pg_schema.h"

namespace fleet::tunnel {

const std::vector<pg::Migration>& TunnelMigrations() {
  static const auto* migrations = new std::vector<pg::Migration>{
      {1, "tunnel_sessions_ports_leases_audit", R"sql(
-- Times cross the wire as unix microseconds (exact, unlike float seconds).
CREATE FUNCTION tunnel_ts(us bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT timestamptz 'epoch' + us * interval '1 microsecond' $$;
CREATE FUNCTION tunnel_us(t timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;

CREATE TABLE tunnel_sessions (
  id             text        COLLATE "C" PRIMARY KEY,  -- byte order, like std::string
  device_id      text        NOT NULL,
  operator       text        NOT NULL,
  state          text        NOT NULL
                 CHECK (state IN ('REQUESTED', 'OPEN', 'CLOSING', 'CLOSED', 'FAILED', 'EXPIRED')),
  server         text        NOT NULL,
  public_address text        NOT NULL,
  -- One line per service: name|local_ip|local_port|remote_port (names and ips are validated).
  services       text        NOT NULL,
  token          text        NOT NULL,
  create_time    timestamptz NOT NULL,
  expire_time    timestamptz NOT NULL,
  step_deadline  timestamptz,           -- NULL: no pending step
  close_time     timestamptz,
  close_reason   text        NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX tunnel_sessions_live_device ON tunnel_sessions (device_id)
  WHERE state IN ('REQUESTED', 'OPEN', 'CLOSING');
CREATE INDEX tunnel_sessions_live_operator ON tunnel_sessions (operator)
  WHERE state IN ('REQUESTED', 'OPEN', 'CLOSING');
CREATE INDEX tunnel_sessions_live_expire ON tunnel_sessions (expire_time)
  WHERE state IN ('REQUESTED', 'OPEN', 'CLOSING');
CREATE INDEX tunnel_sessions_live_deadline ON tunnel_sessions (step_deadline)
  WHERE state IN ('REQUESTED', 'CLOSING');
CREATE INDEX tunnel_sessions_newest ON tunnel_sessions (create_time DESC, id DESC);
CREATE INDEX tunnel_sessions_device_newest ON tunnel_sessions (device_id, create_time DESC, id DESC);
CREATE INDEX tunnel_sessions_operator_newest ON tunnel_sessions (operator, create_time DESC, id DESC);

CREATE TABLE tunnel_ports (
  server      text        NOT NULL,
  port        integer     NOT NULL CHECK (port BETWEEN 1 AND 65535),
  session_id  text,
  released_at timestamptz NOT NULL DEFAULT '-infinity',
  PRIMARY KEY (server, port)
);
CREATE INDEX tunnel_ports_free ON tunnel_ports (server, released_at, port) WHERE session_id IS NULL;

CREATE TABLE tunnel_leases (
  id          bigserial   PRIMARY KEY,
  server      text        NOT NULL,
  port        integer     NOT NULL,
  session_id  text        NOT NULL REFERENCES tunnel_sessions (id),
  device_id   text        NOT NULL,
  service     text        NOT NULL,
  leased_at   timestamptz NOT NULL,
  released_at timestamptz
);
CREATE UNIQUE INDEX tunnel_leases_live_port ON tunnel_leases (server, port) WHERE released_at IS NULL;
CREATE INDEX tunnel_leases_session ON tunnel_leases (session_id);

CREATE TABLE tunnel_audit (
  id          bigserial   PRIMARY KEY,
  session_id  text        NOT NULL,
  device_id   text        NOT NULL,
  actor       text        NOT NULL,
  action      text        NOT NULL,
  server      text        NOT NULL,
  ports       integer[]   NOT NULL,
  reason      text        NOT NULL,
  at          timestamptz NOT NULL,
  expire_time timestamptz NOT NULL
);
CREATE INDEX tunnel_audit_session ON tunnel_audit (session_id, id);
CREATE INDEX tunnel_audit_device ON tunnel_audit (device_id, id DESC);
)sql"},
      {2, "tunnel_sessions_frpc_stopped", R"sql(
-- The device confirmed frpc is not running for the session (see Session::frpc_stopped).
ALTER TABLE tunnel_sessions ADD COLUMN frpc_stopped boolean NOT NULL DEFAULT false;
)sql"},
  };
  return *migrations;
}

}  // namespace fleet::tunnel
