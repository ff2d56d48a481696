#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/redis/client.h"
#include "libs/redis/reply.h"

namespace fleet::redis {

// A Lua script, identified by the SHA1 of its text. Immutable; share freely between threads.
class Script {
 public:
  explicit Script(std::string lua);
  const std::string& lua() const { return lua_; }
  // Lowercase hex SHA1 of lua(), as EVALSHA expects.
  const std::string& sha1() const { return sha1_; }

 private:
  std::string lua_;
  std::string sha1_;
};

// Runs `script` with EVALSHA; when Redis does not know it (NOSCRIPT, e.g. after a restart or
// SCRIPT FLUSH) it is loaded (SCRIPT LOAD) and run again transparently in one more round trip.
// Errors as Client::Command: an error reply from the script (runtime error or
// redis.error_reply) is INTERNAL with its text; connection problems are UNAVAILABLE.
absl::StatusOr<Reply> Eval(Client& client, const Script& script,
                           const std::vector<std::string>& keys,
                           const std::vector<std::string>& args);

// Many invocations of one script pipelined in one round trip (two when the script must first
// be loaded), replies in call order. Like Client::Pipeline, a call's error reply stays in the
// result as a kError item; the whole call fails only with UNAVAILABLE.
using EvalCall = std::pair<std::vector<std::string>, std::vector<std::string>>;  // keys, args
absl::StatusOr<std::vector<Reply>> EvalPipelined(Client& client, const Script& script,
                                                 const std::vector<EvalCall>& calls);

}  // namespace fleet::redis
