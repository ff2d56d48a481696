#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "bff/ssh/ssh_shell.h"

namespace fleet::bff::ssh {

// The JSON text messages of the web SSH WebSocket (see ssh_routes.h). Pure functions.

struct AuthMessage {
  Credentials credentials;
  int cols = 80;
  int rows = 24;
};

// {"type":"auth","username":..,"password":.. | "privateKey":..,"passphrase":..,"cols":..,"rows":..}.
// INVALID_ARGUMENT / SSH_PROTOCOL_ERROR for anything else (the message never quotes secrets).
absl::StatusOr<AuthMessage> ParseAuth(const std::string& text);

// {"type":"resize","cols":C,"rows":R} -> {cols, rows}; nullopt for any other message (ignored).
std::optional<std::pair<int, int>> ParseResize(const std::string& text);

std::string ReadyMessage(const std::string& fingerprint, int64_t idle_seconds, int64_t max_seconds);
// {"type":"error","error":{"code":<http>,"status":"<CODE>","message":..,"reason":..}}
std::string ErrorMessage(const absl::Status& st);
std::string ClosedMessage(const std::string& reason);

}  // namespace fleet::bff::ssh
