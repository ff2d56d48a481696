#include "libs/http/server.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/websocket/rfc6455.hpp"
#include "libs/http/websocket_internal.h"

namespace fleet::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}


// The response as bytes on the wire, written in one buffer (Beast's serializer walked a view over
// every field for each write, a few percent of the BFF's CPU). Headers as Beast's set(): a later
// header replaces an earlier one of the same name (case-insensitive), Content-Type included.
// CR and LF in names or values become spaces, so no header can split the response.
std::string SerializeResponse(const Response& resp, bool keep_alive, bool head_request) {
  std::vector<std::pair<absl::string_view, absl::string_view>> fields;
  fields.reserve(resp.headers.size() + 2);
  auto set = [&fields](absl::string_view name, absl::string_view value) {
    for (auto& f : fields) {
      if (absl::EqualsIgnoreCase(f.first, name)) {
        f = {name, value};
        return;
      }
    }
    fields.emplace_back(name, value);
  };
  set("Server", "fleetd");
  set("Content-Type", resp.content_type);
  for (const auto& [k, v] : resp.headers) set(k, v);
  // No body (and no Content-Length) for 1xx, 204 and 304 (RFC 9110 8.6).
  const bool bodyless = resp.status < 200 || resp.status == 204 || resp.status == 304;
  std::string out;
  out.reserve(128 + resp.body.size() + 48 * fields.size());
  const beast::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(resp.status));
  absl::StrAppend(&out, "HTTP/1.1 ", resp.status, " ", absl::string_view(reason.data(), reason.size()), "\r\n");
  auto append_clean = [&out](absl::string_view text) {
    const size_t at = out.size();
    out.append(text.data(), text.size());
    for (size_t i = at; i < out.size(); ++i) {
      if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
    }
  };
  for (const auto& [k, v] : fields) {
    if (absl::EqualsIgnoreCase(k, "content-length") || absl::EqualsIgnoreCase(k, "connection")) continue;
    append_clean(k);
    out.append(": ");
    append_clean(v);
    out.append("\r\n");
  }
  if (!bodyless) absl::StrAppend(&out, "Content-Length: ", resp.body.size(), "\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  // HEAD: the Content-Length a GET would have, without the body.
  if (!head_request && !bodyless) out.append(resp.body);
  return out;
}

// One connection: read a request, run the handler, write the response, repeat (keep-alive).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Handler& handler, const ServerOptions& options,
          std::shared_ptr<internal::WsTracker> tracker)
      : stream_(std::move(socket)), handler_(handler), options_(options), tracker_(std::move(tracker)) {
    // Once per connection: asking the kernel on every request cost a getpeername() each.
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = ep.address().to_string();
  }

  void Run() { Read(); }
  auto executor() { return stream_.get_executor(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      Close();
      return;
    }
    if (ec == bhttp::error::body_limit) {
      // AIP-193 shape; answered before any handler runs, so the request id is made here.
      const std::string id = NewRequestId();
      Reply(Response{413, "application/json", {{"X-Request-Id", id}},
                     absl::StrCat(R"j({"error":{"code":413,"message":"request body too large (at most )j",
                                  options_.max_body_bytes,
                                  R"j( bytes)","status":"INVALID_ARGUMENT","details":[{"@type":)j"
                                  R"j("type.googleapis.com/google.rpc.ErrorInfo","reason":"REQUEST_TOO_LARGE",)j"
                                  R"j("domain":"fleetd.io","metadata":{"max_body_bytes":")j",
                                  options_.max_body_bytes, R"j(","request_id":")j", id, R"j("}}]}})j")},
            false);
      return;
    }
    if (ec) {
      Reply(Response{400, "application/json", {},
                     R"({"error":{"code":400,"message":"malformed HTTP request","status":"INVALID_ARGUMENT"}})"},
            false);
      return;
    }
    auto& req = parser_->get();
    Request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    const size_t q = r.target.find('?');
    r.path = PercentDecode(std::string_view(r.target).substr(0, q));
    if (q != std::string::npos) r.query = ParseQuery(std::string_view(r.target).substr(q + 1));
    for (const auto& f : req) {
      r.headers[absl::AsciiStrToLower(std::string(f.name_string()))] = std::string(f.value());
    }
    r.body = std::move(req.body());
    r.remote_address = remote_address_;
    Response resp;
    try {
      resp = handler_(r);
    } catch (...) {
      resp = Response{500, "application/json", {},
                      R"({"error":{"code":500,"message":"internal error","status":"INTERNAL"}})"};
    }
    if (resp.websocket) {
      if (beast::websocket::is_upgrade(req)) {
        // The connection belongs to the WebSocket from here on; this Session ends.
        stream_.expires_never();
        internal::AcceptWebSocket(std::move(stream_), parser_->release(), std::move(resp.headers),
                                  std::move(resp.websocket),
                                  {.max_message_bytes = options_.max_websocket_message_bytes,
                                   .idle_timeout_seconds = options_.idle_timeout_seconds,
                                   .send_timeout = absl::Seconds(options_.websocket_send_timeout_seconds)},
                                  tracker_);
        return;
      }
      resp = Response{426, "application/json", {{"Upgrade", "websocket"}},
                      R"({"error":{"code":426,"message":"this route needs a WebSocket upgrade",)"
                      R"("status":"FAILED_PRECONDITION","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",)"
                      R"("reason":"UPGRADE_REQUIRED","domain":"fleetd.io"}]}})"};
    }
    Reply(resp, req.keep_alive(), req.method() == bhttp::verb::head);
  }

  void Reply(const Response& resp, bool keep_alive, bool head_request = false) {
    auto out = std::make_shared<std::string>(SerializeResponse(resp, keep_alive, head_request));
    asio::async_write(stream_, asio::buffer(*out),
                      [self = shared_from_this(), out, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) {
                          self->Close();
                          return;
                        }
                        self->Read();
                      });
  }

  // Ends our side, then reads and discards what the client still sends (up to 16 MiB or 2 s), so
  // that it reads our answer (e.g. a 413 while it is still uploading) instead of a reset.
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    drained_ = 0;
    stream_.expires_after(std::chrono::seconds(2));
    Drain();
  }

  void Drain() {
    drain_buffer_.resize(64 * 1024);
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (16u << 20)) return;  // EOF, timeout or enough
                              self->Drain();
                            });
  }

  std::vector<char> drain_buffer_;
  size_t drained_ = 0;

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const Handler& handler_;
  const ServerOptions& options_;
  std::shared_ptr<internal::WsTracker> tracker_;
  std::string remote_address_;  // empty when the peer was already gone at accept
};

