#include "services/device-config/domain/filter.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/status/status.h"
#include "services/device-config/domain/validation.h"

namespace fleet::devcfg::filter {
namespace {

constexpr size_t kMaxValueLength = 1024;
constexpr char kFieldList[] = "id, display_name, model, hardware_revision, group, labels.<key>";

absl::Status Error(size_t pos, std::string_view message) {
  return status::MakeError(absl::StatusCode::kInvalidArgument, "INVALID_FILTER",
                           absl::StrCat("invalid filter at position ", pos, ": ", std::string(message)),
                           {{"field", "filter"}, {"position", std::to_string(pos)}});
}

struct Token {
  enum Type { kEnd, kLParen, kRParen, kEq, kNe, kColon, kStar, kString, kWord, kAnd, kOr, kNot };
  Type type = kEnd;
  std::string text;  // kWord: the word; kString: the unescaped content
  size_t pos = 0;
};

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '/' || c == '-';
}

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Token t;
    t.pos = i;
    if (c == '(') {
      t.type = Token::kLParen;
      ++i;
    } else if (c == ')') {
      t.type = Token::kRParen;
      ++i;
    } else if (c == '=') {
      t.type = Token::kEq;
      ++i;
    } else if (c == ':') {
      t.type = Token::kColon;
      ++i;
    } else if (c == '*') {
      t.type = Token::kStar;
      ++i;
    } else if (c == '!' && i + 1 < s.size() && s[i + 1] == '=') {
      t.type = Token::kNe;
      i += 2;
    } else if (c == '<' || c == '>' || c == '!' || c == '~') {
      const bool two = i + 1 < s.size() && s[i + 1] == '=';
      return Error(i, absl::StrCat("operator \"", std::string(s.substr(i, two ? 2 : 1)),
                                   "\" is not supported; use =, != or :"));
    } else if (c == '"') {
      t.type = Token::kString;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        if (s[i] == '\\') {
          if (i + 1 >= s.size() || (s[i + 1] != '"' && s[i + 1] != '\\')) {
            return Error(i, "only \\\" and \\\\ escapes are allowed in a quoted string");
          }
          t.text += s[i + 1];
          i += 2;
          continue;
        }
        t.text += s[i++];
      }
      if (!closed) return Error(t.pos, "unterminated quoted string");
      if (t.text.size() > kMaxValueLength) {
        return Error(t.pos, absl::StrCat("a value may have at most ", kMaxValueLength, " bytes"));
      }
    } else if (IsWordChar(c)) {
      while (i < s.size() && IsWordChar(s[i])) t.text += s[i++];
      if (t.text == "AND")
        t.type = Token::kAnd;
      else if (t.text == "OR")
        t.type = Token::kOr;
      else if (t.text == "NOT")
        t.type = Token::kNot;
      else
        t.type = Token::kWord;
      if (t.text.size() > kMaxValueLength) {
        return Error(t.pos, absl::StrCat("a value may have at most ", kMaxValueLength, " bytes"));
      }
    } else {
      return Error(i, absl::StrCat("unexpected character '", Printable(std::string_view(&c, 1)),
                                   "'; quote values that contain it"));
    }
    out.push_back(std::move(t));
  }
  out.push_back(Token{Token::kEnd, "", s.size()});
  return out;
}

