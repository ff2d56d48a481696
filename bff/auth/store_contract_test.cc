// The same scenarios against the in-memory reference Store and PgStore on a real PostgreSQL.
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "bff/auth/memory_store.h"
#include "bff/auth/pg_store.h"
#include "gtest/gtest.h"
#include "libs/pg/migrate.h"
#include "libs/pg/pool.h"
#include "libs/status/status.h"
#include "libs/testing/servers.h"

namespace fleet::bff::auth {
namespace {

testing::PostgresServer* Server() {
  static testing::PostgresServer* server = [] {
    auto s = testing::PostgresServer::Start();
    if (!s.ok()) {
      ADD_FAILURE() << s.status();
      return static_cast<testing::PostgresServer*>(nullptr);
    }
    return s->release();
  }();
  return server;
}

struct Backend {
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<Store> store;
};

Backend MakeMemory() { return {nullptr, std::make_unique<MemoryStore>()}; }

Backend MakePg() {
  static std::atomic<int> n{0};
  Backend b;
  testing::PostgresServer* s = Server();
  if (s == nullptr) return b;
  auto admin = pg::Pool::Connect({.url = s->url(), .pool_size = 1});
  EXPECT_TRUE(admin.ok()) << admin.status();
  if (!admin.ok()) return b;
  const std::string db = "fleet_bff_" + std::to_string(++n);
  // CREATE DATABASE cannot run in a transaction block: use a nontransaction on a raw connection.
  try {
    pqxx::connection c(s->url());
    pqxx::nontransaction tx(c);
    tx.exec("CREATE DATABASE " + db);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    return b;
  }
  std::string url = s->url();
  url = url.substr(0, url.rfind('/') + 1) + db;
  auto pool = pg::Pool::Connect({.url = url, .pool_size = 8});
  EXPECT_TRUE(pool.ok()) << pool.status();
  if (!pool.ok()) return b;
  EXPECT_TRUE(pg::Migrate(**pool, BffMigrations()).ok());
  EXPECT_TRUE(pg::Migrate(**pool, BffMigrations()).ok());  // idempotent
  b.pool = std::move(*pool);
  b.store = std::make_unique<PgStore>(*b.pool);
  return b;
}

const absl::Time kT0 = absl::FromUnixMicros(1'800'000'000'123'456);

User MakeUser(const std::string& id, Role role = Role::kOperator) {
  User u;
  u.id = id;
  u.display_name = "User " + id;
  u.role = role;
  u.password_hash = "pbkdf2-sha256$1$00$00";
  u.create_time = kT0;
  u.update_time = kT0;
  return u;
}

ApiKey MakeKey(const std::string& id) {
  ApiKey k;
  k.id = id;
  k.display_name = "key " + id;
  k.secret_hash = "h" + id;
  k.scope.route_classes = {"devices.read", "presence.read"};
  k.scope.device_ids = {"gw-1", "gw-2"};
  k.scope.device_labels = {{"site", "north"}, {"tier", "a"}};
  k.rate_limits = "10/1s";
  k.created_by = "admin";
  k.create_time = kT0;
  k.expire_time = kT0 + absl::Hours(1);
  return k;
}

class StoreContract : public ::testing::TestWithParam<std::function<Backend()>> {
 protected:
  void SetUp() override {
    b_ = GetParam()();
    ASSERT_NE(b_.store, nullptr);
  }
  Store& s() { return *b_.store; }
  Backend b_;
};

TEST_P(StoreContract, Users) {
  ASSERT_TRUE(s().CreateUser(MakeUser("alice")).ok());
  absl::Status dup = s().CreateUser(MakeUser("alice"));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status::Reason(dup), "USER_ALREADY_EXISTS");
  auto got = s().GetUser("alice");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->display_name, "User alice");
  EXPECT_EQ(got->role, Role::kOperator);
  EXPECT_EQ(got->create_time, kT0);
  EXPECT_EQ(status::Reason(s().GetUser("bob").status()), "USER_NOT_FOUND");

