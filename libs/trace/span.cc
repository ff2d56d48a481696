#include "libs/trace/span.h"

#include <algorithm>
#include <mutex>

#include "absl/time/clock.h"
#include "libs/trace/trace.h"

namespace fleet::trace {
namespace {

std::mutex exporter_mu;
std::shared_ptr<SpanExporter>& GlobalExporter() {
  static auto* exporter = new std::shared_ptr<SpanExporter>();
  return *exporter;
}

}  // namespace

bool SpanData::has_parent() const {
  return std::any_of(parent_span_id.begin(), parent_span_id.end(),
                     [](uint8_t b) { return b != 0; });
}

std::string SpanData::ParentSpanIdHex() const {
  return has_parent() ? HexEncode(parent_span_id.data(), parent_span_id.size()) : "";
}

void InstallExporter(std::shared_ptr<SpanExporter> exporter) {
  std::lock_guard<std::mutex> lock(exporter_mu);
  GlobalExporter() = std::move(exporter);
}

std::shared_ptr<SpanExporter> InstalledExporter() {
  std::lock_guard<std::mutex> lock(exporter_mu);
  return GlobalExporter();
}

Span::Span(std::string_view name, SpanKind kind, const TraceContext& parent,
           std::shared_ptr<SpanExporter> exporter)
    : exporter_(std::move(exporter)) {
  data_.name = std::string(name);
  data_.kind = kind;
  data_.context = NewChild(parent);
  if (parent.valid()) data_.parent_span_id = parent.span_id;
  data_.start = absl::Now();
}

Span::Span(std::string_view name, SpanKind kind) : Span(name, kind, Current()) {}

Span::~Span() { End(); }

void Span::SetAttribute(std::string_view key, std::string_view value) {
  data_.attributes.emplace_back(std::string(key), std::string(value));
}
void Span::SetAttribute(std::string_view key, const char* value) {
  SetAttribute(key, std::string_view(value == nullptr ? "" : value));
}
void Span::SetAttribute(std::string_view key, int64_t value) {
  data_.attributes.emplace_back(std::string(key), value);
}
void Span::SetAttribute(std::string_view key, double value) {
  data_.attributes.emplace_back(std::string(key), value);
}
void Span::SetAttribute(std::string_view key, bool value) {
  data_.attributes.emplace_back(std::string(key), value);
}

void Span::SetOk() {
  data_.status = SpanStatus::kOk;
  data_.status_message.clear();
}

void Span::SetError(std::string_view message) {
  data_.status = SpanStatus::kError;
  data_.status_message = std::string(message);
}

void Span::End() {
  if (ended_) return;
  ended_ = true;
  data_.end = absl::Now();
  if (exporter_ != nullptr && data_.context.sampled()) exporter_->Export(std::move(data_));
}

}  // namespace fleet::trace
