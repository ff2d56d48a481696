#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/tunnel/domain/session.h"

// Row <-> entity conversions of the PostgreSQL store (internal to storage/). Pure.
namespace fleet::tunnel::pgcodec {

// The columns SessionFrom reads, in order, for SELECT lists.
inline constexpr char kSessionColumns[] =
    "id, device_id, operator, state, server, public_address, services, token, "
    "tunnel_us(create_time), tunnel_us(expire_time), tunnel_us(step_deadline), "
    "tunnel_us(close_time), close_reason, frpc_stopped";

// "name|local_ip|local_port|remote_port" lines, and back (INTERNAL on a malformed value).
std::string EncodeServices(const std::vector<ServicePort>& services);
absl::StatusOr<std::vector<ServicePort>> DecodeServices(const std::string& text);

// "{1,2,3}" and back.
std::string IntArray(const std::vector<int>& values);
std::vector<int> ParseIntArray(const std::string& text);

// Unix microseconds as a statement parameter; nullopt for infinite times (stored as NULL).
std::optional<std::string> MicrosOrNull(absl::Time t);
std::string Micros(absl::Time t);

// A row selected with kSessionColumns.
absl::StatusOr<Session> SessionFrom(const pqxx::row& row);

}  // namespace fleet::tunnel::pgcodec
