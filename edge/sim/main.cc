// fleet-sim: N simulated gateways sending heartbeats to `edge.up` over Kafka, with an HTTP
// control endpoint to silence / resume devices. The devices also answer their downlink requests
// (tunnel.*, config.apply, camera.*, firmware.upgrade, command.run; see the *_agent.h files).
// Also a "flood" mode for benchmarks that produces a fixed number of heartbeats as fast as
// possible and exits.
#include <atomic>
#include <csignal>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "edge/sim/config_agent.h"
#include "edge/sim/dispatcher.h"
#include "edge/sim/camera_agent.h"
#include "edge/sim/firmware_agent.h"
#include "edge/sim/downlink.h"
#include "edge/sim/fleet.h"
#include "edge/sim/heartbeat.h"
#include "edge/sim/tunnel_agent.h"
#include "libs/config/flags.h"
#include "libs/http/server.h"
#include "libs/kafka/envelope.h"
#include "libs/kafka/producer.h"
#include "libs/log/log.h"
#include "libs/log/process.h"

namespace fleet::sim {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct Config {
  std::string kafka_bootstrap;
  std::string uplink_topic = "edge.up";
  int64_t devices = 1000;
  std::string id_prefix = "dev-";
  absl::Duration heartbeat_interval = absl::Seconds(30);
  double jitter = 0.1;
  double churn_per_minute = 0;
  absl::Duration silence = absl::Minutes(2);
  double protobuf_fraction = 0;
  int64_t control_port = 0;
  std::string port_file;
  std::string mode = "run";
  int64_t messages = 0;
  absl::Duration duration = absl::ZeroDuration();
  int64_t seed = 1;
  std::string downlink_template = "edge.{device_id}.down";
  std::string downlink_group = "fleet-sim";
  absl::Duration request_max_age = absl::Minutes(10);
  absl::Duration downlink_session_timeout = absl::Seconds(6);
  double tunnel_fail_rate = 0;
  absl::Duration tunnel_latency = absl::ZeroDuration();
  double config_fail_rate = 0;
  absl::Duration config_latency = absl::ZeroDuration();
  double camera_fail_rate = 0;
  absl::Duration camera_latency = absl::Milliseconds(50);
  double firmware_fail_rate = 0;
  double firmware_timeout_rate = 0;
  absl::Duration firmware_step_time = absl::Milliseconds(200);
  absl::Duration firmware_reboot_time = absl::Seconds(3);

