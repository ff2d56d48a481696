#pragma once

// Test-only fakes of the BFF's backends and a harness that drives Api::Handle.

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "bff/api.h"
#include "bff/auth/memory_store.h"
#include "bff/auth/service.h"
#include "bff/fake_config_backend.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "libs/trace/context.h"
#include "rapidjson/document.h"

namespace fleet::bff::testing {

// N callers meet here: each waits until all N have arrived (or the timeout passed). Lets a test
// prove that calls overlapped in time without measuring durations.
class Rendezvous {
 public:
  explicit Rendezvous(int parties) : parties_(parties) {}
  // True when all parties arrived before the timeout.
  bool ArriveAndWait(absl::Duration timeout = absl::Seconds(5)) {
    absl::MutexLock lock(&mu_);
    ++arrived_;
    auto all = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return arrived_ >= parties_; };
    return mu_.AwaitWithTimeout(absl::Condition(&all), timeout);
  }

 private:
  absl::Mutex mu_;
  const int parties_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

inline absl::StatusOr<config::v1::DeviceConfig> FakeConfig::GetDeviceConfig(
    const config::v1::GetDeviceConfigRequest& req, const CallContext& c) {
  last_get = req;
  last_context = c;
  last_trace = trace::Current();
  if (rendezvous != nullptr) met = rendezvous->ArriveAndWait();
  if (!fail.ok()) return fail;
  config::v1::DeviceConfig d;
  d.set_name(req.device() + "/config");
  *d.mutable_desired() = Version(req.device(), 3, R"({"big":12345678901234567890123,"kafka":{"cluster":"k2"}})",
                                 "alice", "move to k2");
  d.set_reported_version(2);
  d.set_reported_status("APPLIED");
  d.set_reported_hash("abc");
  d.mutable_report_time()->set_seconds(1700000100);
  d.set_effective_json(R"({"big":12345678901234567890123,"kafka":{"cluster":"k2"},"ntp":true})");
  d.set_effective_hash("def");
  d.add_templates("configTemplates/global");
  d.add_templates("configTemplates/groups/north");
  d.set_in_sync(false);
  d.set_sync_state(config::v1::FAILED);
  d.set_failed_version(3);
  d.set_failed_reason("disk full");
  return d;
}

// A watch that never opens: WaitOpen() and Finish() give `status`.
class FailedPresenceWatch : public PresenceWatch {
 public:
  explicit FailedPresenceWatch(absl::Status status) : status_(std::move(status)) {}
  absl::Status WaitOpen() override { return status_; }
  bool Next(presence::v1::PresenceTransition*) override { return false; }
  void Cancel() override {}
  absl::Status Finish() override { return status_; }

