#pragma once

#include <mutex>
#include <vector>

#include "libs/trace/span.h"

namespace fleet::trace {

// Collects exported spans in memory. Thread-safe. For tests.
class InMemoryExporter : public SpanExporter {
 public:
  void Export(SpanData span) override {
    std::lock_guard<std::mutex> lock(mu_);
    spans_.push_back(std::move(span));
  }
  std::vector<SpanData> spans() const {
    std::lock_guard<std::mutex> lock(mu_);
    return spans_;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    spans_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<SpanData> spans_;
};

}  // namespace fleet::trace
