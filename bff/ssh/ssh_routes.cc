#include "bff/ssh/ssh_routes.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bff/auth/gate.h"
#include "bff/http_util.h"
#include "bff/ssh/bridge.h"
#include "bff/ssh/protocol.h"
#include "libs/ids/device_id.h"
#include "libs/log/log.h"
#include "libs/status/http.h"
#include "libs/status/status.h"
#include "libs/trace/trace.h"

namespace fleet::bff::ssh {

// A running session, reachable for shutdown.
struct Live {
  std::mutex mu;
  Bridge* bridge = nullptr;  // while Run() runs
  http::WebSocket* ws = nullptr;
};

struct SshRoutes::Shared {
  std::mutex mu;
  std::condition_variable cv;
  int used = 0;  // pending upgrades + sessions
  bool stopping = false;
  int64_t next_id = 1;
  struct Entry {
    std::thread thread;
    std::shared_ptr<Live> live;
    bool done = false;
  };
  std::map<int64_t, Entry> sessions;
};

struct SshRoutes::Pending {
  std::string device, actor, actor_kind, role, request_id, trace_id, path;
  SshTarget target;
};

namespace {

// Holds one of the max_sessions slots until destroyed.
class Slot {
 public:
  explicit Slot(std::shared_ptr<SshRoutes::Shared> s) : s_(std::move(s)) {}
  ~Slot() {
    std::lock_guard<std::mutex> l(s_->mu);
    --s_->used;
    s_->cv.notify_all();
  }

 private:
  std::shared_ptr<SshRoutes::Shared> s_;
};

// The browser side: binary frames are keystrokes, text frames resize (others are ignored).
class WsTerminal : public Terminal {
 public:
  explicit WsTerminal(http::WebSocket& ws) : ws_(ws), wake_(std::make_shared<Wake>()) {
    ws_.SetNotify([w = wake_] { w->Call(); });
  }
  ~WsTerminal() override { ws_.SetNotify(nullptr); }

  std::optional<TerminalEvent> Poll() override {
    while (true) {
      auto m = ws_.Read(absl::ZeroDuration());
      if (!m.ok()) return TerminalEvent{TerminalEvent::Kind::kClosed};
      if (!m->has_value()) return std::nullopt;
      if ((*m)->binary) return TerminalEvent{TerminalEvent::Kind::kData, std::move((*m)->data)};
      if (auto size = ParseResize((*m)->data)) {
        return TerminalEvent{TerminalEvent::Kind::kResize, "", size->first, size->second};
      }
    }
  }
  absl::Status Output(std::string bytes) override { return ws_.Send(std::move(bytes), true); }
  void OnInput(std::function<void()> fn) override {
    std::lock_guard<std::mutex> l(wake_->mu);
    wake_->fn = std::move(fn);
  }

