// Cost of access control per request: authenticating an API key (cached) and authorizing it,
// without rate limiting, with the in-process limiter and with the Redis limiter (one EVALSHA).
//   bazel run -c opt //bff/auth:gate_benchmark
#include <memory>

#include "benchmark/benchmark.h"
#include "bff/auth/gate.h"
#include "bff/auth/memory_store.h"
#include "bff/ratelimit/redis_limiter.h"
#include "libs/testing/servers.h"

namespace fleet::bff::auth {
namespace {

struct Fixture {
  MemoryStore store;
  AuthService auth{store, {.password_iterations = 1000}};
  prometheus::Registry registry;
  std::string key;
  Fixture() {
    ApiKey spec;
    spec.scope.route_classes = {"devices.read"};
    key = auth.CreateKey(spec, "bench")->plaintext;
  }
  http::Request Request() const {
    http::Request r;
    r.method = "GET";
    r.path = r.target = "/v1/devices/gw-1";
    r.headers = {{"authorization", "Bearer " + key}};
    return r;
  }
};

void Run(benchmark::State& state, ratelimit::Limiter* limiter) {
  Fixture f;
  // Limits high enough never to reject: we measure the decision, not 429s.
  Gate gate(&f.auth, limiter, nullptr, nullptr, nullptr,
            {.key_limits = {{1'000'000'000, absl::Seconds(1)}, {1'000'000'000, absl::Minutes(1)}}}, f.registry);
  const http::Request r = f.Request();
  const std::map<std::string, std::string> vars{{"device", "gw-1"}};
  for (auto _ : state) {
    Admission a = gate.Admit(r, "/v1/devices/{device}", vars);
    if (a.reject) state.SkipWithError("rejected");
    benchmark::DoNotOptimize(a);
  }
}

void BM_AdmitKeyNoLimiter(benchmark::State& state) { Run(state, nullptr); }
BENCHMARK(BM_AdmitKeyNoLimiter);

void BM_AdmitKeyLocalLimiter(benchmark::State& state) {
  ratelimit::LocalLimiter limiter;
  Run(state, &limiter);
}
BENCHMARK(BM_AdmitKeyLocalLimiter);

void BM_AdmitKeyRedisLimiter(benchmark::State& state) {
  auto server = testing::RedisServer::Start();
  if (!server.ok()) {
    state.SkipWithError("redis-server did not start");
    return;
  }
  prometheus::Registry registry;
  redis::Options o;
  o.port = (*server)->port();
  o.pool_size = 8;
  ratelimit::RedisLimiter limiter(o, registry);
  Run(state, &limiter);
}
BENCHMARK(BM_AdmitKeyRedisLimiter)->UseRealTime()->Threads(1)->Threads(4);

}  // namespace
}  // namespace fleet::bff::auth

BENCHMARK_MAIN();
