#include "bff/ratelimit/windows.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace fleet::bff::ratelimit {

absl::StatusOr<std::vector<Window>> ParseWindows(const std::string& spec) {
  std::vector<Window> out;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    std::vector<std::string> lp = absl::StrSplit(part, '/');
    Window w;
    if (lp.size() != 2 || !absl::SimpleAtoi(lp[0], &w.limit) || !absl::ParseDuration(lp[1], &w.period)) {
      return absl::InvalidArgumentError(
          absl::StrCat("rate limit \"", std::string(part), "\" is not LIMIT/PERIOD like 100/1s"));
    }
    if (w.limit < 1 || w.limit > 1'000'000'000) {
      return absl::InvalidArgumentError(absl::StrCat("rate limit \"", std::string(part), "\": limit must be 1..1e9"));
    }
    if (w.period < absl::Milliseconds(1) || w.period > absl::Hours(24)) {
      return absl::InvalidArgumentError(
          absl::StrCat("rate limit \"", std::string(part), "\": period must be 1ms..24h"));
    }
    for (const Window& o : out) {
      if (o.period == w.period) {
        return absl::InvalidArgumentError(absl::StrCat("rate limit \"", spec, "\" repeats a period"));
      }
    }
    out.push_back(w);
  }
  if (out.size() > 4) return absl::InvalidArgumentError("at most 4 rate limit windows");
  return out;
}

std::string FormatWindows(const std::vector<Window>& windows) {
  return absl::StrJoin(windows, ",", [](std::string* out, const Window& w) {
    absl::StrAppend(out, w.limit, "/", absl::FormatDuration(w.period));
  });
}

}  // namespace fleet::bff::ratelimit
