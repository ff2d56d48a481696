#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace fleet::bff::auth {

// Random bytes from OpenSSL's CSPRNG as lowercase hex (2 * bytes characters). Aborts the
// process if the CSPRNG fails (nothing secure can be done then). Thread-safe.
std::string RandomHex(int bytes);

// Lowercase hex SHA-256 of `data`. Thread-safe.
std::string Sha256Hex(const std::string& data);

// Equality that takes the same time for every pair of equal-length inputs.
bool ConstantTimeEquals(const std::string& a, const std::string& b);

// PBKDF2-HMAC-SHA256 with a random 16-byte salt:
// "pbkdf2-sha256$<iterations>$<salt hex>$<32-byte hash hex>". Thread-safe.
std::string HashPassword(const std::string& password, int iterations);

// Whether `password` matches a HashPassword result (constant-time compare of the derived key).
// False for a malformed hash.
bool VerifyPassword(const std::string& password, const std::string& hash);

// An API key as shown to its owner once: "fk_<id>_<secret>", id 16 hex, secret 64 hex.
struct KeyParts {
  std::string id;
  std::string secret;
};
KeyParts NewApiKeyParts();
std::string FormatApiKey(const KeyParts& parts);
// INVALID_ARGUMENT when `key` does not have the fk_<16 hex>_<64 hex> shape.
absl::StatusOr<KeyParts> ParseApiKey(const std::string& key);

}  // namespace fleet::bff::auth
