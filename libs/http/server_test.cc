#include "libs/http/server.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "boost/asio.hpp"
#include "gtest/gtest.h"

namespace fleet::http {
namespace {

TEST(HttpServerTest, RoutesRequestsAndKeepsHeadersAndQuery) {
  auto server = Server::Start({}, [](const Request& r) {
    Response resp;
    resp.body = r.method + " " + r.path + " q=" + r.QueryParam("q") + " h=" + r.Header("x-test") +
                " body=" + r.body;
    resp.headers.push_back({"X-Reply", "yes"});
    return resp;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  auto r = Fetch("POST", base + "/v1/a%20b?q=x%2By&z", "hello", {{"X-Test", "42"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /v1/a b q=x+y h=42 body=hello");
  EXPECT_EQ(r->headers["x-reply"], "yes");
}

TEST(HttpServerTest, RejectsOversizedBodyWith413) {
  ServerOptions o;
  o.max_body_bytes = 10;
  std::atomic<int> calls{0};
  auto server = Server::Start(o, [&](const Request&) {
    ++calls;
    return Response{};
  });
  ASSERT_TRUE(server.ok());
  auto r = Fetch("POST", "http://127.0.0.1:" + std::to_string((*server)->port()) + "/",
                 std::string(100, 'x'));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find(R"("reason":"REQUEST_TOO_LARGE")"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"("max_body_bytes":"10")"), std::string::npos) << r->body;
  EXPECT_EQ(calls.load(), 0);
  // A client still uploading a large body reads the 413 instead of a connection reset.
  auto big = Fetch("POST", "http://127.0.0.1:" + std::to_string((*server)->port()) + "/",
                   std::string(4 << 20, 'x'));
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(big->status, 413);
}

// 8 client threads x 25 requests to a server that echoes the path; returns the right answers.
int EchoedByConcurrentClients(const std::string& base) {
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&, i] {
      for (int j = 0; j < 25; ++j) {
        auto r = Fetch("GET", base + "/p" + std::to_string(i));
        if (r.ok() && r->body == "/p" + std::to_string(i)) ++ok;
      }
    });
  }
  for (auto& t : ts) t.join();
  return ok.load();
}

Response Echo(const Request& r) { return Response{200, "text/plain", {}, r.path}; }

TEST(HttpServerTest, ServesConcurrentClients) {
  auto server = Server::Start({}, Echo);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(EchoedByConcurrentClients("http://127.0.0.1:" + std::to_string((*server)->port())), 200);
}

// The handler of "/first" waits until "/second" has been handled on another connection. That
// needs a second thread free to serve the second connection: true with one shared loop of two
// threads, and with two loops of one thread each only if the connections go to different loops.
std::string FirstWaitsForSecond(const ServerOptions& options) {
  absl::Notification first_in, second_done;
  auto server = Server::Start(options, [&](const Request& r) {
    if (r.path == "/second") {
      second_done.Notify();
      return Response{200, "text/plain", {}, "second"};
    }
    first_in.Notify();
    const bool waited = second_done.WaitForNotificationWithTimeout(absl::Seconds(5));
    return Response{200, "text/plain", {}, waited ? "waited" : "timed out"};
  });
  if (!server.ok()) return server.status().ToString();
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  std::string first_body;
  std::thread first([&] {
    auto r = Fetch("GET", base + "/first", "", {}, {.timeout = absl::Seconds(20)});
    first_body = r.ok() ? r->body : r.status().ToString();
  });
  if (!first_in.WaitForNotificationWithTimeout(absl::Seconds(20))) {
    first.join();
    return "first never reached its handler: " + first_body;
  }
  auto second = Fetch("GET", base + "/second", "", {}, {.timeout = absl::Seconds(20)});
  first.join();
  if (!second.ok() || second->body != "second") return "second failed";
  return first_body;
}

TEST(HttpServerTest, SharedLoopServesAConnectionWhileAnotherHandlerBlocks) {
  EXPECT_EQ(FirstWaitsForSecond({.threads = 2}), "waited");
}

TEST(HttpServerTest, EventLoopsTakeConnectionsInTurn) {
  // Two loops of one thread: the second connection lands on the free loop.
  EXPECT_EQ(FirstWaitsForSecond({.threads = 2, .event_loops = 2}), "waited");
  // More loops than threads: as many loops as threads.
  EXPECT_EQ(FirstWaitsForSecond({.threads = 2, .event_loops = 8}), "waited");
}

TEST(HttpServerTest, ManyEventLoopsServeConcurrentClients) {
  auto server = Server::Start({.threads = 4, .event_loops = 4}, Echo);
  ASSERT_TRUE(server.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  EXPECT_EQ(EchoedByConcurrentClients(base), 200);
  (*server)->Stop();
  EXPECT_FALSE(Fetch("GET", base + "/p0").ok());
}

TEST(HttpServerTest, FetchReportsUnreachableAsUnavailable) {
  auto server = Server::Start({}, [](const Request&) { return Response{}; });
  ASSERT_TRUE(server.ok());
  const int port = (*server)->port();
  (*server)->Stop();
  auto r = Fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Fetch("GET", "ftp://x/").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HttpServerTest, PassesStatusAndContentTypeThrough) {
  auto server = Server::Start({}, [](const Request& r) {
    return Response{201, "text/plain; version=0.0.4", {}, r.method + " " + r.target};
  });
  ASSERT_TRUE(server.ok());
  auto r =
      Fetch("PUT", "http://127.0.0.1:" + std::to_string((*server)->port()) + "/v1/x?a=1", "{}");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->headers["content-type"], "text/plain; version=0.0.4");
  EXPECT_EQ(r->body, "PUT /v1/x?a=1");
}

TEST(HttpServerTest, HandlerExceptionIs500AndServerKeepsServing) {
  auto server = Server::Start({.threads = 1}, [](const Request& r) -> Response {
    if (r.path == "/throw") throw std::runtime_error("boom");
    if (r.path == "/throw-int") throw 7;
    return Response{200, "text/plain", {}, "fine"};
  });
  ASSERT_TRUE(server.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  auto r = Fetch("GET", base + "/throw");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  r = Fetch("GET", base + "/throw-int");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 500);
  r = Fetch("GET", base + "/ok");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "fine");
}

// Reads everything the server sends on a raw connection until it closes.
std::string RawExchange(int port, const std::string& request) {
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  asio::write(socket, asio::buffer(request));
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  while (!ec) {
    size_t n = socket.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
  }
  return out;
}

TEST(HttpServerTest, HeadGetsHeadersButNoBody) {
  auto server = Server::Start({}, [](const Request& r) {
    return Response{200, "text/plain", {}, r.method == "HEAD" ? "hello" : "other"};
  });
  ASSERT_TRUE(server.ok());
  const int port = (*server)->port();
  const std::string raw =
      RawExchange(port, "HEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_NE(raw.find("Content-Length: 5\r\n"), std::string::npos) << raw;
  ASSERT_GE(raw.size(), 4u);
  EXPECT_EQ(raw.substr(raw.size() - 4), "\r\n\r\n") << raw;  // nothing after the headers

  // Through the client: no body is expected, so the call neither hangs nor fails.
  auto r = Fetch("HEAD", "http://127.0.0.1:" + std::to_string(port) + "/x", "", {},
                 {.timeout = absl::Seconds(5)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-length"], "5");
  EXPECT_EQ(r->body, "");
}

TEST(HttpServerTest, KeepAliveConnectionServesHeadThenGet) {
  auto server = Server::Start({}, [](const Request& r) {
    return Response{200, "text/plain", {}, "abc"};
  });
  ASSERT_TRUE(server.ok());
  const std::string raw = RawExchange(
      (*server)->port(),
      "HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  // Exactly one body ("abc"), at the very end: the HEAD response did not leak its body.
  EXPECT_EQ(raw.find("abc"), raw.size() - 3) << raw;
  EXPECT_EQ(raw.find("HTTP/1.1 200"), 0u) << raw;
  EXPECT_NE(raw.find("HTTP/1.1 200", 1), std::string::npos) << raw;
}

TEST(HttpServerTest, EveryRequestOfAKeepAliveConnectionHasThePeerAddress) {
  auto server = Server::Start({}, [](const Request& r) {
    return Response{200, "text/plain", {}, "[" + r.remote_address + "]"};
  });
  ASSERT_TRUE(server.ok());
  const std::string raw = RawExchange(
      (*server)->port(),
      "GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const size_t first = raw.find("[127.0.0.1]");
  ASSERT_NE(first, std::string::npos) << raw;
  EXPECT_NE(raw.find("[127.0.0.1]", first + 1), std::string::npos) << raw;
}

TEST(HttpServerTest, WritesTheResponseAsSent) {
  auto server = Server::Start({}, [](const Request& r) {
    if (r.path == "/none") return Response{204, "text/plain", {}, "dropped"};
    return Response{429, "text/plain",
                    {{"X-A", "1"}, {"Retry-After", "2"}, {"x-a", "3"}, {"Content-Type", "application/json"},
                     {"X-Bad", "a\r\nInjected: yes"}},
                    "{}"};
  });
  ASSERT_TRUE(server.ok());
  const std::string raw =
      RawExchange((*server)->port(), "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 429 Too Many Requests\r\n", 0), 0u) << raw;
  // A later header replaces an earlier one of the same name, the content type included.
  EXPECT_NE(raw.find("\r\nx-a: 3\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("X-A: 1"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("text/plain"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nRetry-After: 2\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nServer: fleetd\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nContent-Length: 2\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nConnection: close\r\n"), std::string::npos) << raw;
  // CR/LF in a value cannot start a header of its own.
  EXPECT_EQ(raw.find("\r\nInjected"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nX-Bad: a  Injected: yes\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.substr(raw.size() - 6), "\r\n\r\n{}") << raw;

  // 204: no body and no Content-Length, and the connection stays usable for the next request.
  const std::string two = RawExchange(
      (*server)->port(),
      "GET /none HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(two.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u) << two;
  EXPECT_EQ(two.find("dropped"), std::string::npos) << two;
  const size_t second = two.find("HTTP/1.1 429");
  ASSERT_NE(second, std::string::npos) << two;
  EXPECT_EQ(two.substr(0, second).find("Content-Length"), std::string::npos) << two;
}

TEST(HttpQueryTest, ParsesAndDecodes) {
  auto q = ParseQuery("a=1&b=x%20y&c&&d=%zz");
  EXPECT_EQ(q["a"], "1");
  EXPECT_EQ(q["b"], "x y");
  EXPECT_EQ(q["c"], "");
  EXPECT_EQ(q["d"], "%zz");
}

}  // namespace
}  // namespace fleet::http
