// tunnel_load: gRPC load client for the tunnel service (bench/run tunnel).
//   --mode=latency --sessions=N --threads=T --first=F
//       opens N sessions (devices dev-<F>.., T at a time, each thread its own operator) and for
//       each polls GetTunnel every --poll until OPEN: open-to-OPEN latency percentiles.
//   --mode=flood --sessions=N --threads=T --first=F
//       opens N sessions (devices dev-<F>..) from T threads as fast as the service answers,
//       operator "<operator_prefix><device index % operators>": OpenTunnel latency, opens/s, errors
//       by reason, sessions per frp server (from the responses). --duration bounds the phase:
//       no new opens after it ("cut_short" in the output).
// Prints one JSON line. Exit 0 when every open succeeded (and, in latency mode, reached OPEN),
// 1 otherwise (counts are still printed), 2 on a bad command line.
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/load_util.h"
#include "fleet/tunnel/v1/tunnel.grpc.pb.h"
#include "libs/config/flags.h"

namespace fleet::bench {
namespace {

namespace v1 = ::fleet::tunnel::v1;

struct Options {
  std::string target;
  std::string mode;
  int64_t sessions = 200;
  int64_t threads = 1;
  int64_t first = 0;
  int64_t operators = 100;
  std::string operator_prefix = "bench-op-";
  absl::Duration poll = absl::Milliseconds(5);
  absl::Duration open_timeout = absl::Seconds(60);
  absl::Duration deadline = absl::Seconds(30);
  absl::Duration ttl = absl::Hours(1);
  absl::Duration duration = absl::ZeroDuration();  // flood: no new opens after this (0 = none)
};

grpc::Status Open(v1::TunnelService::Stub& stub, const Options& o, int64_t device, const std::string& op,
                  v1::Session* out) {
  v1::OpenTunnelRequest req;
  req.set_device_id(DeviceId(device));
  req.set_operator_id(op);
  req.mutable_ttl()->set_seconds(absl::ToInt64Seconds(o.ttl));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + o.deadline));
  return stub.OpenTunnel(&ctx, req, out);
}

int Latency(const Options& o) {
  Samples open_rpc, to_open;
  ErrorCounts errors;
  std::atomic<int64_t> next{0}, failed{0}, timed_out{0};
  std::vector<std::thread> threads;
  const absl::Time t0 = absl::Now();
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::TunnelService::NewStub(OwnChannel(o.target));
      const std::string op = absl::StrCat(o.operator_prefix, "lat-", t);
      for (int64_t i; (i = next.fetch_add(1)) < o.sessions;) {
        v1::Session s;
        const absl::Time c0 = absl::Now();
        grpc::Status st = Open(*stub, o, o.first + i, op, &s);
        if (!st.ok()) {
          errors.Add(st);
          continue;
        }
        open_rpc.Add(MicrosSince(c0));
        const absl::Time give_up = c0 + o.open_timeout;
        bool done = false;
        while (!done && absl::Now() < give_up) {
          v1::GetTunnelRequest g;
          g.set_name(s.name());
          v1::Session cur;
          grpc::ClientContext ctx;
          ctx.set_deadline(absl::ToChronoTime(absl::Now() + o.deadline));
          grpc::Status gs = stub->GetTunnel(&ctx, g, &cur);
          if (gs.ok() && cur.state() == v1::OPEN) {
            to_open.Add(MicrosSince(c0));
            done = true;
          } else if (gs.ok() && cur.state() != v1::REQUESTED) {
            ++failed;  // FAILED, CLOSED, ...
            done = true;
          } else {
            absl::SleepFor(o.poll);
          }
        }
        if (!done) ++timed_out;
      }
    });
  }
  for (auto& th : threads) th.join();
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf("{\"mode\":\"latency\",\"sessions\":%lld,\"threads\":%lld,\"opened\":%zu,\"reached_open\":%zu,"
              "\"ended_not_open\":%lld,\"timed_out\":%lld,\"wall_s\":%.3f,%s,%s,\"errors\":%lld,\"error_reasons\":%s}\n",
              static_cast<long long>(o.sessions), static_cast<long long>(o.threads), open_rpc.size(), to_open.size(),
              static_cast<long long>(failed.load()), static_cast<long long>(timed_out.load()), secs,
              open_rpc.JsonFields("rpc_").c_str(), to_open.JsonFields("open_").c_str(),
              static_cast<long long>(errors.Total()), errors.Json().c_str());
  if (errors.Total() > 0) std::fprintf(stderr, "tunnel_load: first error: %s\n", errors.first_message().c_str());
  return static_cast<int64_t>(to_open.size()) == o.sessions ? 0 : 1;
}

