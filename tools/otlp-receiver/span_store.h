#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace fleet::otlp_receiver {

// Spans received over OTLP/HTTP JSON, kept in memory. Thread-safe.
class SpanStore {
 public:
  // Parses an ExportTraceServiceRequest JSON body and stores its spans. INVALID_ARGUMENT if the
  // body is not valid OTLP JSON.
  absl::Status AddOtlpJson(const std::string& body);

  // JSON array of {name, trace_id, span_id, parent_span_id, kind, service, attributes:{k: v}}
  // for spans of `trace_id` (all spans if empty), in arrival order.
  std::string SpansJson(const std::string& trace_id) const;

  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> trace_ids_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> spans_json_ ABSL_GUARDED_BY(mu_);  // one JSON object per span
};

}  // namespace fleet::otlp_receiver
