#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fleet::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// One extra key of a log line; the value is pre-rendered as JSON.
struct Field {
  Field(std::string_view k, std::string_view v);
  Field(std::string_view k, const char* v);
  Field(std::string_view k, const std::string& v) : Field(k, std::string_view(v)) {}
  // Debian's Abseil has its own string_view type (e.g. absl::Status::message()).
  Field(std::string_view k, absl::string_view v) : Field(k, std::string_view(v.data(), v.size())) {}
  Field(std::string_view k, int64_t v);
  Field(std::string_view k, int v);
  Field(std::string_view k, uint64_t v);
  Field(std::string_view k, double v);
  Field(std::string_view k, bool v);
  std::string key;
  std::string json_value;
};

// Process-wide settings; thread-safe (atomic / mutex). Defaults: kInfo, service "".
void SetMinLevel(Level level);
Level MinLevel();
void SetService(std::string_view name);

// Writes one JSON line to stderr (one write(2) per line, so concurrent lines never interleave):
// {"ts":"2024-01-02T03:04:05.678Z","level":"info","service":"...","msg":"...",
//  "trace_id":"...","span_id":"...", <fields>...}
// trace_id/span_id come from fleet::trace::Current() and are omitted when it is invalid.
// Lines below MinLevel() are dropped. Thread-safe.
void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
void Debug(std::string_view msg, std::initializer_list<Field> fields = {});
void Info(std::string_view msg, std::initializer_list<Field> fields = {});
void Warn(std::string_view msg, std::initializer_list<Field> fields = {});
void Error(std::string_view msg, std::initializer_list<Field> fields = {});

// Degraded-mode helper: logs at warn at most once per `interval` per `key`; the logged line carries
// "suppressed": <number of calls for this key dropped since the previous logged line>. Returns true
// if it logged. Thread-safe.
bool WarnEvery(std::string_view key, absl::Duration interval, std::string_view msg,
               std::initializer_list<Field> fields = {});

// Renders a line exactly as Write would (without the level filter); for tests and custom sinks.
std::string FormatLine(Level level, absl::Time now, std::string_view msg,
                       std::initializer_list<Field> fields);

// Test hook: redirect output to `fd` (default 2 = stderr). Thread-safe.
void SetOutputFdForTest(int fd);

// For main(): logs "<what>" at error level with the status, and returns the process exit code:
// 2 for INVALID_ARGUMENT (bad configuration), 1 otherwise.
int FailStartup(std::string_view what, const absl::Status& status);

}  // namespace fleet::log
