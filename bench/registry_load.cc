// registry_load: gRPC load client for device-config (bench/run registry, bench/run config-fanout).
//   --mode=import       --devices=N: ImportDevices of N generated devices as one CSV (<= 100,000)
//   --mode=list         --calls=N --threads=T --filter=F: ListDevices latency (first pages)
//   --mode=walk         --filter=F: pages through every match, latency per page
//   --mode=set-desired  --devices=N --threads=T --body=JSON: SetDesiredConfig on dev-000000..
//   --mode=put-template --template=global --body=JSON: PutConfigTemplate, then prints the
//                       effective hash of --device
//   --mode=get-config   --device=ID: prints desired version, effective hash, sync state
// Each mode prints one JSON line on stdout. In --filter, %SITE% is replaced per call by a random
// site label value and %MODEL% by a random model, so calls do not all hit the same rows.
// Generated devices: ids dev-NNNNNN (as edge/sim), 4 models, 4 groups, labels site (20 values),
// building (5 per site), floor (8), env (prod 90% / staging), lot (20 contiguous id ranges).
// Exit 0 on success, 1 on failure (reason on stderr), 2 on a bad command line.
#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "bench/load_util.h"
#include "fleet/config/v1/device_config.grpc.pb.h"
#include "fleet/config/v1/device_registry.grpc.pb.h"
#include "libs/config/flags.h"

namespace fleet::bench {
namespace {

namespace v1 = ::fleet::config::v1;

constexpr const char* kModels[] = {"gw-100", "gw-200", "gw-300", "cam-10"};
constexpr const char* kGroups[] = {"north", "south", "east", "west"};
constexpr int kSites = 20;

std::string Site(int64_t i) { return absl::StrFormat("site-%02d", i); }
// Delivery lot: 20 contiguous id ranges (devices registered together), unlike the interleaved
// sites; lot-19 holds the highest ids.
std::string Lot(int64_t i, int64_t n) { return absl::StrFormat("lot-%02d", i * 20 / n); }

struct Options {
  std::string target;
  std::string mode;
  int64_t devices = 100000;
  int64_t calls = 2000;
  int64_t threads = 4;
  int64_t page_size = 100;
  std::string filter;
  std::string body = R"({"telemetry":{"interval_s":30}})";
  std::string template_name = "global";
  std::string device = "dev-000000";
  absl::Duration deadline = absl::Seconds(120);
  int64_t seed = 1;
};

std::string GenerateCsv(int64_t n) {
  std::string csv = "id,display_name,model,hardware_revision,group,labels.site,labels.building,labels.floor,labels.env,labels.lot\n";
  csv.reserve(static_cast<size_t>(n) * 96);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t site = i % kSites;
    absl::StrAppend(&csv, DeviceId(i), ",Gateway ", i, ",", kModels[(i / 7) % 4], ",r", 1 + (i % 3), ",",
                    kGroups[(i / 3) % 4], ",", Site(site), ",b", 1 + (i / kSites) % 5, ",f", 1 + (i / 100) % 8,
                    ",", (i % 10 == 9) ? "staging" : "prod", ",", Lot(i, n), "\n");
  }
  return csv;
}

std::unique_ptr<grpc::ClientContext> Ctx(const Options& o) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + o.deadline));
  return ctx;
}

int Import(const Options& o) {
  if (o.devices < 1 || o.devices > 100000) {
    std::fprintf(stderr, "registry_load: --devices must be 1..100000 for one import call\n");
    return 2;
  }
  const absl::Time g0 = absl::Now();
  v1::ImportDevicesRequest req;
  req.set_format(v1::CSV);
  req.set_data(GenerateCsv(o.devices));
  const double gen_s = absl::ToDoubleSeconds(absl::Now() - g0);
  auto stub = v1::DeviceRegistry::NewStub(OwnChannel(o.target));
  auto ctx = Ctx(o);
  v1::ImportDevicesResponse resp;
  const absl::Time t0 = absl::Now();
  grpc::Status st = stub->ImportDevices(ctx.get(), req, &resp);
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
  if (!st.ok()) {
    std::fprintf(stderr, "registry_load: ImportDevices: %d %s\n", st.error_code(), st.error_message().c_str());
    return 1;
  }
  std::printf("{\"rows\":%d,\"created\":%d,\"csv_bytes\":%zu,\"generate_s\":%.3f,\"import_s\":%.3f,\"rows_per_s\":%.0f}\n",
              resp.row_count(), resp.created_count(), req.data().size(), gen_s, secs,
              resp.created_count() / (secs > 0 ? secs : 1e-9));
  return 0;
}

std::string Expand(const std::string& filter, std::mt19937_64& rng) {
  return absl::StrReplaceAll(filter, {{"%SITE%", Site(static_cast<int64_t>(rng() % kSites))},
                                      {"%MODEL%", kModels[rng() % 4]}});
}

