#include <atomic>
#include <mutex>
#include <thread>

#include "boost/asio.hpp"
#include "gtest/gtest.h"
#include "libs/http/server.h"
#include "libs/http/ws_client.h"

namespace fleet::http {
namespace {

// Runs each accepted socket on its own thread with `body`; joins them at the end.
class Sockets {
 public:
  ~Sockets() { Join(); }
  WebSocketHandler Handler(std::function<void(WebSocket&)> body) {
    return [this, body](std::unique_ptr<WebSocket> ws) {
      std::lock_guard<std::mutex> l(mu_);
      threads_.emplace_back([body, ws = std::shared_ptr<WebSocket>(std::move(ws))] { body(*ws); });
    };
  }
  void Join() {
    std::vector<std::thread> ts;
    {
      std::lock_guard<std::mutex> l(mu_);
      ts.swap(threads_);
    }
    for (auto& t : ts) t.join();
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

void Echo(WebSocket& ws) {
  while (true) {
    auto m = ws.Read(absl::Seconds(10));
    if (!m.ok() || !m->has_value()) return;
    if ((*m)->data == "close-me") {
      ws.Close(4000, "bye");
      return;
    }
    if (!ws.Send((*m)->data, (*m)->binary).ok()) return;
  }
}

TEST(WebSocketTest, UpgradesAndEchoesTextAndBinary) {
  Sockets sockets;
  auto server = Server::Start({}, [&](const Request& r) {
    Response resp;
    if (r.path != "/ws") return Response{404, "text/plain", {}, "no"};
    EXPECT_TRUE(IsWebSocketUpgrade(r));
    resp.headers.push_back({"X-Request-Id", "abc"});
    resp.websocket = sockets.Handler(Echo);
    return resp;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  auto c = WsClient::Connect("127.0.0.1", (*server)->port(), "/ws", {{"Origin", "http://x"}});
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_NE(c->client, nullptr) << c->status << " " << c->body;
  EXPECT_EQ(c->status, 101);
  EXPECT_EQ(c->headers["x-request-id"], "abc");
  ASSERT_TRUE(c->client->Send("hello", false).ok());
  auto m = c->client->Read();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->data, "hello");
  EXPECT_FALSE(m->binary);
  const std::string bytes("\x00\x01\xff\r\n", 5);
  ASSERT_TRUE(c->client->Send(bytes, true).ok());
  m = c->client->Read();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->data, bytes);
  EXPECT_TRUE(m->binary);
  // The server closes with its own code and reason.
  ASSERT_TRUE(c->client->Send("close-me", false).ok());
  EXPECT_EQ(c->client->Read().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(c->client->close_code(), 4000);
  EXPECT_EQ(c->client->close_reason(), "bye");
}

TEST(WebSocketTest, RefusalIsAnOrdinaryResponseAndPlainGetGets426) {
  auto server = Server::Start({}, [&](const Request& r) {
    if (r.path == "/denied") return Response{403, "application/json", {}, R"({"error":{"code":403}})"};
    Response resp;
    resp.websocket = [](std::unique_ptr<WebSocket>) { ADD_FAILURE() << "must not be called"; };
    return resp;
  });
  ASSERT_TRUE(server.ok());
  auto c = WsClient::Connect("127.0.0.1", (*server)->port(), "/denied", {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->client, nullptr);
  EXPECT_EQ(c->status, 403);
  EXPECT_EQ(c->body, R"({"error":{"code":403}})");
  auto plain = Fetch("GET", "http://127.0.0.1:" + std::to_string((*server)->port()) + "/ws");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->status, 426);
  EXPECT_NE(plain->body.find("UPGRADE_REQUIRED"), std::string::npos) << plain->body;
}

TEST(WebSocketTest, FailedHandshakeDropsTheHandlerUncalled) {
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> watch = token;
  auto server = Server::Start({}, [&](const Request&) {
    Response resp;
    resp.websocket = [t = std::move(token)](std::unique_ptr<WebSocket>) { ADD_FAILURE() << "called"; };
    return resp;
  });
  ASSERT_TRUE(server.ok());
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>((*server)->port())});
  const std::string req =
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 12\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(req));
  std::string got(256, '\0');
  boost::system::error_code ec;
  const size_t n = s.read_some(boost::asio::buffer(got), ec);
  got.resize(n);
  EXPECT_EQ(got.find("HTTP/1.1 101"), std::string::npos) << got;
  for (int i = 0; i < 100 && !watch.expired(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(watch.expired()) << "the handler's captures were not released";
}

TEST(WebSocketTest, ServerSeesTheClientsCloseCode) {
  std::atomic<int> peer_code{-1};
  std::atomic<bool> read_failed{false};
  Sockets sockets;
  auto server = Server::Start({}, [&](const Request&) {
    Response resp;
    resp.websocket = sockets.Handler([&](WebSocket& ws) {
      auto m = ws.Read(absl::Seconds(10));
      read_failed = !m.ok() && m.status().code() == absl::StatusCode::kUnavailable;
      peer_code = ws.PeerCloseCode();
      EXPECT_FALSE(ws.IsOpen());
      EXPECT_EQ(ws.Send("late", false).code(), absl::StatusCode::kUnavailable);
    });
    return resp;
  });
  ASSERT_TRUE(server.ok());
  auto c = WsClient::Connect("127.0.0.1", (*server)->port(), "/", {});
  ASSERT_TRUE(c.ok() && c->client) << c.status();
  ASSERT_TRUE(c->client->Close(4001).ok());
  sockets.Join();
  EXPECT_TRUE(read_failed.load());
  EXPECT_EQ(peer_code.load(), 4001);
}

TEST(WebSocketTest, OversizedMessageClosesWith1009) {
  ServerOptions o;
  o.max_websocket_message_bytes = 1000;
  Sockets sockets;
  auto server = Server::Start(o, [&](const Request&) {
    Response resp;
    resp.websocket = sockets.Handler(Echo);
    return resp;
  });
  ASSERT_TRUE(server.ok());
  auto c = WsClient::Connect("127.0.0.1", (*server)->port(), "/", {});
  ASSERT_TRUE(c.ok() && c->client) << c.status();
  ASSERT_TRUE(c->client->Send(std::string(1000, 'a'), true).ok());
  auto m = c->client->Read();
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->data.size(), 1000u);
  ASSERT_TRUE(c->client->Send(std::string(1001, 'a'), true).ok());
  EXPECT_EQ(c->client->Read().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(c->client->close_code(), kCloseTooBig);
}

TEST(WebSocketTest, ManyMessagesKeepTheirOrderBothWays) {
  Sockets sockets;
  auto server = Server::Start({}, [&](const Request&) {
    Response resp;
    resp.websocket = sockets.Handler(Echo);
    return resp;
  });
  ASSERT_TRUE(server.ok());
  auto c = WsClient::Connect("127.0.0.1", (*server)->port(), "/", {});
  ASSERT_TRUE(c.ok() && c->client) << c.status();
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(c->client->Send(std::to_string(i) + std::string(3000, '.'), true).ok());
  for (int i = 0; i < 500; ++i) {
    auto m = c->client->Read();
    ASSERT_TRUE(m.ok()) << i << " " << m.status();
    ASSERT_EQ(m->data, std::to_string(i) + std::string(3000, '.'));
  }
}

TEST(WebSocketTest, StopClosesLiveSockets) {
  std::mutex mu;
  std::shared_ptr<WebSocket> kept;
  std::atomic<int> notified{0};
  auto server = Server::Start({}, [&](const Request&) {
    Response resp;
    resp.websocket = [&](std::unique_ptr<WebSocket> ws) {
      ws->SetNotify([&] { ++notified; });
      std::lock_guard<std::mutex> l(mu);
      kept = std::move(ws);
    };
    return resp;
  });
  ASSERT_TRUE(server.ok());
  auto c = WsClient::Connect("127.0.0.1", (*server)->port(), "/", {});
  ASSERT_TRUE(c.ok() && c->client) << c.status();
  ASSERT_TRUE(c->client->Send("queued", false).ok());
  for (int i = 0; i < 200 && notified.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_GE(notified.load(), 1);
  (*server)->Stop();
  std::lock_guard<std::mutex> l(mu);
  ASSERT_NE(kept, nullptr);
  auto m = kept->Read(absl::ZeroDuration());  // what arrived before the stop is still readable
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->data, "queued");
  EXPECT_EQ(kept->Read(absl::Seconds(1)).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(kept->Send("x", false).code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(kept->IsOpen());
  kept.reset();
  server->reset();
}

}  // namespace
}  // namespace fleet::http
