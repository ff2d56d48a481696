// The same scenarios against the in-memory model and the PostgreSQL store: they must agree.
// Both run under the broker with a fake clock (PostgreSQL stores whatever times it is given).
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "services/tunnel/domain/broker.h"
#include "libs/clock/fake_clock.h"
#include "services/tunnel/domain/memory_store.h"
#include "services/tunnel/domain/state_machine.h"
#include "services/tunnel/storage/pg_store.h"
#include "services/tunnel/storage/test_db.h"

namespace fleet::tunnel {
namespace {

FrpServer Server(std::string name, int min, int max, int weight = 1) {
  FrpServer s;
  s.name = name;
  s.public_address = name + ".example.com";
  s.bind_port = 7000;
  s.token = "tok";
  s.port_min = min;
  s.port_max = max;
  s.weight = weight;
  return s;
}

class ContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // Odd microseconds, to prove times round-trip exactly.
    clock_.Advance(absl::Microseconds(123457));
    if (GetParam() == "memory") {
      memory_ = std::make_unique<MemoryStore>();
      sessions_ = memory_.get(), leases_ = memory_.get(), audit_ = memory_.get();
    } else {
      auto pool = testing::FreshDatabase(8);
      ASSERT_TRUE(pool.ok()) << pool.status();
      pool_ = std::move(*pool);
      pg_ = std::make_unique<PgStore>(*pool_);
      sessions_ = pg_.get(), leases_ = pg_.get(), audit_ = pg_.get();
    }
    Make({Server("a", 40000, 40008)});
  }
  void Make(std::vector<FrpServer> servers) {
    servers_ = servers;
    ASSERT_TRUE(leases_->SyncPorts(servers).ok());
    broker_ = std::make_unique<TunnelBroker>(options_, servers, *sessions_, *leases_, clock_, nullptr);
  }
  absl::StatusOr<OpenResult> Open(std::string device, std::string op = "alice",
                                  std::vector<std::string> services = {}) {
    return broker_->Open({std::move(device), std::move(op), std::move(services), absl::ZeroDuration()});
  }
  std::vector<std::string> Actions(const std::string& id) {
    std::vector<std::string> out;
    for (const AuditRecord& r : std::vector(audit_->SessionAudit(id).value())) out.push_back(r.action);
    return out;
  }
  int64_t Free(const std::string& server, absl::Duration quarantine = absl::ZeroDuration()) {
    return (*leases_->FreePorts(servers_, clock_.Now() - quarantine))[server];
  }

  FakeClock clock_;
  BrokerOptions options_;
  std::vector<FrpServer> servers_;
  std::unique_ptr<MemoryStore> memory_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgStore> pg_;
  SessionStore* sessions_ = nullptr;
  LeaseStore* leases_ = nullptr;
  AuditLog* audit_ = nullptr;
  std::unique_ptr<TunnelBroker> broker_;
};

TEST_P(ContractTest, OpenPersistsSessionLeasesAndAudit) {
  auto r = Open("dev-1");
  ASSERT_TRUE(r.ok()) << r.status();
  const Session& s = r->session;
  auto got = sessions_->Get(s.id);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ(**got, s);  // every field, times to the microsecond
  EXPECT_EQ(s.server, "a");
  EXPECT_EQ(s.services[0].remote_port, 40000);
  EXPECT_EQ(s.services[2].remote_port, 40002);
  EXPECT_EQ(s.services[2].local_ip, "192.168.1.64");

  auto leases = *leases_->SessionLeases(s.id);
  ASSERT_EQ(leases.size(), 3u);
  EXPECT_EQ(leases[1], (Lease{"a", 40001, s.id, "dev-1", "web", s.create_time, std::nullopt}));
  EXPECT_EQ((*leases_->LiveLease("a", 40002))->service, "camera");
  EXPECT_FALSE(leases_->LiveLease("a", 40003)->has_value());
  EXPECT_EQ(Free("a"), 6);

  auto audit = *audit_->SessionAudit(s.id);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0], (AuditRecord{s.id, "dev-1", "alice", "open", "a", {40000, 40001, 40002}, "",
                                   s.create_time, s.expire_time}));
  EXPECT_FALSE((*sessions_->Get("nope")).has_value());
}

