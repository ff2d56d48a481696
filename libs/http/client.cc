#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>

#include "absl/strings/ascii.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "libs/http/server.h"

namespace fleet::http {

absl::StatusOr<ClientResponse> Fetch(const std::string& method, const std::string& url,
                                     const std::string& body,
                                     const std::map<std::string, std::string>& headers) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace bhttp = boost::beast::http;
  std::string_view rest = url;
  if (rest.substr(0, 7) != "http://") {
    return absl::InvalidArgumentError("http: only http:// URLs are supported: " + url);
  }
  rest.remove_prefix(7);
  const size_t slash = rest.find('/');
  std::string hostport(rest.substr(0, slash));
  std::string target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const size_t colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  try {
    asio::io_context ioc;
    asio::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(resolver.resolve(host, port));
    // Synchronous Beast calls ignore the stream's expiry: bound them with socket timeouts.
    timeval tv{30, 0};
    setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
    req.set(bhttp::field::host, hostport);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() && headers.find("Content-Type") == headers.end() &&
        headers.find("content-type") == headers.end()) {
      req.set(bhttp::field::content_type, "application/json");
    }
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    bhttp::read(stream, buffer, parser);
    auto& res = parser.get();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      out.headers[absl::AsciiStrToLower(std::string(f.name_string()))] = std::string(f.value());
    }
    out.body = std::move(res.body());
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return out;
  } catch (const std::exception& e) {
    return absl::UnavailableError("http: " + method + " " + url + ": " + e.what());
  }
}

}  // namespace fleet::http
