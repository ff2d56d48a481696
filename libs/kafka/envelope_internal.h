#pragma once

// Helpers shared by the envelope codecs. Not part of the public API.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/kafka/envelope.h"

namespace fleet::kafka::envelope_internal {

// Debian's Abseil is built with its own absl::string_view (not an alias of
// std::string_view), so std::string_view arguments to absl functions need this.
inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

// INVALID_ARGUMENT "envelope: <message>".
absl::Status Invalid(std::string_view message);

// Checks the fields every decoder requires: id, sender and (request, event) type.
absl::Status CheckRequired(const Envelope& e);

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF). Fast path for ASCII.
bool IsValidUtf8(std::string_view s);

// The JSON key of the envelope kind: "request", "response" or "event".
std::string_view KindName(EnvelopeKind kind);

// A RapidJSON output stream appending to a std::string.
struct StringOutStream {
  using Ch = char;
  explicit StringOutStream(std::string* s) : out(s) {}
  void Put(char c) { out->push_back(c); }
  void Flush() {}
  std::string* out;
};

}  // namespace fleet::kafka::envelope_internal