TEST_P(ContractTest, OneLiveSessionPerDeviceAndOperatorCap) {
  options_.operator_cap = 2;
  Make({Server("a", 40000, 40099)});
  auto first = Open("d1", "alice", {"ssh"});
  auto again = Open("d1", "bob");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->session, first->session);
  ASSERT_TRUE(Open("d2").ok());
  auto capped = Open("d3");
  EXPECT_EQ(status::Reason(capped.status()), "TUNNEL_OPERATOR_CAP");
  EXPECT_EQ(capped.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Free("a"), 96);  // the refused open leased nothing
}

TEST_P(ContractTest, ExhaustionQuarantineAndOldestReleasedFirst) {
  Make({Server("a", 40000, 40003), Server("b", 50000, 50001)});
  auto a = Open("d1", "alice");                 // a: 40000-40002
  auto b = Open("d2", "bob", {"ssh", "web"});   // b: both ports
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->session.server, "b");
  auto full = Open("d3", "carol", {"ssh", "web"});
  EXPECT_EQ(status::Reason(full.status()), "TUNNEL_PORTS_EXHAUSTED");
  ASSERT_TRUE(Open("d3", "carol", {"ssh"}).ok());  // a: 40003

  // End d1, then d2 a minute later.
  ASSERT_TRUE(broker_->OnStartFailed(a->session.id, "no").ok());
  const absl::Time a_released = clock_.Now();
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(broker_->OnStartFailed(b->session.id, "no").ok());
  EXPECT_EQ(Free("a", options_.quarantine), 0);
  EXPECT_EQ(Free("a"), 3);
  EXPECT_EQ(status::Reason(Open("d4", "dave", {"ssh"}).status()), "TUNNEL_PORTS_EXHAUSTED");
  clock_.Advance(options_.quarantine - absl::Minutes(1));  // d1's ports are out of quarantine
  auto reused = Open("d4", "dave", {"ssh", "web"});
  ASSERT_TRUE(reused.ok()) << reused.status();
  EXPECT_EQ(reused->session.server, "a");
  EXPECT_EQ(reused->session.services[1].remote_port, 40001);
  for (const Lease& l : std::vector(leases_->SessionLeases(a->session.id).value())) {
    EXPECT_EQ(l.released_at, a_released);
  }
}

TEST_P(ContractTest, LifecycleIsAuditedAndReleasesOnlyAtTheEnd) {
  auto r = Open("d1");
  const std::string id = r->session.id;
  ASSERT_EQ(broker_->OnStarted(id)->state, SessionState::kOpen);
  clock_.Advance(absl::Minutes(5));
  auto ext = broker_->Extend("tunnels/" + id, absl::Minutes(10), "bob");
  ASSERT_TRUE(ext.ok()) << ext.status();
  EXPECT_EQ(ext->expire_time, r->session.create_time + absl::Minutes(40));
  auto closing = broker_->Close(id, "alice", "done");
  EXPECT_EQ(closing->state, SessionState::kClosing);
  EXPECT_EQ(Free("a"), 6);
  clock_.Advance(absl::Seconds(3));
  auto closed = broker_->OnStopped(id);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state, SessionState::kClosed);
  EXPECT_EQ(closed->close_time, clock_.Now());
  EXPECT_EQ(closed->close_reason, "done");
  EXPECT_TRUE(closed->frpc_stopped);
  EXPECT_EQ(**sessions_->Get(id), *closed);
  EXPECT_EQ(Free("a"), 9);
  EXPECT_EQ(Actions(id), (std::vector<std::string>{"open", "opened", "extend", "close", "closed"}));
  auto device = *audit_->DeviceAudit("d1", 2);
  ASSERT_EQ(device.size(), 2u);
  EXPECT_EQ(device[0].action, "closed");
  EXPECT_EQ(device[1].actor, "alice");
  EXPECT_EQ(device[1].reason, "done");
  EXPECT_EQ(status::Reason(broker_->Extend(id, absl::Minutes(1), "bob").status()), "TUNNEL_CLOSED");
  EXPECT_EQ(Actions(id).size(), 5u);  // a refused change writes nothing
  EXPECT_EQ(status::Reason(broker_->OnStarted("0123").status()), "TUNNEL_NOT_FOUND");
}

