#include "services/device-config/storage/filter_sql.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace fleet::devcfg {
namespace {

using filter::Expr;
using filter::FieldKind;

const char* Column(FieldKind kind) {
  switch (kind) {
    case FieldKind::kId:
      return "id";
    case FieldKind::kDisplayName:
      return "display_name";
    case FieldKind::kModel:
      return "model";
    case FieldKind::kHardwareRevision:
      return "hardware_revision";
    case FieldKind::kGroup:
      return "device_group";
    case FieldKind::kLabel:
      return "labels";
  }
  return "id";
}

// {"key": "value"} as JSON text.
std::string LabelJson(const std::string& key, const std::string& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.String(key.data(), key.size());
  w.String(value.data(), value.size());
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

class Compiler {
 public:
  explicit Compiler(int first) : next_(first) {}

  std::string Emit(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr: {
        std::vector<std::string> parts;
        for (const Expr& c : e.children) parts.push_back(Emit(c));
        return absl::StrCat("(", absl::StrJoin(parts, e.kind == Expr::Kind::kAnd ? " AND " : " OR "), ")");
      }
      case Expr::Kind::kNot:
        return absl::StrCat("(NOT ", Emit(e.children.front()), ")");
      case Expr::Kind::kEquals:
      case Expr::Kind::kNotEquals: {
        std::string cmp;
        if (e.field.kind == FieldKind::kLabel) {
          cmp = absl::StrCat("labels @> ", Param(LabelJson(e.field.label_key, e.value)), "::jsonb");
        } else {
          cmp = absl::StrCat(Column(e.field.kind), " = ", Param(e.value), "::text");
        }
        return e.kind == Expr::Kind::kEquals ? absl::StrCat("(", cmp, ")")
                                             : absl::StrCat("(NOT (", cmp, "))");
      }
      case Expr::Kind::kPresent:
        if (e.field.kind == FieldKind::kLabel)
          return absl::StrCat("(labels ? ", Param(e.field.label_key), "::text)");
        return absl::StrCat("(", Column(e.field.kind), " <> '')");
    }
    return "FALSE";
  }

  std::vector<std::string> params;

 private:
  std::string Param(std::string value) {
    params.push_back(std::move(value));
    return absl::StrCat("$", next_++);
  }
  int next_;
};

}  // namespace

SqlFilter CompileFilter(const filter::Expr& expr, int first_param) {
  Compiler c(first_param);
  SqlFilter out;
  out.sql = c.Emit(expr);
  out.params = std::move(c.params);
  return out;
}

}  // namespace fleet::devcfg
