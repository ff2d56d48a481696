#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "libs/trace/context.h"

namespace fleet::trace {

// Values match OTLP's Span.SpanKind.
enum class SpanKind { kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };
// Values match OTLP's Status.StatusCode.
enum class SpanStatus { kUnset = 0, kOk = 1, kError = 2 };

using AttributeValue = std::variant<std::string, int64_t, double, bool>;

// A finished span as handed to an exporter.
struct SpanData {
  std::string name;
  TraceContext context;                   // trace id + this span's id
  std::array<uint8_t, 8> parent_span_id{};  // all zero for a root span
  SpanKind kind = SpanKind::kInternal;
  absl::Time start;
  absl::Time end;
  std::vector<std::pair<std::string, AttributeValue>> attributes;
  SpanStatus status = SpanStatus::kUnset;
  std::string status_message;

  bool has_parent() const;
  std::string ParentSpanIdHex() const;  // "" for a root span
};

// Receives finished spans. Export must be thread-safe and must not block (queue and return).
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual void Export(SpanData span) = 0;
};

// Process-wide exporter used by spans that are not given one explicitly (nullptr = drop spans).
// Install once in main() after creating the exporter; thread-safe.
void InstallExporter(std::shared_ptr<SpanExporter> exporter);
std::shared_ptr<SpanExporter> InstalledExporter();

// An RAII span: started at construction, ended (and exported if sampled) by End() or destruction.
// A Span is used by one thread at a time. It does not change the current context by itself: wrap
// work in ScopedContext(span.context()) to make it the parent of nested spans and log lines.
class Span {
 public:
  // A span whose parent is `parent` (a new root trace if `parent` is invalid), exported to
  // `exporter` (default: the installed one).
  Span(std::string_view name, SpanKind kind, const TraceContext& parent,
       std::shared_ptr<SpanExporter> exporter = InstalledExporter());
  // A child of Current() (or a root when there is none).
  explicit Span(std::string_view name, SpanKind kind = SpanKind::kInternal);
  ~Span();
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  const TraceContext& context() const { return data_.context; }

  void SetAttribute(std::string_view key, std::string_view value);
  void SetAttribute(std::string_view key, const char* value);
  void SetAttribute(std::string_view key, int64_t value);
  void SetAttribute(std::string_view key, int value) { SetAttribute(key, int64_t{value}); }
  void SetAttribute(std::string_view key, double value);
  void SetAttribute(std::string_view key, bool value);

  void SetOk();
  void SetError(std::string_view message);

  // Ends the span and hands it to the exporter. Idempotent.
  void End();

 private:
  SpanData data_;
  std::shared_ptr<SpanExporter> exporter_;
  bool ended_ = false;
};

}  // namespace fleet::trace
