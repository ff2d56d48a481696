#include "services/tunnel/domain/broker.h"

#include <algorithm>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/ids/device_id.h"
#include "libs/log/log.h"
#include "libs/status/status.h"
#include "services/tunnel/domain/errors.h"
#include "services/tunnel/domain/pool.h"
#include "services/tunnel/domain/state_machine.h"

namespace fleet::tunnel {
namespace {

constexpr char kTokenVersion[] = "t1";
constexpr char kSystem[] = "system";

absl::Status TtlCap(absl::StatusCode code, std::string_view message, std::string key,
                    std::string value) {
  return status::MakeError(code, "TUNNEL_TTL_CAP", message, {{std::move(key), std::move(value)}});
}

absl::Status ValidateActor(std::string_view actor, std::string_view field) {
  if (actor.empty() || actor.size() > 128) {
    return status::InvalidField(field, absl::StrCat(std::string(field), " must be 1-128 characters"));
  }
  for (char c : actor) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return status::InvalidField(field, absl::StrCat(std::string(field), " must not contain control characters"));
    }
  }
  return absl::OkStatus();
}

absl::Status BadToken(std::string_view why) {
  return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN",
                           absl::StrCat("page_token is invalid: ", std::string(why)),
                           {{"field", "page_token"}});
}

std::string FilterKey(const SessionFilter& f) {
  return absl::StrCat(f.device_id, "\n", f.operator_id, "\n", f.state ? StateName(*f.state) : "");
}

std::vector<int> Ports(const Session& s) {
  std::vector<int> out;
  for (const ServicePort& p : s.services) out.push_back(p.remote_port);
  return out;
}

}  // namespace

