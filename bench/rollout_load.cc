// rollout_load: gRPC client of the task service for bench/run rollout.
//   --mode=create --devices=N --batch_size=B --max_in_flight=M
//       CreateArtifact (FIRMWARE, --version) and CreateCampaign targeting the explicit device ids
//       dev-000000.. dev-<N-1> (batch_interval 0, start now, no abort criteria). Prints one JSON
//       line: {"artifact":..,"campaign":..,"create_artifact_ms":..,"create_campaign_ms":..,"total":..}.
//   --mode=poll --campaign=campaigns/ID --duration=D --interval=I --samples=FILE
//       polls GetCampaign every I until the campaign is COMPLETED/CANCELED/PAUSED or D passed;
//       writes one line per sample to FILE ("t_s state queued in_flight succeeded failed
//       timed_out skipped canceled total") and prints one JSON line with the derived figures:
//       started = devices SENT or later (in flight or finished, not skipped/canceled), the time
//       of the first start and of the last, the sustained start rate (10% -> 90% of the devices
//       started, per minute; all devices over the time to all started when 10% and 90% fell
//       into one sample), the most devices started within any 60 s, the time to 100% SUCCEEDED (-1 if not
//       reached) and whether the run was cut short.
// Exit 0 on success (poll: the campaign completed with every device SUCCEEDED), 1 otherwise
// (poll still prints its JSON), 2 on a bad command line.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/load_util.h"
#include "fleet/task/v1/task.grpc.pb.h"
#include "libs/config/flags.h"

namespace fleet::bench {
namespace {

namespace v1 = ::fleet::task::v1;

struct Options {
  std::string target;
  std::string mode;
  int64_t devices = 200;
  int64_t batch_size = 100'000;
  int64_t max_in_flight = 100'000;
  std::string version = "2.0.0";
  std::string campaign;
  absl::Duration duration = absl::Minutes(6);
  absl::Duration interval = absl::Seconds(1);
  absl::Duration deadline = absl::Seconds(120);
  std::string samples;
};

int Fail(const char* what, const grpc::Status& st) {
  std::fprintf(stderr, "rollout_load: %s: %s (%d)\n", what, st.error_message().c_str(),
               static_cast<int>(st.error_code()));
  return 1;
}

int Create(const Options& o) {
  auto stub = v1::TaskService::NewStub(OwnChannel(o.target));
  v1::CreateArtifactRequest areq;
  v1::Artifact* a = areq.mutable_artifact();
  a->set_display_name(absl::StrCat("bench firmware ", o.version));
  a->set_kind(v1::FIRMWARE);
  a->set_version(o.version);
  a->set_url(absl::StrCat("http://127.0.0.1:1/firmware-", o.version, ".bin"));
  a->set_sha256(std::string(64, 'a'));
  a->set_size_bytes(16 << 20);
  v1::Artifact artifact;
  absl::Time t0 = absl::Now();
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + o.deadline));
    grpc::Status st = stub->CreateArtifact(&ctx, areq, &artifact);
    if (!st.ok()) return Fail("CreateArtifact", st);
  }
  const double artifact_ms = MicrosSince(t0) / 1000.0;

  v1::CreateCampaignRequest creq;
  creq.set_display_name(absl::StrCat("bench rollout of ", o.devices, " devices"));
  creq.set_operator_id("bench");
  v1::CampaignSpec* s = creq.mutable_spec();
  s->set_kind(v1::CAMPAIGN_FIRMWARE);
  s->set_artifact(artifact.name());
  for (int64_t i = 0; i < o.devices; ++i) s->mutable_targets()->add_device_ids(DeviceId(i));
  s->mutable_rollout()->set_batch_size(static_cast<int32_t>(o.batch_size));
  s->mutable_rollout()->set_max_in_flight(static_cast<int32_t>(o.max_in_flight));
  s->mutable_rollout()->mutable_batch_interval()->set_seconds(0);
  v1::Campaign campaign;
  t0 = absl::Now();
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + o.deadline));
    grpc::Status st = stub->CreateCampaign(&ctx, creq, &campaign);
    if (!st.ok()) return Fail("CreateCampaign", st);
  }
  const double campaign_ms = MicrosSince(t0) / 1000.0;
  std::printf("{\"artifact\":\"%s\",\"campaign\":\"%s\",\"create_artifact_ms\":%.1f,"
              "\"create_campaign_ms\":%.1f,\"total\":%lld,\"request_bytes\":%zu}\n",
              artifact.name().c_str(), campaign.name().c_str(), artifact_ms, campaign_ms,
              static_cast<long long>(campaign.counts().total()), creq.ByteSizeLong());
  return 0;
}

