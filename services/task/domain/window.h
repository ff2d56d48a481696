#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/task/domain/model.h"

namespace fleet::task {

// A daily maintenance window in local wall-clock time. A moment is inside when its local time of
// day (in the window's zone, so DST shifts move the window with the wall clock) is in
// [start, end), or, when end < start (crossing midnight), in [start, 24h) or [0, end).
// Immutable and thread-safe after Create.
class DailyWindow {
 public:
  // INVALID_ARGUMENT when the zone cannot be loaded or the minutes are out of range.
  static absl::StatusOr<DailyWindow> Create(const Window& w);

  bool Contains(absl::Time t) const;
  // The earliest moment >= t inside the window (t itself when Contains(t)). On a day when the
  // start's wall-clock time does not exist (spring forward), the window opens at the first
  // existing moment after it.
  absl::Time NextOpen(absl::Time t) const;

 private:
  DailyWindow(const Window& w, absl::TimeZone tz) : w_(w), tz_(tz) {}
  int MinuteOfDayTimesSixty(absl::Time t) const;  // seconds after local midnight

  Window w_;
  absl::TimeZone tz_;
};

}  // namespace fleet::task
