#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace fleet::config {

// Declares the flags of one binary and fills the bound variables once at startup.
// Precedence: --name=value (or --name value) on the command line > FLEET_<NAME> environment variable
// (name upper-cased, '-' and '.' become '_') > the variable's value at registration (the default).
// --help / -h sets help_requested(). Unknown flags, positional arguments, duplicate flags and
// unparsable values are INVALID_ARGUMENT errors naming the flag (or env var).
// Not thread-safe: use from main() before starting threads; bound pointers must outlive Parse().
class FlagSet {
 public:
  explicit FlagSet(std::string program);

  void String(std::string name, std::string* out, std::string help);
  void Int(std::string name, int64_t* out, std::string help);
  void Double(std::string name, double* out, std::string help);
  // --x alone means true; --x=true/false/1/0 (env: true/false/1/0).
  void Bool(std::string name, bool* out, std::string help);
  // absl duration syntax: "30s", "5m", "250ms", "1h30m".
  void Duration(std::string name, absl::Duration* out, std::string help);

  // Parses argv (argv[0] is the program) and then the environment (`env_override` replaces the
  // process environment when given, for tests). Returns OK when --help was given (check
  // help_requested()); on error, variables may be partially assigned.
  absl::Status Parse(int argc, char** argv,
                     const std::map<std::string, std::string>* env_override = nullptr);

  // For main(): Parse; on --help prints Usage() to stdout and exits 0; on error prints the error and
  // Usage() to stderr and exits 2.
  void ParseOrExit(int argc, char** argv);

  bool help_requested() const { return help_requested_; }

  // One block per flag: "--name (env FLEET_NAME, default "x")\n    help".
  std::string Usage() const;

  // FLEET_<NAME> for a flag name.
  static std::string EnvName(const std::string& name);

 private:
  enum class Type { kString, kInt, kDouble, kBool, kDuration };
  struct Flag {
    Type type;
    void* out;
    std::string help;
    std::string default_text;
  };
  void Add(std::string name, Type type, void* out, std::string help, std::string default_text);
  absl::Status Assign(const std::string& name, Flag& flag, const std::string& value,
                      const std::string& source);

  std::string program_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> registration_errors_;
  bool help_requested_ = false;
};

}  // namespace fleet::config