absl::Status BrokerOptions::Validate() const {
  auto bad = [](const char* option, std::string why) {
    return status::InvalidField(option, absl::StrCat(option, ": ", why));
  };
  if (default_ttl <= absl::ZeroDuration()) return bad("default_ttl", "must be positive");
  if (max_ttl < default_ttl) return bad("max_ttl", "must be at least default_ttl");
  if (max_lifetime < max_ttl) return bad("max_lifetime", "must be at least max_ttl");
  if (operator_cap < 1) return bad("operator_cap", "must be at least 1");
  if (frp_heartbeat_timeout <= absl::ZeroDuration()) return bad("frp_heartbeat_timeout", "must be positive");
  if (quarantine <= frp_heartbeat_timeout) {
    return bad("quarantine", absl::StrCat("must be longer than frp_heartbeat_timeout (",
                                          absl::FormatDuration(frp_heartbeat_timeout),
                                          "), or a stale frpc may still hold a reused port"));
  }
  if (start_timeout <= absl::ZeroDuration()) return bad("start_timeout", "must be positive");
  if (free_ports_cache < absl::ZeroDuration() || free_ports_cache > absl::Minutes(1)) {
    return bad("free_ports_cache", "must be 0..1m");
  }
  if (stop_timeout <= absl::ZeroDuration()) return bad("stop_timeout", "must be positive");
  if (auto_stop_grace < absl::ZeroDuration()) return bad("auto_stop_grace", "must not be negative");
  if (services.empty()) return bad("services", "at least one service is required");
  std::set<std::string> names;
  for (const ServiceSpec& s : services) {
    if (s.name.empty() || !names.insert(s.name).second) return bad("services", "names must be unique and non-empty");
    for (char c : s.name) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
        return bad("services", absl::StrCat("name \"", s.name, "\" must be [a-z0-9_-]"));
      }
    }
    if (s.local_ip.find_first_of("|\n ") != std::string::npos) {
      return bad("services", absl::StrCat(s.name, ": local ip \"", s.local_ip, "\" is malformed"));
    }
    if (s.local_ip.empty() || s.local_port < 1 || s.local_port > 65535) {
      return bad("services", absl::StrCat(s.name, " needs a local ip and a port 1..65535"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseSessionName(std::string_view name) {
  absl::string_view id(name.data(), name.size());
  absl::ConsumePrefix(&id, "tunnels/");
  bool ok = !id.empty() && id.size() <= 64;
  for (char c : id) ok &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  if (!ok) return status::InvalidField("name", "name must be \"tunnels/{id}\"");
  return std::string(id);
}

TunnelBroker::TunnelBroker(BrokerOptions options, std::vector<FrpServer> servers,
                           SessionStore& sessions, LeaseStore& leases, Clock& clock,
                           DeviceChannel* channel)
    : options_(std::move(options)),
      servers_(std::move(servers)),
      sessions_(sessions),
      leases_(leases),
      clock_(clock),
      channel_(channel) {}

std::string TunnelBroker::NewId(int bytes) {
  thread_local absl::BitGen gen;
  std::string raw(bytes, '\0');
  for (char& c : raw) c = static_cast<char>(absl::Uniform<unsigned>(gen, 0, 256));
  return absl::BytesToHexString(raw);
}

AuditRecord TunnelBroker::Audit(const Session& s, std::string_view actor, std::string_view action,
                                std::string_view reason, absl::Time now) const {
  return AuditRecord{s.id,        s.device_id, std::string(actor), std::string(action), s.server,
                     Ports(s),    std::string(reason), now,        s.expire_time};
}

absl::StatusOr<OpenResult> TunnelBroker::Open(const OpenRequest& req) {
  if (absl::Status st = ids::ValidateDeviceId(req.device_id); !st.ok()) return st;
  if (absl::Status st = ValidateActor(req.operator_id, "operator"); !st.ok()) return st;
  if (req.ttl < absl::ZeroDuration()) return status::InvalidField("ttl", "ttl must not be negative");
  const absl::Duration ttl = req.ttl == absl::ZeroDuration() ? options_.default_ttl : req.ttl;
  if (ttl > options_.max_ttl) {
    return TtlCap(absl::StatusCode::kInvalidArgument,
                  absl::StrCat("ttl must be at most ", absl::FormatDuration(options_.max_ttl)),
                  "max_ttl_s", absl::StrCat(absl::ToInt64Seconds(options_.max_ttl)));
  }
  // Requested services in configuration order, each once.
  std::set<std::string> wanted(req.services.begin(), req.services.end());
  for (const std::string& name : wanted) {
    bool known = std::any_of(options_.services.begin(), options_.services.end(),
                             [&](const ServiceSpec& s) { return s.name == name; });
    if (!known) {
      return status::MakeError(absl::StatusCode::kInvalidArgument, "TUNNEL_UNKNOWN_SERVICE",
                               absl::StrCat("unknown service \"", name, "\""),
                               {{"service", name}, {"field", "services"}});
    }
  }
  const absl::Time now = clock_.Now();
  OpenPlan plan;
  Session& s = plan.session;
  s.id = NewId(16);
  s.device_id = req.device_id;
  s.operator_id = req.operator_id;
  s.state = SessionState::kRequested;
  s.token = NewId(24);
  s.create_time = now;
  s.expire_time = now + ttl;
  s.step_deadline = now + options_.start_timeout;
  for (const ServiceSpec& spec : options_.services) {
    if (wanted.empty() || wanted.count(spec.name)) {
      s.services.push_back({spec.name, spec.local_ip, spec.local_port, 0});
    }
  }
  plan.reusable_before = now - options_.quarantine;
  plan.operator_cap = options_.operator_cap;
  plan.audit = Audit(s, req.operator_id, "open", "", now);
  const int needed = static_cast<int>(s.services.size());
  absl::StatusOr<OpenOutcome> out = absl::UnknownError("not tried");
  for (bool fresh : {false, true}) {
    bool counted = fresh;
    absl::StatusOr<std::map<std::string, int64_t>> free = FreePorts(plan.reusable_before, &counted);
    if (!free.ok()) return free.status();
    plan.candidates.clear();
    for (const FrpServer* server : RankServers(servers_, *free, needed)) plan.candidates.push_back(*server);
    out = sessions_.Open(plan);
    // Counts from the cache may be stale: an exhaustion is only believed with fresh ones.
    if (out.ok() || status::Reason(out.status()) != "TUNNEL_PORTS_EXHAUSTED" || counted) break;
  }
  if (!out.ok()) return out.status();
  if (out->created) TookPorts(out->session.server, needed);
  if (!out->created || channel_ == nullptr) return OpenResult{std::move(out->session), out->created};

  const Session& opened = out->session;
  StartRequest start;
  start.session_id = opened.id;
  start.device_id = opened.device_id;
  for (const FrpServer& server : servers_) {
    if (server.name == opened.server) {
      start.server_address = server.public_address;
      start.server_port = server.bind_port;
      start.server_token = server.token;
    }
  }
  start.session_token = opened.token;
  start.proxies = opened.services;
  start.auto_stop_in = ttl + options_.auto_stop_grace;
  start.deadline = opened.step_deadline;
  if (absl::Status sent = channel_->SendStart(start); !sent.ok()) {
    std::string why = absl::StrCat("could not send tunnel.start: ", sent.message());
    absl::StatusOr<Session> failed = OnStartFailed(opened.id, why);
    if (!failed.ok()) return failed.status();
    return sent;
  }
  return OpenResult{std::move(out->session), true};
}

absl::StatusOr<std::map<std::string, int64_t>> TunnelBroker::FreePorts(absl::Time reusable_before, bool* fresh) {
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock l(&free_mu_);
    if (!*fresh && options_.free_ports_cache > absl::ZeroDuration() && now - free_time_ < options_.free_ports_cache) {
      return free_;
    }
  }
  *fresh = true;
  absl::StatusOr<std::map<std::string, int64_t>> counted = leases_.FreePorts(servers_, reusable_before);
  if (!counted.ok()) return counted.status();
  absl::MutexLock l(&free_mu_);
  free_ = *counted;
  free_time_ = now;
  return free_;
}

void TunnelBroker::TookPorts(const std::string& server, int64_t n) {
  absl::MutexLock l(&free_mu_);
  auto it = free_.find(server);
  if (it != free_.end()) it->second = std::max<int64_t>(0, it->second - n);
}

absl::StatusOr<TunnelBroker::PoolStats> TunnelBroker::Stats() {
  PoolStats out;
  absl::StatusOr<int64_t> live = sessions_.CountLive();
  if (!live.ok()) return live.status();
  out.live_sessions = *live;
  bool fresh = true;
  absl::StatusOr<std::map<std::string, int64_t>> free = FreePorts(clock_.Now() - options_.quarantine, &fresh);
  if (!free.ok()) return free.status();
  for (const FrpServer& s : servers_) {
    out.total_ports[s.name] = s.PortCount();
    auto it = free->find(s.name);
    out.free_ports[s.name] = it == free->end() ? 0 : it->second;
  }
  return out;
}

absl::StatusOr<Session> TunnelBroker::Get(std::string_view name) {
  absl::StatusOr<std::string> id = ParseSessionName(name);
  if (!id.ok()) return id.status();
  absl::StatusOr<std::optional<Session>> s = sessions_.Get(*id);
  if (!s.ok()) return s.status();
  if (!s->has_value()) return SessionNotFound(*id);
  return **s;
}

std::string TunnelBroker::EncodePageToken(const SessionFilter& filter, const ListCursor& after) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenVersion, "\n", FilterKey(filter), "\n",
                                                absl::ToUnixMicros(after.create_time), "\n",
                                                after.id));
}

