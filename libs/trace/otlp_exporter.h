#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/trace/span.h"

namespace fleet::trace {

// Batches finished spans and POSTs them as OTLP/HTTP JSON (ExportTraceServiceRequest) to
// `endpoint` from one background thread. The queue is bounded: spans arriving while it is full
// (or after Shutdown) are dropped and counted. A failed POST drops that batch (counted, warned at
// most once a minute). Thread-safe. Typical main():
//   auto exporter = OtlpHttpExporter::Create({.endpoint = flag, .service_name = "tunnel"});
//   InstallExporter(*exporter);  ...  (*exporter)->Shutdown();
class OtlpHttpExporter : public SpanExporter {
 public:
  struct Options {
    std::string endpoint = "http://127.0.0.1:4318/v1/traces";
    std::string service_name;
    size_t max_queue = 2048;
    size_t max_batch = 256;
    absl::Duration flush_interval = absl::Seconds(1);
    absl::Duration timeout = absl::Seconds(5);  // per POST: connect, send and read the reply
  };

  // Errors: INVALID_ARGUMENT for an endpoint that is not http://host[:port]/path.
  static absl::StatusOr<std::shared_ptr<OtlpHttpExporter>> Create(Options options);
  ~OtlpHttpExporter() override;  // Shutdown()

  void Export(SpanData span) override;
  // Blocks until every span accepted before the call has been sent or has failed.
  void Flush();
  // Flushes, then stops the thread; later spans are dropped. Idempotent.
  void Shutdown();

  uint64_t exported() const;  // spans the endpoint accepted (2xx)
  uint64_t dropped() const;   // queue full or after shutdown
  uint64_t failed() const;    // spans in batches whose POST failed

  // The request body for `spans`; exposed for tests.
  static std::string ToOtlpJson(const std::vector<SpanData>& spans, std::string_view service_name);

 private:
  explicit OtlpHttpExporter(Options options);
  void Run();
  void Send(std::vector<SpanData> batch);

  const Options options_;

  mutable absl::Mutex mu_;
  std::deque<SpanData> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t accepted_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t processed_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t flush_target_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t exported_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

// What every binary's main() does: when `endpoint` is set, creates an exporter for
// `service_name` and installs it as the process' exporter; returns nullptr when `endpoint` is
// empty (tracing off). INVALID_ARGUMENT for a bad endpoint. Call Shutdown() on the result
// before exiting so buffered spans are sent.
absl::StatusOr<std::shared_ptr<OtlpHttpExporter>> InstallOtlpExporter(const std::string& endpoint,
                                                                      const std::string& service_name);

}  // namespace fleet::trace
