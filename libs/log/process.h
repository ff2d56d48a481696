#pragma once

#include <string_view>

namespace fleet::log {

// Process-wide start-up for every fleetd binary; call first in main(), before any thread starts.
// Names the service in every log line (SetService) and turns off Abseil's mutex deadlock
// detection: Debian builds libabsl without NDEBUG, so every Mutex acquisition would otherwise
// maintain a lock-order graph (about 6% of the BFF's CPU under load). Tests keep detection on.
void InitProcess(std::string_view service);

}  // namespace fleet::log
