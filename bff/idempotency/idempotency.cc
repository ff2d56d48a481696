#include "bff/idempotency/idempotency.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bff/auth/crypto.h"
#include "bff/http_util.h"
#include "libs/log/log.h"
#include "libs/redis/script.h"
#include "libs/status/status.h"

namespace fleet::bff::idempotency {
namespace {

std::string Fingerprint(const http::Request& r) {
  return auth::Sha256Hex(absl::StrCat(r.method, "\n", r.path, "\n", r.body));
}

std::string EncodeHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out;
  for (const auto& [k, v] : headers) absl::StrAppend(&out, k, "\t", v, "\n");
  return out;
}

std::vector<std::pair<std::string, std::string>> DecodeHeaders(const std::string& s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view line : absl::StrSplit(s, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('\t', 1));
    out.push_back(std::move(kv));
  }
  return out;
}

const redis::Script& BeginScript() {
  static const auto* s = new redis::Script(R"lua(
local fp = redis.call('HGET', KEYS[1], 'fp')
if not fp then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'done', '0')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {0}
end
if fp ~= ARGV[1] then return {3} end
if redis.call('HGET', KEYS[1], 'done') ~= '1' then return {1} end
local v = redis.call('HMGET', KEYS[1], 'status', 'ctype', 'headers', 'body')
return {2, v[1], v[2], v[3], v[4]}
)lua");
  return *s;
}

bool ValidKey(const std::string& k) {
  if (k.empty() || k.size() > 255) return false;
  for (unsigned char c : k) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<BeginResult> MemoryStore::Begin(const std::string& key, const std::string& fingerprint,
                                               absl::Duration pending_ttl) {
  absl::MutexLock l(&mu_);
  const absl::Time now = clock_.Now();
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expire <= now) {
    entries_[key] = Entry{fingerprint, false, {}, now + pending_ttl};
    return BeginResult{};
  }
  if (it->second.fingerprint != fingerprint) return BeginResult{BeginResult::Kind::kMismatch, {}};
  if (!it->second.done) return BeginResult{BeginResult::Kind::kInProgress, {}};
  return BeginResult{BeginResult::Kind::kReplay, it->second.response};
}

absl::Status MemoryStore::Complete(const std::string& key, const StoredResponse& response, absl::Duration ttl) {
  absl::MutexLock l(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return absl::OkStatus();
  it->second.done = true;
  it->second.response = response;
  it->second.expire = clock_.Now() + ttl;
  return absl::OkStatus();
}

absl::Status MemoryStore::Abandon(const std::string& key) {
  absl::MutexLock l(&mu_);
  entries_.erase(key);
  return absl::OkStatus();
}

absl::StatusOr<BeginResult> RedisStore::Begin(const std::string& key, const std::string& fingerprint,
                                              absl::Duration pending_ttl) {
  auto r = redis::Eval(redis_, BeginScript(), {prefix_ + "idem:" + key},
                       {fingerprint, absl::StrCat(absl::ToInt64Milliseconds(pending_ttl))});
  if (!r.ok()) return r.status();
  const auto& e = r->elements();
  if (e.empty()) return absl::InternalError("idempotency: unexpected reply " + r->DebugString());
  BeginResult out;
  switch (e[0].integer()) {
    case 0: out.kind = BeginResult::Kind::kNew; break;
    case 1: out.kind = BeginResult::Kind::kInProgress; break;
    case 3: out.kind = BeginResult::Kind::kMismatch; break;
    case 2: {
      if (e.size() != 5) return absl::InternalError("idempotency: unexpected reply " + r->DebugString());
      out.kind = BeginResult::Kind::kReplay;
      int status = 0;
      if (!absl::SimpleAtoi(e[1].str(), &status)) return absl::InternalError("idempotency: bad stored status");
      out.response.status = status;
      out.response.content_type = e[2].str();
      out.response.headers = DecodeHeaders(e[3].str());
      out.response.body = e[4].str();
      break;
    }
    default: return absl::InternalError("idempotency: unexpected reply " + r->DebugString());
  }
  return out;
}

absl::Status RedisStore::Complete(const std::string& key, const StoredResponse& response, absl::Duration ttl) {
  const std::string k = prefix_ + "idem:" + key;
  auto r = redis_.Pipeline({{"HSET", k, "done", "1", "status", absl::StrCat(response.status), "ctype",
                             response.content_type, "headers", EncodeHeaders(response.headers), "body", response.body},
                            {"PEXPIRE", k, absl::StrCat(absl::ToInt64Milliseconds(ttl))}});
  if (!r.ok()) return r.status();
  for (const redis::Reply& x : *r) {
    if (x.is_error()) return absl::InternalError("idempotency: " + x.str());
  }
  return absl::OkStatus();
}

absl::Status RedisStore::Abandon(const std::string& key) {
  auto r = redis_.Command({"DEL", prefix_ + "idem:" + key});
  return r.ok() ? absl::OkStatus() : r.status();
}

http::Response Guard::Handle(const http::Request& r, const std::string& caller,
                             const std::function<http::Response()>& run) {
  const std::string key = r.Header("idempotency-key");
  if (r.method != "POST" || key.empty()) return run();
  if (!ValidKey(key)) {
    return Error(status::InvalidField("Idempotency-Key", "Idempotency-Key must be 1..255 printable ASCII characters"), r);
  }
  const std::string scoped = absl::StrCat(caller, "\n", key);
  absl::StatusOr<BeginResult> begun = store_.Begin(scoped, Fingerprint(r), options_.pending_ttl);
  if (!begun.ok()) {
    log::WarnEvery("idempotency-store", absl::Seconds(10),
                   "Idempotency-Key store unreachable: request runs without replay protection",
                   {{"error", std::string(begun.status().message())}});
    return run();
  }
  switch (begun->kind) {
    case BeginResult::Kind::kMismatch:
      return Error(status::MakeError(absl::StatusCode::kInvalidArgument, "IDEMPOTENCY_KEY_REUSED",
                                     "this Idempotency-Key was used with a different request",
                                     {{"field", "Idempotency-Key"}}),
                   r);
    case BeginResult::Kind::kInProgress: {
      http::Response resp =
          Error(status::MakeError(absl::StatusCode::kAborted, "IDEMPOTENCY_IN_PROGRESS",
                                  "a request with this Idempotency-Key is still running; retry shortly",
                                  {{"retry_after_seconds", "1"}}),
                r);
      return resp;
    }
    case BeginResult::Kind::kReplay: {
      http::Response resp;
      resp.status = begun->response.status;
      resp.content_type = begun->response.content_type;
      resp.body = begun->response.body;
      resp.headers = begun->response.headers;
      resp.headers.push_back({"Idempotency-Replayed", "true"});
      return resp;
    }
    case BeginResult::Kind::kNew: break;
  }
  http::Response resp = run();
  absl::Status st = resp.status >= 500
                        ? store_.Abandon(scoped)
                        : store_.Complete(scoped, {resp.status, resp.content_type, resp.body, resp.headers}, options_.ttl);
  if (!st.ok()) {
    log::WarnEvery("idempotency-store", absl::Seconds(10), "Idempotency-Key result not stored",
                   {{"error", std::string(st.message())}});
  }
  return resp;
}

}  // namespace fleet::bff::idempotency
