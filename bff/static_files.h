#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/http/server.h"

namespace fleet::bff {

// The operator console's built files (bff/web/dist: index.html + assets/), loaded into memory
// once, so serving never touches the file system and no request path can reach outside the
// assets (no traversal by construction). Every answer carries a strict Content-Security-Policy
// (scripts and styles from 'self' only, no inline scripts), X-Content-Type-Options: nosniff and
// frame/referrer protections. Hashed assets (name-<hash>.ext, as Vite emits) are cached as
// immutable for a year; index.html and everything else is "no-cache".
// Immutable after Load(); thread-safe.
class StaticFiles {
 public:
  // Reads `root`/index.html and the regular files directly in `root`/assets. An empty `root` =
  // the UI is not built: "/" and the SPA fallback answer a small page saying so.
  // Errors: NOT_FOUND when root/index.html is missing, INVALID_ARGUMENT when the assets are
  // larger than `max_total_bytes`, UNAVAILABLE when a file cannot be read.
  static absl::StatusOr<std::shared_ptr<const StaticFiles>> Load(const std::string& root,
                                                                 size_t max_total_bytes = 64 << 20);

  // GET / and the SPA fallback: index.html (or the "not built" page).
  http::Response Index() const;
  // GET /assets/{file}: the file; nullopt for a name that is not a loaded asset (the caller
  // answers its own 404).
  std::optional<http::Response> Asset(const std::string& file) const;
  // Whether a GET that matched no API route should get the SPA page: not under /v1, /assets/
  // or another API-looking prefix.
  static bool IsSpaPath(const std::string& path);
  // Content type by file extension (charset utf-8 for text); application/octet-stream if unknown.
  static std::string ContentTypeOf(const std::string& file);
  // Whether `file` is named like a content-hashed build output (name-XXXXXXXX.ext).
  static bool IsHashed(const std::string& file);
  // The security headers every static answer carries.
  static void AddSecurityHeaders(http::Response& r);

 private:
  struct File {
    std::string content_type;
    std::string body;
  };
  StaticFiles() = default;

  bool built_ = false;
  std::string index_;
  std::map<std::string, File> assets_;
};

}  // namespace fleet::bff
