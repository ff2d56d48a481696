#pragma once

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace fleet::online {

enum class State { kOnline, kOffline };

// Board parameters carried by heartbeats. Every field is optional: older firmware sends fewer.
struct BoardParams {
  std::optional<double> cpu_percent;
  std::optional<double> mem_percent;
  std::optional<double> temperature_c;
  std::optional<std::string> firmware_version;
  std::optional<int> signal_dbm;

  bool empty() const {
    return !cpu_percent && !mem_percent && !temperature_c && !firmware_version && !signal_dbm;
  }
  friend bool operator==(const BoardParams&, const BoardParams&) = default;
};

// A valid uplink message from a device, already decoded from the edge protocol.
struct Uplink {
  std::string device_id;
  absl::Time sent_at;    // the envelope timestamp (device clock)
  std::string type;      // "heartbeat", or any other uplink type
  BoardParams board;     // filled for heartbeats
};

// "The device was seen at `seen`" after the ingest policy was applied.
struct Sighting {
  std::string device_id;
  absl::Time seen;
  BoardParams board;  // empty = keep the stored parameters
};

struct Presence {
  std::string device_id;
  State state = State::kOffline;
  absl::Time last_seen;
  absl::Time state_changed;
  BoardParams board;
  friend bool operator==(const Presence&, const Presence&) = default;
};

// A state change, recorded atomically with the state itself, then published.
struct Transition {
  std::string id;  // unique, assigned by the store's outbox
  std::string device_id;
  State state = State::kOnline;
  absl::Time time;
  absl::Time last_seen;
  std::string cause;  // "uplink" or "timeout"
};

enum class StateFilter { kAll, kOnline, kOffline };

inline const char* StateName(State s) { return s == State::kOnline ? "online" : "offline"; }

}  // namespace fleet::online
