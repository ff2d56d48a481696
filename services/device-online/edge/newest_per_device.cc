#include "services/device-online/edge/newest_per_device.h"

#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace fleet::online {

std::vector<std::vector<size_t>> NewestPerDevice(const std::vector<kafka::Message>& batch) {
  std::vector<std::vector<size_t>> groups;
  absl::flat_hash_map<std::string_view, size_t> group_of;
  group_of.reserve(batch.size());
  for (size_t i = batch.size(); i-- > 0;) {
    const std::string& key = batch[i].key;
    if (key.empty()) {
      groups.push_back({i});
      continue;
    }
    auto [it, inserted] = group_of.try_emplace(key, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

}  // namespace fleet::online
