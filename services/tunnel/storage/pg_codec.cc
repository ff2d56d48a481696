#include "services/tunnel/storage/pg_codec.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/tunnel/domain/state_machine.h"

namespace fleet::tunnel::pgcodec {

std::string EncodeServices(const std::vector<ServicePort>& services) {
  std::vector<std::string> lines;
  for (const ServicePort& p : services) {
    lines.push_back(absl::StrCat(p.name, "|", p.local_ip, "|", p.local_port, "|", p.remote_port));
  }
  return absl::StrJoin(lines, "\n");
}

absl::StatusOr<std::vector<ServicePort>> DecodeServices(const std::string& text) {
  std::vector<ServicePort> out;
  if (text.empty()) return out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<std::string> f = absl::StrSplit(line, '|');
    ServicePort p;
    if (f.size() != 4 || !absl::SimpleAtoi(f[2], &p.local_port) ||
        !absl::SimpleAtoi(f[3], &p.remote_port)) {
      return absl::InternalError(absl::StrCat("malformed services value \"", std::string(line), "\""));
    }
    p.name = f[0];
    p.local_ip = f[1];
    out.push_back(std::move(p));
  }
  return out;
}

std::string IntArray(const std::vector<int>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

std::vector<int> ParseIntArray(const std::string& text) {
  std::vector<int> out;
  absl::string_view inner(text);
  if (inner.size() >= 2) inner = inner.substr(1, inner.size() - 2);
  for (absl::string_view part : absl::StrSplit(inner, ',', absl::SkipEmpty())) {
    int v = 0;
    if (absl::SimpleAtoi(part, &v)) out.push_back(v);
  }
  return out;
}

std::string Micros(absl::Time t) { return absl::StrCat(absl::ToUnixMicros(t)); }

std::optional<std::string> MicrosOrNull(absl::Time t) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) return std::nullopt;
  return Micros(t);
}

absl::StatusOr<Session> SessionFrom(const pqxx::row& row) {
  Session s;
  s.id = row[0].as<std::string>();
  s.device_id = row[1].as<std::string>();
  s.operator_id = row[2].as<std::string>();
  std::optional<SessionState> state = ParseState(row[3].as<std::string>());
  if (!state) return absl::InternalError(absl::StrCat("session ", s.id, " has an unknown state"));
  s.state = *state;
  s.server = row[4].as<std::string>();
  s.public_address = row[5].as<std::string>();
  absl::StatusOr<std::vector<ServicePort>> services = DecodeServices(row[6].as<std::string>());
  if (!services.ok()) return services.status();
  s.services = std::move(*services);
  s.token = row[7].as<std::string>();
  s.create_time = absl::FromUnixMicros(row[8].as<int64_t>());
  s.expire_time = absl::FromUnixMicros(row[9].as<int64_t>());
  s.step_deadline = row[10].is_null() ? absl::InfiniteFuture() : absl::FromUnixMicros(row[10].as<int64_t>());
  if (!row[11].is_null()) s.close_time = absl::FromUnixMicros(row[11].as<int64_t>());
  s.close_reason = row[12].as<std::string>();
  s.frpc_stopped = row[13].as<bool>();
  return s;
}

}  // namespace fleet::tunnel::pgcodec