  absl::Status Validate() const {
    if (kafka_bootstrap.empty()) return absl::InvalidArgumentError("--kafka_bootstrap is required");
    if (devices < 1 || devices > 1'000'000)
      return absl::InvalidArgumentError("--devices must be between 1 and 1000000");
    if (heartbeat_interval < absl::Milliseconds(10))
      return absl::InvalidArgumentError("--heartbeat_interval must be at least 10ms");
    if (jitter < 0 || jitter >= 1) return absl::InvalidArgumentError("--jitter must be in [0, 1)");
    if (protobuf_fraction < 0 || protobuf_fraction > 1)
      return absl::InvalidArgumentError("--protobuf_fraction must be in [0, 1]");
    if (tunnel_fail_rate < 0 || tunnel_fail_rate > 1)
      return absl::InvalidArgumentError("--tunnel_fail_rate must be in [0, 1]");
    if (tunnel_latency < absl::ZeroDuration())
      return absl::InvalidArgumentError("--tunnel_latency must not be negative");
    if (config_fail_rate < 0 || config_fail_rate > 1)
      return absl::InvalidArgumentError("--config_fail_rate must be in [0, 1]");
    if (config_latency < absl::ZeroDuration())
      return absl::InvalidArgumentError("--config_latency must not be negative");
    if (camera_fail_rate < 0 || camera_fail_rate > 1)
      return absl::InvalidArgumentError("--camera_fail_rate must be in [0, 1]");
    if (camera_latency < absl::ZeroDuration())
      return absl::InvalidArgumentError("--camera_latency must not be negative");
    if (firmware_fail_rate < 0 || firmware_timeout_rate < 0 || firmware_fail_rate + firmware_timeout_rate > 1)
      return absl::InvalidArgumentError("--firmware_fail_rate and --firmware_timeout_rate must be >= 0 with a sum <= 1");
    if (firmware_step_time < absl::Milliseconds(1) || firmware_reboot_time < absl::ZeroDuration())
      return absl::InvalidArgumentError("--firmware_step_time must be >= 1ms and --firmware_reboot_time >= 0");
    if (downlink_session_timeout < absl::Seconds(1))
      return absl::InvalidArgumentError("--downlink_session_timeout must be at least 1s");
    if (request_max_age <= absl::ZeroDuration())
      return absl::InvalidArgumentError("--request_max_age must be positive");
    if (downlink_template.empty() || downlink_group.empty())
      return absl::InvalidArgumentError("--downlink_template and --downlink_group must not be empty");
    if (mode != "run" && mode != "flood")
      return absl::InvalidArgumentError("--mode must be \"run\" or \"flood\"");
    if (mode == "flood" && messages < 1)
      return absl::InvalidArgumentError("--mode=flood needs --messages > 0");
    return absl::OkStatus();
  }
};

class Simulator {
 public:
  Simulator(const Config& cfg, kafka::Producer& producer)
      : cfg_(cfg),
        producer_(producer),
        fleet_({.devices = static_cast<int>(cfg.devices),
                .id_prefix = cfg.id_prefix,
                .heartbeat_interval = cfg.heartbeat_interval,
                .jitter = cfg.jitter,
                .churn_per_minute = cfg.churn_per_minute,
                .silence = cfg.silence,
                .seed = static_cast<uint64_t>(cfg.seed)},
               absl::Now()),
        dispatcher_({.uplink_topic = cfg.uplink_topic, .request_max_age = cfg.request_max_age}),
        tunnels_({.fail_rate = cfg.tunnel_fail_rate,
                  .latency = cfg.tunnel_latency,
                  .seed = static_cast<uint64_t>(cfg.seed)}),
        configs_({.fail_rate = cfg.config_fail_rate,
                  .latency = cfg.config_latency,
                  .seed = static_cast<uint64_t>(cfg.seed) + 1}),
        cameras_({.fail_rate = cfg.camera_fail_rate,
                  .latency = cfg.camera_latency,
                  .seed = static_cast<uint64_t>(cfg.seed) + 2}),
        firmware_({.step_time = cfg.firmware_step_time,
                   .reboot_time = cfg.firmware_reboot_time,
                   .fail_rate = cfg.firmware_fail_rate,
                   .timeout_rate = cfg.firmware_timeout_rate,
                   .seed = static_cast<uint64_t>(cfg.seed) + 3}) {
    tunnels_.RegisterWith(dispatcher_);
    configs_.RegisterWith(dispatcher_);
    cameras_.RegisterWith(dispatcher_);
    firmware_.RegisterWith(dispatcher_);
  }

  Dispatcher& dispatcher() { return dispatcher_; }
  TunnelAgent& tunnels() { return tunnels_; }
  void SetDownlink(const DownlinkLoop* downlink) { downlink_ = downlink; }

  std::string FirstDeviceId() {
    absl::MutexLock l(&mu_);
    return fleet_.DeviceId(0);
  }

  // A silent device is offline: no heartbeats, and its downlink requests wait for its return.
  bool IsSilent(const std::string& device_id, absl::Time now) {
    absl::MutexLock l(&mu_);
    const int i = fleet_.Index(device_id);
    return i >= 0 && fleet_.IsSilent(i, now);
  }

  bool IsSimulated(const std::string& device_id) {
    absl::MutexLock l(&mu_);
    return fleet_.Index(device_id) >= 0;
  }

  // Sends what is due; returns how many were sent.
  int Tick() {
    std::vector<Heartbeat> due;
    {
      absl::MutexLock l(&mu_);
      due = fleet_.Due(absl::Now());
    }
    for (const Heartbeat& h : due) Send(h);
    return static_cast<int>(due.size()) + ApplyFirmware(absl::Now());
  }

  // Sends the firmware agent's progress events and performs its reboots: the device goes
  // silent, then heartbeats the new version. Returns how many actions were applied.
  int ApplyFirmware(absl::Time now) {
    const std::vector<FirmwareAction> actions = firmware_.Due(now);
    for (const FirmwareAction& a : actions) {
      if (a.kind == FirmwareAction::Kind::kReboot) {
        absl::MutexLock l(&mu_);
        const int i = fleet_.Index(a.device_id);
        if (i < 0) continue;
        fleet_.SetFirmware(i, a.firmware_version);
        fleet_.Silence(a.device_id, a.silent_until);
        continue;
      }
      absl::Status st;
      while (true) {
        st = producer_.Send(cfg_.uplink_topic, a.device_id, kafka::EncodeJson(a.event));
        if (st.code() != absl::StatusCode::kResourceExhausted || g_stop) break;
        absl::SleepFor(absl::Milliseconds(5));  // local queue full: back-pressure
      }
      if (!st.ok()) {
        errors_.fetch_add(1);
        log::WarnEvery("sim-firmware-send", absl::Seconds(10), "firmware event not sent",
                       {{"error", std::string(st.message())}});
      }
    }
    return static_cast<int>(actions.size());
  }

