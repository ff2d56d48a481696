#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "libs/kafka/envelope.h"

// The config.apply edge message. Pure functions, thread-safe.
//
// Request body: {"version": N, "hash": "<sha256 of the effective config>", "config": {...}}.
// Request id "config.apply:<device>:<version>", so any replica can match an answer without
// remembering what it sent. Answer body on success: {"version": N, "hash": "..."}.
namespace fleet::devcfg {

inline constexpr std::string_view kApplyType = "config.apply";

std::string ApplyRequestId(std::string_view device_id, int64_t version);

// The request; `effective_json` must be a JSON object. reply_to empty = answer on the uplink.
kafka::Envelope EncodeApply(std::string_view device_id, int64_t version, std::string_view hash,
                            std::string_view effective_json, absl::Time now, std::string_view sender);

// A device's answer to a config.apply.
struct ApplyAnswer {
  std::string device_id;  // from the request id
  int64_t version = 0;    // from the request id
  bool applied = false;   // 2xx
  std::string hash;       // body "hash" when applied
  std::string why;        // failures: description or body "error"
};

// The answer a response envelope carries, or std::nullopt when it is not an answer to a
// config.apply (or the sender is another device than the one in the request id).
std::optional<ApplyAnswer> ParseApplyAnswer(const kafka::Envelope& e);

}  // namespace fleet::devcfg
