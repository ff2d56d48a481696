#include "libs/redis/script.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace fleet::redis {
namespace {

std::string Sha1Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr) != 1) {
    return "";  // Only on OpenSSL misconfiguration; EVALSHA then fails loudly with NOSCRIPT.
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), len));
}

bool IsNoScript(const Reply& r) { return r.is_error() && absl::StartsWith(r.str(), "NOSCRIPT"); }

std::vector<std::string> EvalShaArgv(const Script& script, const EvalCall& call) {
  std::vector<std::string> argv;
  argv.reserve(3 + call.first.size() + call.second.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha1());
  argv.push_back(std::to_string(call.first.size()));
  argv.insert(argv.end(), call.first.begin(), call.first.end());
  argv.insert(argv.end(), call.second.begin(), call.second.end());
  return argv;
}

}  // namespace

Script::Script(std::string lua) : lua_(std::move(lua)), sha1_(Sha1Hex(lua_)) {}

absl::StatusOr<std::vector<Reply>> EvalPipelined(Client& client, const Script& script,
                                                 const std::vector<EvalCall>& calls) {
  std::vector<std::vector<std::string>> cmds;
  cmds.reserve(calls.size());
  for (const auto& call : calls) cmds.push_back(EvalShaArgv(script, call));
  auto replies = client.Pipeline(cmds);
  if (!replies.ok()) return replies.status();

  // Re-run, in order, the calls that found no script, behind a SCRIPT LOAD on the same pipeline.
  std::vector<size_t> missing;
  for (size_t i = 0; i < replies->size(); ++i) {
    if (IsNoScript((*replies)[i])) missing.push_back(i);
  }
  if (missing.empty()) return replies;
  std::vector<std::vector<std::string>> retry = {{"SCRIPT", "LOAD", script.lua()}};
  for (size_t i : missing) retry.push_back(std::move(cmds[i]));
  auto again = client.Pipeline(retry);
  if (!again.ok()) return again.status();
  const Reply& loaded = (*again)[0];
  if (loaded.is_error()) {
    // The script does not compile: every call fails with that error.
    for (size_t i : missing) (*replies)[i] = loaded;
    return replies;
  }
  if (loaded.str() != script.sha1()) {
    return absl::InternalError(absl::StrCat("SCRIPT LOAD returned sha1 ", loaded.str(),
                                            ", expected ", script.sha1()));
  }
  for (size_t k = 0; k < missing.size(); ++k) (*replies)[missing[k]] = (*again)[k + 1];
  return replies;
}

absl::StatusOr<Reply> Eval(Client& client, const Script& script,
                           const std::vector<std::string>& keys,
                           const std::vector<std::string>& args) {
  auto replies = EvalPipelined(client, script, {EvalCall{keys, args}});
  if (!replies.ok()) return replies.status();
  Reply& r = (*replies)[0];
  if (r.is_error()) return absl::InternalError(absl::StrCat("redis script: ", r.str()));
  return std::move(r);
}

}  // namespace fleet::redis