int List(const Options& o) {
  Samples lat;
  ErrorCounts errors;
  std::atomic<int64_t> next{0}, returned{0}, empty{0};
  const absl::Time t0 = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::DeviceRegistry::NewStub(OwnChannel(o.target));
      std::mt19937_64 rng(static_cast<uint64_t>(o.seed * 1000 + t));
      std::vector<double> mine;
      while (next.fetch_add(1) < o.calls) {
        v1::ListDevicesRequest req;
        req.set_page_size(static_cast<int32_t>(o.page_size));
        req.set_filter(Expand(o.filter, rng));
        v1::ListDevicesResponse resp;
        auto ctx = Ctx(o);
        const absl::Time c0 = absl::Now();
        grpc::Status st = stub->ListDevices(ctx.get(), req, &resp);
        const double us = MicrosSince(c0);
        if (!st.ok()) {
          errors.Add(st);
          continue;
        }
        mine.push_back(us);
        returned += resp.devices_size();
        if (resp.devices_size() == 0) ++empty;
      }
      lat.Merge(mine);
    });
  }
  for (auto& th : threads) th.join();
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
  const size_t ok = lat.size();
  std::printf("{\"calls\":%lld,\"ok\":%zu,\"threads\":%lld,\"page_size\":%lld,\"wall_s\":%.3f,\"calls_per_s\":%.1f,"
              "\"devices_per_call\":%.1f,\"empty_pages\":%lld,%s,\"errors\":%lld,\"error_reasons\":%s}\n",
              static_cast<long long>(o.calls), ok, static_cast<long long>(o.threads),
              static_cast<long long>(o.page_size), secs, ok / (secs > 0 ? secs : 1e-9),
              ok ? static_cast<double>(returned.load()) / ok : 0.0, static_cast<long long>(empty.load()),
              lat.JsonFields().c_str(), static_cast<long long>(errors.Total()), errors.Json().c_str());
  if (errors.Total() > 0) std::fprintf(stderr, "registry_load: first error: %s\n", errors.first_message().c_str());
  return ok > 0 ? 0 : 1;
}

int Walk(const Options& o) {
  auto stub = v1::DeviceRegistry::NewStub(OwnChannel(o.target));
  std::mt19937_64 rng(static_cast<uint64_t>(o.seed));
  const std::string filter = Expand(o.filter, rng);
  Samples lat;
  int64_t pages = 0, devices = 0;
  std::string token;
  const absl::Time t0 = absl::Now();
  do {
    v1::ListDevicesRequest req;
    req.set_page_size(static_cast<int32_t>(o.page_size));
    req.set_filter(filter);
    req.set_page_token(token);
    v1::ListDevicesResponse resp;
    auto ctx = Ctx(o);
    const absl::Time c0 = absl::Now();
    grpc::Status st = stub->ListDevices(ctx.get(), req, &resp);
    lat.Add(MicrosSince(c0));
    if (!st.ok()) {
      std::fprintf(stderr, "registry_load: ListDevices page %lld: %s\n", static_cast<long long>(pages),
                   st.error_message().c_str());
      return 1;
    }
    ++pages;
    devices += resp.devices_size();
    token = resp.next_page_token();
  } while (!token.empty() && pages < 1000000);
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf("{\"filter\":\"%s\",\"pages\":%lld,\"devices\":%lld,\"walk_s\":%.3f,%s}\n",
              absl::StrReplaceAll(filter, {{"\"", "\\\""}}).c_str(), static_cast<long long>(pages),
              static_cast<long long>(devices), secs, lat.JsonFields("page_").c_str());
  return 0;
}

int SetDesired(const Options& o) {
  Samples lat;
  ErrorCounts errors;
  std::atomic<int64_t> next{0};
  const absl::Time t0 = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&] {
      auto stub = v1::DeviceConfigService::NewStub(OwnChannel(o.target));
      std::vector<double> mine;
      for (int64_t i; (i = next.fetch_add(1)) < o.devices;) {
        v1::SetDesiredConfigRequest req;
        req.set_device(absl::StrCat("devices/", DeviceId(i)));
        req.set_body_json(o.body);
        req.set_author("bench");
        v1::ConfigVersion resp;
        auto ctx = Ctx(o);
        const absl::Time c0 = absl::Now();
        grpc::Status st = stub->SetDesiredConfig(ctx.get(), req, &resp);
        if (!st.ok()) {
          errors.Add(st);
          continue;
        }
        mine.push_back(MicrosSince(c0));
      }
      lat.Merge(mine);
    });
  }
  for (auto& th : threads) th.join();
  const double secs = absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf("{\"devices\":%lld,\"ok\":%zu,\"wall_s\":%.3f,\"calls_per_s\":%.1f,%s,\"errors\":%lld,\"error_reasons\":%s}\n",
              static_cast<long long>(o.devices), lat.size(), secs, lat.size() / (secs > 0 ? secs : 1e-9),
              lat.JsonFields().c_str(), static_cast<long long>(errors.Total()), errors.Json().c_str());
  if (errors.Total() > 0) std::fprintf(stderr, "registry_load: first error: %s\n", errors.first_message().c_str());
  return errors.Total() == 0 ? 0 : 1;
}

