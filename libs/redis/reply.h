#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fleet::redis {

// A Redis reply as a plain value (no hiredis types): nil, integer, string (bulk), status
// (simple string such as "OK"), error (text in str()) or array of replies. Copyable and
// immutable; safe to share between threads.
class Reply {
 public:
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  Reply() = default;  // nil
  static Reply Nil() { return Reply(); }
  static Reply Integer(int64_t v);
  static Reply String(std::string s);
  static Reply Status(std::string s);
  static Reply Error(std::string s);
  static Reply Array(std::vector<Reply> elements);

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::kNil; }
  bool is_error() const { return type_ == Type::kError; }
  // The value for kInteger; 0 for every other type.
  int64_t integer() const { return integer_; }
  // The bytes for kString, kStatus and kError; empty for every other type.
  const std::string& str() const { return str_; }
  // The items for kArray; empty for every other type.
  const std::vector<Reply>& elements() const { return elements_; }

  // Human-readable form for logs and test failures, e.g. [1, "a", (nil), (error) ERR x].
  std::string DebugString() const;

  friend bool operator==(const Reply& a, const Reply& b);

 private:
  Type type_ = Type::kNil;
  int64_t integer_ = 0;
  std::string str_;
  std::vector<Reply> elements_;
};

}  // namespace fleet::redis