absl::StatusOr<ListResponse> TunnelBroker::List(const ListRequest& req) {
  if (!req.filter.device_id.empty()) {
    if (absl::Status st = ids::ValidateDeviceId(req.filter.device_id); !st.ok()) return st;
  }
  if (!req.filter.operator_id.empty()) {
    if (absl::Status st = ValidateActor(req.filter.operator_id, "operator"); !st.ok()) return st;
  }
  if (req.page_size < 0 || req.page_size > kMaxPageSize) {
    return status::InvalidField("page_size", absl::StrCat("page_size must be between 0 and ",
                                                          kMaxPageSize, ", got ", req.page_size));
  }
  const int size = req.page_size == 0 ? kDefaultPageSize : req.page_size;
  ListCursor after;
  if (!req.page_token.empty()) {
    std::string raw;
    if (!absl::WebSafeBase64Unescape(req.page_token, &raw)) return BadToken("not base64");
    std::vector<std::string> parts = absl::StrSplit(raw, '\n');
    int64_t micros = 0;
    if (parts.size() != 6 || parts[0] != kTokenVersion || !absl::SimpleAtoi(parts[4], &micros)) {
      return BadToken("unknown format");
    }
    if (absl::StrCat(parts[1], "\n", parts[2], "\n", parts[3]) != FilterKey(req.filter)) {
      return BadToken("it was issued for another filter; start again without a page_token");
    }
    after = {absl::FromUnixMicros(micros), parts[5]};
  }
  absl::StatusOr<SessionStore::Page> page = sessions_.List(req.filter, after, size);
  if (!page.ok()) return page.status();
  ListResponse out;
  if (page->more && !page->items.empty()) {
    const Session& last = page->items.back();
    out.next_page_token = EncodePageToken(req.filter, {last.create_time, last.id});
  }
  out.items = std::move(page->items);
  return out;
}

