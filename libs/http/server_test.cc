#include "libs/http/server.h"

#include <atomic>
#include <thread>

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
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServerTest, ServesConcurrentClients) {
  auto server = Server::Start({}, [](const Request& r) { return Response{200, "text/plain", {}, r.path}; });
  ASSERT_TRUE(server.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
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
  EXPECT_EQ(ok.load(), 200);
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

TEST(HttpQueryTest, ParsesAndDecodes) {
  auto q = ParseQuery("a=1&b=x%20y&c&&d=%zz");
  EXPECT_EQ(q["a"], "1");
  EXPECT_EQ(q["b"], "x y");
  EXPECT_EQ(q["c"], "");
  EXPECT_EQ(q["d"], "%zz");
}

}  // namespace
}  // namespace fleet::http
