// fleet-bff: the HTTP/JSON front door. Wiring only.
#include <memory>

#include "bff/api.h"
#include "bff/auth/call_log.h"
#include "bff/auth/pg_store.h"
#include "bff/auth/service.h"
#include "bff/config_backend.h"
#include "bff/config_cache.h"
#include "bff/presence_backend.h"
#include "bff/presence_cache.h"
#include "bff/registry_backend.h"
#include "bff/registry_cache.h"
#include "bff/static_files.h"
#include "bff/ratelimit/limiter.h"
#include "bff/ratelimit/redis_limiter.h"
#include "bff/ratelimit/windows.h"
#include "bff/tunnel_backend.h"
#include "libs/config/flags.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "libs/redis/client.h"
#include "libs/grpcx/signals.h"
#include "libs/http/server.h"
#include "libs/log/log.h"
#include "libs/log/process.h"
#include "libs/trace/otlp_exporter.h"
#include "libs/trace/trace.h"

namespace fleet::bff {
namespace {

struct Config {
  std::string http_address = "127.0.0.1";
  int64_t http_port = 8080;
  std::string device_online = "127.0.0.1:7001";
  // Empty = the BFF runs without that service: its routes answer 503 BACKEND_UNAVAILABLE
  // ("device-config is not configured") and readiness reports it as NOT_CONFIGURED.
  std::string device_config;
  std::string tunnel;
  std::string task;
  std::string otlp_endpoint;
  int64_t threads = 8;
  int64_t event_loops = 1;
  absl::Duration backend_timeout = absl::Seconds(5);
  absl::Duration device_cache_ttl = absl::ZeroDuration();  // 0 = every device read asks device-config
  absl::Duration config_cache_ttl = absl::ZeroDuration();  // 0 = every config read asks device-config
  int64_t presence_batch = 1;  // most devices per shared BatchGetPresence; 1 = off
  absl::Duration presence_cache_ttl = absl::ZeroDuration();
  absl::Duration cache_refresh_ahead = absl::ZeroDuration();  // 0 = entries are re-read only on a miss
  // Access control.
  std::string auth = "enabled";  // "disabled": development only, everyone is an admin
  std::string pg_url;            // the BFF's own database (fleet_bff)
  int64_t pg_pool_size = 8;
  std::string bootstrap_admin;   // name:password, creates the first admin when there is no user
  absl::Duration session_ttl = absl::Hours(12);
  absl::Duration auth_cache_ttl = absl::Seconds(5);
  int64_t password_iterations = 210'000;
  bool secure_cookie = false;
  // Rate limiting.
  std::string redis;  // host:port; empty = per-replica in-process limits
  absl::Duration redis_timeout = absl::Milliseconds(100);
  int64_t ratelimit_lease_slots = 1;
  absl::Duration ratelimit_lease_ttl = absl::Milliseconds(20);
  std::string key_rate_limits = "100/1s,2000/1m";
  std::string user_rate_limits = "100/1s,3000/1m";
  std::string signin_rate_limits = "20/1m";
  std::string device_command_limits = "5/1s,60/1m";
  absl::Duration camera_timeout = absl::Seconds(8);
  std::string web_root;  // built operator console (bff/web/dist); empty = "not built" page
  // Web SSH (GET /v1/devices/{device}/ssh).
  int64_t ssh_idle_seconds = 600;
  int64_t ssh_max_seconds = 3600;
  int64_t ssh_max_sessions = 50;
  std::vector<ratelimit::Window> key_windows, user_windows, signin_windows, device_command_windows;

