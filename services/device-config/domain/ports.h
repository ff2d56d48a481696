#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libs/clock/clock.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/device-config/domain/device.h"
#include "services/device-config/domain/filter.h"

// Interfaces the registry use cases need; storage/ implements them. Every method is thread-safe,
// returns UNAVAILABLE when the backend cannot be reached, and uses the errors of errors.h.
namespace fleet::devcfg {

// Where devices live. Inputs are already validated by the caller.
class DeviceRepo {
 public:
  virtual ~DeviceRepo() = default;

  // Stores a new device with create_time = update_time = now and a fresh revision; returns it.
  // DeviceAlreadyExists when the id is taken.
  virtual absl::StatusOr<Device> Create(const Device& device, absl::Time now) = 0;

  virtual absl::StatusOr<std::optional<Device>> Get(std::string_view id) = 0;

  // The devices among `ids` that exist, in the order of `ids` (ids are distinct).
  virtual absl::StatusOr<std::vector<Device>> BatchGet(absl::Span<const std::string> ids) = 0;

  // Replaces the mutable fields (display_name, model, hardware_revision, labels, group) of
  // device.id, sets update_time = now and a fresh revision — only if the stored revision is
  // still `expected_revision`, checked and written atomically. DeviceNotFound, or EtagMismatch
  // carrying the current revision.
  virtual absl::StatusOr<Device> Update(const Device& device, int64_t expected_revision, absl::Time now) = 0;

  // Deletes device `id` (only if its revision is `expected_revision`, when given).
  // DeviceNotFound, EtagMismatch.
  virtual absl::Status Delete(std::string_view id, std::optional<int64_t> expected_revision) = 0;

  struct Page {
    std::vector<Device> items;
    bool more = false;  // a further matching device exists after the last item
  };
  // Matching devices (all when `filter` is null) ordered by id (bytewise), strictly after
  // `after_id` ("" = from the start), at most `limit`.
  virtual absl::StatusOr<Page> List(const filter::Expr* filter, std::string_view after_id, int limit) = 0;

  // Creates all `devices` (distinct ids) atomically with create_time = update_time = now. When
  // any id already exists, nothing is written and the indexes (into `devices`) of the existing
  // ones are returned, ascending; an empty result means everything was created — or, with
  // `dry_run`, would have been, though nothing was written.
  virtual absl::StatusOr<std::vector<size_t>> Import(absl::Span<const Device> devices, absl::Time now,
                                                     bool dry_run) = 0;
};

using ::fleet::Clock;
using ::fleet::RealClock;

}  // namespace fleet::devcfg