  User changed = *got;
  changed.role = Role::kAdmin;
  changed.disabled = true;
  changed.update_time = kT0 + absl::Seconds(5);
  changed.create_time = kT0 + absl::Hours(9);  // ignored
  ASSERT_TRUE(s().UpdateUser(changed).ok());
  got = s().GetUser("alice");
  EXPECT_EQ(got->role, Role::kAdmin);
  EXPECT_TRUE(got->disabled);
  EXPECT_EQ(got->create_time, kT0);
  EXPECT_EQ(got->update_time, kT0 + absl::Seconds(5));
  EXPECT_EQ(s().UpdateUser(MakeUser("bob")).code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(s().CreateUser(MakeUser("bob", Role::kViewer)).ok());
  auto all = s().ListUsers();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "alice");
  EXPECT_EQ((*all)[1].id, "bob");
  ASSERT_TRUE(s().DeleteUser("bob").ok());
  EXPECT_EQ(s().DeleteUser("bob").code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreContract, FirstUserIsCreatedOnceEvenUnderRaces) {
  std::atomic<int> created{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 6; ++i) {
    ts.emplace_back([&, i] {
      auto r = s().CreateFirstUser(MakeUser("admin" + std::to_string(i), Role::kAdmin));
      EXPECT_TRUE(r.ok()) << r.status();
      if (r.ok() && *r) ++created;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(s().ListUsers()->size(), 1u);
  EXPECT_FALSE(*s().CreateFirstUser(MakeUser("late", Role::kAdmin)));
}

TEST_P(StoreContract, Sessions) {
  ASSERT_TRUE(s().CreateUser(MakeUser("alice")).ok());
  ASSERT_TRUE(s().CreateUser(MakeUser("bob")).ok());
  ASSERT_TRUE(s().CreateSession({"h1", "alice", kT0, kT0 + absl::Hours(1)}).ok());
  ASSERT_TRUE(s().CreateSession({"h2", "alice", kT0, kT0 + absl::Hours(2)}).ok());
  ASSERT_TRUE(s().CreateSession({"h3", "bob", kT0, kT0 + absl::Minutes(1)}).ok());
  EXPECT_EQ(s().CreateSession({"h4", "nobody", kT0, kT0}).code(), absl::StatusCode::kNotFound);
  auto h1 = s().GetSession("h1");
  ASSERT_TRUE(h1.ok()) << h1.status();
  EXPECT_EQ(h1->user_id, "alice");
  EXPECT_EQ(h1->expire_time, kT0 + absl::Hours(1));
  EXPECT_EQ(s().GetSession("nope").status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(s().DeleteSession("h1").ok());
  ASSERT_TRUE(s().DeleteSession("h1").ok());  // absent is fine
  EXPECT_FALSE(s().GetSession("h1").ok());
  ASSERT_TRUE(s().DeleteExpiredSessions(kT0 + absl::Minutes(30)).ok());
  EXPECT_FALSE(s().GetSession("h3").ok());
  EXPECT_TRUE(s().GetSession("h2").ok());
  ASSERT_TRUE(s().CreateSession({"h5", "bob", kT0, kT0 + absl::Hours(1)}).ok());
  ASSERT_TRUE(s().DeleteUserSessions("alice").ok());
  EXPECT_FALSE(s().GetSession("h2").ok());
  EXPECT_TRUE(s().GetSession("h5").ok());
  ASSERT_TRUE(s().DeleteUser("bob").ok());
  EXPECT_FALSE(s().GetSession("h5").ok());  // sessions go with their user
}

TEST_P(StoreContract, KeysRoundTripListRevokeRotate) {
  ApiKey a = MakeKey("aaaa");
  ApiKey b = MakeKey("bbbb");
  b.expire_time.reset();
  b.scope.device_ids.clear();
  b.scope.device_labels.clear();
  ApiKey c = MakeKey("0ccc");  // sorts first by id, but was created last
  for (const ApiKey& k : {a, b, c}) ASSERT_TRUE(s().CreateKey(k).ok());
  auto got = s().GetKey("aaaa");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->secret_hash, "haaaa");
  EXPECT_EQ(got->scope.route_classes, a.scope.route_classes);
  EXPECT_EQ(got->scope.device_ids, a.scope.device_ids);
  EXPECT_EQ(got->scope.device_labels, a.scope.device_labels);
  EXPECT_EQ(got->rate_limits, "10/1s");
  EXPECT_EQ(got->expire_time, a.expire_time);
  EXPECT_FALSE(got->revoke_time.has_value());
  auto gb = s().GetKey("bbbb");
  EXPECT_FALSE(gb->expire_time.has_value());
  EXPECT_TRUE(gb->scope.device_ids.empty());
  EXPECT_TRUE(gb->scope.device_labels.empty());
  EXPECT_EQ(status::Reason(s().GetKey("zzzz").status()), "API_KEY_NOT_FOUND");

  auto page1 = s().ListKeys("", 2);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].id, "aaaa");
  EXPECT_EQ((*page1)[1].id, "bbbb");
  auto page2 = s().ListKeys("bbbb", 2);
  ASSERT_EQ(page2->size(), 1u);
  EXPECT_EQ((*page2)[0].id, "0ccc");

  auto r1 = s().RevokeKey("aaaa", kT0 + absl::Seconds(1));
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->revoke_time, kT0 + absl::Seconds(1));
  auto r2 = s().RevokeKey("aaaa", kT0 + absl::Seconds(2));
  EXPECT_EQ(r2->revoke_time, kT0 + absl::Seconds(1));  // the first revocation stands
  EXPECT_EQ(s().RevokeKey("zzzz", kT0).status().code(), absl::StatusCode::kNotFound);

  ApiKey fresh = MakeKey("dddd");
  ASSERT_TRUE(s().RotateKey("bbbb", fresh, kT0 + absl::Seconds(3)).ok());
  auto old = s().GetKey("bbbb");
  EXPECT_EQ(old->revoke_time, kT0 + absl::Seconds(3));
  EXPECT_EQ(old->replaced_by, "dddd");
  EXPECT_TRUE(s().GetKey("dddd").ok());
  EXPECT_EQ(s().RotateKey("bbbb", MakeKey("eeee"), kT0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(s().GetKey("eeee").ok());  // nothing created
  EXPECT_EQ(s().RotateKey("zzzz", MakeKey("ffff"), kT0).code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreContract, AuditNewestFirstByActorAndPaged) {
  for (int i = 0; i < 5; ++i) {
    AuditEntry e;
    e.time = kT0 + absl::Seconds(i);
    e.actor = i % 2 == 0 ? "alice" : "apiKey:k1";
    e.actor_kind = i % 2 == 0 ? "user" : "api_key";
    e.role = "operator";
    e.method = "POST";
    e.path = "/v1/x/" + std::to_string(i);
    e.status = 200 + i;
    e.trace_id = "t" + std::to_string(i);
    e.request_id = "r" + std::to_string(i);
    ASSERT_TRUE(s().AppendAudit(e).ok());
  }
  auto all = s().ListAudit("", 0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].path, "/v1/x/4");
  EXPECT_EQ((*all)[0].status, 204);
  EXPECT_EQ((*all)[0].time, kT0 + absl::Seconds(4));
  EXPECT_EQ((*all)[0].trace_id, "t4");
  EXPECT_GT((*all)[0].seq, (*all)[1].seq);
  auto alice = s().ListAudit("alice", 0, 2);
  ASSERT_EQ(alice->size(), 2u);
  EXPECT_EQ((*alice)[1].path, "/v1/x/2");
  auto more = s().ListAudit("alice", (*alice)[1].seq, 2);
  ASSERT_EQ(more->size(), 1u);
  EXPECT_EQ((*more)[0].path, "/v1/x/0");
}

TEST_P(StoreContract, CallsPerKey) {
  std::vector<KeyCall> batch;
  for (int i = 0; i < 4; ++i) {
    KeyCall c;
    c.key_id = i < 3 ? "k1" : "k2";
    c.time = kT0 + absl::Milliseconds(i);
    c.method = "GET";
    c.route = "/v1/devices/{device}";
    c.path = "/v1/devices/gw-" + std::to_string(i);
    c.status = 200;
    c.latency_micros = 100 + i;
    c.trace_id = "t";
    c.request_id = "r";
    batch.push_back(c);
  }
  ASSERT_TRUE(s().AppendCalls(batch).ok());
  auto k1 = s().ListCalls("k1", 0, 2);
  ASSERT_TRUE(k1.ok());
  ASSERT_EQ(k1->size(), 2u);
  EXPECT_EQ((*k1)[0].path, "/v1/devices/gw-2");
  EXPECT_EQ((*k1)[0].latency_micros, 102);
  EXPECT_EQ((*k1)[0].route, "/v1/devices/{device}");
  auto rest = s().ListCalls("k1", (*k1)[1].seq, 10);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].path, "/v1/devices/gw-0");
  EXPECT_EQ(s().ListCalls("k2", 0, 10)->size(), 1u);
  EXPECT_TRUE(s().ListCalls("k3", 0, 10)->empty());
}

INSTANTIATE_TEST_SUITE_P(Memory, StoreContract, ::testing::Values(std::function<Backend()>(MakeMemory)));
INSTANTIATE_TEST_SUITE_P(Postgres, StoreContract, ::testing::Values(std::function<Backend()>(MakePg)));

}  // namespace
}  // namespace fleet::bff::auth