  absl::Status Validate() {
    if (auth != "enabled" && auth != "disabled") return absl::InvalidArgumentError("--auth must be enabled or disabled");
    if (auth == "enabled" && pg_url.empty()) {
      return absl::InvalidArgumentError(
          "--pg_url (database fleet_bff) is required; --auth=disabled runs without access control (development only)");
    }
    if (pg_pool_size < 1 || pg_pool_size > 64) return absl::InvalidArgumentError("--pg_pool_size must be 1..64");
    if (session_ttl < absl::Minutes(1)) return absl::InvalidArgumentError("--session_ttl must be at least 1m");
    if (auth_cache_ttl < absl::ZeroDuration()) return absl::InvalidArgumentError("--auth_cache_ttl must be >= 0");
    if (password_iterations < 10'000 || password_iterations > 10'000'000) {
      return absl::InvalidArgumentError("--password_iterations must be 10000..10000000");
    }
    if (redis_timeout <= absl::ZeroDuration()) return absl::InvalidArgumentError("--redis_timeout must be positive");
    if (ratelimit_lease_slots < 1 || ratelimit_lease_slots > 1000)
      return absl::InvalidArgumentError("--ratelimit_lease_slots must be 1..1000");
    if (ratelimit_lease_ttl < absl::Milliseconds(1) || ratelimit_lease_ttl > absl::Seconds(1))
      return absl::InvalidArgumentError("--ratelimit_lease_ttl must be 1ms..1s");
    for (auto [flag, spec, out] : {std::tuple{"--key_rate_limits", &key_rate_limits, &key_windows},
                                   std::tuple{"--user_rate_limits", &user_rate_limits, &user_windows},
                                   std::tuple{"--signin_rate_limits", &signin_rate_limits, &signin_windows},
                                   std::tuple{"--device_command_limits", &device_command_limits,
                                              &device_command_windows}}) {
      auto w = ratelimit::ParseWindows(*spec);
      if (!w.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", w.status().message()));
      *out = *w;
    }
    if (camera_timeout < absl::Seconds(1) || camera_timeout > absl::Seconds(60)) {
      return absl::InvalidArgumentError("--camera_timeout must be 1s..60s");
    }
    if (http_port < 0 || http_port > 65535) return absl::InvalidArgumentError("--http_port must be 0..65535");
    if (ssh_idle_seconds < 1 || ssh_idle_seconds > 86400) return absl::InvalidArgumentError("--ssh_idle_seconds must be 1..86400");
    if (ssh_max_seconds < 1 || ssh_max_seconds > 86400) return absl::InvalidArgumentError("--ssh_max_seconds must be 1..86400");
    if (ssh_max_sessions < 0 || ssh_max_sessions > 10000) return absl::InvalidArgumentError("--ssh_max_sessions must be 0..10000");
    if (device_online.empty()) return absl::InvalidArgumentError("--device_online is required");
    if (threads < 1 || threads > 256) return absl::InvalidArgumentError("--threads must be 1..256");
    if (event_loops < 1 || event_loops > threads)
      return absl::InvalidArgumentError("--event_loops must be 1..--threads");
    if (backend_timeout <= absl::ZeroDuration())
      return absl::InvalidArgumentError("--backend_timeout must be positive");
    if (device_cache_ttl < absl::ZeroDuration() || device_cache_ttl > absl::Minutes(1))
      return absl::InvalidArgumentError("--device_cache_ttl must be 0..1m");
    if (config_cache_ttl < absl::ZeroDuration() || config_cache_ttl > absl::Minutes(1))
      return absl::InvalidArgumentError("--config_cache_ttl must be 0..1m");
    if (presence_batch < 1 || presence_batch > 1000)
      return absl::InvalidArgumentError("--presence_batch must be 1..1000");
    if (presence_cache_ttl < absl::ZeroDuration() || presence_cache_ttl > absl::Minutes(1))
      return absl::InvalidArgumentError("--presence_cache_ttl must be 0..1m");
    if (cache_refresh_ahead < absl::ZeroDuration())
      return absl::InvalidArgumentError("--cache_refresh_ahead must be >= 0");
    for (absl::Duration ttl : {device_cache_ttl, config_cache_ttl, presence_cache_ttl}) {
      // Entries live ttl/2..ttl (jitter 0.5): a longer window would re-read some on their first hit.
      if (ttl > absl::ZeroDuration() && cache_refresh_ahead >= ttl / 2)
        return absl::InvalidArgumentError(
            "--cache_refresh_ahead must be less than half of each cache TTL in use (--device_cache_ttl, "
            "--config_cache_ttl, --presence_cache_ttl)");
    }
    return absl::OkStatus();
  }
};

int Main(int argc, char** argv) {
  grpcx::InstallShutdownSignals();
  Config cfg;
  config::FlagSet flags("fleet-bff");
  flags.String("http_address", &cfg.http_address, "HTTP listen address");
  flags.Int("http_port", &cfg.http_port, "HTTP port (0 = any free port)");
  flags.String("device_online", &cfg.device_online, "device-online gRPC target");
  flags.String("device_config", &cfg.device_config,
               "device-config gRPC target, registry and config (empty = device and config routes answer 503)");
  flags.String("tunnel", &cfg.tunnel, "tunnel gRPC target (empty = tunnel routes answer 503 BACKEND_UNAVAILABLE)");
  flags.String("task", &cfg.task, "task gRPC target (empty = artifact and campaign routes answer 503)");
  flags.String("otlp_endpoint", &cfg.otlp_endpoint, "OTLP/HTTP traces endpoint (empty = no export)");
  flags.Int("threads", &cfg.threads, "HTTP handler threads");
  flags.Int("event_loops", &cfg.event_loops,
            "event loops the HTTP threads are split over; each connection stays on one loop. More loops "
            "cost fewer wake-ups per request, but a slow handler (a camera command waiting for its device) "
            "then delays the other connections of its loop while all of that loop's threads are busy (keep at "
            "least 2 threads per loop)");
  flags.Duration("backend_timeout", &cfg.backend_timeout, "deadline of each service call");
  flags.Duration("device_cache_ttl", &cfg.device_cache_ttl,
                 "serve GET /v1/devices/{id} from this replica's cache for up to this long (writes through "
                 "this replica are seen at once, writes through others within the TTL); 0 = off");
  flags.Duration("config_cache_ttl", &cfg.config_cache_ttl,
                 "serve a device's config (GET .../config, the config part of :overview) from this replica's cache "
                 "for up to this long: what the device reported, and config or template writes through other "
                 "replicas, show up within the TTL; this replica's own config and template writes at once; 0 = off");
  flags.Int("presence_batch", &cfg.presence_batch,
            "presence reads (:overview) made at the same time share BatchGetPresence calls of up to this many "
            "devices (a read alone is still one GetPresence); 1 = each read is its own call");
  flags.Duration("presence_cache_ttl", &cfg.presence_cache_ttl,
                 "serve a device's presence (the presence part of :overview) from this replica's cache for up to "
                 "this long, while a WatchPresence stream drops a device's entry on each of its online/offline "
                 "transitions (so the state is as fresh as that stream; last_seen_time and board parameters may "
                 "be up to the TTL old). While the stream is down nothing is served from the cache; 0 = off");
  flags.Duration("cache_refresh_ahead", &cfg.cache_refresh_ahead,
                 "for the device, config and presence caches: an entry read when less than this is left before it "
                 "expires is still served, and re-read in the background (100 per batch read call, every "
                 "100 ms), so devices read often never miss on the request path; staleness stays bounded by each "
                 "TTL. Less than half of each TTL; 0 = off");
  flags.String("auth", &cfg.auth,
               "enabled | disabled (DEVELOPMENT ONLY: no sign-in, every request is the admin local-admin)");
  flags.String("pg_url", &cfg.pg_url, "PostgreSQL URL of the BFF's database fleet_bff (users, sessions, keys, audit)");
  flags.Int("pg_pool_size", &cfg.pg_pool_size, "PostgreSQL connections");
  flags.String("bootstrap_admin", &cfg.bootstrap_admin,
               "name:password of an admin created when there is no user yet (env FLEET_BOOTSTRAP_ADMIN)");
  flags.Duration("session_ttl", &cfg.session_ttl, "lifetime of a sign-in session (cookie fleet_session)");
  flags.Duration("auth_cache_ttl", &cfg.auth_cache_ttl,
                 "how long a replica trusts a verified session/key before re-reading it (revocations on other "
                 "replicas take effect within this)");
  flags.Int("password_iterations", &cfg.password_iterations, "PBKDF2-HMAC-SHA256 iterations for new passwords");
  flags.Bool("secure_cookie", &cfg.secure_cookie, "mark the session cookie Secure (serve over HTTPS)");
  flags.String("redis", &cfg.redis, "Redis host:port for cluster-wide rate limits (empty = per-replica limits)");
  flags.Duration("redis_timeout", &cfg.redis_timeout, "connect/command timeout of rate limit calls to Redis");
  flags.Int("ratelimit_lease_slots", &cfg.ratelimit_lease_slots,
            "with --redis: up to this many slots of a busy key taken from Redis in one call and spent by this "
            "replica without Redis (never over the limit; unused slots are lost when the lease expires); "
            "1 = every decision is one Redis call");
  flags.Duration("ratelimit_lease_ttl", &cfg.ratelimit_lease_ttl,
                 "how long leased slots stay usable (--ratelimit_lease_slots > 1)");
  flags.String("device_command_limits", &cfg.device_command_limits,
               "live commands allowed per device, across callers (e.g. 5/1s,60/1m; empty = unlimited)");
  flags.Duration("camera_timeout", &cfg.camera_timeout, "how long a camera command waits for the device");
  flags.String("key_rate_limits", &cfg.key_rate_limits,
               "default limits per API key and route class, e.g. 100/1s,2000/1m (empty = none); a key's own "
               "limits replace them");
  flags.String("user_rate_limits", &cfg.user_rate_limits, "limits per signed-in user and route class (empty = none)");
  flags.String("signin_rate_limits", &cfg.signin_rate_limits, "limits of POST /v1/sessions per client address");
  flags.String("web_root", &cfg.web_root,
               "directory of the built operator console (bff/web/dist, from bff/web/build); empty = / says "
               "the UI is not built");
  flags.Int("ssh_idle_seconds", &cfg.ssh_idle_seconds, "web SSH: a session without a byte either way ends after this");
  flags.Int("ssh_max_seconds", &cfg.ssh_max_seconds, "web SSH: a session ends after this, busy or not");
  flags.Int("ssh_max_sessions", &cfg.ssh_max_sessions,
            "web SSH: concurrent sessions per BFF replica (more get 429 SSH_SESSION_LIMIT; 0 = web SSH off)");
  flags.ParseOrExit(argc, argv);
  log::InitProcess("fleet-bff");
  if (absl::Status st = cfg.Validate(); !st.ok()) return log::FailStartup("invalid configuration", st);
  auto exporter = trace::InstallOtlpExporter(cfg.otlp_endpoint, "fleet-bff");
  if (!exporter.ok()) return log::FailStartup("otlp exporter", exporter.status());
  auto registry = std::make_shared<prometheus::Registry>();
  RealClock cache_clock;
  std::unique_ptr<PresenceBackend> presence = std::make_unique<CachingPresenceBackend>(
      NewBatchingPresenceBackend(NewGrpcPresenceBackend(cfg.device_online),
                                 {.max_batch = static_cast<size_t>(cfg.presence_batch)}),
      PresenceCacheOptions{
          .cache = {.ttl = cfg.presence_cache_ttl, .ttl_jitter = 0.5, .refresh_ahead = cfg.cache_refresh_ahead}},
      cache_clock);
  std::unique_ptr<RegistryBackend> device_config = std::make_unique<CachingRegistryBackend>(
      cfg.device_config.empty() ? NewUnconfiguredRegistryBackend() : NewGrpcRegistryBackend(cfg.device_config),
      RegistryCacheOptions{.ttl = cfg.device_cache_ttl, .ttl_jitter = 0.5, .refresh_ahead = cfg.cache_refresh_ahead},
      cache_clock);
  // DeviceConfigService is served by the same device-config process, on the same address.
  std::unique_ptr<ConfigBackend> config_versions = std::make_unique<CachingConfigBackend>(
      cfg.device_config.empty() ? NewUnconfiguredConfigBackend() : NewGrpcConfigBackend(cfg.device_config),
      TtlCacheOptions{.ttl = cfg.config_cache_ttl, .ttl_jitter = 0.5, .refresh_ahead = cfg.cache_refresh_ahead},
      cache_clock);
  std::unique_ptr<TunnelBackend> tunnel =
      cfg.tunnel.empty() ? NewUnconfiguredTunnelBackend() : NewGrpcTunnelBackend(cfg.tunnel);
  if (cfg.device_config.empty()) log::Warn("--device_config not set: device and config routes answer 503", {});
  if (cfg.tunnel.empty()) log::Warn("--tunnel not set: tunnel routes answer 503", {});

  // Access control: users, sessions, keys and logs in fleet_bff; rate limits in Redis.
  Access access;
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<auth::PgStore> store;
  std::unique_ptr<auth::AuthService> auth_service;
  std::unique_ptr<auth::CallLog> call_log;
  if (cfg.auth == "disabled") {
    log::Warn("AUTHENTICATION IS DISABLED (--auth=disabled): every request is treated as the admin local-admin. "
              "Development only; never expose this BFF.", {});
    access.gate.disabled = true;
  } else {
    auto p = pg::Pool::Connect({.url = cfg.pg_url, .pool_size = static_cast<int>(cfg.pg_pool_size)});
    if (!p.ok()) return log::FailStartup("fleet_bff database", p.status());
    pool = std::move(*p);
    if (absl::Status st = pg::Migrate(*pool, auth::BffMigrations()); !st.ok()) return log::FailStartup("migrate fleet_bff", st);
    store = std::make_unique<auth::PgStore>(*pool);
    auth_service = std::make_unique<auth::AuthService>(
        *store, auth::AuthOptions{.session_ttl = cfg.session_ttl,
                                  .password_iterations = static_cast<int>(cfg.password_iterations),
                                  .cache_ttl = cfg.auth_cache_ttl});
    if (!cfg.bootstrap_admin.empty()) {
      auto created = auth_service->Bootstrap(cfg.bootstrap_admin);
      if (!created.ok()) return log::FailStartup("bootstrap admin", created.status());
      log::Info(*created ? "bootstrap admin created" : "bootstrap admin skipped: users exist",
                {{"user", cfg.bootstrap_admin.substr(0, cfg.bootstrap_admin.find(':'))}});
    }
    call_log = std::make_unique<auth::CallLog>(*store, *registry);
    access.auth = auth_service.get();
    access.calls = call_log.get();
    access.audit = store.get();
  }
  std::unique_ptr<ratelimit::Limiter> limiter;
  if (cfg.redis.empty()) {
    log::Warn("--redis not set: rate limits are per replica (in-process)", {});
    limiter = std::make_unique<ratelimit::LocalLimiter>();
  } else {
    auto ro = redis::OptionsFromAddr(cfg.redis);
    if (!ro.ok()) return log::FailStartup("--redis", ro.status());
    ro->connect_timeout = ro->command_timeout = cfg.redis_timeout;
    ro->pool_size = static_cast<int>(cfg.threads);
    limiter = std::make_unique<ratelimit::RedisLimiter>(
        *ro, *registry, absl::Seconds(1),
        ratelimit::LeaseOptions{.max_slots = cfg.ratelimit_lease_slots, .ttl = cfg.ratelimit_lease_ttl});
  }
  access.limiter = limiter.get();
  access.gate.key_limits = cfg.key_windows;
  access.gate.user_limits = cfg.user_windows;
  access.gate.signin_limits = cfg.signin_windows;
  access.routes.secure_cookie = cfg.secure_cookie;

  // Live commands: streams and Idempotency-Keys shared through Redis when there is one.
  std::unique_ptr<redis::Client> shared_redis;
  if (!cfg.redis.empty()) {
    auto ro = redis::OptionsFromAddr(cfg.redis);
    ro->connect_timeout = ro->command_timeout = std::max(cfg.redis_timeout, absl::Milliseconds(500));
    ro->pool_size = static_cast<int>(cfg.threads);
    auto c = redis::Client::Connect(*ro);
    if (c.ok()) {
      shared_redis = std::move(*c);
    } else {
      log::Warn("Redis unreachable at start: camera streams and Idempotency-Keys are per replica",
                {{"error", std::string(c.status().message())}});
    }
  }
  RealClock clock;
  std::unique_ptr<commands::CommandBackend> command_backend = commands::NewGrpcCommandBackend(cfg.device_online);
  std::unique_ptr<commands::StreamStore> streams;
  std::unique_ptr<idempotency::Store> idempotency_store;
  if (shared_redis) {
    streams = std::make_unique<commands::RedisStreamStore>(*shared_redis, clock);
    idempotency_store = std::make_unique<idempotency::RedisStore>(*shared_redis);
  }
  commands::CircuitBreaker breaker;
  std::unique_ptr<TaskBackend> task_backend =
      cfg.task.empty() ? NewUnconfiguredTaskBackend() : NewGrpcTaskBackend(cfg.task);
  if (cfg.task.empty()) log::Warn("--task not set: artifact and campaign routes answer 503", {});
  Extras cmds{.task = task_backend.get(),
                .backend = command_backend.get(),
                .streams = streams.get(),
                .device_limiter = limiter.get(),
                .breaker = &breaker,
                .idempotency = idempotency_store.get(),
                .camera = {.command_timeout = cfg.camera_timeout, .device_limits = cfg.device_command_windows},
                .ssh = {.idle = absl::Seconds(cfg.ssh_idle_seconds),
                        .max = absl::Seconds(cfg.ssh_max_seconds),
                        .max_sessions = static_cast<int>(cfg.ssh_max_sessions),
                        .backend_timeout = cfg.backend_timeout}};

  auto web = StaticFiles::Load(cfg.web_root);
  if (!web.ok()) return log::FailStartup("--web_root", web.status());
  Api api({*presence, *device_config, *config_versions, *tunnel}, registry,
          {.backend_timeout = cfg.backend_timeout,
           .web = *web,
           .overview_in_sequence =
               cfg.device_cache_ttl > absl::ZeroDuration() && cfg.config_cache_ttl > absl::ZeroDuration()},
          access, cmds);
  if (absl::Status st = api.CheckPolicy(); !st.ok()) return log::FailStartup("access policy", st);
  auto server = http::Server::Start(
      {.address = cfg.http_address, .port = static_cast<int>(cfg.http_port), .threads = static_cast<int>(cfg.threads),
       .event_loops = static_cast<int>(cfg.event_loops)},
      [&api](const http::Request& r) { return api.Handle(r); });
  if (!server.ok()) {
    log::Error("http server", {{"error", server.status().message()}});
    return 1;
  }
  log::Info("listening", {{"http_port", (*server)->port()}, {"device_online", cfg.device_online},
                        {"device_config", cfg.device_config}, {"tunnel", cfg.tunnel}, {"auth", cfg.auth},
                        {"redis", cfg.redis}});
  const int sig = grpcx::WaitForShutdownSignal();
  log::Info("shutting down", {{"signal", sig}});
  (*server)->Stop();
  if (call_log) call_log->Flush();
  if (*exporter) (*exporter)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace fleet::bff

int main(int argc, char** argv) { return fleet::bff::Main(argc, argv); }