TEST_P(ContractTest, SweepEndsDueSessionsEarliestFirstWithinLimit) {
  options_.operator_cap = 100;
  Make({Server("a", 40000, 40099)});
  auto requested = Open("d1", "alice", {"ssh"});    // start deadline +60s
  auto open = Open("d2", "alice", {"ssh"});
  ASSERT_TRUE(broker_->OnStarted(open->session.id).ok());   // ttl 30 min
  auto closing = Open("d3", "alice", {"ssh"});
  ASSERT_TRUE(broker_->OnStarted(closing->session.id).ok());
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(broker_->Close(closing->session.id, "alice", "bye").ok());  // stop deadline +30s
  auto untouched = Open("d4", "alice", {"ssh"});
  ASSERT_TRUE(broker_->OnStarted(untouched->session.id).ok());
  ASSERT_TRUE(broker_->Extend(untouched->session.id, absl::Hours(1), "alice").ok());

  EXPECT_TRUE(broker_->SweepExpired(10)->empty());
  clock_.Advance(absl::Minutes(31));
  auto first = broker_->SweepExpired(1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].id, closing->session.id);  // stop deadline came first
  EXPECT_EQ((*first)[0].state, SessionState::kClosed);
  auto rest = *broker_->SweepExpired(10);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].id, requested->session.id);
  EXPECT_EQ(rest[0].state, SessionState::kFailed);  // its start deadline passed before its TTL
  EXPECT_EQ(rest[1].id, open->session.id);
  EXPECT_EQ(rest[1].state, SessionState::kExpired);
  EXPECT_TRUE(broker_->SweepExpired(10)->empty());
  EXPECT_EQ(broker_->Get(untouched->session.id)->state, SessionState::kOpen);
  EXPECT_EQ(Free("a"), 99);
}

TEST_P(ContractTest, ListFiltersAndPagesNewestFirst) {
  options_.operator_cap = 100;
  Make({Server("a", 40000, 40999)});
  std::vector<std::string> ids;
  for (int i = 0; i < 9; ++i) {
    ids.push_back(Open("d" + std::to_string(i), i % 3 ? "bob" : "alice", {"ssh"})->session.id);
    if (i % 2) clock_.Advance(absl::Microseconds(1));  // some share a create_time: id breaks ties
  }
  ASSERT_TRUE(broker_->OnStarted(ids[3]).ok());
  ASSERT_TRUE(broker_->OnStarted(ids[4]).ok());
  auto all = [&](SessionFilter f, int page_size) {
    std::vector<std::string> out;
    ListRequest req{f, page_size, ""};
    while (true) {
      auto page = broker_->List(req);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) return out;
      for (const Session& s : page->items) out.push_back(s.id);
      if (page->next_page_token.empty()) return out;
      req.page_token = page->next_page_token;
    }
  };
  std::vector<std::string> everything = all({}, 2);
  ASSERT_EQ(everything.size(), 9u);
  EXPECT_EQ(all({}, 500), everything);
  EXPECT_EQ(all({"", "alice", std::nullopt}, 1).size(), 3u);
  EXPECT_EQ(all({"", "", SessionState::kOpen}, 1).size(), 2u);
  EXPECT_EQ(all({"", "bob", SessionState::kOpen}, 5), (std::vector<std::string>{ids[4]}));
  EXPECT_EQ(all({"d7", "", std::nullopt}, 5), (std::vector<std::string>{ids[7]}));
  EXPECT_EQ(all({"d7", "alice", std::nullopt}, 5).size(), 0u);
  // Newest first; ids[0] and ids[1] share the oldest create_time.
  EXPECT_EQ(std::set<std::string>(everything.end() - 2, everything.end()),
            (std::set<std::string>{ids[0], ids[1]}));
  EXPECT_EQ(everything.front(), ids[8]);
}

