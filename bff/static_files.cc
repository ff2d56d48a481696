#include "bff/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace fleet::bff {
namespace {

namespace fs = std::filesystem;

constexpr char kCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

constexpr char kNotBuilt[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>fleetd</title></head>"
    "<body><h1>fleetd</h1><p>The operator console is not built. Build it with <code>bff/web/build</code> "
    "and start the BFF with <code>--web_root=bff/web/dist</code>. The API is at <code>/v1</code>.</p>"
    "</body></html>\n";

// Names Vite emits: letters, digits, '.', '_' and '-', not starting with '.'.
bool SafeName(const std::string& name) {
  if (name.empty() || name.size() > 200 || name[0] == '.') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

absl::StatusOr<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", p.string()));
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat("error reading ", p.string()));
  return out.str();
}

http::Response Page(int status, std::string content_type, std::string body, const char* cache) {
  http::Response r{status, std::move(content_type), {}, std::move(body)};
  r.headers.emplace_back("Cache-Control", cache);
  StaticFiles::AddSecurityHeaders(r);
  return r;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const StaticFiles>> StaticFiles::Load(const std::string& root,
                                                                     size_t max_total_bytes) {
  std::shared_ptr<StaticFiles> files(new StaticFiles());
  if (root.empty()) return std::shared_ptr<const StaticFiles>(files);
  const fs::path dir(root);
  std::error_code ec;
  if (!fs::is_regular_file(dir / "index.html", ec)) {
    return absl::NotFoundError(absl::StrCat("web root ", root, " has no index.html (build it with bff/web/build)"));
  }
  auto index = ReadFile(dir / "index.html");
  if (!index.ok()) return index.status();
  files->index_ = std::move(*index);
  size_t total = files->index_.size();
  const fs::path assets = dir / "assets";
  if (fs::is_directory(assets, ec)) {
    for (const fs::directory_entry& e : fs::directory_iterator(assets, ec)) {
      const std::string name = e.path().filename().string();
      // Symlinks are not followed: only regular files that are themselves in assets/.
      if (!SafeName(name) || !e.is_regular_file(ec) || e.is_symlink(ec)) continue;
      auto body = ReadFile(e.path());
      if (!body.ok()) return body.status();
      total += body->size();
      if (total > max_total_bytes) {
        return absl::InvalidArgumentError(
            absl::StrCat("web root ", root, " holds more than ", max_total_bytes, " bytes of assets"));
      }
      files->assets_[name] = File{ContentTypeOf(name), std::move(*body)};
    }
    if (ec) return absl::UnavailableError(absl::StrCat("cannot list ", assets.string(), ": ", ec.message()));
  }
  files->built_ = true;
  return std::shared_ptr<const StaticFiles>(files);
}

http::Response StaticFiles::Index() const {
  if (!built_) return Page(200, "text/html; charset=utf-8", kNotBuilt, "no-cache");
  return Page(200, "text/html; charset=utf-8", index_, "no-cache");
}

std::optional<http::Response> StaticFiles::Asset(const std::string& file) const {
  auto it = SafeName(file) ? assets_.find(file) : assets_.end();
  if (it == assets_.end()) return std::nullopt;
  return Page(200, it->second.content_type, it->second.body,
              IsHashed(file) ? "public, max-age=31536000, immutable" : "no-cache");
}

bool StaticFiles::IsSpaPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  for (const char* api : {"/v1", "/assets/", "/openapi", "/healthz", "/readyz", "/metrics"}) {
    if (absl::StartsWith(path, api)) return false;
  }
  return true;
}

std::string StaticFiles::ContentTypeOf(const std::string& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},          {".map", "application/json"},
      {".svg", "image/svg+xml"},              {".png", "image/png"},
      {".jpg", "image/jpeg"},                 {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},               {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},  {".webmanifest", "application/manifest+json"},
  };
  const std::string lower = absl::AsciiStrToLower(file);
  for (const auto& [ext, type] : kTypes) {
    if (absl::EndsWith(lower, ext)) return type;
  }
  return "application/octet-stream";
}

bool StaticFiles::IsHashed(const std::string& file) {
  // Vite: <name>-<8 chars of [A-Za-z0-9_-]>.<ext>
  const size_t dot = file.rfind('.');
  if (dot == std::string::npos || dot < 9) return false;
  const size_t start = dot - 8;
  if (file[start - 1] != '-') return false;
  for (size_t i = start; i < dot; ++i) {
    const char c = file[i];
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

void StaticFiles::AddSecurityHeaders(http::Response& r) {
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
}

}  // namespace fleet::bff
