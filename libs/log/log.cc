#include "libs/log/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "libs/trace/context.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::log {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
std::atomic<int> output_fd{2};

absl::Mutex service_mu;
std::string& ServiceName() {
  static auto* name = new std::string();
  return *name;
}

struct EveryState {
  absl::Time last_logged = absl::InfinitePast();
  int64_t suppressed = 0;
};
absl::Mutex every_mu;
absl::flat_hash_map<std::string, EveryState>& EveryMap() ABSL_EXCLUSIVE_LOCKS_REQUIRED(every_mu) {
  static auto* map = new absl::flat_hash_map<std::string, EveryState>();
  return *map;
}

void Str(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <typename F>
std::string Render(F&& f) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  f(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void WriteAll(const std::string& line) {
  int fd = output_fd.load(std::memory_order_relaxed);
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {  // A single write(2) for any sane line; loop only on partial writes.
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

Field::Field(std::string_view k, std::string_view v)
    : key(k), json_value(Render([&](JsonWriter& w) { Str(w, v); })) {}
Field::Field(std::string_view k, const char* v)
    : Field(k, v == nullptr ? std::string_view() : std::string_view(v)) {}
Field::Field(std::string_view k, int64_t v) : key(k), json_value(std::to_string(v)) {}
Field::Field(std::string_view k, int v) : key(k), json_value(std::to_string(v)) {}
Field::Field(std::string_view k, uint64_t v) : key(k), json_value(std::to_string(v)) {}
Field::Field(std::string_view k, double v)
    : key(k), json_value(std::isfinite(v) ? Render([&](JsonWriter& w) { w.Double(v); }) : "null") {}
Field::Field(std::string_view k, bool v) : key(k), json_value(v ? "true" : "false") {}

void SetMinLevel(Level level) { min_level.store(static_cast<int>(level)); }
Level MinLevel() { return static_cast<Level>(min_level.load()); }
void SetService(std::string_view name) {
  absl::MutexLock lock(&service_mu);
  ServiceName() = std::string(name);
}
void SetOutputFdForTest(int fd) { output_fd.store(fd); }

namespace {

std::string FormatFields(Level level, absl::Time now, std::string_view msg, const Field* begin,
                         const Field* end) {
  std::string service;
  {
    absl::MutexLock lock(&service_mu);
    service = ServiceName();
  }
  const trace::TraceContext& tc = trace::Current();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("ts");
  Str(w, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone()));
  w.Key("level");
  Str(w, LevelName(level));
  w.Key("service");
  Str(w, service);
  w.Key("msg");
  Str(w, msg);
  if (tc.valid()) {
    w.Key("trace_id");
    Str(w, tc.TraceIdHex());
    w.Key("span_id");
    Str(w, tc.SpanIdHex());
  }
  for (const Field* f = begin; f != end; ++f) {
    Str(w, f->key);
    w.RawValue(f->json_value.data(), f->json_value.size(), rapidjson::kStringType);
  }
  w.EndObject();
  std::string line(buf.GetString(), buf.GetSize());
  line.push_back('\n');
  return line;
}

}  // namespace

std::string FormatLine(Level level, absl::Time now, std::string_view msg,
                       std::initializer_list<Field> fields) {
  return FormatFields(level, now, msg, fields.begin(), fields.end());
}

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < min_level.load(std::memory_order_relaxed)) return;
  WriteAll(FormatLine(level, absl::Now(), msg, fields));
}

void Debug(std::string_view msg, std::initializer_list<Field> fields) {
  Write(Level::kDebug, msg, fields);
}
void Info(std::string_view msg, std::initializer_list<Field> fields) {
  Write(Level::kInfo, msg, fields);
}
void Warn(std::string_view msg, std::initializer_list<Field> fields) {
  Write(Level::kWarn, msg, fields);
}
void Error(std::string_view msg, std::initializer_list<Field> fields) {
  Write(Level::kError, msg, fields);
}

bool WarnEvery(std::string_view key, absl::Duration interval, std::string_view msg,
               std::initializer_list<Field> fields) {
  int64_t suppressed = 0;
  {
    absl::MutexLock lock(&every_mu);
    EveryState& state = EveryMap()[std::string(key)];
    absl::Time now = absl::Now();
    if (now - state.last_logged < interval) {
      ++state.suppressed;
      return false;
    }
    state.last_logged = now;
    suppressed = state.suppressed;
    state.suppressed = 0;
  }
  if (static_cast<int>(Level::kWarn) < min_level.load(std::memory_order_relaxed)) return true;
  std::vector<Field> all(fields);
  all.emplace_back("suppressed", suppressed);
  WriteAll(FormatFields(Level::kWarn, absl::Now(), msg, all.data(), all.data() + all.size()));
  return true;
}

int FailStartup(std::string_view what, const absl::Status& status) {
  Error(what, {{"error", status.message()}, {"code", absl::StatusCodeToString(status.code())}});
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace fleet::log