struct Sample {
  double t = 0;  // seconds since the poll began
  int64_t started = 0;
  int64_t succeeded = 0;
};

int Poll(const Options& o) {
  auto stub = v1::TaskService::NewStub(OwnChannel(o.target));
  std::ofstream out;
  if (!o.samples.empty()) out.open(o.samples);
  std::vector<Sample> samples;
  const absl::Time t0 = absl::Now();
  v1::Campaign c;
  int64_t poll_errors = 0;
  bool done = false, cut = false;
  while (true) {
    v1::GetCampaignRequest req;
    req.set_name(o.campaign);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::Status st = stub->GetCampaign(&ctx, req, &c);
    const double t = absl::ToDoubleSeconds(absl::Now() - t0);
    if (!st.ok()) {
      ++poll_errors;
      std::fprintf(stderr, "rollout_load: GetCampaign: %s\n", st.error_message().c_str());
    } else {
      const v1::ExecutionCounts& n = c.counts();
      const int64_t started = n.in_flight() + n.succeeded() + n.failed() + n.timed_out();
      samples.push_back({t, started, n.succeeded()});
      if (out) {
        out << absl::StrFormat("%.2f %s %d %d %d %d %d %d %d %d\n", t, v1::CampaignState_Name(c.state()),
                               n.queued(), n.in_flight(), n.succeeded(), n.failed(), n.timed_out(),
                               n.skipped(), n.canceled(), n.total())
            << std::flush;
      }
      if (c.state() == v1::CAMPAIGN_COMPLETED || c.state() == v1::CAMPAIGN_CANCELED ||
          c.state() == v1::CAMPAIGN_PAUSED) {
        done = true;
        break;
      }
    }
    if (absl::Now() - t0 >= o.duration) {
      cut = true;
      break;
    }
    absl::SleepFor(o.interval);
  }
  const v1::ExecutionCounts& n = c.counts();
  const int64_t total = n.total();
  // First time a sample reached `want` started (or succeeded) devices; -1 if never.
  auto first_at = [&](int64_t want, bool succeeded) {
    for (const Sample& s : samples) {
      if ((succeeded ? s.succeeded : s.started) >= want && want > 0) return s.t;
    }
    return -1.0;
  };
  const int64_t last_started = samples.empty() ? 0 : samples.back().started;
  const double t_first = first_at(1, false);
  const double t_all_started = first_at(total, false);
  const double t_10 = first_at((total + 9) / 10, false);
  const double t_90 = first_at(total * 9 / 10, false);
  double sustained = -1;
  if (t_10 >= 0 && t_90 > t_10) {
    sustained = 60.0 * static_cast<double>(total * 9 / 10 - (total + 9) / 10) / (t_90 - t_10);
  }
  // Most devices started within any 60 s (per minute); a run shorter than that counts what
  // it started.
  double best60 = 0;
  for (size_t i = 0, j = 0; j < samples.size(); ++j) {
    while (samples[j].t - samples[i].t > 60.0) ++i;
    // Polling began when CreateCampaign returned: until 60 s, count from zero.
    const int64_t base = samples[j].t <= 60.0 ? 0 : samples[i].started;
    best60 = std::max(best60, static_cast<double>(samples[j].started - base));
  }
  // Start rate when 10% and 90% fell into one sample: everything over the time to all started.
  if (sustained < 0 && t_all_started > 0) sustained = 60.0 * static_cast<double>(total) / t_all_started;
  const double t_succeeded = first_at(total, true);
  const double t_50_succeeded = first_at((total + 1) / 2, true);
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf("{\"state\":\"%s\",\"total\":%lld,\"started\":%lld,\"succeeded\":%lld,\"failed\":%lld,"
              "\"timed_out\":%lld,\"skipped\":%lld,\"queued\":%lld,\"in_flight\":%lld,"
              "\"first_start_s\":%.2f,\"all_started_s\":%.2f,\"start_10_s\":%.2f,\"start_90_s\":%.2f,"
              "\"sustained_per_min\":%.0f,\"best60_per_min\":%.0f,\"overall_per_min\":%.0f,"
              "\"succeeded_50_s\":%.2f,\"succeeded_100_s\":%.2f,\"polls\":%zu,\"poll_errors\":%lld,"
              "\"elapsed_s\":%.2f,\"cut_short\":%s}\n",
              v1::CampaignState_Name(c.state()).c_str(), static_cast<long long>(total),
              static_cast<long long>(last_started), static_cast<long long>(n.succeeded()),
              static_cast<long long>(n.failed()), static_cast<long long>(n.timed_out()),
              static_cast<long long>(n.skipped()), static_cast<long long>(n.queued()),
              static_cast<long long>(n.in_flight()), t_first, t_all_started, t_10, t_90, sustained, best60,
              elapsed > 0 ? 60.0 * static_cast<double>(last_started) / elapsed : 0.0, t_50_succeeded,
              t_succeeded, samples.size(), static_cast<long long>(poll_errors), elapsed,
              cut ? "true" : "false");
  return done && total > 0 && n.succeeded() == total ? 0 : 1;
}