 private:
  absl::Status status_;
};

class FakePresence : public PresenceBackend {
 public:
  absl::StatusOr<presence::v1::Presence> Get(const std::string& name, const CallContext& c) override {
    last_name = name;
    last_context = c;
    last_trace = trace::Current();
    if (rendezvous != nullptr) met = rendezvous->ArriveAndWait();
    if (!fail.ok()) return fail;
    presence::v1::Presence p;
    p.set_name(name);
    p.set_device_id("dev-1");
    p.set_state(presence::v1::ONLINE);
    p.mutable_board()->set_cpu_percent(12.5);
    return p;
  }
  absl::StatusOr<presence::v1::BatchGetPresenceResponse> BatchGet(const presence::v1::BatchGetPresenceRequest& req,
                                                                  const CallContext&) override {
    if (!fail.ok()) return fail;
    presence::v1::BatchGetPresenceResponse r;
    for (const std::string& id : req.device_ids()) {
      if (id == "never-seen") {
        r.add_missing(id);
        continue;
      }
      presence::v1::Presence* p = r.add_presences();
      p->set_name("devices/" + id + "/presence");
      p->set_device_id(id);
      p->set_state(presence::v1::ONLINE);
    }
    return r;
  }
  absl::StatusOr<presence::v1::ListPresenceResponse> List(const presence::v1::ListPresenceRequest& req,
                                                          const CallContext&) override {
    last_list = req;
    if (!fail.ok()) return fail;
    presence::v1::ListPresenceResponse r;
    r.add_presences()->set_device_id("dev-1");
    r.set_next_page_token("tok");
    r.set_total_size(7);
    return r;
  }
  absl::StatusOr<presence::v1::ListPresenceHistoryResponse> ListHistory(
      const presence::v1::ListPresenceHistoryRequest& req, const CallContext&) override {
    last_history = req;
    if (!fail.ok()) return fail;
    presence::v1::ListPresenceHistoryResponse r;
    auto* on = r.add_transitions();
    on->set_device_id("dev-1");
    on->set_state(presence::v1::ONLINE);
    on->mutable_time()->set_seconds(1'800'000'060);
    on->mutable_last_seen_time()->set_seconds(1'800'000'060);
    on->set_transition_id("2-0");
    on->set_cause("uplink");
    auto* off = r.add_transitions();
    off->set_device_id("dev-1");
    off->set_state(presence::v1::OFFLINE);
    off->mutable_time()->set_seconds(1'800'000'000);
    off->mutable_time()->set_nanos(250'000'000);
    off->mutable_last_seen_time()->set_seconds(1'799'999'900);
    off->set_transition_id("1-0");
    off->set_cause("timeout");
    r.set_next_page_token("hist-tok");
    return r;
  }
  std::unique_ptr<PresenceWatch> Watch() override {
    return std::make_unique<FailedPresenceWatch>(absl::UnimplementedError("FakePresence has no watch"));
  }
  absl::Status Ready() override { return fail; }

  absl::Status fail;
  std::string last_name;
  CallContext last_context;
  trace::TraceContext last_trace;
  presence::v1::ListPresenceRequest last_list;
  presence::v1::ListPresenceHistoryRequest last_history;
  Rendezvous* rendezvous = nullptr;
  bool met = false;
};

// An in-memory registry with the service's error semantics (reasons as device-config sends them).
class FakeRegistry : public RegistryBackend {
 public:
  using Device = config::v1::Device;

  absl::StatusOr<Device> Create(const config::v1::CreateDeviceRequest& req, const CallContext& c) override {
    last_create = req;
    last_context = c;
    if (!fail.ok()) return fail;
    Device d = req.device();
    if (devices.count(d.id())) {
      return status::MakeError(absl::StatusCode::kAlreadyExists, "DEVICE_ALREADY_EXISTS", "taken",
                               {{"device_id", d.id()}});
    }
    d.set_name("devices/" + d.id());
    d.set_etag("e1");
    devices[d.id()] = d;
    return d;
  }
  absl::StatusOr<Device> Get(const config::v1::GetDeviceRequest& req, const CallContext& c) override {
    last_get = req;
    last_context = c;
    last_trace = trace::Current();
    if (rendezvous != nullptr) met = rendezvous->ArriveAndWait();
    if (!fail.ok()) return fail;
    return Find(req.name());
  }
  absl::StatusOr<Device> Update(const config::v1::UpdateDeviceRequest& req, const CallContext& c) override {
    last_update = req;
    last_context = c;
    if (!fail.ok()) return fail;
    auto d = Find(req.device().name());
    if (!d.ok()) return d.status();
    if (!req.device().etag().empty() && req.device().etag() != d->etag()) {
      return status::MakeError(absl::StatusCode::kAborted, "DEVICE_ETAG_MISMATCH", "changed",
                               {{"device_id", d->id()}, {"etag", d->etag()}});
    }
    if (!req.device().display_name().empty()) d->set_display_name(req.device().display_name());
    d->set_etag(d->etag() + "+");
    devices[d->id()] = *d;
    return *d;
  }
  absl::Status Delete(const config::v1::DeleteDeviceRequest& req, const CallContext& c) override {
    last_delete = req;
    last_context = c;
    if (!fail.ok()) return fail;
    auto d = Find(req.name());
    if (!d.ok()) return d.status();
    if (!req.etag().empty() && req.etag() != d->etag()) {
      return status::MakeError(absl::StatusCode::kAborted, "DEVICE_ETAG_MISMATCH", "changed");
    }
    devices.erase(d->id());
    return absl::OkStatus();
  }
  absl::StatusOr<config::v1::ListDevicesResponse> List(const config::v1::ListDevicesRequest& req,
                                                       const CallContext& c) override {
    last_list = req;
    last_context = c;
    if (!fail.ok()) return fail;
    config::v1::ListDevicesResponse r;
    for (const auto& [id, d] : devices) *r.add_devices() = d;
    r.set_next_page_token("next");
    return r;
  }
  absl::StatusOr<config::v1::BatchGetDevicesResponse> BatchGet(const config::v1::BatchGetDevicesRequest& req,
                                                               const CallContext& c) override {
    last_batch = req;
    last_context = c;
    if (!fail.ok()) return fail;
    config::v1::BatchGetDevicesResponse r;
    for (const std::string& n : req.names()) {
      auto d = Find(n);
      if (d.ok()) {
        *r.add_devices() = *d;
      } else {
        r.add_missing(n);
      }
    }
    return r;
  }
  absl::StatusOr<config::v1::ImportDevicesResponse> Import(const config::v1::ImportDevicesRequest& req,
                                                           const CallContext& c) override {
    last_import = req;
    last_context = c;
    if (!fail.ok()) return fail;
    config::v1::ImportDevicesResponse r;
    r.set_row_count(2);
    r.set_created_count(req.validate_only() ? 0 : 2);
    return r;
  }
  absl::Status Ready() override { return fail; }

  void Add(const std::string& id) {
    Device d;
    d.set_id(id);
    d.set_name("devices/" + id);
    d.set_model("gw-200");
    d.set_etag("e1");
    devices[id] = d;
  }

  absl::Status fail;
  std::map<std::string, Device> devices;
  CallContext last_context;
  trace::TraceContext last_trace;
  config::v1::CreateDeviceRequest last_create;
  config::v1::GetDeviceRequest last_get;
  config::v1::UpdateDeviceRequest last_update;
  config::v1::DeleteDeviceRequest last_delete;
  config::v1::ListDevicesRequest last_list;
  config::v1::BatchGetDevicesRequest last_batch;
  config::v1::ImportDevicesRequest last_import;
  Rendezvous* rendezvous = nullptr;
  bool met = false;

 private:
  absl::StatusOr<Device> Find(const std::string& name) {
    const std::string id = name.rfind("devices/", 0) == 0 ? name.substr(8) : name;
    auto it = devices.find(id);
    if (it == devices.end()) {
      return status::MakeError(absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND", "no such device",
                               {{"device_id", id}});
    }
    return it->second;
  }
};

class FakeTunnel : public TunnelBackend {
 public:
  absl::StatusOr<tunnel::v1::Session> Open(const tunnel::v1::OpenTunnelRequest& req, const CallContext& c) override {
    last_open = req;
    last_context = c;
    if (!fail.ok()) return fail;
    return Session(req.device_id(), req.operator_id());
  }
  absl::StatusOr<tunnel::v1::Session> Get(const tunnel::v1::GetTunnelRequest& req, const CallContext& c) override {
    last_get = req;
    last_context = c;
    if (!fail.ok()) return fail;
    return Session("dev-1", "alice");
  }
  absl::StatusOr<tunnel::v1::ListTunnelsResponse> List(const tunnel::v1::ListTunnelsRequest& req,
                                                        const CallContext& c) override {
    last_list = req;
    last_context = c;
    if (!fail.ok()) return fail;
    tunnel::v1::ListTunnelsResponse r;
    *r.add_sessions() = Session("dev-1", "alice");
    r.set_next_page_token("more");
    return r;
  }
  absl::StatusOr<tunnel::v1::Session> Extend(const tunnel::v1::ExtendTunnelRequest& req,
                                             const CallContext& c) override {
    last_extend = req;
    last_context = c;
    if (!fail.ok()) return fail;
    return Session("dev-1", req.operator_id());
  }
  absl::StatusOr<tunnel::v1::Session> Close(const tunnel::v1::CloseTunnelRequest& req, const CallContext& c) override {
    last_close = req;
    last_context = c;
    if (!fail.ok()) return fail;
    tunnel::v1::Session s = Session("dev-1", req.operator_id());
    s.set_state(tunnel::v1::CLOSING);
    return s;
  }
  absl::Status Ready() override { return fail; }

  static tunnel::v1::Session Session(const std::string& device, const std::string& op) {
    tunnel::v1::Session s;
    s.set_name("tunnels/t-1");
    s.set_device_id(device);
    s.set_operator_id(op);
    s.set_state(tunnel::v1::REQUESTED);
    s.set_frp_server("frp1");
    s.set_public_address("frp1.example.com");
    auto* ssh = s.add_services();
    ssh->set_name("ssh");
    ssh->set_local_ip("127.0.0.1");
    ssh->set_local_port(22);
    ssh->set_remote_port(40012);
    s.set_ssh_command("ssh -p 40012 root@frp1.example.com");
    return s;
  }

  absl::Status fail;
  CallContext last_context;
  tunnel::v1::OpenTunnelRequest last_open;
  tunnel::v1::GetTunnelRequest last_get;
  tunnel::v1::ListTunnelsRequest last_list;
  tunnel::v1::ExtendTunnelRequest last_extend;
  tunnel::v1::CloseTunnelRequest last_close;
};

// Users, sessions and keys of an in-memory auth store for tests; time is a settable fake.
class TestAccess {
 public:
  TestAccess()
      : auth_(store_, {.session_ttl = absl::Hours(1),
                       .password_iterations = 1000,
                       .cache_ttl = absl::Seconds(5),
                       .clock = [this] { return Now(); }}) {}

  absl::Time Now() {
    absl::MutexLock l(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock l(&mu_);
    now_ += d;
  }
  void SetNow(absl::Time t) {
    absl::MutexLock l(&mu_);
    now_ = t;
  }
  // Creates the user (once) and returns headers carrying a fresh session of it.
  std::map<std::string, std::string> SessionOf(const std::string& user, const std::string& role) {
    if (!auth_.GetUser(user).ok()) {
      auto u = auth_.CreateUser(user, user, role, "password-" + user);
      EXPECT_TRUE(u.ok()) << u.status();
    }
    auto s = auth_.SignIn(user, "password-" + user);
    EXPECT_TRUE(s.ok()) << s.status();
    return {{"cookie", std::string(auth::kSessionCookie) + "=" + (s.ok() ? s->token : "")}};
  }
  // A new API key with `classes` (and `devices`), as headers.
  std::map<std::string, std::string> KeyOf(std::vector<std::string> classes, std::vector<std::string> devices = {},
                                           std::optional<absl::Time> expire = std::nullopt,
                                           std::string rate_limits = "") {
    auth::ApiKey spec;
    spec.display_name = "test key";
    spec.scope.route_classes = std::move(classes);
    spec.scope.device_ids = std::move(devices);
    spec.expire_time = expire;
    spec.rate_limits = std::move(rate_limits);
    auto k = auth_.CreateKey(spec, "admin");
    EXPECT_TRUE(k.ok()) << k.status();
    last_key_id = k.ok() ? k->key.id : "";
    return {{"authorization", "Bearer " + (k.ok() ? k->plaintext : "")}};
  }

  auth::MemoryStore store_;
  auth::AuthService auth_;
  std::string last_key_id;

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) = absl::FromUnixSeconds(1'800'000'000);
};

// An Api over the four fakes with an in-memory auth store; Call() goes through Api::Handle like
// the HTTP server does, signed in as the admin "admin" unless the headers carry a credential
// (cookie, authorization, x-api-key) or the call is CallAnonymous().
class ApiHarness : public ::testing::Test {
 protected:
  explicit ApiHarness(auth::GateOptions gate = {}, ApiOptions options = {})
      : api_({presence_, registry_, config_, tunnel_}, std::make_shared<prometheus::Registry>(), std::move(options),
             {.auth = &access_.auth_, .limiter = &limiter_, .calls = &call_log_, .audit = &access_.store_, .gate = gate}),
        admin_(access_.SessionOf("admin", "admin")) {}

  http::Response Call(std::string method, std::string path, std::map<std::string, std::string> query = {},
                      std::map<std::string, std::string> headers = {}, std::string body = "") {
    if (!headers.count("cookie") && !headers.count("authorization") && !headers.count("x-api-key")) {
      headers.insert(admin_.begin(), admin_.end());
    }
    return CallAnonymous(std::move(method), std::move(path), std::move(query), std::move(headers), std::move(body));
  }
  http::Response CallAnonymous(std::string method, std::string path, std::map<std::string, std::string> query = {},
                               std::map<std::string, std::string> headers = {}, std::string body = "") {
    http::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.target = r.path;
    std::string sep = "?";
    for (const auto& [k, v] : query) {
      r.target += sep + k + "=" + v;
      sep = "&";
    }
    r.query = std::move(query);
    r.headers = std::move(headers);
    r.body = std::move(body);
    r.remote_address = "127.0.0.1";
    return api_.Handle(r);
  }
  static std::string HeaderOf(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  static rapidjson::Document Parse(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    EXPECT_FALSE(d.HasParseError()) << body;
    return d;
  }
  // The AIP-193 ErrorInfo reason of an error response.
  static std::string Reason(const http::Response& r) {
    rapidjson::Document d = Parse(r.body);
    if (!d.IsObject() || !d.HasMember("error")) return "<no error>";
    return d["error"]["details"][0]["reason"].GetString();
  }

  FakePresence presence_;
  FakeRegistry registry_;
  FakeConfig config_;
  FakeTunnel tunnel_;
  TestAccess access_;
  ratelimit::LocalLimiter limiter_;
  prometheus::Registry call_log_registry_;
  auth::CallLog call_log_{access_.store_, call_log_registry_, absl::Hours(1)};  // Flush() by hand
  Api api_;
  std::map<std::string, std::string> admin_;
};

}  // namespace fleet::bff::testing
