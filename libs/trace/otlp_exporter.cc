#include "libs/trace/otlp_exporter.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/http/client.h"
#include "libs/log/log.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::trace {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void Attribute(JsonWriter& w, std::string_view key, const AttributeValue& value) {
  w.StartObject();
  w.Key("key");
  Str(w, key);
  w.Key("value");
  w.StartObject();
  if (const auto* s = std::get_if<std::string>(&value)) {
    w.Key("stringValue");
    Str(w, *s);
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    w.Key("intValue");  // int64 is a JSON string in proto3 JSON.
    Str(w, std::to_string(*i));
  } else if (const auto* d = std::get_if<double>(&value)) {
    w.Key("doubleValue");
    w.Double(*d);
  } else {
    w.Key("boolValue");
    w.Bool(std::get<bool>(value));
  }
  w.EndObject();
  w.EndObject();
}

std::string UnixNanos(absl::Time t) { return std::to_string(absl::ToUnixNanos(t)); }

}  // namespace

std::string OtlpHttpExporter::ToOtlpJson(const std::vector<SpanData>& spans,
                                         std::string_view service_name) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("resourceSpans");
  w.StartArray();
  w.StartObject();
  w.Key("resource");
  w.StartObject();
  w.Key("attributes");
  w.StartArray();
  Attribute(w, "service.name", std::string(service_name));
  w.EndArray();
  w.EndObject();
  w.Key("scopeSpans");
  w.StartArray();
  w.StartObject();
  w.Key("scope");
  w.StartObject();
  w.Key("name");
  Str(w, "fleetd");
  w.EndObject();
  w.Key("spans");
  w.StartArray();
  for (const SpanData& s : spans) {
    w.StartObject();
    w.Key("traceId");
    Str(w, s.context.TraceIdHex());
    w.Key("spanId");
    Str(w, s.context.SpanIdHex());
    if (s.has_parent()) {
      w.Key("parentSpanId");
      Str(w, s.ParentSpanIdHex());
    }
    w.Key("name");
    Str(w, s.name);
    w.Key("kind");
    w.Int(static_cast<int>(s.kind));
    w.Key("startTimeUnixNano");
    Str(w, UnixNanos(s.start));
    w.Key("endTimeUnixNano");
    Str(w, UnixNanos(s.end));
    w.Key("attributes");
    w.StartArray();
    for (const auto& [k, v] : s.attributes) Attribute(w, k, v);
    w.EndArray();
    w.Key("status");
    w.StartObject();
    w.Key("code");
    w.Int(static_cast<int>(s.status));
    if (!s.status_message.empty()) {
      w.Key("message");
      Str(w, s.status_message);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

absl::StatusOr<std::shared_ptr<OtlpHttpExporter>> OtlpHttpExporter::Create(Options options) {
  if (absl::StatusOr<http::Url> url = http::ParseUrl(options.endpoint); !url.ok()) {
    return url.status();
  }
  std::shared_ptr<OtlpHttpExporter> exporter(new OtlpHttpExporter(std::move(options)));
  exporter->thread_ = std::thread([raw = exporter.get()] { raw->Run(); });
  return exporter;
}

OtlpHttpExporter::OtlpHttpExporter(Options options) : options_(std::move(options)) {}

OtlpHttpExporter::~OtlpHttpExporter() { Shutdown(); }

void OtlpHttpExporter::Export(SpanData span) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= options_.max_queue) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(span));
  ++accepted_;
}

void OtlpHttpExporter::Flush() {
  absl::MutexLock lock(&mu_);
  uint64_t target = accepted_;
  flush_target_ = std::max(flush_target_, target);
  auto sent = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return processed_ >= target; };
  mu_.Await(absl::Condition(&sent));
}

void OtlpHttpExporter::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

uint64_t OtlpHttpExporter::exported() const {
  absl::MutexLock lock(&mu_);
  return exported_;
}
uint64_t OtlpHttpExporter::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}
uint64_t OtlpHttpExporter::failed() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

void OtlpHttpExporter::Run() {
  while (true) {
    std::vector<SpanData> batch;
    bool done = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || queue_.size() >= options_.max_batch ||
               (flush_target_ > processed_ && !queue_.empty());
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), options_.flush_interval);
      size_t n = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      done = stopping_ && queue_.empty();
    }
    if (!batch.empty()) Send(std::move(batch));
    if (done) return;
  }
}

void OtlpHttpExporter::Send(std::vector<SpanData> batch) {
  std::string body = ToOtlpJson(batch, options_.service_name);
  absl::StatusOr<http::ClientResponse> res =
      http::Fetch("POST", options_.endpoint, body, {{"Content-Type", "application/json"}},
                  {.timeout = options_.timeout});
  bool ok = res.ok() && res->status >= 200 && res->status < 300;
  if (!ok) {
    std::string why = res.ok() ? absl::StrCat("HTTP ", res->status) : std::string(res.status().message());
    log::WarnEvery("otlp_export", absl::Minutes(1), "span export failed, dropping batch",
                   {{"endpoint", options_.endpoint}, {"error", why},
                    {"spans", static_cast<int64_t>(batch.size())}});
  }
  absl::MutexLock lock(&mu_);
  (ok ? exported_ : failed_) += batch.size();
  processed_ += batch.size();
}

absl::StatusOr<std::shared_ptr<OtlpHttpExporter>> InstallOtlpExporter(const std::string& endpoint,
                                                                      const std::string& service_name) {
  if (endpoint.empty()) return std::shared_ptr<OtlpHttpExporter>();
  OtlpHttpExporter::Options options;
  options.endpoint = endpoint;
  options.service_name = service_name;
  absl::StatusOr<std::shared_ptr<OtlpHttpExporter>> exporter = OtlpHttpExporter::Create(options);
  if (!exporter.ok()) return exporter.status();
  InstallExporter(*exporter);
  return exporter;
}

}  // namespace fleet::trace