int Main(int argc, char** argv) {
  Options o;
  config::FlagSet f("rollout_load");
  f.String("target", &o.target, "task service gRPC target host:port");
  f.String("mode", &o.mode, "create | poll");
  f.Int("devices", &o.devices, "create: target devices dev-000000.. (1..1000000)");
  f.Int("batch_size", &o.batch_size, "create: spec.rollout.batch_size");
  f.Int("max_in_flight", &o.max_in_flight, "create: spec.rollout.max_in_flight");
  f.String("version", &o.version, "create: the artifact's firmware version");
  f.String("campaign", &o.campaign, "poll: campaign name (campaigns/ID)");
  f.Duration("duration", &o.duration, "poll: give up after this long");
  f.Duration("interval", &o.interval, "poll: GetCampaign period");
  f.Duration("deadline", &o.deadline, "create: per-call deadline");
  f.String("samples", &o.samples, "poll: write one line per sample here");
  f.ParseOrExit(argc, argv);
  if (o.target.empty()) {
    std::fprintf(stderr, "rollout_load: --target is required\n");
    return 2;
  }
  if (o.mode == "create") {
    if (o.devices < 1 || o.devices > 1'000'000 || o.batch_size < 1 || o.max_in_flight < 1) {
      std::fprintf(stderr, "rollout_load: --devices must be 1..1000000, --batch_size and --max_in_flight >= 1\n");
      return 2;
    }
    return Create(o);
  }
  if (o.mode == "poll") {
    if (o.campaign.empty() || o.interval <= absl::ZeroDuration()) {
      std::fprintf(stderr, "rollout_load: poll needs --campaign and a positive --interval\n");
      return 2;
    }
    return Poll(o);
  }
  std::fprintf(stderr, "rollout_load: --mode must be create or poll\n");
  return 2;
}

}  // namespace
}  // namespace fleet::bench

int main(int argc, char** argv) { return fleet::bench::Main(argc, argv); }
