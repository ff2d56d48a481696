#include "libs/http/client.h"

#include <chrono>
#include <exception>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace fleet::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kMaxResponseBytes = 64 << 20;

bool HasHeader(const std::map<std::string, std::string>& headers, std::string_view lower_name) {
  for (const auto& [k, v] : headers) {
    if (absl::AsciiStrToLower(k) == lower_name) return true;
  }
  return false;
}

// RFC 9110 token characters (header field names).
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<Url> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  const absl::string_view quoted(url.data(), url.size());  // for error messages
  if (url.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError(
        absl::StrCat("http: only http:// URLs are supported: ", quoted));
  }
  std::string_view rest = url.substr(kScheme.size());
  Url out;
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (end != std::string_view::npos && rest[end] != '#') {
    out.target =
        rest[end] == '/' ? std::string(rest.substr(end)) : "/" + std::string(rest.substr(end));
  }
  if (const size_t hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [v6-address]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("http: unclosed '[' in URL: ", quoted));
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return absl::InvalidArgumentError(absl::StrCat("http: bad authority in URL: ", quoted));
      }
      port = after.substr(1);
      if (port.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("http: bad port in URL: ", quoted));
      }
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("http: bad port in URL: ", quoted));
      }
    }
  }
  if (!port.empty() && (!absl::SimpleAtoi(absl::string_view(port.data(), port.size()), &out.port) ||
                        out.port <= 0 || out.port > 65535)) {
    return absl::InvalidArgumentError(absl::StrCat("http: bad port in URL: ", quoted));
  }
  if (out.host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("http: no host in URL: ", quoted));
  }
  return out;
}

absl::StatusOr<ClientResponse> Fetch(const std::string& method, const std::string& url,
                                     const std::string& body,
                                     const std::map<std::string, std::string>& headers,
                                     const FetchOptions& options) {
  absl::StatusOr<Url> u = ParseUrl(url);
  if (!u.ok()) return u.status();
  const bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) {
    return absl::InvalidArgumentError("http: unknown method " + method);
  }
  for (const auto& [k, v] : headers) {
    if (!IsToken(k) || v.find_first_of("\r\n", 0, 3) != std::string::npos) {
      return absl::InvalidArgumentError("http: invalid header " + k);
    }
  }
  bhttp::request<bhttp::string_body> req;
  try {
    req.method(verb);
    req.target(u->target);
    req.version(11);
    const bool v6 = u->host.find(':') != std::string::npos;
    std::string host_header = v6 ? absl::StrCat("[", u->host, "]") : u->host;
    if (u->port != 80) absl::StrAppend(&host_header, ":", u->port);
    req.set(bhttp::field::host, host_header);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() && !HasHeader(headers, "content-type")) {
      req.set(bhttp::field::content_type, "application/json");
    }
    req.body() = body;
    req.prepare_payload();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("http: ", method, " ", url, ": ", e.what()));
  }

  // A deadline already passed fails before any I/O (else a fast loopback exchange could finish
  // before the expired timer's handler runs, and succeed).
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError(
        absl::StrCat("http: ", method, " ", url, ": timeout ", absl::FormatDuration(options.timeout),
                     " left no time"));
  }
  asio::io_context ioc;
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(u->host, std::to_string(u->port), ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("http: ", method, " ", url, ": resolve ", u->host, ": ", ec.message()));
  }

  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  if (verb == bhttp::verb::head) parser.skip(true);  // a HEAD response carries no body
  beast::error_code result;
  const char* stage = "connect";

  // One deadline for the whole exchange: tcp_stream applies it to every pending
  // operation.
  if (options.timeout == absl::InfiniteDuration()) {
    stream.expires_never();
  } else {
    stream.expires_after(
        absl::ToChronoMilliseconds(std::max(options.timeout, absl::ZeroDuration())));
  }
  try {
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
      if (e) {
        result = e;
        return;
      }
      stage = "write";
      bhttp::async_write(stream, req, [&](beast::error_code e, size_t) {
        if (e) {
          result = e;
          return;
        }
        stage = "read";
        bhttp::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { result = e; });
      });
    });
    ioc.run();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("http: ", method, " ", url, ": ", e.what()));
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (result == beast::error::timeout) {
    return absl::DeadlineExceededError(
        absl::StrCat("http: ", method, " ", url, ": timeout during ", stage));
  }
  if (result) {
    return absl::UnavailableError(
        absl::StrCat("http: ", method, " ", url, ": ", stage, ": ", result.message()));
  }
  auto& res = parser.get();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    out.headers[absl::AsciiStrToLower(std::string(f.name_string()))] = std::string(f.value());
  }
  out.body = std::move(res.body());
  return out;
}

}  // namespace fleet::http
