#include "bff/auth/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace fleet::bff::auth {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr int kKeyIdHex = 16;
constexpr int kKeySecretHex = 64;

std::string ToHex(const unsigned char* p, size_t n) {
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

bool FromHex(const std::string& hex, std::vector<unsigned char>& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int v = 0;
    for (size_t j = i; j < i + 2; ++j) {
      const char c = hex[j];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    out.push_back(static_cast<unsigned char>(v));
  }
  return true;
}

bool IsLowerHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::vector<unsigned char> Pbkdf2(const std::string& password, const std::vector<unsigned char>& salt,
                                  int iterations) {
  std::vector<unsigned char> out(32);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), static_cast<int>(out.size()),
                        out.data()) != 1) {
    std::abort();
  }
  return out;
}

}  // namespace

std::string RandomHex(int bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), bytes) != 1) std::abort();
  return ToHex(buf.data(), buf.size());
}

std::string Sha256Hex(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return ToHex(md, sizeof(md));
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HashPassword(const std::string& password, int iterations) {
  std::vector<unsigned char> salt;
  FromHex(RandomHex(16), salt);
  const std::vector<unsigned char> dk = Pbkdf2(password, salt, iterations);
  return absl::StrCat("pbkdf2-sha256$", iterations, "$", ToHex(salt.data(), salt.size()), "$",
                      ToHex(dk.data(), dk.size()));
}

bool VerifyPassword(const std::string& password, const std::string& hash) {
  std::vector<std::string> parts = absl::StrSplit(hash, '$');
  if (parts.size() != 4 || parts[0] != "pbkdf2-sha256") return false;
  int iterations = 0;
  if (!absl::SimpleAtoi(parts[1], &iterations) || iterations < 1 || iterations > 10'000'000) return false;
  std::vector<unsigned char> salt, want;
  if (!FromHex(parts[2], salt) || !FromHex(parts[3], want) || want.size() != 32) return false;
  const std::vector<unsigned char> got = Pbkdf2(password, salt, iterations);
  return CRYPTO_memcmp(got.data(), want.data(), want.size()) == 0;
}

KeyParts NewApiKeyParts() { return {RandomHex(kKeyIdHex / 2), RandomHex(kKeySecretHex / 2)}; }

std::string FormatApiKey(const KeyParts& parts) { return absl::StrCat("fk_", parts.id, "_", parts.secret); }

absl::StatusOr<KeyParts> ParseApiKey(const std::string& key) {
  const size_t want = 3 + kKeyIdHex + 1 + kKeySecretHex;
  if (key.size() != want || key.compare(0, 3, "fk_") != 0 || key[3 + kKeyIdHex] != '_') {
    return absl::InvalidArgumentError("not an API key");
  }
  KeyParts p{key.substr(3, kKeyIdHex), key.substr(4 + kKeyIdHex)};
  if (!IsLowerHex(p.id) || !IsLowerHex(p.secret)) return absl::InvalidArgumentError("not an API key");
  return p;
}

}  // namespace fleet::bff::auth
