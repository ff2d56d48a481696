#pragma once

#include <cstddef>
#include <vector>

#include "libs/kafka/message.h"

namespace fleet::online {

// Decode order for a batch: for each message key (the device id), the batch's indexes of that
// key's messages, newest first (Kafka keeps one key's messages in order within its partition).
// Messages without a key come as groups of one. The ingest decodes a group from the front and
// stops at the first valid message: older ones carry nothing the newest does not, so they are
// folded without being decoded (most of a backlog). A malformed newest message falls back to
// the next older one.
std::vector<std::vector<size_t>> NewestPerDevice(const std::vector<kafka::Message>& batch);

}  // namespace fleet::online
