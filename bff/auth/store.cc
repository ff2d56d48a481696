#include "bff/auth/store.h"

#include "libs/status/status.h"

namespace fleet::bff::auth {

absl::Status UserNotFound(const std::string& id) {
  return status::MakeError(absl::StatusCode::kNotFound, "USER_NOT_FOUND", "no such user", {{"user", id}});
}
absl::Status UserExists(const std::string& id) {
  return status::MakeError(absl::StatusCode::kAlreadyExists, "USER_ALREADY_EXISTS", "the user exists already",
                           {{"user", id}});
}
absl::Status KeyNotFound(const std::string& id) {
  return status::MakeError(absl::StatusCode::kNotFound, "API_KEY_NOT_FOUND", "no such API key",
                           {{"api_key", id}});
}
absl::Status SessionNotFound() {
  return status::MakeError(absl::StatusCode::kNotFound, "AUTH_INVALID", "no such session");
}

absl::Status KeyAlreadyRevoked(const std::string& id) {
  return status::MakeError(absl::StatusCode::kFailedPrecondition, "API_KEY_REVOKED",
                           "the API key is revoked; create a new one", {{"api_key", id}});
}

}  // namespace fleet::bff::auth