absl::StatusOr<Session> TunnelBroker::Mutate(std::string_view name, const Mutation& fn) {
  absl::StatusOr<std::string> id = ParseSessionName(name);
  if (!id.ok()) return id.status();
  return sessions_.Update(*id, clock_.Now(), fn);
}

absl::StatusOr<Session> TunnelBroker::Extend(std::string_view name, absl::Duration extension,
                                             std::string_view actor) {
  if (absl::Status st = ValidateActor(actor, "operator"); !st.ok()) return st;
  if (extension < absl::ZeroDuration()) return status::InvalidField("extension", "extension must not be negative");
  if (extension == absl::ZeroDuration()) extension = options_.default_ttl;
  if (extension > options_.max_ttl) {
    return TtlCap(absl::StatusCode::kInvalidArgument,
                  absl::StrCat("extension must be at most ", absl::FormatDuration(options_.max_ttl)),
                  "max_ttl_s", absl::StrCat(absl::ToInt64Seconds(options_.max_ttl)));
  }
  const absl::Time now = clock_.Now();
  absl::StatusOr<Session> extended = Mutate(name, [&](Session& s) -> absl::StatusOr<std::optional<AuditRecord>> {
    if (s.state == SessionState::kClosing || IsTerminal(s.state)) return SessionEnded(s.state);
    const absl::Time max_expire = s.create_time + options_.max_lifetime;
    if (s.expire_time + extension > max_expire) {
      return TtlCap(absl::StatusCode::kFailedPrecondition,
                    absl::StrCat("a tunnel lives at most ", absl::FormatDuration(options_.max_lifetime),
                                 "; it can be extended until ",
                                 absl::FormatTime(absl::RFC3339_sec, max_expire, absl::UTCTimeZone())),
                    "max_expire_time",
                    absl::FormatTime(absl::RFC3339_sec, max_expire, absl::UTCTimeZone()));
    }
    s.expire_time += extension;
    return Audit(s, actor, "extend", absl::StrCat("+", absl::FormatDuration(extension)), now);
  });
  if (extended.ok() && channel_ != nullptr) {
    // Best effort: without it the device stops frpc at the old time and the operator reopens.
    absl::Status sent = channel_->SendExtend(extended->device_id, extended->id,
                                             extended->expire_time - now + options_.auto_stop_grace);
    if (!sent.ok()) {
      log::WarnEvery("tunnel-extend-send", absl::Seconds(10), "tunnel.extend not sent",
                     {{"session_id", extended->id}, {"error", std::string(sent.message())}});
    }
  }
  return extended;
}

absl::StatusOr<std::optional<Session>> TunnelBroker::OnDeviceOnline(std::string_view device_id) {
  if (absl::Status st = ids::ValidateDeviceId(device_id); !st.ok()) return st;
  SessionFilter filter;
  filter.device_id = std::string(device_id);
  absl::StatusOr<SessionStore::Page> newest = sessions_.List(filter, ListCursor{}, 1);
  if (!newest.ok()) return newest.status();
  if (newest->items.empty()) return std::nullopt;
  const Session& s = newest->items.front();
  // A live session is the device's current frpc; an ended one is stale unless the device said
  // frpc stopped, or frpc has stopped by itself already (auto_stop_service_in).
  if (!IsTerminal(s.state) || s.frpc_stopped) return std::nullopt;
  if (clock_.Now() >= s.expire_time + options_.auto_stop_grace) return std::nullopt;
  if (channel_ == nullptr) return std::nullopt;
  if (absl::Status sent = channel_->SendStop(s.device_id, s.id, "stale frpc: the session ended while the device was away");
      !sent.ok()) {
    return sent;
  }
  return s;
}

absl::StatusOr<Session> TunnelBroker::Close(std::string_view name, std::string_view actor,
                                            std::string_view reason) {
  if (absl::Status st = ValidateActor(actor, "operator"); !st.ok()) return st;
  const absl::Time now = clock_.Now();
  const std::string why = reason.empty() ? absl::StrCat("closed by ", std::string(actor)) : std::string(reason);
  bool changed = false;
  absl::StatusOr<Session> s = Mutate(name, [&](Session& s) -> absl::StatusOr<std::optional<AuditRecord>> {
    changed = false;
    if (s.state != SessionState::kRequested && s.state != SessionState::kOpen) return std::nullopt;
    if (absl::Status st = CheckTransition(s.state, SessionState::kClosing); !st.ok()) return st;
    s.state = SessionState::kClosing;
    s.step_deadline = now + options_.stop_timeout;
    s.close_reason = why;
    changed = true;
    return Audit(s, actor, "close", why, now);
  });
  if (s.ok() && changed && channel_ != nullptr) {
    // Best effort: the device auto-stops, and the sweep completes the close at step_deadline.
    channel_->SendStop(s->device_id, s->id, why).IgnoreError();
  }
  return s;
}

