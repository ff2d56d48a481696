#include "bff/commands/stream_store.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace fleet::bff::commands {

absl::StatusOr<std::optional<LiveStream>> MemoryStreamStore::Get(const std::string& device_id) {
  absl::MutexLock l(&mu_);
  auto it = streams_.find(device_id);
  if (it == streams_.end() || it->second.expire_time <= clock_.Now()) return std::nullopt;
  return it->second;
}

absl::Status MemoryStreamStore::Put(const std::string& device_id, const LiveStream& s) {
  absl::MutexLock l(&mu_);
  streams_[device_id] = s;
  return absl::OkStatus();
}

absl::Status MemoryStreamStore::Delete(const std::string& device_id) {
  absl::MutexLock l(&mu_);
  streams_.erase(device_id);
  return absl::OkStatus();
}

absl::StatusOr<bool> MemoryStreamStore::TryLock(const std::string& device_id, absl::Duration ttl) {
  absl::MutexLock l(&mu_);
  const absl::Time now = clock_.Now();
  auto it = locks_.find(device_id);
  if (it != locks_.end() && it->second > now) return false;
  locks_[device_id] = now + ttl;
  return true;
}

absl::Status MemoryStreamStore::Unlock(const std::string& device_id) {
  absl::MutexLock l(&mu_);
  locks_.erase(device_id);
  return absl::OkStatus();
}

namespace {
// stream_id \n url \n quality \n start_us \n expire_us (ids and urls never hold newlines: the
// device's values are checked before they are stored).
std::string Encode(const LiveStream& s) {
  return absl::StrCat(s.stream_id, "\n", s.url, "\n", s.quality, "\n", absl::ToUnixMicros(s.start_time), "\n",
                      absl::ToUnixMicros(s.expire_time));
}
std::optional<LiveStream> Decode(const std::string& v) {
  std::vector<std::string> f = absl::StrSplit(v, '\n');
  int64_t start = 0, expire = 0;
  if (f.size() != 5 || !absl::SimpleAtoi(f[3], &start) || !absl::SimpleAtoi(f[4], &expire)) return std::nullopt;
  return LiveStream{f[0], f[1], f[2], absl::FromUnixMicros(start), absl::FromUnixMicros(expire)};
}
}  // namespace

absl::StatusOr<std::optional<LiveStream>> RedisStreamStore::Get(const std::string& device_id) {
  auto r = redis_.Command({"GET", prefix_ + "stream:" + device_id});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return std::nullopt;
  std::optional<LiveStream> s = Decode(r->str());
  if (!s || s->expire_time <= clock_.Now()) return std::nullopt;
  return s;
}

absl::Status RedisStreamStore::Put(const std::string& device_id, const LiveStream& s) {
  const int64_t ttl_ms = absl::ToInt64Milliseconds(s.expire_time - clock_.Now());
  if (ttl_ms <= 0) return absl::OkStatus();
  auto r = redis_.Command({"SET", prefix_ + "stream:" + device_id, Encode(s), "PX", absl::StrCat(ttl_ms)});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::Status RedisStreamStore::Delete(const std::string& device_id) {
  auto r = redis_.Command({"DEL", prefix_ + "stream:" + device_id});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<bool> RedisStreamStore::TryLock(const std::string& device_id, absl::Duration ttl) {
  auto r = redis_.Command({"SET", prefix_ + "stream-lock:" + device_id, "1", "NX", "PX",
                           absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl)))});
  if (!r.ok()) return r.status();
  return !r->is_nil();
}

absl::Status RedisStreamStore::Unlock(const std::string& device_id) {
  auto r = redis_.Command({"DEL", prefix_ + "stream-lock:" + device_id});
  return r.ok() ? absl::OkStatus() : r.status();
}

}  // namespace fleet::bff::commands