// Prints the device's config state as JSON fields (without braces); false on error.
bool ConfigFields(v1::DeviceConfigService::Stub& stub, const Options& o, std::string* out) {
  v1::GetDeviceConfigRequest req;
  req.set_device(absl::StrCat("devices/", o.device));
  v1::DeviceConfig c;
  auto ctx = Ctx(o);
  grpc::Status st = stub.GetDeviceConfig(ctx.get(), req, &c);
  if (!st.ok()) {
    std::fprintf(stderr, "registry_load: GetDeviceConfig: %s\n", st.error_message().c_str());
    return false;
  }
  *out = absl::StrFormat("\"device\":\"%s\",\"desired_version\":%d,\"reported_version\":%d,\"reported_hash\":\"%s\","
                         "\"effective_hash\":\"%s\",\"in_sync\":%s,\"sync_state\":\"%s\"",
                         o.device, c.desired().version(), c.reported_version(), c.reported_hash(),
                         c.effective_hash(), c.in_sync() ? "true" : "false", v1::SyncState_Name(c.sync_state()));
  return true;
}

int PutTemplate(const Options& o) {
  auto stub = v1::DeviceConfigService::NewStub(OwnChannel(o.target));
  v1::PutConfigTemplateRequest req;
  req.mutable_template_()->set_name(absl::StrCat("configTemplates/", o.template_name));
  req.mutable_template_()->set_body_json(o.body);
  req.set_author("bench");
  v1::ConfigTemplate resp;
  auto ctx = Ctx(o);
  const absl::Time t0 = absl::Now();
  grpc::Status st = stub->PutConfigTemplate(ctx.get(), req, &resp);
  const double ms = MicrosSince(t0) / 1000;
  const double at = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  if (!st.ok()) {
    std::fprintf(stderr, "registry_load: PutConfigTemplate: %s\n", st.error_message().c_str());
    return 1;
  }
  std::string fields;
  if (!ConfigFields(*stub, o, &fields)) return 1;
  std::printf("{\"template\":\"%s\",\"revision\":%lld,\"put_ms\":%.1f,\"put_done_unix\":%.6f,%s}\n",
              resp.name().c_str(), static_cast<long long>(resp.revision()), ms, at, fields.c_str());
  return 0;
}

int GetConfig(const Options& o) {
  auto stub = v1::DeviceConfigService::NewStub(OwnChannel(o.target));
  std::string fields;
  if (!ConfigFields(*stub, o, &fields)) return 1;
  std::printf("{%s}\n", fields.c_str());
  return 0;
}

int Main(int argc, char** argv) {
  Options o;
  config::FlagSet flags("registry_load");
  flags.String("target", &o.target, "device-config gRPC address host:port");
  flags.String("mode", &o.mode, "import | list | walk | set-desired | put-template | get-config");
  flags.Int("devices", &o.devices, "devices to import / configure");
  flags.Int("calls", &o.calls, "ListDevices calls (list)");
  flags.Int("threads", &o.threads, "client threads (list, set-desired)");
  flags.Int("page_size", &o.page_size, "ListDevices page size");
  flags.String("filter", &o.filter, "ListDevices filter; %SITE% / %MODEL% are replaced per call");
  flags.String("body", &o.body, "config body JSON (set-desired, put-template)");
  flags.String("template", &o.template_name, "template name without configTemplates/ (put-template)");
  flags.String("device", &o.device, "device id (get-config, put-template)");
  flags.Duration("deadline", &o.deadline, "per-call deadline");
  flags.Int("seed", &o.seed, "random seed");
  flags.ParseOrExit(argc, argv);
  if (o.target.empty() || o.threads < 1 || o.threads > 256 || o.page_size < 1) {
    std::fprintf(stderr, "registry_load: --target is required; --threads 1..256; --page_size >= 1\n");
    return 2;
  }
  if (o.mode == "import") return Import(o);
  if (o.mode == "list") return List(o);
  if (o.mode == "walk") return Walk(o);
  if (o.mode == "set-desired") return SetDesired(o);
  if (o.mode == "put-template") return PutTemplate(o);
  if (o.mode == "get-config") return GetConfig(o);
  std::fprintf(stderr, "registry_load: unknown --mode '%s'\n", o.mode.c_str());
  return 2;
}

}  // namespace
}  // namespace fleet::bench

int main(int argc, char** argv) { return fleet::bench::Main(argc, argv); }
