// Envelope codec throughput. Run:
//   bazel run -c opt //libs/kafka:envelope_benchmark
#include <string>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "libs/kafka/envelope.h"

namespace fleet::kafka {
namespace {

// A typical device heartbeat (~300 bytes).
const char kHeartbeat[] =
    R"({"event":{"id":"hb-000123456","sender":"edge/dev-004217","timestamp":"2024-05-06T07:08:09.123Z",)"
    R"("type":"heartbeat","body":{"fw":"2.3.1","uptime_s":86400,"cpu":12.5,"mem_free_kb":183224,)"
    R"("temp_c":48.2,"wan":{"rssi":-71,"ip":"10.23.4.5"},"cameras":[1,2,3]}}})";

Envelope HeartbeatEnvelope() { return *DecodeJson(kHeartbeat); }

void BM_DecodeJsonHeartbeat(benchmark::State& state) {
  const std::string json = kHeartbeat;
  for (auto _ : state) {
    absl::StatusOr<Envelope> e = DecodeJson(json);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * json.size());
}
BENCHMARK(BM_DecodeJsonHeartbeat);

void BM_DecodeJsonMinimal(benchmark::State& state) {
  const std::string json =
      R"({"event":{"id":1,"sender":"edge/d1","timestamp":"2024-05-06T07:08:09Z","type":"heartbeat"}})";
  for (auto _ : state) {
    absl::StatusOr<Envelope> e = DecodeJson(json);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeJsonMinimal);

void BM_DecodeAndCheckHeartbeat(benchmark::State& state) {
  // What an uplink consumer does per message: decode, device id, freshness.
  const std::string json = kHeartbeat;
  const absl::Time now = HeartbeatEnvelope().timestamp + absl::Seconds(1);
  for (auto _ : state) {
    absl::StatusOr<Envelope> e = Decode(json, "");
    absl::StatusOr<std::string> device = DeviceIdFromSender(e->sender);
    absl::Status fresh = CheckFreshness(*e, now, absl::Minutes(10), absl::Seconds(30));
    benchmark::DoNotOptimize(device);
    benchmark::DoNotOptimize(fresh);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAndCheckHeartbeat);

void BM_EncodeJsonHeartbeat(benchmark::State& state) {
  const Envelope e = HeartbeatEnvelope();
  for (auto _ : state) {
    std::string out = EncodeJson(e);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeJsonHeartbeat);

void BM_DecodeProtoHeartbeat(benchmark::State& state) {
  const std::string bytes = EncodeProto(HeartbeatEnvelope());
  for (auto _ : state) {
    absl::StatusOr<Envelope> e = DecodeProto(bytes);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_DecodeProtoHeartbeat);

void BM_EncodeProtoHeartbeat(benchmark::State& state) {
  const Envelope e = HeartbeatEnvelope();
  for (auto _ : state) {
    std::string out = EncodeProto(e);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeProtoHeartbeat);

}  // namespace
}  // namespace fleet::kafka

BENCHMARK_MAIN();
