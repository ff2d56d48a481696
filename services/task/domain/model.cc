#include "services/task/domain/model.h"

#include <array>
#include <utility>

namespace fleet::task {
namespace {

template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::pair<E, std::string_view>, N>& table,
                       std::string_view s) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return std::nullopt;
}

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "UNSPECIFIED";
}

constexpr std::array<std::pair<ArtifactKind, std::string_view>, 2> kArtifactKinds{{
    {ArtifactKind::kFirmware, "FIRMWARE"},
    {ArtifactKind::kMcu, "MCU"},
}};
constexpr std::array<std::pair<CampaignKind, std::string_view>, 3> kCampaignKinds{{
    {CampaignKind::kFirmware, "FIRMWARE"},
    {CampaignKind::kMcu, "MCU"},
    {CampaignKind::kCommand, "COMMAND"},
}};
constexpr std::array<std::pair<CampaignState, std::string_view>, 5> kCampaignStates{{
    {CampaignState::kScheduled, "SCHEDULED"},
    {CampaignState::kRunning, "RUNNING"},
    {CampaignState::kPaused, "PAUSED"},
    {CampaignState::kCompleted, "COMPLETED"},
    {CampaignState::kCanceled, "CANCELED"},
}};
constexpr std::array<std::pair<ExecState, std::string_view>, 11> kExecStates{{
    {ExecState::kQueued, "QUEUED"},
    {ExecState::kSent, "SENT"},
    {ExecState::kDownloading, "DOWNLOADING"},
    {ExecState::kVerifying, "VERIFYING"},
    {ExecState::kInstalling, "INSTALLING"},
    {ExecState::kRebooting, "REBOOTING"},
    {ExecState::kSucceeded, "SUCCEEDED"},
    {ExecState::kFailed, "FAILED"},
    {ExecState::kTimedOut, "TIMED_OUT"},
    {ExecState::kCanceled, "CANCELED"},
    {ExecState::kSkipped, "SKIPPED"},
}};

}  // namespace

std::string_view Name(ArtifactKind k) { return NameOf(kArtifactKinds, k); }
std::string_view Name(CampaignKind k) { return NameOf(kCampaignKinds, k); }
std::string_view Name(CampaignState s) { return NameOf(kCampaignStates, s); }
std::string_view Name(ExecState s) { return NameOf(kExecStates, s); }
std::optional<ArtifactKind> ParseArtifactKind(std::string_view s) { return Parse(kArtifactKinds, s); }
std::optional<CampaignKind> ParseCampaignKind(std::string_view s) { return Parse(kCampaignKinds, s); }
std::optional<CampaignState> ParseCampaignState(std::string_view s) {
  return Parse(kCampaignStates, s);
}
std::optional<ExecState> ParseExecState(std::string_view s) { return Parse(kExecStates, s); }

bool IsInFlight(ExecState s) {
  return s == ExecState::kSent || s == ExecState::kDownloading || s == ExecState::kVerifying ||
         s == ExecState::kInstalling || s == ExecState::kRebooting;
}

bool IsFinal(ExecState s) { return s != ExecState::kQueued && !IsInFlight(s); }

bool IsFailure(ExecState s) { return s == ExecState::kFailed || s == ExecState::kTimedOut; }

bool IsFinal(CampaignState s) {
  return s == CampaignState::kCompleted || s == CampaignState::kCanceled;
}

void ExecutionCounts::Add(ExecState s, int64_t n) {
  switch (s) {
    case ExecState::kQueued: queued += n; break;
    case ExecState::kSucceeded: succeeded += n; break;
    case ExecState::kFailed: failed += n; break;
    case ExecState::kTimedOut: timed_out += n; break;
    case ExecState::kCanceled: canceled += n; break;
    case ExecState::kSkipped: skipped += n; break;
    default: in_flight += n; break;
  }
}

}  // namespace fleet::task