absl::StatusOr<Session> TunnelBroker::OnStarted(std::string_view id) {
  const absl::Time now = clock_.Now();
  return sessions_.Update(id, now, [&](Session& s) -> absl::StatusOr<std::optional<AuditRecord>> {
    if (s.state != SessionState::kRequested) return std::nullopt;
    s.state = SessionState::kOpen;
    s.step_deadline = absl::InfiniteFuture();
    return Audit(s, kSystem, "opened", "device started frpc", now);
  });
}

absl::StatusOr<Session> TunnelBroker::OnStartFailed(std::string_view id, std::string_view why) {
  const absl::Time now = clock_.Now();
  return sessions_.Update(id, now, [&](Session& s) -> absl::StatusOr<std::optional<AuditRecord>> {
    if (s.state != SessionState::kRequested) return std::nullopt;
    s.state = SessionState::kFailed;
    s.step_deadline = absl::InfiniteFuture();
    s.close_time = now;
    s.close_reason = std::string(why);
    s.frpc_stopped = true;  // the device refused: frpc did not start
    return Audit(s, kSystem, "fail", why, now);
  });
}

absl::StatusOr<Session> TunnelBroker::OnStopped(std::string_view id) {
  const absl::Time now = clock_.Now();
  return sessions_.Update(id, now, [&](Session& s) -> absl::StatusOr<std::optional<AuditRecord>> {
    if (IsTerminal(s.state)) {
      // A stop answered after the session ended (TTL, unanswered start or stop, stale frpc).
      if (s.frpc_stopped) return std::nullopt;
      s.frpc_stopped = true;
      return Audit(s, kSystem, "stopped", "device confirmed frpc stopped", now);
    }
    if (s.state != SessionState::kClosing) return std::nullopt;
    s.state = SessionState::kClosed;
    s.step_deadline = absl::InfiniteFuture();
    s.close_time = now;
    s.frpc_stopped = true;
    return Audit(s, kSystem, "closed", "device stopped frpc", now);
  });
}

absl::StatusOr<std::vector<Session>> TunnelBroker::SweepExpired(int limit) {
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<Session>> swept =
      sessions_.SweepDue(now, limit, [&](Session& s) -> absl::StatusOr<std::optional<AuditRecord>> {
        std::string action, why;
        SessionState to;
        // Whichever came first decides: the pending step's deadline or the TTL.
        const bool step_due = s.step_deadline <= now && s.step_deadline <= s.expire_time;
        if (!step_due && s.expire_time <= now) {
          to = SessionState::kExpired, action = "expire", why = "ttl";
        } else if (s.state == SessionState::kRequested && s.step_deadline <= now) {
          to = SessionState::kFailed, action = "fail";
          why = absl::StrCat("device did not answer tunnel.start within ",
                             absl::FormatDuration(options_.start_timeout));
        } else if (s.state == SessionState::kClosing && s.step_deadline <= now) {
          to = SessionState::kClosed, action = "closed", why = s.close_reason;
        } else {
          return std::nullopt;
        }
        if (absl::Status st = CheckTransition(s.state, to); !st.ok()) return st;
        s.state = to;
        s.step_deadline = absl::InfiniteFuture();
        s.close_time = now;
        if (to != SessionState::kClosed) s.close_reason = why;
        return Audit(s, kSystem, action, why, now);
      });
  if (!swept.ok() || channel_ == nullptr) return swept;
  for (const Session& s : *swept) {
    if (s.state != SessionState::kClosed) {
      channel_->SendStop(s.device_id, s.id, s.close_reason).IgnoreError();
    }
  }
  return swept;
}

std::string TunnelBroker::SshCommand(const Session& s) const {
  for (const ServicePort& p : s.services) {
    if (p.name == "ssh" && p.remote_port > 0) {
      return absl::StrCat("ssh -p ", p.remote_port, " ", options_.ssh_user, "@", s.public_address);
    }
  }
  return "";
}

}  // namespace fleet::tunnel
