// Server-side WebSocket connections (Boost.Beast). Every operation on the Beast stream runs on
// the connection's strand; the public handle talks to it through a mutex-protected inbox and
// outbox and posts to the strand.
#include <condition_variable>
#include <deque>
#include <optional>

#include "absl/strings/str_cat.h"
#include "boost/asio.hpp"
#include "boost/beast/websocket.hpp"
#include "libs/http/websocket_internal.h"

namespace fleet::http::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;

constexpr size_t kQueueLimit = 1 << 20;

std::chrono::nanoseconds Chrono(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  if (d > absl::Hours(24 * 365)) d = absl::Hours(24 * 365);
  return absl::ToChronoNanoseconds(d);
}

}  // namespace

class WsConn : public std::enable_shared_from_this<WsConn> {
 public:
  WsConn(beast::tcp_stream stream, const WsLimits& limits)
      : executor_(stream.get_executor()), ws_(std::in_place, std::move(stream)), limits_(limits) {}

  void Start(std::shared_ptr<bhttp::request<bhttp::string_body>> req,
             std::vector<std::pair<std::string, std::string>> headers, WebSocketHandler handler) {
    ws_->set_option(websocket::stream_base::timeout{
        std::chrono::seconds(30), std::chrono::seconds(std::max(1, limits_.idle_timeout_seconds)), true});
    ws_->set_option(websocket::stream_base::decorator([headers](websocket::response_type& res) {
      res.set(bhttp::field::server, "fleetd");
      for (const auto& [k, v] : headers) res.set(k, v);
    }));
    ws_->read_message_max(limits_.max_message_bytes);
    auto h = std::make_shared<WebSocketHandler>(std::move(handler));
    ws_->async_accept(*req, [self = shared_from_this(), req, h](beast::error_code ec) mutable {
      if (ec) {
        self->Finish(absl::StrCat("handshake failed: ", ec.message()), 0);
        return;  // `h` is dropped uncalled
      }
      {
        std::lock_guard<std::mutex> l(self->mu_);
        if (self->shutdown_) return;
        self->open_ = true;
      }
      self->DoRead();
      (*h)(NewHandle(self));
      h.reset();
    });
  }

  absl::StatusOr<std::optional<WebSocket::Message>> Read(absl::Duration timeout) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, Chrono(timeout), [&] { return !inbox_.empty() || closed_; });
    if (!inbox_.empty()) {
      WebSocket::Message m = std::move(inbox_.front());
      inbox_.pop_front();
      inbox_bytes_ -= m.data.size();
      if (read_paused_ && inbox_bytes_ <= kQueueLimit / 2 && !closed_) {
        read_paused_ = false;
        asio::post(*executor_, [self = shared_from_this()] { self->DoRead(); });
      }
      return std::optional<WebSocket::Message>(std::move(m));
    }
    if (closed_) return absl::UnavailableError(absl::StrCat("websocket closed: ", why_));
    return std::optional<WebSocket::Message>();
  }

  absl::Status Send(std::string data, bool binary) {
    std::unique_lock<std::mutex> l(mu_);
    const bool ready = cv_.wait_for(l, Chrono(limits_.send_timeout),
                                    [&] { return closed_ || close_requested_ || outbox_bytes_ < kQueueLimit; });
    if (closed_ || close_requested_) return absl::UnavailableError(absl::StrCat("websocket closed: ", why_));
    if (!ready) {
      // The peer does not read: drop the connection rather than queue without bound.
      close_requested_ = true;
      asio::post(*executor_, [self = shared_from_this()] {
        beast::error_code ec;
        if (self->ws_) beast::get_lowest_layer(*self->ws_).socket().close(ec);
      });
      return absl::DeadlineExceededError("websocket peer does not read; connection dropped");
    }
    outbox_bytes_ += data.size();
    outbox_.push_back({binary, std::move(data)});
    if (!writing_) {
      writing_ = true;
      asio::post(*executor_, [self = shared_from_this()] { self->DoWrite(); });
    }
    return absl::OkStatus();
  }

  void Close(int code, std::string reason) {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_ || close_requested_ || shutdown_) return;
    close_requested_ = true;
    close_code_ = code;
    if (reason.size() > 123) reason.resize(123);
    close_reason_ = std::move(reason);
    if (!writing_) {
      writing_ = true;
      asio::post(*executor_, [self = shared_from_this()] { self->DoWrite(); });
    }
  }

  bool IsOpen() const {
    std::lock_guard<std::mutex> l(mu_);
    return open_ && !closed_ && !close_requested_;
  }

  int PeerCloseCode() const {
    std::lock_guard<std::mutex> l(mu_);
    return peer_code_;
  }

  void SetNotify(std::function<void()> fn) {
    std::lock_guard<std::mutex> l(mu_);
    notify_ = std::move(fn);
  }

  // Server stop (its threads are gone): closed for good, and the socket is released while the
  // io_context still exists.
  void Shutdown() {
    std::function<void()> notify;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!closed_) why_ = "server stopped";
      closed_ = shutdown_ = true;
      ws_.reset();
      executor_.reset();
      notify = notify_;
    }
    cv_.notify_all();
    if (notify) notify();
  }

 private:
  static std::unique_ptr<WebSocket> NewHandle(std::shared_ptr<WsConn> conn);

  void DoRead() {
    if (!ws_) return;
    ws_->async_read(rbuf_, [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      const bool by_peer = ec == websocket::error::closed && ws_;
      const int code = by_peer ? static_cast<int>(ws_->reason().code) : 0;
      Finish(by_peer ? absl::StrCat("closed by peer (code ", code, ")")
             : ec == websocket::error::message_too_big ? std::string("message too big (closed with 1009)")
                                                       : absl::StrCat("connection ended: ", ec.message()),
             code);
      return;
    }
    std::function<void()> notify;
    bool again = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (shutdown_) return;
      WebSocket::Message m{ws_->got_binary(), beast::buffers_to_string(rbuf_.data())};
      rbuf_.consume(rbuf_.size());
      inbox_bytes_ += m.data.size();
      inbox_.push_back(std::move(m));
      if (inbox_bytes_ > kQueueLimit) {
        read_paused_ = true;
      } else {
        again = true;
      }
      notify = notify_;
    }
    cv_.notify_all();
    if (notify) notify();
    if (again) DoRead();
  }

  void DoWrite() {
    bool start_close = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (shutdown_ || closed_) {
        writing_ = false;
        return;
      }
      if (outbox_.empty()) {
        writing_ = false;
        start_close = close_requested_;
      } else {
        current_ = std::move(outbox_.front());
        outbox_.pop_front();
      }
      if (!writing_ && !start_close) return;
    }
    if (start_close) {
      ws_->async_close(websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_reason_),
                       [self = shared_from_this()](beast::error_code ec) {
                         self->Finish(ec ? absl::StrCat("closed by server (", ec.message(), ")")
                                         : absl::StrCat("closed by server (code ", self->close_code_, ")"),
                                      0);
                       });
      return;
    }
    ws_->binary(current_.binary);
    ws_->async_write(asio::buffer(current_.data), [self = shared_from_this()](beast::error_code ec, size_t) {
      {
        std::lock_guard<std::mutex> l(self->mu_);
        self->outbox_bytes_ -= self->current_.data.size();
        self->current_.data.clear();
      }
      self->cv_.notify_all();
      if (ec) {
        self->Finish(absl::StrCat("write failed: ", ec.message()), 0);
        return;
      }
      self->DoWrite();
    });
  }

  void Finish(std::string why, int peer_code) {
    std::function<void()> notify;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (closed_) return;
      closed_ = true;
      why_ = std::move(why);
      if (peer_code != 0) peer_code_ = peer_code;
      notify = notify_;
    }
    cv_.notify_all();
    if (notify) notify();
  }

  std::optional<asio::any_io_executor> executor_;
  std::optional<websocket::stream<beast::tcp_stream>> ws_;  // strand only
  beast::flat_buffer rbuf_;                                // strand only
  WebSocket::Message current_;                             // the message being written
  const WsLimits limits_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WebSocket::Message> inbox_;
  size_t inbox_bytes_ = 0;
  bool read_paused_ = false;
  std::deque<WebSocket::Message> outbox_;
  size_t outbox_bytes_ = 0;
  bool writing_ = false;
  bool open_ = false, closed_ = false, close_requested_ = false, shutdown_ = false;
  int close_code_ = kCloseNormal;
  std::string close_reason_;
  int peer_code_ = 0;
  std::string why_;
  std::function<void()> notify_;
};