// Appends `e` to `children`, splicing in the children of a same-kind node (a AND (b AND c)).
void AddFlattened(Expr::Kind kind, Expr e, std::vector<Expr>& children) {
  if (e.kind == kind) {
    for (Expr& c : e.children) children.push_back(std::move(c));
  } else {
    children.push_back(std::move(e));
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  absl::StatusOr<Expr> ParseAll() {
    absl::StatusOr<Expr> e = ParseExpr();
    if (!e.ok()) return e;
    const Token& next = Peek();
    if (next.type == Token::kRParen) return Error(next.pos, "unbalanced ')'");
    if (next.type != Token::kEnd) return Error(next.pos, Expected("AND, OR or the end of the filter", next));
    return e;
  }

 private:
  const Token& Peek() const { return t_[i_]; }
  const Token& Take() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }

  static std::string Expected(std::string_view what, const Token& got) {
    std::string msg = absl::StrCat("expected ", std::string(what));
    if (got.type == Token::kEnd) return absl::StrCat(msg, ", found the end of the filter");
    if (got.type == Token::kWord) {
      const std::string lower = absl::AsciiStrToLower(got.text);
      if (lower == "and" || lower == "or" || lower == "not") {
        return absl::StrCat(msg, ", found \"", got.text, "\" (operators are upper case)");
      }
      return absl::StrCat(msg, ", found \"", Printable(got.text), "\"");
    }
    if (got.type == Token::kString) return absl::StrCat(msg, ", found a quoted string");
    return msg;
  }

  absl::StatusOr<Expr> Combine(Expr::Kind kind, absl::StatusOr<Expr> (Parser::*next)(), Token::Type op) {
    absl::StatusOr<Expr> first = (this->*next)();
    if (!first.ok() || Peek().type != op) return first;
    Expr out;
    out.kind = kind;
    AddFlattened(kind, std::move(*first), out.children);
    while (Peek().type == op) {
      Take();
      absl::StatusOr<Expr> more = (this->*next)();
      if (!more.ok()) return more;
      AddFlattened(kind, std::move(*more), out.children);
    }
    return out;
  }

  absl::StatusOr<Expr> ParseExpr() { return Combine(Expr::Kind::kAnd, &Parser::ParseSequence, Token::kAnd); }
  absl::StatusOr<Expr> ParseSequence() { return Combine(Expr::Kind::kOr, &Parser::ParseFactor, Token::kOr); }

  absl::StatusOr<Expr> ParseFactor() {
    const Token& t = Peek();
    if (++depth_ > kMaxDepth) return Error(t.pos, absl::StrCat("nesting deeper than ", kMaxDepth));
    absl::StatusOr<Expr> out;
    if (t.type == Token::kNot) {
      Take();
      absl::StatusOr<Expr> inner = ParseFactor();
      if (!inner.ok()) return inner;
      Expr e;
      e.kind = Expr::Kind::kNot;
      e.children.push_back(std::move(*inner));
      out = std::move(e);
    } else if (t.type == Token::kLParen) {
      const size_t open = t.pos;
      Take();
      out = ParseExpr();
      if (!out.ok()) return out;
      const Token& close = Peek();
      if (close.type != Token::kRParen) {
        return Error(close.pos, Expected(absl::StrCat("')' to close the '(' at position ", open), close));
      }
      Take();
    } else {
      out = ParseComparison();
    }
    --depth_;
    return out;
  }

  absl::StatusOr<Expr> ParseComparison() {
    const Token name = Take();
    if (name.type != Token::kWord) {
      return Error(name.pos, Expected(absl::StrCat("a field name (", kFieldList, ")"), name));
    }
    if (++comparisons_ > kMaxComparisons) {
      return Error(name.pos, absl::StrCat("at most ", kMaxComparisons, " comparisons per filter"));
    }
    const Token op = Take();
    Expr e;
    if (name.text == "labels") {  // only `labels:<key>`
      if (op.type != Token::kColon) {
        return Error(op.pos, "compare one label as labels.<key>, or test a key with labels:<key>");
      }
      const Token key = Take();
      if ((key.type != Token::kWord && key.type != Token::kString) || !IsValidLabelKey(key.text)) {
        return Error(key.pos,
                     "expected a label key ([a-z0-9._/-], starting with a lowercase letter or digit)");
      }
      e.kind = Expr::Kind::kPresent;
      e.field = {FieldKind::kLabel, key.text};
      return e;
    }
    absl::StatusOr<Field> field = ResolveField(name);
    if (!field.ok()) return field.status();
    e.field = *field;
    if (op.type == Token::kColon) {
      const Token star = Take();
      if (star.type != Token::kStar) {
        return Error(star.pos, absl::StrCat("only \"", Printable(name.text),
                                            ":*\" (has a value) is supported after ':'"));
      }
      e.kind = Expr::Kind::kPresent;
      return e;
    }
    if (op.type != Token::kEq && op.type != Token::kNe) {
      return Error(op.pos, Expected(absl::StrCat("=, != or : after \"", Printable(name.text), "\""), op));
    }
    e.kind = op.type == Token::kEq ? Expr::Kind::kEquals : Expr::Kind::kNotEquals;
    const Token value = Take();
    if (value.type != Token::kWord && value.type != Token::kString) {
      return Error(value.pos, Expected("a value (a \"quoted string\" or a bare word)", value));
    }
    e.value = value.text;
    return e;
  }

  static absl::StatusOr<Field> ResolveField(const Token& name) {
    const std::string& n = name.text;
    if (n == "id") return Field{FieldKind::kId, ""};
    if (n == "display_name") return Field{FieldKind::kDisplayName, ""};
    if (n == "model") return Field{FieldKind::kModel, ""};
    if (n == "hardware_revision") return Field{FieldKind::kHardwareRevision, ""};
    if (n == "group") return Field{FieldKind::kGroup, ""};
    if (n.rfind("labels.", 0) == 0) {
      std::string key = n.substr(7);
      if (!IsValidLabelKey(key)) {
        return Error(name.pos + 7, absl::StrCat("\"", Printable(key),
                                                "\" is not a valid label key ([a-z0-9._/-], "
                                                "starting with a lowercase letter or digit)"));
      }
      return Field{FieldKind::kLabel, std::move(key)};
    }
    return Error(name.pos,
                 absl::StrCat("unknown field \"", Printable(n), "\"; filterable fields: ", kFieldList));
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
  int comparisons_ = 0;
};

const std::string* PlainValue(const Field& f, const Device& d) {
  switch (f.kind) {
    case FieldKind::kId:
      return &d.id;
    case FieldKind::kDisplayName:
      return &d.display_name;
    case FieldKind::kModel:
      return &d.model;
    case FieldKind::kHardwareRevision:
      return &d.hardware_revision;
    case FieldKind::kGroup:
      return &d.group;
    case FieldKind::kLabel:
      break;
  }
  auto it = d.labels.find(f.label_key);
  return it == d.labels.end() ? nullptr : &it->second;
}

std::string Quote(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

absl::StatusOr<std::optional<Expr>> Parse(std::string_view text) {
  if (text.size() > kMaxFilterLength) {
    return Error(kMaxFilterLength, absl::StrCat("a filter may have at most ", kMaxFilterLength, " bytes"));
  }
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return std::optional<Expr>();
  absl::StatusOr<Expr> e = Parser(std::move(*tokens)).ParseAll();
  if (!e.ok()) return e.status();
  return std::optional<Expr>(std::move(*e));
}

bool Matches(const Expr& expr, const Device& device) {
  switch (expr.kind) {
    case Expr::Kind::kAnd:
      for (const Expr& c : expr.children) {
        if (!Matches(c, device)) return false;
      }
      return true;
    case Expr::Kind::kOr:
      for (const Expr& c : expr.children) {
        if (Matches(c, device)) return true;
      }
      return false;
    case Expr::Kind::kNot:
      return !Matches(expr.children.front(), device);
    case Expr::Kind::kEquals:
    case Expr::Kind::kNotEquals: {
      const std::string* v = PlainValue(expr.field, device);
      const bool equal = v != nullptr && *v == expr.value;
      return expr.kind == Expr::Kind::kEquals ? equal : !equal;
    }
    case Expr::Kind::kPresent: {
      const std::string* v = PlainValue(expr.field, device);
      return expr.field.kind == FieldKind::kLabel ? v != nullptr : !v->empty();
    }
  }
  return false;
}

std::string FieldName(const Field& field) {
  switch (field.kind) {
    case FieldKind::kId:
      return "id";
    case FieldKind::kDisplayName:
      return "display_name";
    case FieldKind::kModel:
      return "model";
    case FieldKind::kHardwareRevision:
      return "hardware_revision";
    case FieldKind::kGroup:
      return "group";
    case FieldKind::kLabel:
      return absl::StrCat("labels.", field.label_key);
  }
  return "";
}

std::string ToString(const Expr& expr) {
  auto child = [](const Expr& c) {
    const bool composite = c.kind == Expr::Kind::kAnd || c.kind == Expr::Kind::kOr;
    return composite ? absl::StrCat("(", ToString(c), ")") : ToString(c);
  };
  switch (expr.kind) {
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr: {
      std::vector<std::string> parts;
      for (const Expr& c : expr.children) parts.push_back(child(c));
      return absl::StrJoin(parts, expr.kind == Expr::Kind::kAnd ? " AND " : " OR ");
    }
    case Expr::Kind::kNot:
      return absl::StrCat("NOT ", child(expr.children.front()));
    case Expr::Kind::kEquals:
      return absl::StrCat(FieldName(expr.field), " = ", Quote(expr.value));
    case Expr::Kind::kNotEquals:
      return absl::StrCat(FieldName(expr.field), " != ", Quote(expr.value));
    case Expr::Kind::kPresent:
      return absl::StrCat(FieldName(expr.field), ":*");
  }
  return "";
}

}  // namespace fleet::devcfg::filter