class ServerImpl : public Server {
 public:
  ServerImpl(const ServerOptions& options, Handler handler)
      : options_(options), handler_(std::move(handler)) {
    const int threads = std::max(1, options_.threads);
    const int loops = std::clamp(options_.event_loops, 1, threads);
    for (int i = 0; i < loops; ++i) {
      // Threads per loop: the first (threads % loops) loops get one more.
      const int n = threads / loops + (i < threads % loops ? 1 : 0);
      loops_.push_back({std::make_unique<asio::io_context>(n), n, std::nullopt});
      loops_.back().work.emplace(loops_.back().ioc->get_executor());
    }
  }

  ~ServerImpl() override { Stop(); }

  absl::Status Listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.address, ec);
    if (ec) return absl::InvalidArgumentError("http: bad listen address " + options_.address);
    tcp::endpoint ep(address, static_cast<unsigned short>(options_.port));
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError("http: cannot listen on " + options_.address + ":" +
                                    std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    threads_.emplace_back([this] { accept_ioc_.run(); });
    for (auto& loop : loops_) {
      for (int i = 0; i < loop.threads; ++i) {
        threads_.emplace_back([ioc = loop.ioc.get()] { ioc->run(); });
      }
    }
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    accept_ioc_.stop();
    for (auto& loop : loops_) loop.ioc->stop();
    for (auto& t : threads_) t.join();
    tracker_->ShutdownAll();
    beast::error_code ec;
    acceptor_.close(ec);  // the threads are gone: no handler can race with this
  }

 private:
  void Accept() {
    // Accepting has its own thread, so it goes on while every handler thread is busy. Connections
    // are spread over the loops in turn; a connection stays on its loop (its strand's executor).
    asio::io_context& ioc = *loops_[next_loop_++ % loops_.size()].ioc;
    acceptor_.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors or buffers: retry after a pause instead of spinning.
        auto timer = std::make_shared<asio::steady_timer>(accept_ioc_, std::chrono::milliseconds(50));
        timer->async_wait([this, timer](beast::error_code) { Accept(); });
        return;
      }
      auto session = std::make_shared<Session>(std::move(s), handler_, options_, tracker_);
      asio::post(session->executor(), [session] { session->Run(); });
      Accept();
    });
  }

  const ServerOptions options_;
  const Handler handler_;
  struct Loop {
    std::unique_ptr<asio::io_context> ioc;
    int threads;
    // Keeps run() going while the loop has no connection yet; Stop() ends it with stop().
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  };
  std::vector<Loop> loops_;
  asio::io_context accept_ioc_{1};
  tcp::acceptor acceptor_{accept_ioc_};
  size_t next_loop_ = 0;  // only touched by the accept chain, one handler at a time
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  std::shared_ptr<internal::WsTracker> tracker_ = std::make_shared<internal::WsTracker>();
};

}  // namespace

std::string Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string Request::QueryParam(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

bool IsWebSocketUpgrade(const Request& r) {
  if (r.method != "GET" || r.Header("sec-websocket-key").empty()) return false;
  if (!absl::EqualsIgnoreCase(r.Header("upgrade"), "websocket")) return false;
  for (absl::string_view token : absl::StrSplit(r.Header("connection"), ',')) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(token), "upgrade")) return true;
  }
  return false;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    out[PercentDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
  }
  return out;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  uint64_t v = rng();
  for (char& c : id) {
    c = kHex[v & 15];
    v >>= 4;
  }
  return id;
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler) {
  auto server = std::make_unique<ServerImpl>(options, std::move(handler));
  if (absl::Status st = server->Listen(); !st.ok()) return st;
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace fleet::http