namespace {

class Handle : public WebSocket {
 public:
  explicit Handle(std::shared_ptr<WsConn> conn) : conn_(std::move(conn)) {}
  ~Handle() override { conn_->Close(kCloseNormal, ""); }
  absl::StatusOr<std::optional<Message>> Read(absl::Duration timeout) override { return conn_->Read(timeout); }
  absl::Status Send(std::string data, bool binary) override { return conn_->Send(std::move(data), binary); }
  void Close(int code, std::string reason) override { conn_->Close(code, std::move(reason)); }
  bool IsOpen() const override { return conn_->IsOpen(); }
  int PeerCloseCode() const override { return conn_->PeerCloseCode(); }
  void SetNotify(std::function<void()> fn) override { conn_->SetNotify(std::move(fn)); }

 private:
  std::shared_ptr<WsConn> conn_;
};

}  // namespace

std::unique_ptr<WebSocket> WsConn::NewHandle(std::shared_ptr<WsConn> conn) {
  return std::make_unique<Handle>(std::move(conn));
}

void WsTracker::Add(const std::shared_ptr<WsConn>& c) {
  std::lock_guard<std::mutex> l(mu_);
  // Forget connections that are gone, so a long-running server does not grow this list.
  std::erase_if(conns_, [](const std::weak_ptr<WsConn>& w) { return w.expired(); });
  conns_.push_back(c);
}

void WsTracker::ShutdownAll() {
  std::vector<std::shared_ptr<WsConn>> live;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& w : conns_) {
      if (auto c = w.lock()) live.push_back(std::move(c));
    }
    conns_.clear();
  }
  for (auto& c : live) c->Shutdown();
}

void AcceptWebSocket(beast::tcp_stream stream, bhttp::request<bhttp::string_body> req,
                     std::vector<std::pair<std::string, std::string>> headers, WebSocketHandler handler,
                     const WsLimits& limits, std::shared_ptr<WsTracker> tracker) {
  auto conn = std::make_shared<WsConn>(std::move(stream), limits);
  tracker->Add(conn);
  conn->Start(std::make_shared<bhttp::request<bhttp::string_body>>(std::move(req)), std::move(headers),
              std::move(handler));
}

}  // namespace fleet::http::internal