int Flood(const Options& o) {
  Samples open_rpc;
  ErrorCounts errors;
  std::mutex mu;
  std::map<std::string, int64_t> per_server;
  std::atomic<int64_t> next{0};
  std::atomic<bool> cut_short{false};
  std::vector<std::thread> threads;
  const absl::Time t0 = absl::Now();
  const absl::Time stop_at = o.duration > absl::ZeroDuration() ? t0 + o.duration : absl::InfiniteFuture();
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&] {
      auto stub = v1::TunnelService::NewStub(OwnChannel(o.target));
      std::vector<double> mine;
      std::map<std::string, int64_t> servers;
      for (int64_t i; (i = next.fetch_add(1)) < o.sessions;) {
        if (absl::Now() >= stop_at) {
          cut_short = true;
          break;
        }
        const int64_t device = o.first + i;
        const std::string op = absl::StrCat(o.operator_prefix, device % o.operators);
        v1::Session s;
        const absl::Time c0 = absl::Now();
        grpc::Status st = Open(*stub, o, device, op, &s);
        if (!st.ok()) {
          errors.Add(st);
          continue;
        }
        mine.push_back(MicrosSince(c0));
        ++servers[s.frp_server()];
      }
      open_rpc.Merge(mine);
      std::lock_guard<std::mutex> l(mu);
      for (const auto& [k, n] : servers) per_server[k] += n;
    });
  }
  for (auto& th : threads) th.join();
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
  std::string servers = "{";
  for (const auto& [k, n] : per_server) absl::StrAppend(&servers, servers.size() > 1 ? "," : "", "\"", k, "\":", n);
  servers += "}";
  const size_t ok = open_rpc.size();
  std::printf("{\"mode\":\"flood\",\"sessions\":%lld,\"threads\":%lld,\"operators\":%lld,\"opened\":%zu,"
              "\"cut_short\":%s,\"wall_s\":%.3f,\"opens_per_s\":%.1f,%s,\"per_server\":%s,\"errors\":%lld,"
              "\"error_reasons\":%s}\n",
              static_cast<long long>(o.sessions), static_cast<long long>(o.threads),
              static_cast<long long>(o.operators), ok, cut_short ? "true" : "false", secs,
              ok / (secs > 0 ? secs : 1e-9),
              open_rpc.JsonFields("rpc_").c_str(), servers.c_str(), static_cast<long long>(errors.Total()),
              errors.Json().c_str());
  if (errors.Total() > 0) std::fprintf(stderr, "tunnel_load: first error: %s\n", errors.first_message().c_str());
  return static_cast<int64_t>(ok) == o.sessions ? 0 : 1;
}

int Main(int argc, char** argv) {
  Options o;
  config::FlagSet flags("tunnel_load");
  flags.String("target", &o.target, "tunnel gRPC address host:port");
  flags.String("mode", &o.mode, "latency | flood");
  flags.Int("sessions", &o.sessions, "sessions to open");
  flags.Int("threads", &o.threads, "client threads");
  flags.Int("first", &o.first, "index of the first device (dev-NNNNNN)");
  flags.Int("operators", &o.operators, "distinct operators (flood)");
  flags.String("operator_prefix", &o.operator_prefix, "operator id prefix");
  flags.Duration("poll", &o.poll, "GetTunnel polling interval (latency)");
  flags.Duration("open_timeout", &o.open_timeout, "give up waiting for OPEN after this (latency)");
  flags.Duration("deadline", &o.deadline, "per-call deadline");
  flags.Duration("ttl", &o.ttl, "session ttl");
  flags.Duration("duration", &o.duration, "flood: stop opening new sessions after this (0 = never)");
  flags.ParseOrExit(argc, argv);
  if (o.target.empty() || o.sessions < 1 || o.threads < 1 || o.threads > 512 || o.operators < 1) {
    std::fprintf(stderr, "tunnel_load: --target is required; --sessions >= 1; --threads 1..512; --operators >= 1\n");
    return 2;
  }
  if (o.mode == "latency") return Latency(o);
  if (o.mode == "flood") return Flood(o);
  std::fprintf(stderr, "tunnel_load: unknown --mode '%s'\n", o.mode.c_str());
  return 2;
}

}  // namespace
}  // namespace fleet::bench

int main(int argc, char** argv) { return fleet::bench::Main(argc, argv); }