TEST_P(ContractTest, SyncPortsIsIdempotentAndRangesBound) {
  ASSERT_TRUE(leases_->SyncPorts(servers_).ok());
  EXPECT_EQ(Free("a"), 9);
  // The range shrinks: ports outside it are never leased.
  Make({Server("a", 40005, 40008)});
  EXPECT_EQ(Free("a"), 4);
  auto r = Open("d1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->session.services[0].remote_port, 40005);
  EXPECT_EQ(status::Reason(Open("d2", "bob", {"ssh", "web"}).status()), "TUNNEL_PORTS_EXHAUSTED");
}

TEST_P(ContractTest, ConcurrentSweepersEndEachSessionOnce) {
  options_.operator_cap = 1000;
  Make({Server("a", 40000, 40999)});
  std::vector<std::string> ids;
  for (int i = 0; i < 120; ++i) ids.push_back(Open("d" + std::to_string(i), "alice", {"ssh"})->session.id);
  clock_.Advance(absl::Hours(1));
  std::atomic<int> ended{0}, errors{0};
  std::vector<std::thread> sweepers;
  for (int t = 0; t < 4; ++t) {
    sweepers.emplace_back([&] {
      while (true) {
        auto swept = broker_->SweepExpired(7);
        if (!swept.ok()) {
          ++errors;
          break;
        }
        if (swept->empty()) break;
        ended += static_cast<int>(swept->size());
      }
    });
  }
  for (auto& t : sweepers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(ended.load(), 120);
  for (const std::string& id : ids) {
    EXPECT_EQ(Actions(id), (std::vector<std::string>{"open", "fail"})) << id;  // start deadline first
  }
  EXPECT_EQ(Free("a"), 1000);
}

INSTANTIATE_TEST_SUITE_P(Stores, ContractTest, ::testing::Values("memory", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fleet::tunnel

namespace fleet::tunnel {
namespace {

TEST_P(ContractTest, LateStopAnswerOnAnEndedSessionIsStoredAndAudited) {
  auto r = Open("d1");
  const std::string id = r->session.id;
  ASSERT_TRUE(broker_->OnStarted(id).ok());
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(broker_->SweepExpired(10).ok());
  ASSERT_EQ((*sessions_->Get(id))->state, SessionState::kExpired);
  EXPECT_FALSE((*sessions_->Get(id))->frpc_stopped);
  auto late = broker_->OnStopped(id);
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->state, SessionState::kExpired);
  EXPECT_TRUE(late->frpc_stopped);
  EXPECT_EQ(**sessions_->Get(id), *late);
  EXPECT_EQ(Actions(id).back(), "stopped");
  const size_t n = Actions(id).size();
  ASSERT_TRUE(broker_->OnStopped(id).ok());
  EXPECT_EQ(Actions(id).size(), n) << "a repeated answer writes nothing";
}

}  // namespace
}  // namespace fleet::tunnel

namespace fleet::tunnel {
namespace {

TEST_P(ContractTest, CountLiveCountsRequestedOpenAndClosing) {
  EXPECT_EQ(*sessions_->CountLive(), 0);
  auto a = Open("d1");
  auto b = Open("d2");
  auto c = Open("d3");
  ASSERT_TRUE(broker_->OnStarted(b->session.id).ok());
  ASSERT_TRUE(broker_->OnStarted(c->session.id).ok());
  ASSERT_TRUE(broker_->Close(c->session.id, "alice", "").ok());  // CLOSING still counts
  EXPECT_EQ(*sessions_->CountLive(), 3);
  ASSERT_TRUE(broker_->OnStopped(c->session.id).ok());
  ASSERT_TRUE(broker_->OnStartFailed(a->session.id, "no").ok());
  EXPECT_EQ(*sessions_->CountLive(), 1);
}

}  // namespace
}  // namespace fleet::tunnel
