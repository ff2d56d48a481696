#include "libs/kafka/reason.h"

#include "absl/strings/str_cat.h"

namespace fleet::kafka {

absl::Status ReasonError(absl::StatusCode code, std::string_view reason, std::string_view message) {
  return absl::Status(code, absl::StrCat(absl::string_view(reason.data(), reason.size()), ": ",
                                          absl::string_view(message.data(), message.size())));
}

std::string_view ErrorReason(const absl::Status& status) {
  const std::string_view msg(status.message().data(), status.message().size());
  const size_t colon = msg.find(": ");
  if (colon == std::string_view::npos || colon == 0) return {};
  for (char c : msg.substr(0, colon)) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return {};
  }
  return msg.substr(0, colon);
}

}  // namespace fleet::kafka
