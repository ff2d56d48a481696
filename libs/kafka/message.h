#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::kafka {

// One Kafka record header.
struct Header {
  std::string key;
  std::string value;
};

// A consumed Kafka record (an owning copy; safe to keep after the next Poll).
struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string payload;
  std::vector<Header> headers;
  int64_t timestamp_ms = 0;  // record timestamp (CreateTime), 0 if the broker gave none

  // Value of the first header named `key`, or "" if there is none.
  std::string_view HeaderValue(std::string_view key) const {
    for (const Header& h : headers) {
      if (h.key == key) return h.value;
    }
    return {};
  }
};

}  // namespace fleet::kafka
