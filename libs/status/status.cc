#include "libs/status/status.h"

#include <optional>

#include "absl/strings/cord.h"
#include "google/rpc/status.pb.h"

namespace fleet::status {
namespace {

// Debian's Abseil is built with its own absl::string_view (not std::string_view).
absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  auto payload = status.GetPayload(AbslView(kErrorInfoTypeUrl));
  if (!payload.has_value()) return std::nullopt;
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return info;
}

}  // namespace

absl::Status MakeError(absl::StatusCode code, std::string_view reason, std::string_view message,
                       const std::map<std::string, std::string>& metadata) {
  if (code == absl::StatusCode::kOk) return absl::OkStatus();
  absl::Status status(code, AbslView(message));
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kDomain));
  for (const auto& [k, v] : metadata) (*info.mutable_metadata())[k] = v;
  status.SetPayload(AbslView(kErrorInfoTypeUrl), absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status InvalidField(std::string_view field, std::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, "INVALID_FIELD", message,
                   {{"field", std::string(field)}});
}

std::string Reason(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

std::string ReasonOrDefault(const absl::Status& status) {
  std::string reason = Reason(status);
  if (!reason.empty()) return reason;
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return "";
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_FIELD";
    case absl::StatusCode::kUnavailable:
      return "BACKEND_UNAVAILABLE";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kResourceExhausted:
      return "RATE_LIMITED";
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return "INTERNAL_ERROR";
    default:
      return absl::StatusCodeToString(status.code());
  }
}

std::map<std::string, std::string> Metadata(const absl::Status& status) {
  std::map<std::string, std::string> out;
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  if (info.has_value()) {
    for (const auto& [k, v] : info->metadata()) out.emplace(k, v);
  }
  return out;
}

bool IsRetryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) || absl::IsAborted(status);
}

absl::Status WithMetadata(const absl::Status& status, std::string_view key,
                          std::string_view value) {
  if (status.ok()) return status;
  std::map<std::string, std::string> metadata = Metadata(status);
  metadata[std::string(key)] = std::string(value);
  return MakeError(status.code(), ReasonOrDefault(status), std::string(status.message()), metadata);
}

}  // namespace fleet::status
