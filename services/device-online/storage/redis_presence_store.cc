#include "services/device-online/storage/redis_presence_store.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/device-online/storage/presence_scripts.h"

namespace fleet::online {
namespace {

constexpr char kGroup[] = "relay";

std::string Ms(absl::Time t) { return std::to_string(absl::ToUnixMillis(t)); }

std::string Num(const std::optional<double>& v) {
  return v ? absl::StrCat(*v) : std::string();
}

absl::Time ParseMs(const redis::Reply& r) {
  int64_t ms = 0;
  if (!r.is_nil()) (void)absl::SimpleAtoi(r.str(), &ms);
  return absl::FromUnixMillis(ms);
}

std::optional<double> ParseDouble(const redis::Reply& r) {
  double v;
  if (r.is_nil() || !absl::SimpleAtod(r.str(), &v)) return std::nullopt;
  return v;
}

// HMGET fields, in this order.
const std::vector<std::string> kFields = {"s", "ls", "sc", "cpu", "mem", "temp", "fw", "sig"};

std::vector<std::string> HmgetArgv(const std::string& key) {
  std::vector<std::string> argv = {"HMGET", key};
  argv.insert(argv.end(), kFields.begin(), kFields.end());
  return argv;
}

// nullopt when the hash does not exist.
std::optional<Presence> ParsePresence(std::string id, const redis::Reply& r) {
  const auto& e = r.elements();
  if (e.size() != kFields.size() || e[0].is_nil()) return std::nullopt;
  Presence p;
  p.device_id = std::move(id);
  p.state = e[0].str() == "1" ? State::kOnline : State::kOffline;
  p.last_seen = ParseMs(e[1]);
  p.state_changed = ParseMs(e[2]);
  p.board.cpu_percent = ParseDouble(e[3]);
  p.board.mem_percent = ParseDouble(e[4]);
  p.board.temperature_c = ParseDouble(e[5]);
  if (!e[6].is_nil()) p.board.firmware_version = e[6].str();
  if (auto sig = ParseDouble(e[7])) p.board.signal_dbm = static_cast<int>(*sig);
  return p;
}

absl::Status ReplyError(const redis::Reply& r, std::string_view what) {
  return absl::InternalError(absl::StrCat("redis ", std::string(what), ": ", r.str()));
}

// Stream entries [[id, [f, v, ...]], ...] -> transitions. Entries whose fields are gone (nil) are
// returned in `gone` so they can be acknowledged.
void ParseEntries(const redis::Reply& entries, std::vector<Transition>& out,
                  std::vector<std::string>& gone) {
  for (const redis::Reply& entry : entries.elements()) {
    if (entry.elements().size() != 2) continue;
    const std::string& id = entry.elements()[0].str();
    const redis::Reply& fields = entry.elements()[1];
    if (fields.is_nil() || fields.elements().empty()) {
      gone.push_back(id);
      continue;
    }
    Transition t;
    t.id = id;
    const auto& f = fields.elements();
    for (size_t i = 0; i + 1 < f.size(); i += 2) {
      const std::string& k = f[i].str();
      const redis::Reply& v = f[i + 1];
      if (k == "d") t.device_id = v.str();
      else if (k == "s") t.state = v.str() == "1" ? State::kOnline : State::kOffline;
      else if (k == "t") t.time = ParseMs(v);
      else if (k == "ls") t.last_seen = ParseMs(v);
      else if (k == "c") t.cause = v.str();
    }
    out.push_back(std::move(t));
  }
}

}  // namespace

RedisPresenceStore::RedisPresenceStore(redis::Client& client, std::string prefix,
                                       absl::Duration seen_resolution)
    : client_(client),
      prefix_(std::move(prefix)),
      resolution_ms_(absl::ToInt64Milliseconds(seen_resolution)),
      touch_(scripts::kTouch),
      sweep_(scripts::kSweep) {}

absl::Status RedisPresenceStore::Touch(absl::Span<const Sighting> sightings, absl::Time now) {
  // Chunks keep each script short, so Redis stays responsive to other clients.
  constexpr size_t kChunk = 256;
  std::vector<redis::EvalCall> calls;
  for (size_t start = 0; start < sightings.size(); start += kChunk) {
    std::vector<std::string> args = {prefix_, Ms(now), std::to_string(resolution_ms_)};
    const size_t end = std::min(sightings.size(), start + kChunk);
    args.reserve(3 + 7 * (end - start));
    for (size_t i = start; i < end; ++i) {
      const Sighting& s = sightings[i];
      args.push_back(s.device_id);
      args.push_back(Ms(s.seen));
      args.push_back(Num(s.board.cpu_percent));
      args.push_back(Num(s.board.mem_percent));
      args.push_back(Num(s.board.temperature_c));
      args.push_back(s.board.firmware_version.value_or(""));
      args.push_back(s.board.signal_dbm ? std::to_string(*s.board.signal_dbm) : "");
    }
    calls.push_back({{}, std::move(args)});
  }
  absl::StatusOr<std::vector<redis::Reply>> replies = redis::EvalPipelined(client_, touch_, calls);
  if (!replies.ok()) return replies.status();
  for (const redis::Reply& r : *replies) {
    if (r.is_error()) return ReplyError(r, "presence touch");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> RedisPresenceStore::SweepOffline(absl::Time cutoff, absl::Time now, int limit) {
  int offline = 0;
  while (offline < limit) {
    const int asked = limit - offline;
    absl::StatusOr<redis::Reply> r =
        redis::Eval(client_, sweep_, {}, {prefix_, Ms(cutoff), Ms(now), std::to_string(asked)});
    if (!r.ok()) return r.status();
    if (r->elements().size() != 2) return ReplyError(*r, "presence sweep");
    const int went = static_cast<int>(r->elements()[0].integer());
    const int rescored = static_cast<int>(r->elements()[1].integer());
    offline += went;
    // Fewer candidates than asked: nothing silent is left. Only rescored ones: look again.
    if (went + rescored < asked || rescored == 0) break;
  }
  return offline;
}

absl::StatusOr<std::optional<Presence>> RedisPresenceStore::Get(std::string_view device_id) {
  const std::string id(device_id);
  absl::StatusOr<redis::Reply> r = client_.Command(HmgetArgv(prefix_ + ":d:" + id));
  if (!r.ok()) return r.status();
  return ParsePresence(id, *r);
}

absl::StatusOr<std::vector<Presence>> RedisPresenceStore::BatchGet(absl::Span<const std::string> ids) {
  std::vector<std::vector<std::string>> cmds;
  cmds.reserve(ids.size());
  for (const std::string& id : ids) cmds.push_back(HmgetArgv(prefix_ + ":d:" + id));
  std::vector<Presence> out;
  if (cmds.empty()) return out;
  absl::StatusOr<std::vector<redis::Reply>> replies = client_.Pipeline(cmds);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < ids.size(); ++i) {
    if ((*replies)[i].is_error()) return ReplyError((*replies)[i], "presence get");
    if (auto p = ParsePresence(ids[i], (*replies)[i])) out.push_back(std::move(*p));
  }
  return out;
}

absl::StatusOr<PresenceStore::Page> RedisPresenceStore::List(StateFilter filter,
                                                             std::string_view after_id, int limit) {
  const std::string set = prefix_ + (filter == StateFilter::kOnline    ? ":on"
                                     : filter == StateFilter::kOffline ? ":off"
                                                                       : ":all");
  const std::string from = after_id.empty() ? "-" : "(" + std::string(after_id);
  absl::StatusOr<std::vector<redis::Reply>> r = client_.Pipeline(
      {{"ZRANGEBYLEX", set, from, "+", "LIMIT", "0", std::to_string(limit + 1)}, {"ZCARD", set}});
  if (!r.ok()) return r.status();
  if ((*r)[0].is_error()) return ReplyError((*r)[0], "presence list");
  Page page;
  page.total = (*r)[1].integer();
  std::vector<std::string> ids;
  for (const redis::Reply& e : (*r)[0].elements()) ids.push_back(e.str());
  if (static_cast<int>(ids.size()) > limit) {
    page.more = true;
    ids.resize(limit);
  }
  absl::StatusOr<std::vector<Presence>> items = BatchGet(ids);
  if (!items.ok()) return items.status();
  page.items = std::move(*items);
  return page;
}

absl::Status RedisPresenceStore::EnsureGroup() {
  absl::StatusOr<redis::Reply> r =
      client_.Command({"XGROUP", "CREATE", prefix_ + ":outbox", kGroup, "0", "MKSTREAM"});
  if (!r.ok()) {
    // An error reply is INTERNAL with Redis' text; BUSYGROUP means it already exists.
    if (r.status().code() == absl::StatusCode::kInternal &&
        std::string(r.status().message()).find("BUSYGROUP") != std::string::npos) {
      return absl::OkStatus();
    }
    return r.status();
  }
  if (r->is_error() && r->str().find("BUSYGROUP") == std::string::npos) {
    return ReplyError(*r, "outbox group");
  }
  return absl::OkStatus();
}

// Runs a stream command; creates the consumer group once if Redis lost it (restart).
absl::StatusOr<redis::Reply> RedisPresenceStore::Stream(const std::vector<std::string>& argv) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<redis::Reply> r = client_.Command(argv);
    const bool nogroup =
        (!r.ok() && std::string(r.status().message()).find("NOGROUP") != std::string::npos) ||
        (r.ok() && r->is_error() && r->str().find("NOGROUP") != std::string::npos);
    if (!nogroup) return r;
    if (absl::Status st = EnsureGroup(); !st.ok()) return st;
  }
  return absl::InternalError("redis outbox: consumer group keeps disappearing");
}