  void Send(const Heartbeat& h) {
    const uint64_t n = sent_.fetch_add(1);
    const std::string id = absl::StrCat("hb-", cfg_.seed, "-", n);
    const bool proto = cfg_.protobuf_fraction > 0 &&
                       (h.device % 1000) < static_cast<int>(cfg_.protobuf_fraction * 1000);
    absl::Status st;
    while (true) {
      st = proto ? producer_.Send(cfg_.uplink_topic, h.device_id, HeartbeatProto(h, id),
                                  {{std::string(kafka::kContentTypeHeader),
                                    std::string(kafka::kProtobufContentType)}})
                 : producer_.Send(cfg_.uplink_topic, h.device_id, HeartbeatJson(h, id));
      if (st.code() != absl::StatusCode::kResourceExhausted || g_stop) break;
      absl::SleepFor(absl::Milliseconds(5));  // local queue full: back-pressure
    }
    if (!st.ok()) {
      errors_.fetch_add(1);
      log::WarnEvery("sim-send", absl::Seconds(10), "heartbeat not sent",
                     {{"error", std::string(st.message())}});
    }
  }

  http::Response Control(const http::Request& r) {
    auto json = [](int code, std::string body) { return http::Response{code, "application/json", {}, std::move(body)}; };
    if (r.method == "GET" && r.path == "/stats") {
      absl::MutexLock l(&mu_);
      return json(200, absl::StrCat(R"({"devices":)", fleet_.size(), R"(,"silent":)",
                                    fleet_.SilentCount(absl::Now()), R"(,"sent":)", sent_.load(),
                                    R"(,"send_errors":)", errors_.load(),
                                    R"(,"delivery_failures":)", producer_.DeliveryFailures(),
                                    R"(,"tunnels_running":)", tunnels_.Running(),
                                    R"(,"tunnel_starts":)", tunnels_.starts(),
                                    R"(,"tunnel_stops":)", tunnels_.stops(),
                                    R"(,"tunnel_extends":)", tunnels_.extends(),
                                    R"(,"config_applies":)", configs_.applies(),
                                    R"(,"config_failures":)", configs_.failures(),
                                    R"(,"camera_commands":)", cameras_.commands(),
                                    R"(,"camera_stream_starts":)", cameras_.stream_starts(),
                                    R"(,"firmware_upgrades":)", firmware_.upgrades(),
                                    R"(,"firmware_running":)", firmware_.Running(),
                                    R"(,"firmware_reboots":)", firmware_.reboots(),
                                    R"(,"firmware_failures":)", firmware_.failures(),
                                    R"(,"firmware_duplicates":)", firmware_.duplicates(),
                                    R"(,"commands_run":)", firmware_.commands(),
                                    R"(,"requests_handled":)", dispatcher_.handled(),
                                    R"(,"requests_dropped_stale":)", dispatcher_.dropped_stale(),
                                    R"(,"requests_unknown_type":)", dispatcher_.unknown_type(),
                                    R"(,"replies_sent":)", downlink_ ? downlink_->replies_sent() : 0,
                                    R"(,"requests_held_offline":)", downlink_ ? downlink_->held() : 0,
                                    R"(,"downlink_received":)", downlink_ ? downlink_->received() : 0,
                                    "}"));
    }
    if (r.method == "GET" && r.path == "/healthz") return json(200, R"({"status":"ok"})");
    // GET /devices/{id}/config: what config.apply applied there, versions in order of application.
    if (r.method == "GET" && absl::StartsWith(r.path, "/devices/") && absl::EndsWith(r.path, "/config")) {
      const std::string id = r.path.substr(9, r.path.size() - 9 - 7);
      const std::optional<AppliedConfig> applied = configs_.Get(id);
      std::string history;
      for (int64_t v : configs_.History(id)) absl::StrAppend(&history, history.empty() ? "" : ",", v);
      return json(200, absl::StrCat(R"({"device_id":")", id, R"(","version":)", applied ? applied->version : 0,
                                    R"(,"hash":")", applied ? applied->hash : "", R"(","history":[)", history,
                                    "]}"));
    }
    // POST /devices/{id}:silence[?for=60s] and POST /devices/{id}:resume
    std::string_view path = r.path;
    if (r.method == "POST" && path.substr(0, 9) == "/devices/") {
      path.remove_prefix(9);
      const size_t colon = path.rfind(':');
      if (colon != std::string_view::npos) {
        const std::string id(path.substr(0, colon));
        const std::string_view verb = path.substr(colon + 1);
        absl::MutexLock l(&mu_);
        bool ok = false;
        if (verb == "silence") {
          absl::Duration d = absl::InfiniteDuration();
          if (!r.QueryParam("for").empty() && !absl::ParseDuration(r.QueryParam("for"), &d)) {
            return json(400, R"({"error":{"code":400,"status":"INVALID_ARGUMENT","message":"for must be a duration like 60s"}})");
          }
          ok = fleet_.Silence(id, d == absl::InfiniteDuration() ? absl::InfiniteFuture() : absl::Now() + d);
        } else if (verb == "resume") {
          ok = fleet_.Resume(id, absl::Now());
        } else {
          return json(404, R"({"error":{"code":404,"status":"NOT_FOUND","message":"unknown verb; use :silence or :resume"}})");
        }
        if (!ok) return json(404, R"({"error":{"code":404,"status":"NOT_FOUND","message":"no such simulated device"}})");
        return json(200, absl::StrCat(R"({"device_id":")", id, R"(","silent":)",
                                      verb == "silence" ? "true" : "false", "}"));
      }
    }
    return json(404, R"({"error":{"code":404,"status":"NOT_FOUND","message":"unknown route"}})");
  }

