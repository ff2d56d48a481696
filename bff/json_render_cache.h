#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"

namespace fleet::bff {

// The JSON rendering of the last version of each resource a hot read route served, so that a
// repeated read of an unchanged resource skips protobuf's JSON printer (~7% of the machine in
// `bench/run bff --perf` with the device cache on). A cached rendering is used only when the
// message's binary serialization is byte-for-byte the one it was rendered from, so it is never
// stale whatever changed. Bounded: a shard that reaches its share of `max_entries` is emptied
// (a device entry is ~1 KB with its key, serialization and JSON: the default holds ~20 MB).
// Thread-safe.
class JsonRenderCache {
 public:
  explicit JsonRenderCache(size_t max_entries = 20000);

  // The JSON of `m` (always_print_primitive_fields, as ProtoJson); `key` names the resource.
  // nullptr when protobuf cannot print it.
  std::shared_ptr<const std::string> Render(const std::string& key, const google::protobuf::Message& m);

  struct Stats {
    int64_t hits = 0;
    int64_t misses = 0;
    size_t entries = 0;
  };
  Stats stats();

 private:
  struct Entry {
    std::string wire;  // the serialization the JSON was rendered from
    std::shared_ptr<const std::string> json;
  };
  static constexpr int kShards = 16;
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
    int64_t hits ABSL_GUARDED_BY(mu) = 0;
    int64_t misses ABSL_GUARDED_BY(mu) = 0;
  };
  const size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace fleet::bff
