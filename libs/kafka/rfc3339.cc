#include "libs/kafka/rfc3339.h"

#include <cstdint>

namespace fleet::kafka {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at text[*pos].
bool Digits(std::string_view text, size_t* pos, int n, unsigned* out) {
  if (*pos + n > text.size()) return false;
  unsigned v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

void Put(char* p, unsigned v, int n) {
  for (int i = n - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

}  // namespace

bool ParseRfc3339(std::string_view text, absl::Time* out) {
  size_t pos = 0;
  unsigned year, month, day, hour, minute, second;
  if (!Digits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &day)) {
    return false;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return false;
  }
  ++pos;
  if (!Digits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return false;
  }
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (pos >= text.size()) return false;
  const char zone = text[pos++];
  if (zone == '+' || zone == '-') {
    unsigned oh, om;
    if (!Digits(text, &pos, 2, &oh) || !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &om) ||
        oh > 23 || om > 59) {
      return false;
    }
    offset_seconds = (zone == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
  } else if (zone != 'Z' && zone != 'z') {
    return false;
  }
  if (pos != text.size()) return false;
  // A leap second (:60) normalizes to the first second of the next minute.
  const int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                          second - offset_seconds;
  *out = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  return true;
}

std::string FormatRfc3339(absl::Time t) {
  static const absl::Time kMin = absl::FromUnixSeconds(DaysFromCivil(0, 1, 1) * 86400);
  static const absl::Time kMax =
      absl::FromUnixSeconds(DaysFromCivil(9999, 12, 31) * 86400 + 86399) + absl::Nanoseconds(999999999);
  if (t < kMin) t = kMin;
  if (t > kMax) t = kMax;
  const int64_t secs = absl::ToUnixSeconds(t);  // floors
  const int64_t nanos = absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(secs));
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  char buf[40] = "0000-00-00T00:00:00";
  Put(buf, static_cast<unsigned>(year), 4);
  Put(buf + 5, month, 2);
  Put(buf + 8, day, 2);
  Put(buf + 11, static_cast<unsigned>(sod / 3600), 2);
  Put(buf + 14, static_cast<unsigned>(sod / 60 % 60), 2);
  Put(buf + 17, static_cast<unsigned>(sod % 60), 2);
  size_t len = 19;
  if (nanos != 0) {
    buf[len++] = '.';
    if (nanos % 1000000 == 0) {
      Put(buf + len, static_cast<unsigned>(nanos / 1000000), 3);
      len += 3;
    } else if (nanos % 1000 == 0) {
      Put(buf + len, static_cast<unsigned>(nanos / 1000), 6);
      len += 6;
    } else {
      Put(buf + len, static_cast<unsigned>(nanos), 9);
      len += 9;
    }
  }
  buf[len++] = 'Z';
  return std::string(buf, len);
}

}  // namespace fleet::kafka
