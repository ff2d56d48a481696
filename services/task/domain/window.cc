#include "services/task/domain/window.h"

#include "absl/time/civil_time.h"
#include "libs/status/status.h"

namespace fleet::task {

absl::StatusOr<DailyWindow> DailyWindow::Create(const Window& w) {
  if (w.start_minute < 0 || w.start_minute >= 1440 || w.end_minute < 0 || w.end_minute >= 1440 ||
      w.start_minute == w.end_minute) {
    return status::InvalidField("spec.window", "window minutes must be in 0..1439 and differ");
  }
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(w.time_zone, &tz)) {
    return status::InvalidField("spec.window.time_zone", "unknown time zone " + w.time_zone);
  }
  return DailyWindow(w, tz);
}

int DailyWindow::MinuteOfDayTimesSixty(absl::Time t) const {
  const absl::CivilSecond c = absl::ToCivilSecond(t, tz_);
  return c.hour() * 3600 + c.minute() * 60 + c.second();
}

bool DailyWindow::Contains(absl::Time t) const {
  const int s = MinuteOfDayTimesSixty(t);
  const int start = w_.start_minute * 60, end = w_.end_minute * 60;
  if (start < end) return s >= start && s < end;
  return s >= start || s < end;
}

absl::Time DailyWindow::NextOpen(absl::Time t) const {
  if (Contains(t)) return t;
  const absl::CivilDay today = absl::ToCivilDay(t, tz_);
  for (int d = 0; d <= 3; ++d) {
    const absl::CivilDay day = today + d;
    const absl::CivilSecond start(day.year(), day.month(), day.day(), w_.start_minute / 60,
                                  w_.start_minute % 60, 0);
    const absl::TimeZone::TimeInfo info = tz_.At(start);
    // SKIPPED (spring forward): `trans` is the first moment after the gap. REPEATED (fall
    // back): the first occurrence. UNIQUE: the only one.
    const absl::Time open =
        info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
    // A window lying entirely inside a DST gap does not exist that day.
    if (open >= t && Contains(open)) return open;
  }
  return t + absl::Hours(24);  // unreachable for a valid window
}

}  // namespace fleet::task