  // Flood: cfg.messages heartbeats round-robin over the fleet, timestamps now.
  void Flood() {
    Heartbeat h;
    std::string fw = "1.0.0";
    h.firmware = &fw;
    for (int64_t i = 0; i < cfg_.messages && !g_stop; ++i) {
      h.device = static_cast<int>(i % cfg_.devices);
      h.device_id = fleet_.DeviceId(h.device);
      h.at = absl::Now();
      h.cpu = static_cast<double>(i % 100);
      h.mem = 50;
      h.temperature = 40;
      h.signal = -70;
      Send(h);
    }
  }

  uint64_t sent() const { return sent_.load(); }

 private:
  const Config& cfg_;
  kafka::Producer& producer_;
  absl::Mutex mu_;
  Fleet fleet_ ABSL_GUARDED_BY(mu_);
  Dispatcher dispatcher_;
  TunnelAgent tunnels_;
  ConfigAgent configs_;
  CameraAgent cameras_;
  FirmwareAgent firmware_;
  const DownlinkLoop* downlink_ = nullptr;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> errors_{0};
};

int Main(int argc, char** argv) {
  Config cfg;
  config::FlagSet flags("fleet-sim");
  flags.String("kafka_bootstrap", &cfg.kafka_bootstrap, "Kafka bootstrap servers");
  flags.String("uplink_topic", &cfg.uplink_topic, "uplink topic");
  flags.Int("devices", &cfg.devices, "number of simulated devices");
  flags.String("id_prefix", &cfg.id_prefix, "device id prefix (ids are PREFIX + 6 digits)");
  flags.Duration("heartbeat_interval", &cfg.heartbeat_interval, "heartbeat interval per device");
  flags.Double("jitter", &cfg.jitter, "interval jitter fraction");
  flags.Double("churn_per_minute", &cfg.churn_per_minute, "fraction of the fleet going silent per minute");
  flags.Duration("silence", &cfg.silence, "how long a churned device stays silent");
  flags.Double("protobuf_fraction", &cfg.protobuf_fraction, "fraction of devices speaking protobuf binary");
  flags.Int("control_port", &cfg.control_port, "HTTP control port (0 = any free port)");
  flags.String("port_file", &cfg.port_file, "write the control port here once listening");
  flags.String("mode", &cfg.mode, "run (simulate) or flood (send --messages heartbeats and exit)");
  flags.Int("messages", &cfg.messages, "heartbeats to send in flood mode");
  flags.Duration("duration", &cfg.duration, "stop after this long (0 = until SIGTERM)");
  flags.Int("seed", &cfg.seed, "random seed");
  flags.String("downlink_template", &cfg.downlink_template,
               "downlink topic template; with {device_id} one topic per device, else a shared topic");
  flags.String("downlink_group", &cfg.downlink_group, "consumer group of the downlink consumer");
  flags.Duration("downlink_session_timeout", &cfg.downlink_session_timeout,
                 "Kafka session timeout of the downlink consumer");
  flags.Duration("request_max_age", &cfg.request_max_age, "downlink requests older than this are dropped");
  flags.Double("tunnel_fail_rate", &cfg.tunnel_fail_rate, "share of tunnel.start requests that fail");
  flags.Duration("tunnel_latency", &cfg.tunnel_latency, "delay before answering tunnel.* requests");
  flags.Double("config_fail_rate", &cfg.config_fail_rate, "share of config.apply requests that fail");
  flags.Duration("config_latency", &cfg.config_latency, "delay before answering config.apply requests");
  flags.Double("camera_fail_rate", &cfg.camera_fail_rate, "share of camera.* commands that fail");
  flags.Duration("camera_latency", &cfg.camera_latency, "delay before answering camera.* commands");
  flags.Double("firmware_fail_rate", &cfg.firmware_fail_rate, "share of firmware.upgrade jobs that report FAILED");
  flags.Double("firmware_timeout_rate", &cfg.firmware_timeout_rate,
               "share of firmware.upgrade jobs that hang after the first download step");
  flags.Duration("firmware_step_time", &cfg.firmware_step_time, "time per firmware.upgrade progress step");
  flags.Duration("firmware_reboot_time", &cfg.firmware_reboot_time, "how long a device is silent while rebooting");
  flags.ParseOrExit(argc, argv);
  log::InitProcess("fleet-sim");
  if (absl::Status st = cfg.Validate(); !st.ok()) {
    log::Error("invalid configuration", {{"error", std::string(st.message())}});
    return 2;
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);

  auto producer = kafka::Producer::Create({.bootstrap = cfg.kafka_bootstrap});
  if (!producer.ok()) {
    log::Error("kafka producer", {{"error", std::string(producer.status().message())}});
    return 1;
  }
  Simulator sim(cfg, **producer);

  if (cfg.mode == "flood") {
    const absl::Time start = absl::Now();
    sim.Flood();
    absl::Status st = (*producer)->Flush(absl::Minutes(5));
    const double secs = absl::ToDoubleSeconds(absl::Now() - start);
    log::Info("flood done", {{"messages", static_cast<int64_t>(sim.sent())}, {"seconds", secs},
                             {"flush", st.ok()}});
    return st.ok() && (*producer)->DeliveryFailures() == 0 ? 0 : 1;
  }

  auto control = http::Server::Start({.port = static_cast<int>(cfg.control_port), .threads = 1},
                                     [&sim](const http::Request& r) { return sim.Control(r); });
  if (!control.ok()) {
    log::Error("control server", {{"error", std::string(control.status().message())}});
    return 1;
  }
  if (!cfg.port_file.empty()) {
    std::ofstream(cfg.port_file + ".tmp") << (*control)->port() << "\n";
    std::rename((cfg.port_file + ".tmp").c_str(), cfg.port_file.c_str());
  }
  auto downlink = DownlinkLoop::Create(
      {.bootstrap = cfg.kafka_bootstrap, .topic_template = cfg.downlink_template,
       .group_id = cfg.downlink_group, .session_timeout = cfg.downlink_session_timeout,
       .anchor_device_id = sim.FirstDeviceId()},
      **producer, sim.dispatcher(), sim.tunnels(),
      [&sim](const std::string& id) { return sim.IsSimulated(id); });
  if (!downlink.ok()) {
    log::Error("downlink consumer", {{"error", std::string(downlink.status().message())}});
    return 1;
  }
  (*downlink)->SetSilenceCheck([&sim](const std::string& id, absl::Time now) { return sim.IsSilent(id, now); });
  sim.SetDownlink(downlink->get());
  std::atomic<bool> downlink_stop{false};
  std::thread downlink_thread([&] { (*downlink)->Run(downlink_stop); });
  log::Info("simulating", {{"devices", cfg.devices}, {"control_port", (*control)->port()},
                           {"heartbeat_interval", absl::FormatDuration(cfg.heartbeat_interval)}});
  const absl::Time end = cfg.duration > absl::ZeroDuration() ? absl::Now() + cfg.duration
                                                              : absl::InfiniteFuture();
  while (!g_stop && absl::Now() < end) {
    if (sim.Tick() == 0) absl::SleepFor(absl::Milliseconds(10));
  }
  downlink_stop = true;
  downlink_thread.join();
  (*control)->Stop();
  (void)(*producer)->Flush(absl::Seconds(10));
  log::Info("stopped", {{"sent", static_cast<int64_t>(sim.sent())}});
  return 0;
}

}  // namespace
}  // namespace fleet::sim

int main(int argc, char** argv) { return fleet::sim::Main(argc, argv); }
