#include "libs/config/flags.h"

#include <cstdlib>
#include <iostream>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace fleet::config {
namespace {

std::map<std::string, std::string> ProcessEnv() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

bool ParseBool(const std::string& v, bool* out) {
  std::string lower = absl::AsciiStrToLower(v);
  if (lower == "true" || lower == "1") {
    *out = true;
    return true;
  }
  if (lower == "false" || lower == "0") {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace

FlagSet::FlagSet(std::string program) : program_(std::move(program)) {}

std::string FlagSet::EnvName(const std::string& name) {
  std::string env = "FLEET_" + absl::AsciiStrToUpper(name);
  for (char& c : env) {
    if (c == '-' || c == '.') c = '_';
  }
  return env;
}

void FlagSet::Add(std::string name, Type type, void* out, std::string help,
                  std::string default_text) {
  if (name.empty() || out == nullptr || flags_.count(name) > 0) {
    registration_errors_.push_back(
        absl::StrCat("flag '", name, "' is empty, unbound or registered twice"));
    return;
  }
  flags_[name] = Flag{type, out, std::move(help), std::move(default_text)};
}

void FlagSet::String(std::string name, std::string* out, std::string help) {
  std::string def = out ? absl::StrCat("\"", *out, "\"") : "";
  Add(std::move(name), Type::kString, out, std::move(help), def);
}
void FlagSet::Int(std::string name, int64_t* out, std::string help) {
  std::string def = out ? absl::StrCat(*out) : "";
  Add(std::move(name), Type::kInt, out, std::move(help), def);
}
void FlagSet::Double(std::string name, double* out, std::string help) {
  std::string def = out ? absl::StrCat(*out) : "";
  Add(std::move(name), Type::kDouble, out, std::move(help), def);
}
void FlagSet::Bool(std::string name, bool* out, std::string help) {
  std::string def = out ? (*out ? "true" : "false") : "";
  Add(std::move(name), Type::kBool, out, std::move(help), def);
}
void FlagSet::Duration(std::string name, absl::Duration* out, std::string help) {
  std::string def = out ? absl::FormatDuration(*out) : "";
  Add(std::move(name), Type::kDuration, out, std::move(help), def);
}

absl::Status FlagSet::Assign(const std::string& name, Flag& flag, const std::string& value,
                             const std::string& source) {
  bool ok = true;
  std::string expected;
  switch (flag.type) {
    case Type::kString:
      *static_cast<std::string*>(flag.out) = value;
      break;
    case Type::kInt:
      ok = absl::SimpleAtoi(value, static_cast<int64_t*>(flag.out));
      expected = "an integer";
      break;
    case Type::kDouble:
      ok = absl::SimpleAtod(value, static_cast<double*>(flag.out));
      expected = "a number";
      break;
    case Type::kBool:
      ok = ParseBool(value, static_cast<bool*>(flag.out));
      expected = "true, false, 1 or 0";
      break;
    case Type::kDuration:
      ok = absl::ParseDuration(value, static_cast<absl::Duration*>(flag.out));
      expected = "a duration like 30s, 5m or 250ms";
      break;
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat("flag --", name, ": invalid value \"", value,
                                                   "\" from ", source, "; expected ", expected));
  }
  return absl::OkStatus();
}

absl::Status FlagSet::Parse(int argc, char** argv,
                            const std::map<std::string, std::string>* env_override) {
  if (!registration_errors_.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(registration_errors_, "; "));
  }
  std::set<std::string> from_command_line;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-help") {
      help_requested_ = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    size_t eq = body.find('=');
    std::string name = body.substr(0, eq);
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    std::string value;
    if (eq != std::string::npos) {
      value = body.substr(eq + 1);
    } else if (it->second.type == Type::kBool) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
    }
    absl::Status s = Assign(name, it->second, value, "the command line");
    if (!s.ok()) return s;
    from_command_line.insert(name);
  }
  std::map<std::string, std::string> env = env_override ? *env_override : ProcessEnv();
  for (auto& [name, flag] : flags_) {
    if (from_command_line.count(name) > 0) continue;
    std::string env_name = EnvName(name);
    auto it = env.find(env_name);
    if (it == env.end()) continue;
    absl::Status s = Assign(name, flag, it->second, absl::StrCat("environment variable ", env_name));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

void FlagSet::ParseOrExit(int argc, char** argv) {
  absl::Status s = Parse(argc, argv);
  if (!s.ok()) {
    std::cerr << program_ << ": " << s.message() << "\n\n" << Usage();
    std::exit(2);
  }
  if (help_requested_) {
    std::cout << Usage();
    std::exit(0);
  }
}

std::string FlagSet::Usage() const {
  std::string out = absl::StrCat("Usage: ", program_, " [flags]\n");
  for (const auto& [name, flag] : flags_) {
    absl::StrAppend(&out, "  --", name, " (env ", EnvName(name), ", default ", flag.default_text,
                    ")\n      ", flag.help, "\n");
  }
  return out;
}

}  // namespace fleet::config
