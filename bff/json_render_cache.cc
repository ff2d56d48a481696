#include "bff/json_render_cache.h"

#include <algorithm>
#include <functional>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"

namespace fleet::bff {

JsonRenderCache::JsonRenderCache(size_t max_entries)
    : per_shard_(std::max<size_t>(1, max_entries / kShards)) {}

std::shared_ptr<const std::string> JsonRenderCache::Render(const std::string& key,
                                                           const google::protobuf::Message& m) {
  std::string wire;
  // Deterministic, so equal messages serialize equally (map fields in key order).
  {
    google::protobuf::io::StringOutputStream out(&wire);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    if (!m.SerializeToCodedStream(&coded)) wire.clear();
  }
  Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
  {
    absl::MutexLock lock(&shard.mu);
    auto it = shard.entries.find(key);
    if (it != shard.entries.end() && it->second.wire == wire) {
      ++shard.hits;
      return it->second.json;
    }
    ++shard.misses;
  }
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  auto json = std::make_shared<std::string>();
  if (!google::protobuf::util::MessageToJsonString(m, json.get(), o).ok()) return nullptr;
  absl::MutexLock lock(&shard.mu);
  if (shard.entries.size() >= per_shard_ && !shard.entries.contains(key)) shard.entries.clear();
  shard.entries[key] = Entry{std::move(wire), json};
  return json;
}

JsonRenderCache::Stats JsonRenderCache::stats() {
  Stats s;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    s.hits += shard.hits;
    s.misses += shard.misses;
    s.entries += shard.entries.size();
  }
  return s;
}

}  // namespace fleet::bff
