#include "services/tunnel/domain/pool.h"

#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::tunnel {
namespace {

FrpServer Server(std::string name, int weight = 1, FrpServer::Mode mode = FrpServer::Mode::kEnabled) {
  FrpServer s;
  s.name = std::move(name);
  s.public_address = s.name + ".example.com";
  s.bind_port = 7000;
  s.token_ref = "env:T";
  s.token = "secret";
  s.port_min = 40000;
  s.port_max = 40099;
  s.weight = weight;
  s.mode = mode;
  return s;
}

std::vector<std::string> Names(const std::vector<const FrpServer*>& ranked) {
  std::vector<std::string> out;
  for (const FrpServer* s : ranked) out.push_back(s->name);
  return out;
}

TEST(PoolTest, ValidPoolPasses) {
  EXPECT_TRUE(ValidatePool({Server("a"), Server("b", 3, FrpServer::Mode::kDraining)}).ok());
}

TEST(PoolTest, RejectsEachBadFieldNamingServerAndField) {
  auto expect_bad = [](std::vector<FrpServer> pool, const std::string& needle) {
    absl::Status st = ValidatePool(pool);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << needle;
    EXPECT_NE(std::string(st.message()).find(needle), std::string::npos) << st;
  };
  expect_bad({}, "at least one");
  FrpServer s = Server("a");
  s.name = "";
  expect_bad({s}, "name");
  expect_bad({Server("a"), Server("a")}, "used twice");
  s = Server("a"), s.public_address = "";
  expect_bad({s}, "public_address");
  s = Server("a"), s.bind_port = 0;
  expect_bad({s}, "bind_port");
  s = Server("a"), s.port_min = 50000;
  expect_bad({s}, "port range");
  s = Server("a"), s.port_max = 70000;
  expect_bad({s}, "port range");
  s = Server("a"), s.bind_port = 40010;
  expect_bad({s}, "outside the remote port range");
  s = Server("a"), s.weight = 0;
  expect_bad({s}, "weight");
  s = Server("a"), s.token = "";
  expect_bad({s}, "token");
  expect_bad({Server("a", 1, FrpServer::Mode::kDraining)}, "no frp server is enabled");
}

TEST(PoolTest, DisabledServerNeedsNoToken) {
  FrpServer off = Server("off", 1, FrpServer::Mode::kDisabled);
  off.token = "";
  EXPECT_TRUE(ValidatePool({Server("a"), off}).ok());
}

TEST(PoolTest, RanksByUsedPortsPerWeight) {
  std::vector<FrpServer> pool = {Server("a", 1), Server("b", 2), Server("c", 1)};  // 100 ports each
  // All empty: equal load, names break the tie.
  EXPECT_EQ(Names(RankServers(pool, {{"a", 100}, {"b", 100}, {"c", 100}}, 3)),
            (std::vector<std::string>{"a", "b", "c"}));
  // b carries twice the weight: 20 used on b weighs like 10 used on a.
  EXPECT_EQ(Names(RankServers(pool, {{"a", 90}, {"b", 80}, {"c", 95}}, 3)),
            (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_EQ(Names(RankServers(pool, {{"a", 90}, {"b", 81}, {"c", 88}}, 3)),
            (std::vector<std::string>{"b", "a", "c"}));
}

TEST(PoolTest, EqualLoadPrefersTheServerWithMoreFreePorts) {
  FrpServer big = Server("big");
  big.port_max = 40199;  // 200 ports
  std::vector<FrpServer> pool = {Server("a", 2), big};
  // a: 20 used / 2 == big: 10 used / 1; big has more free ports.
  EXPECT_EQ(Names(RankServers(pool, {{"a", 80}, {"big", 190}}, 1)),
            (std::vector<std::string>{"big", "a"}));
}

TEST(PoolTest, SkipsServersWithoutEnoughPortsOrNotEnabled) {
  std::vector<FrpServer> pool = {Server("a"), Server("drain", 5, FrpServer::Mode::kDraining),
                                 Server("off", 5, FrpServer::Mode::kDisabled), Server("small")};
  EXPECT_EQ(Names(RankServers(pool, {{"a", 3}, {"drain", 100}, {"off", 100}, {"small", 2}}, 3)),
            (std::vector<std::string>{"a"}));
  EXPECT_TRUE(RankServers(pool, {{"a", 2}, {"small", 2}}, 3).empty());
  EXPECT_TRUE(RankServers(pool, {}, 1).empty());  // unknown counts mean no free ports
}

}  // namespace
}  // namespace fleet::tunnel
