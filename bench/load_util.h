#pragma once
// Small helpers shared by the bench gRPC load clients (registry_load, tunnel_load): latency
// samples and their percentiles, per-thread channels, error reasons. Header-only.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/status/grpc.h"
#include "libs/status/status.h"

namespace fleet::bench {

// A new channel with its own connection (a local subchannel pool), so that client threads do
// not all share one HTTP/2 connection. 32 MiB messages both ways.
inline std::shared_ptr<grpc::Channel> OwnChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxSendMessageSize(32 << 20);
  args.SetMaxReceiveMessageSize(32 << 20);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

// Latency samples in microseconds; Add/Merge are thread-safe.
class Samples {
 public:
  void Add(double us) {
    std::lock_guard<std::mutex> l(mu_);
    v_.push_back(us);
  }
  void Merge(const std::vector<double>& more) {
    std::lock_guard<std::mutex> l(mu_);
    v_.insert(v_.end(), more.begin(), more.end());
  }
  size_t size() {
    std::lock_guard<std::mutex> l(mu_);
    return v_.size();
  }
  // Nearest-rank percentile in ms (q in [0, 1]); 0 without samples.
  double PercentileMs(double q) {
    std::lock_guard<std::mutex> l(mu_);
    if (v_.empty()) return 0;
    std::sort(v_.begin(), v_.end());
    size_t i = static_cast<size_t>(q * static_cast<double>(v_.size()));
    if (i >= v_.size()) i = v_.size() - 1;
    return v_[i] / 1000.0;
  }
  double MeanMs() {
    std::lock_guard<std::mutex> l(mu_);
    if (v_.empty()) return 0;
    double s = 0;
    for (double x : v_) s += x;
    return s / static_cast<double>(v_.size()) / 1000.0;
  }
  // "p50_ms":..,"p90_ms":..,"p99_ms":..,"max_ms":..,"mean_ms":.. with `prefix` before each key.
  std::string JsonFields(const std::string& prefix = "") {
    return absl::StrFormat("\"%sp50_ms\":%.3f,\"%sp90_ms\":%.3f,\"%sp99_ms\":%.3f,\"%smax_ms\":%.3f,\"%smean_ms\":%.3f",
                           prefix, PercentileMs(0.5), prefix, PercentileMs(0.9), prefix, PercentileMs(0.99),
                           prefix, PercentileMs(1.0), prefix, MeanMs());
  }

 private:
  std::mutex mu_;
  std::vector<double> v_;
};

// Counts failures by "<grpc code>/<ErrorInfo reason>" (reason "-" when absent); thread-safe.
class ErrorCounts {
 public:
  void Add(const grpc::Status& st) {
    const absl::Status s = status::FromGrpc(st);
    const std::string reason = status::Reason(s);
    const std::string key = absl::StrCat(absl::StatusCodeToString(s.code()), "/", reason.empty() ? "-" : reason);
    std::lock_guard<std::mutex> l(mu_);
    ++counts_[key];
    if (first_.empty()) first_ = st.error_message();
  }
  int64_t Total() {
    std::lock_guard<std::mutex> l(mu_);
    int64_t t = 0;
    for (const auto& [k, n] : counts_) t += n;
    return t;
  }
  // {"CODE/REASON":n,...}
  std::string Json() {
    std::lock_guard<std::mutex> l(mu_);
    std::string out = "{";
    for (const auto& [k, n] : counts_) absl::StrAppend(&out, out.size() > 1 ? "," : "", "\"", k, "\":", n);
    return out + "}";
  }
  std::string first_message() {
    std::lock_guard<std::mutex> l(mu_);
    return first_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int64_t> counts_;
  std::string first_;
};

inline double MicrosSince(absl::Time t0) { return absl::ToDoubleMicroseconds(absl::Now() - t0); }

// Simulated device ids as edge/sim generates them: "dev-" + 6 digits.
inline std::string DeviceId(int64_t i, const std::string& prefix = "dev-") {
  return absl::StrFormat("%s%06d", prefix, i);
}

}  // namespace fleet::bench
