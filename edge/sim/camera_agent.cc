#include "edge/sim/camera_agent.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>

#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace fleet::sim {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

uint32_t Crc32(const uint8_t* data, size_t n, uint32_t crc = 0) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void Be32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
}

void Chunk(std::string& png, const char* type, const std::string& data) {
  Be32(png, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  png += body;
  Be32(png, Crc32(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
}

uint32_t Pixel(int x, int y, uint32_t seed) {
  // A gradient tinted by the seed (device id and camera position), with a cross-hair.
  if (x == 32 || y == 24) return 0xFFFFFF;
  const uint32_t r = (seed & 0xFF) ^ static_cast<uint32_t>(x * 4);
  const uint32_t g = ((seed >> 8) & 0xFF) ^ static_cast<uint32_t>(y * 5);
  const uint32_t b = (seed >> 16) & 0xFF;
  return ((r & 0xFF) << 16) | ((g & 0xFF) << 8) | b;
}

HandlerResult Result(int code, std::string description, std::string body, absl::Duration delay) {
  HandlerResult r;
  r.code = code;
  r.description = std::move(description);
  r.body_json = std::move(body);
  r.delay = delay;
  return r;
}

std::string ErrorBody(const std::string& why) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("error");
  w.String(why.c_str(), static_cast<rapidjson::SizeType>(why.size()));
  w.EndObject();
  return buf.GetString();
}

bool Number(const rapidjson::Value& doc, const char* key, double* out) {
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd()) return false;
  if (!it->value.IsNumber()) return false;
  *out = it->value.GetDouble();
  return true;
}

}  // namespace

std::string MakePng(int width, int height, uint32_t (*pixel)(int, int, uint32_t), uint32_t seed) {
  std::string raw;
  raw.reserve(static_cast<size_t>(height) * (1 + 3 * width));
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);  // filter: none
    for (int x = 0; x < width; ++x) {
      const uint32_t p = pixel(x, y, seed);
      raw.push_back(static_cast<char>((p >> 16) & 0xFF));
      raw.push_back(static_cast<char>((p >> 8) & 0xFF));
      raw.push_back(static_cast<char>(p & 0xFF));
    }
  }
  // zlib stream of stored deflate blocks (<= 65535 bytes each) and an Adler-32 trailer.
  std::string z = {'\x78', '\x01'};
  for (size_t off = 0; off < raw.size() || off == 0;) {
    const size_t n = std::min<size_t>(65535, raw.size() - off);
    const bool last = off + n >= raw.size();
    z.push_back(last ? 1 : 0);
    z.push_back(static_cast<char>(n & 0xFF));
    z.push_back(static_cast<char>(n >> 8));
    z.push_back(static_cast<char>(~n & 0xFF));
    z.push_back(static_cast<char>((~n >> 8) & 0xFF));
    z.append(raw, off, n);
    off += n;
    if (last) break;
  }
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  Be32(z, (b << 16) | a);

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  Be32(ihdr, static_cast<uint32_t>(width));
  Be32(ihdr, static_cast<uint32_t>(height));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, no interlace
  Chunk(png, "IHDR", ihdr);
  Chunk(png, "IDAT", z);
  Chunk(png, "IEND", "");
  return png;
}

