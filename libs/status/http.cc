#include "libs/status/http.h"

#include <map>

#include "libs/log/log.h"
#include "libs/status/status.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::status {
namespace {

bool HidesMessage(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss;
}

void WriteString(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

int HttpStatusCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kCancelled: return 499;
    case absl::StatusCode::kUnknown: return 500;
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists: return 409;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kResourceExhausted: return 429;
    case absl::StatusCode::kFailedPrecondition: return 400;
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kUnimplemented: return 501;
    case absl::StatusCode::kInternal: return 500;
    case absl::StatusCode::kUnavailable: return 503;
    case absl::StatusCode::kDataLoss: return 500;
    case absl::StatusCode::kUnauthenticated: return 401;
    default: return 500;
  }
}

std::string ToHttpJson(const absl::Status& status, std::string_view request_id,
                       std::string_view trace_id) {
  std::map<std::string, std::string> metadata = Metadata(status);
  if (!request_id.empty()) metadata["request_id"] = std::string(request_id);
  if (!trace_id.empty()) metadata["trace_id"] = std::string(trace_id);
  std::string reason = ReasonOrDefault(status);
  std::string_view message(status.message().data(), status.message().size());
  if (HidesMessage(status.code())) {
    log::Error("internal error hidden from HTTP caller",
               {{"code", absl::StatusCodeToString(status.code())},
                {"reason", reason},
                {"error", message},
                {"request_id", request_id}});
    message = kInternalErrorMessage;
  }

  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.Int(HttpStatusCode(status.code()));
  w.Key("message");
  WriteString(w, message);
  w.Key("status");
  WriteString(w, absl::StatusCodeToString(status.code()));
  if (!status.ok()) {
    w.Key("details");
    w.StartArray();
    w.StartObject();
    w.Key("@type");
    WriteString(w, kErrorInfoTypeUrl);
    w.Key("reason");
    WriteString(w, reason);
    w.Key("domain");
    WriteString(w, kDomain);
    w.Key("metadata");
    w.StartObject();
    for (const auto& [k, v] : metadata) {
      WriteString(w, k);
      WriteString(w, v);
    }
    w.EndObject();
    w.EndObject();
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace fleet::status
