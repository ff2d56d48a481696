#include "services/task/domain/window.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace fleet::task {
namespace {

absl::Time At(const char* zone, int y, int mo, int d, int h, int mi) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(zone, &tz));
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), tz);
}

TEST(DailyWindow, SameDayWindow) {
  DailyWindow w = *DailyWindow::Create({60, 4 * 60, "UTC"});  // 01:00-04:00
  EXPECT_FALSE(w.Contains(At("UTC", 2026, 3, 1, 0, 59)));
  EXPECT_TRUE(w.Contains(At("UTC", 2026, 3, 1, 1, 0)));
  EXPECT_TRUE(w.Contains(At("UTC", 2026, 3, 1, 3, 59)));
  EXPECT_FALSE(w.Contains(At("UTC", 2026, 3, 1, 4, 0)));
  EXPECT_EQ(w.NextOpen(At("UTC", 2026, 3, 1, 0, 30)), At("UTC", 2026, 3, 1, 1, 0));
  EXPECT_EQ(w.NextOpen(At("UTC", 2026, 3, 1, 5, 0)), At("UTC", 2026, 3, 2, 1, 0));
  const absl::Time inside = At("UTC", 2026, 3, 1, 2, 0);
  EXPECT_EQ(w.NextOpen(inside), inside);
}

TEST(DailyWindow, CrossesMidnightInLocalTime) {
  DailyWindow w = *DailyWindow::Create({22 * 60, 2 * 60, "Europe/Berlin"});  // 22:00-02:00
  EXPECT_TRUE(w.Contains(At("Europe/Berlin", 2026, 6, 1, 23, 30)));
  EXPECT_TRUE(w.Contains(At("Europe/Berlin", 2026, 6, 2, 1, 59)));
  EXPECT_FALSE(w.Contains(At("Europe/Berlin", 2026, 6, 2, 2, 0)));
  EXPECT_TRUE(w.Contains(At("UTC", 2026, 6, 1, 22, 30)));   // 00:30 CEST
  EXPECT_FALSE(w.Contains(At("UTC", 2026, 6, 1, 19, 30)));  // 21:30 CEST
  EXPECT_TRUE(w.Contains(At("UTC", 2026, 1, 1, 21, 30)));   // 22:30 CET
  EXPECT_EQ(w.NextOpen(At("Europe/Berlin", 2026, 6, 2, 12, 0)), At("Europe/Berlin", 2026, 6, 2, 22, 0));
}

TEST(DailyWindow, SpringForwardStartInsideTheGap) {
  // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT. Window 02:30-04:00.
  DailyWindow w = *DailyWindow::Create({150, 240, "America/New_York"});
  const absl::Time before = At("America/New_York", 2026, 3, 8, 1, 0);
  const absl::Time open = w.NextOpen(before);
  // Opens at the first existing moment after the gap: 03:00 EDT = 07:00 UTC.
  EXPECT_EQ(open, absl::FromCivil(absl::CivilMinute(2026, 3, 8, 7, 0), absl::UTCTimeZone()));
  EXPECT_TRUE(w.Contains(open));
  // Only one real hour that night (03:00-04:00 EDT).
  EXPECT_FALSE(w.Contains(open + absl::Hours(1)));
  EXPECT_TRUE(w.Contains(open + absl::Minutes(59)));
}

TEST(DailyWindow, WindowEntirelyInTheGapOpensNextDay) {
  DailyWindow w = *DailyWindow::Create({2 * 60 + 10, 2 * 60 + 40, "America/New_York"});
  const absl::Time open = w.NextOpen(At("America/New_York", 2026, 3, 8, 0, 0));
  EXPECT_EQ(open, At("America/New_York", 2026, 3, 9, 2, 10));
}

TEST(DailyWindow, FallBackRepeatsTheHour) {
  // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST. Window 01:00-02:00 lasts two real
  // hours that night, and opens at the first 01:00 (EDT).
  DailyWindow w = *DailyWindow::Create({60, 120, "America/New_York"});
  const absl::Time open = w.NextOpen(At("America/New_York", 2026, 11, 1, 0, 0));
  EXPECT_EQ(open, absl::FromCivil(absl::CivilMinute(2026, 11, 1, 5, 0), absl::UTCTimeZone()));
  EXPECT_TRUE(w.Contains(open + absl::Minutes(90)));   // 01:30 EST
  EXPECT_FALSE(w.Contains(open + absl::Hours(2)));     // 02:00 EST
}

TEST(DailyWindow, RejectsBadInput) {
  EXPECT_FALSE(DailyWindow::Create({0, 0, "UTC"}).ok());
  EXPECT_FALSE(DailyWindow::Create({0, 60, "Nowhere/City"}).ok());
  EXPECT_FALSE(DailyWindow::Create({-1, 60, "UTC"}).ok());
}

}  // namespace
}  // namespace fleet::task
