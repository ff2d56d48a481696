#include "libs/http/ws_client.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/websocket.hpp"

namespace fleet::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool read_pending = false, read_done = false;
  beast::error_code read_ec;

  // Runs handlers until `done` or `timeout`; false on timeout.
  bool RunUntil(const bool& done, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    ioc.restart();
    while (!done) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return false;
      ioc.run_one_for(absl::ToChronoMilliseconds(left) + std::chrono::milliseconds(1));
    }
    return true;
  }
};

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsClient::~WsClient() = default;

absl::StatusOr<WsClient::Connected> WsClient::Connect(
    const std::string& host, int port, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, absl::Duration timeout) {
  auto impl = std::make_unique<Impl>();
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError("ws client: host must be an IP address: " + host);
  bool done = false;
  beast::get_lowest_layer(impl->ws).expires_after(absl::ToChronoMilliseconds(timeout));
  beast::get_lowest_layer(impl->ws).async_connect(tcp::endpoint(address, static_cast<unsigned short>(port)),
                                                  [&](beast::error_code e) { ec = e, done = true; });
  if (!impl->RunUntil(done, timeout + absl::Milliseconds(100))) return absl::DeadlineExceededError("ws connect");
  if (ec) return absl::UnavailableError(absl::StrCat("ws connect: ", ec.message()));
  impl->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
  }));
  websocket::response_type res;
  done = false;
  impl->ws.async_handshake(res, absl::StrCat(host, ":", port), target,
                           [&](beast::error_code e) { ec = e, done = true; });
  if (!impl->RunUntil(done, timeout + absl::Milliseconds(100))) return absl::DeadlineExceededError("ws handshake");
  beast::get_lowest_layer(impl->ws).expires_never();
  Connected out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) out.headers[absl::AsciiStrToLower(std::string(f.name_string()))] = std::string(f.value());
  out.body = res.body();
  if (ec == websocket::error::upgrade_declined) return out;
  if (ec) return absl::UnavailableError(absl::StrCat("ws handshake: ", ec.message()));
  out.client.reset(new WsClient(std::move(impl)));
  return out;
}

absl::Status WsClient::Send(const std::string& data, bool binary, absl::Duration timeout) {
  impl_->ws.binary(binary);
  bool done = false;
  beast::error_code ec;
  impl_->ws.async_write(asio::buffer(data), [&](beast::error_code e, size_t) { ec = e, done = true; });
  if (!impl_->RunUntil(done, timeout)) return absl::DeadlineExceededError("ws write");
  if (ec) return absl::UnavailableError(absl::StrCat("ws write: ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<WsClient::Message> WsClient::Read(absl::Duration timeout) {
  Impl& i = *impl_;
  if (!i.read_pending) {
    i.read_pending = true;
    i.read_done = false;
    i.ws.async_read(i.buffer, [&i](beast::error_code e, size_t) { i.read_ec = e, i.read_done = true; });
  }
  if (!i.RunUntil(i.read_done, timeout)) return absl::DeadlineExceededError("ws read: no message in time");
  i.read_pending = false;
  if (i.read_ec) {
    if (i.read_ec == websocket::error::closed) {
      close_code_ = static_cast<int>(i.ws.reason().code);
      close_reason_ = std::string(i.ws.reason().reason.c_str());
    }
    return absl::UnavailableError(absl::StrCat("ws read: ", i.read_ec.message(), " (close code ", close_code_, ")"));
  }
  Message m{i.ws.got_binary(), beast::buffers_to_string(i.buffer.data())};
  i.buffer.consume(i.buffer.size());
  return m;
}

absl::Status WsClient::Close(int code, absl::Duration timeout) {
  bool done = false;
  beast::error_code ec;
  impl_->ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code)),
                        [&](beast::error_code e) { ec = e, done = true; });
  if (!impl_->RunUntil(done, timeout)) return absl::DeadlineExceededError("ws close");
  if (ec) return absl::UnavailableError(absl::StrCat("ws close: ", ec.message()));
  return absl::OkStatus();
}

}  // namespace fleet::http
