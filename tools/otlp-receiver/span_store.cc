#include "tools/otlp-receiver/span_store.h"

#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::otlp_receiver {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

std::string GetString(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return "";
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// Writes an OTLP AnyValue as a plain JSON value.
void WriteAnyValue(JsonWriter& w, const rapidjson::Value& v) {
  if (v.HasMember("stringValue") && v["stringValue"].IsString()) {
    w.String(v["stringValue"].GetString());
  } else if (v.HasMember("intValue")) {
    const auto& i = v["intValue"];
    if (i.IsString()) {
      w.Int64(std::stoll(i.GetString()));
    } else if (i.IsInt64()) {
      w.Int64(i.GetInt64());
    } else {
      w.Null();
    }
  } else if (v.HasMember("doubleValue") && v["doubleValue"].IsNumber()) {
    w.Double(v["doubleValue"].GetDouble());
  } else if (v.HasMember("boolValue") && v["boolValue"].IsBool()) {
    w.Bool(v["boolValue"].GetBool());
  } else {
    w.Null();
  }
}

}  // namespace

absl::Status SpanStore::AddOtlpJson(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("resourceSpans") ||
      !d["resourceSpans"].IsArray()) {
    return absl::InvalidArgumentError("body is not an OTLP ExportTraceServiceRequest JSON");
  }
  std::vector<std::pair<std::string, std::string>> parsed;
  try {
    for (const auto& rs : d["resourceSpans"].GetArray()) {
      std::string service;
      if (rs.HasMember("resource") && rs["resource"].HasMember("attributes")) {
        for (const auto& a : rs["resource"]["attributes"].GetArray()) {
          if (GetString(a, "key") == "service.name") service = GetString(a["value"], "stringValue");
        }
      }
      if (!rs.HasMember("scopeSpans")) continue;
      for (const auto& ss : rs["scopeSpans"].GetArray()) {
        if (!ss.HasMember("spans")) continue;
        for (const auto& span : ss["spans"].GetArray()) {
          rapidjson::StringBuffer buf;
          JsonWriter w(buf);
          w.StartObject();
          w.Key("name");
          w.String(GetString(span, "name").c_str());
          w.Key("trace_id");
          w.String(GetString(span, "traceId").c_str());
          w.Key("span_id");
          w.String(GetString(span, "spanId").c_str());
          w.Key("parent_span_id");
          w.String(GetString(span, "parentSpanId").c_str());
          w.Key("kind");
          w.Int(span.HasMember("kind") && span["kind"].IsInt() ? span["kind"].GetInt() : 0);
          w.Key("service");
          w.String(service.c_str());
          w.Key("attributes");
          w.StartObject();
          if (span.HasMember("attributes") && span["attributes"].IsArray()) {
            for (const auto& a : span["attributes"].GetArray()) {
              w.Key(GetString(a, "key").c_str());
              if (a.HasMember("value") && a["value"].IsObject()) {
                WriteAnyValue(w, a["value"]);
              } else {
                w.Null();
              }
            }
          }
          w.EndObject();
          w.EndObject();
          parsed.emplace_back(GetString(span, "traceId"), buf.GetString());
        }
      }
    }
  } catch (const std::exception& e) {  // std::stoll on a malformed intValue.
    return absl::InvalidArgumentError(std::string("bad OTLP JSON: ") + e.what());
  }
  absl::MutexLock lock(&mu_);
  for (auto& [trace_id, json] : parsed) {
    trace_ids_.push_back(std::move(trace_id));
    spans_json_.push_back(std::move(json));
  }
  return absl::OkStatus();
}

std::string SpanStore::SpansJson(const std::string& trace_id) const {
  absl::MutexLock lock(&mu_);
  std::string out = "[";
  bool first = true;
  for (size_t i = 0; i < spans_json_.size(); ++i) {
    if (!trace_id.empty() && trace_ids_[i] != trace_id) continue;
    if (!first) out += ",";
    first = false;
    out += spans_json_[i];
  }
  out += "]";
  return out;
}

size_t SpanStore::size() const {
  absl::MutexLock lock(&mu_);
  return spans_json_.size();
}

}  // namespace fleet::otlp_receiver