absl::StatusOr<std::vector<Transition>> RedisPresenceStore::Claim(std::string_view consumer, int max,
                                                                  absl::Duration reclaim_idle) {
  const std::string key = prefix_ + ":outbox";
  const std::string me(consumer);
  std::vector<Transition> out;
  std::vector<std::string> gone;
  auto remaining = [&] { return std::to_string(max - static_cast<int>(out.size())); };
  // 1. Our own unacknowledged entries (a previous attempt failed to publish).
  absl::StatusOr<redis::Reply> own =
      Stream({"XREADGROUP", "GROUP", kGroup, me, "COUNT", remaining(), "STREAMS", key, "0"});
  if (!own.ok()) return own.status();
  if (own->is_error()) return ReplyError(*own, "outbox read");
  if (!own->is_nil() && !own->elements().empty()) {
    ParseEntries(own->elements()[0].elements()[1], out, gone);
  }
  // 2. Entries another replica claimed and left idle (it died).
  if (static_cast<int>(out.size()) < max) {
    absl::StatusOr<redis::Reply> stolen =
        Stream({"XAUTOCLAIM", key, kGroup, me,
                std::to_string(absl::ToInt64Milliseconds(reclaim_idle)), "0-0", "COUNT", remaining()});
    if (!stolen.ok()) return stolen.status();
    if (stolen->is_error()) return ReplyError(*stolen, "outbox autoclaim");
    if (stolen->elements().size() >= 2) ParseEntries(stolen->elements()[1], out, gone);
  }
  // 3. New entries.
  if (static_cast<int>(out.size()) < max) {
    absl::StatusOr<redis::Reply> fresh =
        Stream({"XREADGROUP", "GROUP", kGroup, me, "COUNT", remaining(), "STREAMS", key, ">"});
    if (!fresh.ok()) return fresh.status();
    if (fresh->is_error()) return ReplyError(*fresh, "outbox read");
    if (!fresh->is_nil() && !fresh->elements().empty()) {
      ParseEntries(fresh->elements()[0].elements()[1], out, gone);
    }
  }
  if (!gone.empty()) {
    if (absl::Status st = Ack(gone); !st.ok()) return st;
  }
  return out;
}