HandlerResult CameraAgent::Handle(const std::string& device_id, const kafka::Envelope& request, absl::Time now) {
  rapidjson::Document doc;
  doc.Parse(request.body_json.c_str());
  if (doc.HasParseError() || !doc.IsObject()) return Result(400, "body is not a JSON object", ErrorBody("bad body"), options_.latency);
  absl::MutexLock l(&mu_);
  if (options_.fail_rate > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < options_.fail_rate) {
    const std::string why = "camera did not respond (simulated failure on " + device_id + ")";
    return Result(500, why, ErrorBody(why), options_.latency);
  }
  Camera& cam = cameras_[device_id];
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  const std::string& type = request.type;
  if (type == "camera.rotate") {
    double pan = cam.pan, tilt = cam.tilt;
    const bool has_pan = Number(doc, "pan", &pan), has_tilt = Number(doc, "tilt", &tilt);
    if ((!has_pan && !has_tilt) || pan < -180 || pan > 180 || tilt < -90 || tilt > 90) {
      const std::string why = "rotate needs pan in [-180, 180] and/or tilt in [-90, 90]";
      return Result(400, why, ErrorBody(why), options_.latency);
    }
    cam.pan = pan, cam.tilt = tilt;
    w.Key("pan"), w.Double(pan), w.Key("tilt"), w.Double(tilt);
  } else if (type == "camera.zoom") {
    double level = 0;
    if (!Number(doc, "level", &level) || level < 1 || level > 20 || level != static_cast<int>(level)) {
      const std::string why = "zoom needs an integer level in [1, 20]";
      return Result(400, why, ErrorBody(why), options_.latency);
    }
    cam.zoom = static_cast<int>(level);
    w.Key("zoom"), w.Int(cam.zoom);
  } else if (type == "camera.startStream") {
    auto q = doc.FindMember("quality");
    std::string quality = q != doc.MemberEnd() && q->value.IsString() ? q->value.GetString() : "sd";
    if (quality != "sd" && quality != "hd") {
      return Result(400, "quality must be sd or hd", ErrorBody("quality must be sd or hd"), options_.latency);
    }
    cam.stream_id = absl::StrFormat("%s-s%d", device_id, ++cam.streams);
    cam.stream_until = now + options_.stream_ttl;
    ++stream_starts_;
    const std::string url = absl::StrCat("rtsp://", device_id, ".sim.invalid/live/", cam.stream_id, "?q=", quality);
    w.Key("stream_id"), w.String(cam.stream_id.c_str());
    w.Key("url"), w.String(url.c_str());
    w.Key("expires_in"), w.Int64(absl::ToInt64Seconds(options_.stream_ttl));
  } else if (type == "camera.stopStream") {
    auto s = doc.FindMember("stream_id");
    const std::string id = s != doc.MemberEnd() && s->value.IsString() ? s->value.GetString() : "";
    const bool live = !cam.stream_id.empty() && cam.stream_until > now && (id.empty() || id == cam.stream_id);
    if (live) cam.stream_until = absl::InfinitePast();
    w.Key("stopped"), w.Bool(live);
  } else if (type == "camera.snapshot") {
    const uint32_t seed = static_cast<uint32_t>(absl::Hash<std::string>()(device_id)) ^
                          static_cast<uint32_t>(cam.pan * 7 + cam.tilt * 13 + cam.zoom * 101);
    const std::string png = MakePng(64, 48, &Pixel, seed);
    const std::string b64 = absl::Base64Escape(png);
    w.Key("content_type"), w.String("image/png");
    w.Key("width"), w.Int(64), w.Key("height"), w.Int(48);
    w.Key("image_base64"), w.String(b64.c_str(), static_cast<rapidjson::SizeType>(b64.size()));
  } else {
    const std::string why = "unknown camera command " + type;
    return Result(404, why, ErrorBody(why), options_.latency);
  }
  w.EndObject();
  ++commands_;
  return Result(200, "", buf.GetString(), options_.latency);
}

void CameraAgent::RegisterWith(Dispatcher& dispatcher) {
  for (const char* t : {"camera.rotate", "camera.zoom", "camera.startStream", "camera.stopStream", "camera.snapshot"}) {
    dispatcher.Register(t, [this](const std::string& d, const kafka::Envelope& e, absl::Time now) {
      return Handle(d, e, now);
    });
  }
}

int64_t CameraAgent::commands() const {
  absl::MutexLock l(&mu_);
  return commands_;
}

int64_t CameraAgent::stream_starts() const {
  absl::MutexLock l(&mu_);
  return stream_starts_;
}

int64_t CameraAgent::streams_live(absl::Time now) const {
  absl::MutexLock l(&mu_);
  int64_t n = 0;
  for (const auto& [id, cam] : cameras_) n += cam.stream_until > now ? 1 : 0;
  return n;
}

}  // namespace fleet::sim