 private:
  // Called on a server thread; never runs `fn` after OnInput(nullptr) returned.
  struct Wake {
    std::mutex mu;
    std::function<void()> fn;
    void Call() {
      std::lock_guard<std::mutex> l(mu);
      if (fn) fn();
    }
  };
  http::WebSocket& ws_;
  std::shared_ptr<Wake> wake_;
};

void Wipe(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

// "host:port" of an Origin URL ("https://a.example:8443" -> "a.example:8443").
std::string OriginHost(const std::string& origin) {
  const size_t scheme = origin.find("://");
  if (scheme == std::string::npos) return "";
  std::string host = origin.substr(scheme + 3);
  if (const size_t slash = host.find('/'); slash != std::string::npos) host.resize(slash);
  return host;
}

}  // namespace

SshRoutes::SshRoutes(TargetResolver& targets, auth::Store* audit, SshOptions options)
    : targets_(targets), audit_(audit), options_(options), shared_(std::make_shared<Shared>()) {}

SshRoutes::~SshRoutes() {
  std::vector<std::thread> threads;
  {
    std::unique_lock<std::mutex> l(shared_->mu);
    shared_->stopping = true;
    for (auto& [id, e] : shared_->sessions) {
      std::lock_guard<std::mutex> ll(e.live->mu);
      if (e.live->bridge != nullptr) e.live->bridge->Stop();
    }
    for (auto& [id, e] : shared_->sessions) threads.push_back(std::move(e.thread));
    shared_->sessions.clear();
  }
  for (auto& t : threads) t.join();
}

int SshRoutes::active_sessions() const {
  std::lock_guard<std::mutex> l(shared_->mu);
  return shared_->used;
}

void SshRoutes::Register(Router& router) {
  router.Add("GET", "/v1/devices/{device}/ssh",
             [this](const http::Request& r, const PathVars& v) { return Open(r, v.at("device")); });
}

http::Response SshRoutes::Open(const http::Request& r, const std::string& device) {
  if (!http::IsWebSocketUpgrade(r)) {
    return Error(status::MakeError(absl::StatusCode::kInvalidArgument, "SSH_PROTOCOL_ERROR",
                                   "GET /v1/devices/{device}/ssh is a WebSocket: send an upgrade request"),
                 r);
  }
  const auth::Principal* who = auth::CurrentPrincipal();
  const std::string origin = r.Header("origin");
  // Browsers send cookies with cross-site WebSocket handshakes: a session-cookie caller must come
  // from this very host. API-key callers are not browsers; an Origin they send is checked too.
  if ((who != nullptr && who->kind == auth::Principal::Kind::kUser && origin.empty()) ||
      (!origin.empty() && !absl::EqualsIgnoreCase(OriginHost(origin), r.Header("host")))) {
    return Error(status::MakeError(absl::StatusCode::kPermissionDenied, "SSH_ORIGIN_MISMATCH",
                                   "the WebSocket's Origin must be this host",
                                   {{"origin", origin.substr(0, 200)}, {"host", r.Header("host").substr(0, 200)}}),
                 r);
  }
  if (absl::Status st = ids::ValidateDeviceId(device, "device"); !st.ok()) return Error(st, r);
  auto target = targets_.Resolve(device, ContextFor(r, options_.backend_timeout));
  if (!target.ok()) return Error(target.status(), r);
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    if (shared_->stopping || shared_->used >= options_.max_sessions) {
      return Error(status::MakeError(absl::StatusCode::kResourceExhausted, "SSH_SESSION_LIMIT",
                                     absl::StrCat("this BFF already runs ", options_.max_sessions,
                                                  " web SSH sessions; try again later"),
                                     {{"max_sessions", std::to_string(options_.max_sessions)}}),
                   r);
    }
    ++shared_->used;
  }
  auto slot = std::make_shared<Slot>(shared_);
  Pending p{.device = device,
            .actor = who ? who->Actor() : "anonymous",
            .actor_kind = who ? who->KindName() : "anonymous",
            .role = who ? auth::RoleName(who->role) : "",
            .request_id = r.Header("x-request-id"),
            .path = r.path,
            .target = *std::move(target)};
  if (auto tp = trace::ParseTraceparent(r.Header("traceparent")); tp.ok()) p.trace_id = tp->TraceIdHex();
  http::Response resp;
  resp.status = 101;
  resp.websocket = [this, shared = shared_, slot, p](std::unique_ptr<http::WebSocket> ws) mutable {
    std::lock_guard<std::mutex> l(shared->mu);
    if (shared->stopping) {  // `this` may be gone
      ws->Close(http::kCloseGoingAway, "SERVER_SHUTDOWN");
      return;
    }
    // Reap finished sessions' threads.
    for (auto it = shared->sessions.begin(); it != shared->sessions.end();) {
      if (it->second.done) {
        it->second.thread.join();
        it = shared->sessions.erase(it);
      } else {
        ++it;
      }
    }
    const int64_t id = shared->next_id++;
    Shared::Entry& e = shared->sessions[id];
    e.live = std::make_shared<Live>();
    e.thread = std::thread([this, ws = std::move(ws), slot, p, id]() mutable {
      RunSession(std::move(ws), p, id);
      std::lock_guard<std::mutex> l(shared_->mu);
      if (auto it = shared_->sessions.find(id); it != shared_->sessions.end()) it->second.done = true;
    });
  };
  return resp;
}

void SshRoutes::Audit(const Pending& p, const char* method, const std::string& details, int status) const {
  if (audit_ == nullptr) return;
  auth::AuditEntry e;
  e.time = absl::Now();
  e.actor = p.actor;
  e.actor_kind = p.actor_kind;
  e.role = p.role;
  e.method = method;
  e.path = absl::StrCat(p.path, "?", details);
  for (char& c : e.path) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  e.status = status;
  e.trace_id = p.trace_id;
  e.request_id = p.request_id;
  if (absl::Status st = audit_->AppendAudit(e); !st.ok()) {
    log::Error("audit log write failed", {{"error", st.message()}, {"actor", e.actor}, {"method", e.method}});
  }
}

void SshRoutes::RunSession(std::unique_ptr<http::WebSocket> ws, const Pending& p, int64_t id) {
  const std::string remote = absl::StrCat(p.target.host, ":", p.target.port);
  auto fail = [&](const absl::Status& st, const std::string& ssh_user) {
    (void)ws->Send(ErrorMessage(st), false);
    ws->Close(http::kCloseNormal, status::ReasonOrDefault(st));
    Audit(p, "ssh.open",
          absl::StrCat("remote=", remote, "&ssh_user=", ssh_user, "&reason=", status::ReasonOrDefault(st)),
          status::HttpStatusCode(st.code()));
    log::Info("web ssh refused", {{"device", p.device}, {"actor", p.actor}, {"remote", remote},
                                  {"reason", status::ReasonOrDefault(st)}, {"request_id", p.request_id}});
  };
  // 1. The client's credentials (its first message), waiting in slices to notice a shutdown.
  absl::StatusOr<AuthMessage> auth = status::MakeError(absl::StatusCode::kInvalidArgument, "SSH_PROTOCOL_ERROR",
                                                       "no auth message in time");
  const absl::Time auth_deadline = absl::Now() + options_.auth_timeout;
  while (absl::Now() < auth_deadline) {
    {
      std::lock_guard<std::mutex> l(shared_->mu);
      if (shared_->stopping) {
        ws->Close(http::kCloseGoingAway, "SERVER_SHUTDOWN");
        return;
      }
    }
    auto m = ws->Read(absl::Milliseconds(200));
    if (!m.ok()) return;  // the client left before authenticating
    if (!m->has_value()) continue;
    if ((*m)->binary) {
      auth = status::MakeError(absl::StatusCode::kInvalidArgument, "SSH_PROTOCOL_ERROR",
                               "the first message must be the text {\"type\":\"auth\",...}");
    } else {
      auth = ParseAuth((*m)->data);
      Wipe((*m)->data);
    }
    break;
  }
  if (!auth.ok()) return fail(auth.status(), "");
  Credentials& creds = auth->credentials;
  const std::string ssh_user = creds.username;
  // 2. SSH connection, authentication, PTY and shell. The secrets are wiped right after.
  auto shell = SshShell::Open({.host = p.target.host,
                               .port = p.target.port,
                               .connect_timeout = options_.connect_timeout,
                               .cols = auth->cols,
                               .rows = auth->rows},
                              creds);
  Wipe(creds.password);
  Wipe(creds.private_key);
  Wipe(creds.passphrase);
  if (!shell.ok()) return fail(shell.status(), ssh_user);
  if (!ws->Send(ReadyMessage((*shell)->fingerprint(), absl::ToInt64Seconds(options_.idle),
                             absl::ToInt64Seconds(options_.max)),
                false)
           .ok()) {
    return;
  }
  Audit(p, "ssh.open",
        absl::StrCat("remote=", remote, "&fingerprint=", (*shell)->fingerprint(), "&ssh_user=", ssh_user), 200);
  log::Info("web ssh opened", {{"device", p.device}, {"actor", p.actor}, {"remote", remote},
                               {"fingerprint", (*shell)->fingerprint()}, {"request_id", p.request_id}});
  // 3. The bridge, until a side ends or a limit is reached.
  WsTerminal terminal(*ws);
  const std::string tunnel = p.target.tunnel;
  Bridge bridge(**shell, terminal,
                {.idle = options_.idle,
                 .max = options_.max,
                 .check = [this, tunnel] {
                   CallContext c;
                   c.deadline = absl::Now() + options_.backend_timeout;
                   return targets_.StillOpen(tunnel, c);
                 },
                 .check_interval = options_.tunnel_check_interval});
  std::shared_ptr<Live> live;
  {
    std::lock_guard<std::mutex> l(shared_->mu);
    if (auto it = shared_->sessions.find(id); it != shared_->sessions.end()) live = it->second.live;
    if (shared_->stopping || live == nullptr) bridge.Stop();
    if (live) {
      std::lock_guard<std::mutex> ll(live->mu);
      live->bridge = &bridge;
    }
  }
  BridgeResult result = bridge.Run();
  if (live) {
    std::lock_guard<std::mutex> ll(live->mu);
    live->bridge = nullptr;
  }
  const std::string reason = EndReasonName(result.reason);
  if (result.reason != EndReason::kClientClosed) (void)ws->Send(ClosedMessage(reason), false);
  ws->Close(http::kCloseNormal, reason);
  Audit(p, "ssh.close",
        absl::StrCat("remote=", remote, "&duration_s=", absl::ToInt64Seconds(result.duration),
                     "&bytes_in=", result.bytes_in, "&bytes_out=", result.bytes_out, "&reason=", reason),
        200);
  log::Info("web ssh closed", {{"device", p.device}, {"actor", p.actor}, {"reason", reason},
                               {"duration_s", absl::ToInt64Seconds(result.duration)}, {"bytes_in", result.bytes_in},
                               {"bytes_out", result.bytes_out}, {"error", result.error.message()}});
}

}  // namespace fleet::bff::ssh
