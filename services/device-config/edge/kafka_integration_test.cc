// Real PostgreSQL + kafka-dev + the fleet-sim binary: SetDesired pushes config.apply to a
// simulated device, its answer sets the reported version; quick successive versions reach the
// device in increasing order only and end at the newest.
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/http/client.h"
#include "libs/kafka/consumer.h"
#include "libs/kafka/envelope.h"
#include "libs/kafka/producer.h"
#include "libs/kafka/testing/kafka_dev_process.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "libs/testing/process.h"
#include "libs/testing/runfiles.h"
#include "libs/testing/servers.h"
#include "services/device-config/edge/config_pusher.h"
#include "services/device-config/edge/response_consumer.h"
#include "services/device-config/storage/pg_config_store.h"
#include "services/device-config/storage/pg_device_repo.h"

namespace fleet::devcfg {
namespace {

using fleet::testing::Process;
using fleet::testing::Runfile;
using fleet::testing::WaitFor;

// The simulator's GET /devices/{id}/config: applied version and the versions in order.
struct Applied {
  int64_t version = -1;
  std::vector<int64_t> history;
};

Applied SimConfig(int port, const std::string& device) {
  Applied a;
  auto r = http::Fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/devices/" + device + "/config");
  if (!r.ok() || r->status != 200) return a;
  rapidjson::Document doc;
  doc.Parse(r->body.c_str());
  if (doc.HasParseError() || !doc.IsObject()) return a;
  a.version = doc["version"].GetInt64();
  for (const auto& v : doc["history"].GetArray()) a.history.push_back(v.GetInt64());
  return a;
}

TEST(ConfigPushKafkaTest, PushReachesSimulatorInOrderAndIsReported) {
  auto kafka = kafka::testing::StartKafkaDev({{"edge.up", 4}});
  ASSERT_TRUE(kafka.ok()) << kafka.status();
  auto server = testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto pool = pg::Pool::Connect({.url = (*server)->url(), .pool_size = 4});
  ASSERT_TRUE(pool.ok()) << pool.status();
  ASSERT_TRUE(pg::Migrate(**pool, DeviceConfigMigrations()).ok());

  RealClock clock;
  PgDeviceRepo repo(**pool, 1000);
  PgConfigStore store(**pool);
  ConfigService service(repo, store, clock, std::make_shared<const ConfigOptions>());
  for (const char* id : {"dev-000000", "dev-000001"}) {
    Device d;
    d.id = id;
    d.model = "gw";
    ASSERT_TRUE(repo.Create(d, clock.Now()).ok());
  }

  auto producer = kafka::Producer::Create({.bootstrap = (*kafka)->bootstrap()});
  ASSERT_TRUE(producer.ok()) << producer.status();
  kafka::Producer* prod = producer->get();
  ConfigPusher pusher(service,
                      [prod](const std::string& device, const std::string& payload) {
                        return prod->Send(kafka::DownlinkTopic("", device), device, payload);
                      },
                      clock, {.pacing = {.per_second = 50, .max_in_flight = 10, .answer_timeout = absl::Seconds(60)}});
  service.SetListener(&pusher);
  auto uplink = kafka::Consumer::Create(
      {.bootstrap = (*kafka)->bootstrap(), .group_id = "device-config", .topics = {"edge.up"}});
  ASSERT_TRUE(uplink.ok()) << uplink.status();
  ConfigResponseConsumer answers(**uplink, service, &pusher, clock);
  std::atomic<bool> stop{false};
  std::thread pusher_thread([&] { pusher.Run(stop); });
  std::thread answers_thread([&] { answers.Run(stop); });

  const int port = fleet::testing::FreePort();
  auto sim = Process::Spawn({Runfile("edge/sim/fleet-sim"), "--kafka_bootstrap=" + (*kafka)->bootstrap(),
                             "--devices=2", "--heartbeat_interval=2s", "--control_port=" + std::to_string(port),
                             "--config_latency=300ms"});
  ASSERT_TRUE(sim.ok()) << sim.status();

  // 1. One version: applied on the device, reported, in sync.
  auto v1 = service.SetDesired({.device = "dev-000000", .body = R"({"a":1})", .author = "t"});
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_TRUE(WaitFor([&] { return SimConfig(port, "dev-000000").version == 1; }, absl::Seconds(60)).ok());
  EXPECT_TRUE(WaitFor([&] { auto v = service.Get("dev-000000"); return v.ok() && v->in_sync; },
                      absl::Seconds(30)).ok());
  EXPECT_EQ(service.Get("dev-000000")->state.reported_version, 1);

  // 2. Quick successive versions: increasing order only, ends at the newest.
  for (int i = 2; i <= 5; ++i) {
    ASSERT_TRUE(service.SetDesired({.device = "dev-000000", .body = "{\"a\":" + std::to_string(i) + "}",
                                    .author = "t"}).ok());
  }
  EXPECT_TRUE(WaitFor([&] { auto v = service.Get("dev-000000"); return v.ok() && v->in_sync; },
                      absl::Seconds(60)).ok());
  const Applied applied = SimConfig(port, "dev-000000");
  EXPECT_EQ(applied.version, 5);
  ASSERT_FALSE(applied.history.empty());
  std::string order;
  for (int64_t v : applied.history) order += std::to_string(v) + " ";
  std::cerr << "versions applied by dev-000000, in order: " << order << "\n";
  for (size_t i = 1; i < applied.history.size(); ++i) {
    EXPECT_LT(applied.history[i - 1], applied.history[i]) << "versions applied out of order";
  }
  EXPECT_EQ(service.Get("dev-000000")->state.reported_version, 5);
  // The other device never got a push.
  EXPECT_EQ(SimConfig(port, "dev-000001").version, 0);

  stop = true;
  pusher_thread.join();
  answers_thread.join();
}

}  // namespace
}  // namespace fleet::devcfg
