#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "edge/sim/dispatcher.h"
#include "libs/kafka/envelope.h"

namespace fleet::sim {

struct CameraAgentOptions {
  double fail_rate = 0;                           // share of camera.* answered 500
  absl::Duration latency = absl::ZeroDuration();  // delay of every camera.* answer
  absl::Duration stream_ttl = absl::Minutes(5);   // a live stream ends by itself after this
  uint64_t seed = 1;
};

// The camera of each simulated gateway, answering synchronous commands:
//  camera.rotate   {"pan": -180..180, "tilt": -90..90} (at least one)  -> {"pan", "tilt"}
//  camera.zoom     {"level": 1..20}                                      -> {"zoom"}
//  camera.startStream {"quality": "sd"|"hd"}  -> {"stream_id", "url", "expires_in"}; starting
//                  while a stream is live RESTARTS it (new id): what made remote views unstable
//  camera.stopStream  {"stream_id"}           -> {"stopped": true|false}
//  camera.snapshot {}                         -> {"content_type": "image/png", "width", "height",
//                  "image_base64"}: a small PNG generated from the device id and the camera state
// 400 for a malformed body, 500 at `fail_rate`. Thread-safe; counts every command it executed.
class CameraAgent {
 public:
  explicit CameraAgent(CameraAgentOptions options) : options_(options), rng_(options.seed) {}

  HandlerResult Handle(const std::string& device_id, const kafka::Envelope& request, absl::Time now);
  void RegisterWith(Dispatcher& dispatcher);

  int64_t commands() const;
  int64_t stream_starts() const;
  int64_t streams_live(absl::Time now) const;

 private:
  struct Camera {
    double pan = 0, tilt = 0;
    int zoom = 1;
    std::string stream_id;
    absl::Time stream_until = absl::InfinitePast();
    int64_t streams = 0;
  };
  const CameraAgentOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Camera> cameras_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  int64_t commands_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t stream_starts_ ABSL_GUARDED_BY(mu_) = 0;
};

// A width x height RGB PNG (stored, uncompressed deflate) filled by `pixel(x, y) -> 0xRRGGBB`.
std::string MakePng(int width, int height, uint32_t (*pixel)(int x, int y, uint32_t seed), uint32_t seed);

}  // namespace fleet::sim
