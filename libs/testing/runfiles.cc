#include "libs/testing/runfiles.h"

#include <unistd.h>

#include <cstdlib>

namespace fleet::testing {

std::string Runfile(const std::string& relative) {
  for (const char* var : {"TEST_SRCDIR", "RUNFILES_DIR"}) {
    if (const char* root = std::getenv(var); root != nullptr && *root) {
      const std::string path = std::string(root) + "/fleetd/" + relative;
      if (access(path.c_str(), X_OK) == 0) return path;
    }
  }
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) != nullptr) {
    const std::string path = std::string(cwd) + "/" + relative;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

}  // namespace fleet::testing