absl::Status RedisPresenceStore::Ack(absl::Span<const std::string> ids) {
  if (ids.empty()) return absl::OkStatus();
  const std::string key = prefix_ + ":outbox";
  std::vector<std::string> ack = {"XACK", key, kGroup};
  std::vector<std::string> del = {"XDEL", key};
  ack.insert(ack.end(), ids.begin(), ids.end());
  del.insert(del.end(), ids.begin(), ids.end());
  absl::StatusOr<std::vector<redis::Reply>> r = client_.Pipeline({ack, del});
  if (!r.ok()) return r.status();
  for (const redis::Reply& reply : *r) {
    if (reply.is_error()) return ReplyError(reply, "outbox ack");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RedisPresenceStore::OutboxLength() {
  absl::StatusOr<redis::Reply> r = client_.Command({"XLEN", prefix_ + ":outbox"});
  if (!r.ok()) return r.status();
  return r->integer();
}

absl::Status RedisPresenceStore::Report(std::map<std::string, absl::Time> caught_up_to) {
  if (caught_up_to.empty()) return absl::OkStatus();
  std::vector<std::string> argv = {"HSET", prefix_ + ":wm"};
  for (const auto& [partition, t] : caught_up_to) {
    argv.push_back(partition);
    argv.push_back(Ms(t));
  }
  absl::StatusOr<redis::Reply> r = client_.Command(argv);
  if (!r.ok()) return r.status();
  if (r->is_error()) return ReplyError(*r, "watermark report");
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, absl::Time>> RedisPresenceStore::GetAll() {
  absl::StatusOr<redis::Reply> r = client_.Command({"HGETALL", prefix_ + ":wm"});
  if (!r.ok()) return r.status();
  std::map<std::string, absl::Time> out;
  const auto& e = r->elements();
  for (size_t i = 0; i + 1 < e.size(); i += 2) out[e[i].str()] = ParseMs(e[i + 1]);
  return out;
}

}  // namespace fleet::online
