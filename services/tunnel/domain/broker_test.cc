#include "services/tunnel/domain/broker.h"

#include <set>

#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "libs/clock/fake_clock.h"
#include "services/tunnel/domain/memory_store.h"
#include "services/tunnel/domain/pool.h"
#include "services/tunnel/domain/state_machine.h"

namespace fleet::tunnel {
namespace {

class FakeChannel : public DeviceChannel {
 public:
  absl::Status SendStart(const StartRequest& r) override {
    starts.push_back(r);
    return fail;
  }
  absl::Status SendStop(std::string_view device, std::string_view session, std::string_view reason) override {
    stops.push_back({std::string(device), std::string(session), std::string(reason)});
    return absl::OkStatus();
  }
  absl::Status SendExtend(std::string_view device, std::string_view session, absl::Duration auto_stop_in) override {
    extends.push_back({std::string(device), std::string(session), auto_stop_in});
    return extend_fail;
  }
  struct Stop {
    std::string device, session, reason;
  };
  struct Extend {
    std::string device, session;
    absl::Duration auto_stop_in;
  };
  std::vector<StartRequest> starts;
  std::vector<Stop> stops;
  std::vector<Extend> extends;
  absl::Status extend_fail;
  absl::Status fail;
};

FrpServer Server(std::string name, int min, int max, int weight = 1) {
  FrpServer s;
  s.name = name;
  s.public_address = name + ".example.com";
  s.bind_port = 7000;
  s.token = "tok-" + name;
  s.port_min = min;
  s.port_max = max;
  s.weight = weight;
  return s;
}

class BrokerTest : public ::testing::Test {
 protected:
  void Make(std::vector<FrpServer> servers, bool with_channel = true) {
    ASSERT_TRUE(options_.Validate().ok());
    ASSERT_TRUE(ValidatePool(servers).ok());
    ASSERT_TRUE(store_.SyncPorts(servers).ok());
    broker_ = std::make_unique<TunnelBroker>(options_, servers, store_, store_, clock_,
                                             with_channel ? &channel_ : nullptr);
  }
  void SetUp() override { Make({Server("a", 40000, 40008)}); }

  absl::StatusOr<OpenResult> Open(std::string device, std::string op = "alice",
                                  std::vector<std::string> services = {}) {
    return broker_->Open({std::move(device), std::move(op), std::move(services), absl::ZeroDuration()});
  }

  BrokerOptions options_;
  FakeClock clock_;
  MemoryStore store_;
  FakeChannel channel_;
  std::unique_ptr<TunnelBroker> broker_;
};

TEST_F(BrokerTest, OpenLeasesOnePortPerServiceAuditsAndSendsStart) {
  auto r = Open("dev-1");
  ASSERT_TRUE(r.ok()) << r.status();
  const Session& s = r->session;
  EXPECT_TRUE(r->created);
  EXPECT_EQ(s.state, SessionState::kRequested);
  EXPECT_EQ(s.server, "a");
  EXPECT_EQ(s.public_address, "a.example.com");
  ASSERT_EQ(s.services.size(), 3u);
  EXPECT_EQ(s.services[0].name, "ssh");
  EXPECT_EQ(s.services[0].local_port, 22);
  std::set<int> ports;
  for (const ServicePort& p : s.services) ports.insert(p.remote_port);
  EXPECT_EQ(ports, (std::set<int>{40000, 40001, 40002}));
  EXPECT_EQ(s.expire_time, clock_.Now() + absl::Minutes(30));
  EXPECT_EQ(s.step_deadline, clock_.Now() + options_.start_timeout);
  EXPECT_EQ(broker_->SshCommand(s), "ssh -p 40000 root@a.example.com");

  ASSERT_EQ(channel_.starts.size(), 1u);
  const StartRequest& start = channel_.starts[0];
  EXPECT_EQ(start.device_id, "dev-1");
  EXPECT_EQ(start.server_address, "a.example.com");
  EXPECT_EQ(start.server_port, 7000);
  EXPECT_EQ(start.server_token, "tok-a");
  EXPECT_EQ(start.session_token, s.token);
  EXPECT_EQ(start.proxies, s.services);
  EXPECT_EQ(start.auto_stop_in, absl::Minutes(32));

  auto leases = store_.SessionLeases(s.id);
  ASSERT_EQ(leases->size(), 3u);
  EXPECT_EQ((*store_.LiveLease("a", 40001))->session_id, s.id);
  auto audit = store_.SessionAudit(s.id);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "open");
  EXPECT_EQ((*audit)[0].actor, "alice");
  EXPECT_EQ((*audit)[0].server, "a");
  EXPECT_EQ((*audit)[0].ports.size(), 3u);
}

TEST_F(BrokerTest, SecondOpenForDeviceReturnsTheLiveSession) {
  auto first = Open("dev-1", "alice", {"ssh"});
  auto again = Open("dev-1", "bob", {"web", "camera"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->session.id, first->session.id);
  EXPECT_EQ(channel_.starts.size(), 1u);
  // Once it ended, a new one can be opened.
  ASSERT_TRUE(broker_->Close(first->session.id, "alice", "").ok());
  clock_.Advance(options_.stop_timeout);
  ASSERT_EQ(broker_->SweepExpired(10)->size(), 1u);
  auto fresh = Open("dev-1");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_TRUE(fresh->created);
  EXPECT_NE(fresh->session.id, first->session.id);
}

TEST_F(BrokerTest, OperatorCap) {
  options_.operator_cap = 2;
  Make({Server("a", 40000, 40099)});
  ASSERT_TRUE(Open("d1").ok());
  ASSERT_TRUE(Open("d2").ok());
  auto third = Open("d3");
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status::Reason(third.status()), "TUNNEL_OPERATOR_CAP");
  EXPECT_EQ(status::Metadata(third.status())["cap"], "2");
  EXPECT_TRUE(Open("d3", "bob").ok());
  EXPECT_TRUE(Open("d1").ok());  // the existing session is returned even at the cap
}

TEST_F(BrokerTest, ExhaustionThenQuarantineThenReuse) {
  ASSERT_TRUE(Open("d1").ok());
  auto d2 = Open("d2");
  ASSERT_TRUE(d2.ok());
  ASSERT_TRUE(Open("d3", "bob").ok());  // 9 ports, all leased
  auto full = Open("d4", "bob", {"ssh"});
  EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status::Reason(full.status()), "TUNNEL_PORTS_EXHAUSTED");

  ASSERT_TRUE(broker_->OnStarted(d2->session.id).ok());
  ASSERT_TRUE(broker_->Close(d2->session.id, "alice", "done").ok());
  ASSERT_TRUE(broker_->OnStopped(d2->session.id).ok());  // released now
  EXPECT_EQ(store_.LiveLease("a", d2->session.services[0].remote_port)->has_value(), false);
  clock_.Advance(options_.quarantine - absl::Seconds(1));
  EXPECT_EQ(status::Reason(Open("d4", "bob", {"ssh"}).status()), "TUNNEL_PORTS_EXHAUSTED");
  clock_.Advance(absl::Seconds(1));
  auto reused = Open("d4", "bob", {"ssh"});
  ASSERT_TRUE(reused.ok()) << reused.status();
  EXPECT_EQ(reused->session.services[0].remote_port, 40003);
}

TEST_F(BrokerTest, SpreadsAcrossServersByWeight) {
  Make({Server("a", 40000, 40099, 1), Server("b", 50000, 50099, 3)});
  std::map<std::string, int> per_server;
  for (int i = 0; i < 40; ++i) {
    auto r = Open("d" + std::to_string(i), "op" + std::to_string(i), {"ssh"});
    ASSERT_TRUE(r.ok()) << r.status();
    per_server[r->session.server]++;
  }
  // In proportion to weight: 1:3.
  EXPECT_EQ(per_server["a"], 10);
  EXPECT_EQ(per_server["b"], 30);
}

TEST_F(BrokerTest, StartAnswersDriveTheStateMachine) {
  auto r = Open("d1");
  auto open = broker_->OnStarted(r->session.id);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->state, SessionState::kOpen);
  EXPECT_EQ(open->step_deadline, absl::InfiniteFuture());
  EXPECT_EQ(broker_->OnStarted(r->session.id)->state, SessionState::kOpen);  // duplicate answer
  EXPECT_EQ(broker_->OnStartFailed(r->session.id, "late")->state, SessionState::kOpen);

  auto r2 = Open("d2");
  auto failed = broker_->OnStartFailed(r2->session.id, "frpc missing");
  EXPECT_EQ(failed->state, SessionState::kFailed);
  EXPECT_EQ(failed->close_reason, "frpc missing");
  EXPECT_EQ(failed->close_time, clock_.Now());
  EXPECT_FALSE(store_.LiveLease("a", r2->session.services[0].remote_port)->has_value());
  EXPECT_EQ(status::Reason(broker_->OnStarted("nope").status()), "TUNNEL_NOT_FOUND");
}

TEST_F(BrokerTest, SweepFailsUnansweredStartAndSendsStop) {
  auto r = Open("d1");
  clock_.Advance(options_.start_timeout - absl::Seconds(1));
  EXPECT_TRUE(broker_->SweepExpired(10)->empty());
  clock_.Advance(absl::Seconds(1));
  auto swept = broker_->SweepExpired(10);
  ASSERT_EQ(swept->size(), 1u);
  EXPECT_EQ((*swept)[0].state, SessionState::kFailed);
  EXPECT_NE((*swept)[0].close_reason.find("did not answer"), std::string::npos);
  ASSERT_EQ(channel_.stops.size(), 1u);
  EXPECT_EQ(channel_.stops[0].session, r->session.id);
  EXPECT_TRUE(broker_->SweepExpired(10)->empty());  // never twice
}

TEST_F(BrokerTest, TtlExpiryEndsOpenSessionsAndReleasesPorts) {
  auto r = Open("d1");
  ASSERT_TRUE(broker_->OnStarted(r->session.id).ok());
  clock_.Advance(absl::Minutes(30) - absl::Seconds(1));
  EXPECT_TRUE(broker_->SweepExpired(10)->empty());
  clock_.Advance(absl::Seconds(1));
  auto swept = broker_->SweepExpired(10);
  ASSERT_EQ(swept->size(), 1u);
  EXPECT_EQ((*swept)[0].state, SessionState::kExpired);
  EXPECT_EQ((*swept)[0].close_reason, "ttl");
  EXPECT_EQ(channel_.stops.size(), 1u);
  for (const Lease& l : std::vector(store_.SessionLeases(r->session.id).value())) EXPECT_EQ(l.released_at, clock_.Now());
  auto audit = *store_.SessionAudit(r->session.id);
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[2].action, "expire");
  EXPECT_EQ(audit[2].actor, "system");
}

TEST_F(BrokerTest, SweepHonoursLimitEarliestFirst) {
  auto a = Open("d1");
  clock_.Advance(absl::Seconds(1));
  auto b = Open("d2");
  clock_.Advance(absl::Hours(1));
  auto first = broker_->SweepExpired(1);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].id, a->session.id);
  EXPECT_EQ((*broker_->SweepExpired(5))[0].id, b->session.id);
}

TEST_F(BrokerTest, CloseGoesThroughClosingToClosed) {
  auto r = Open("d1");
  ASSERT_TRUE(broker_->OnStarted(r->session.id).ok());
  auto closing = broker_->Close("tunnels/" + r->session.id, "alice", "");
  ASSERT_TRUE(closing.ok()) << closing.status();
  EXPECT_EQ(closing->state, SessionState::kClosing);
  EXPECT_EQ(closing->close_reason, "closed by alice");
  ASSERT_EQ(channel_.stops.size(), 1u);
  EXPECT_TRUE(store_.LiveLease("a", r->session.services[0].remote_port)->has_value());  // until stopped
  EXPECT_EQ(broker_->Close(r->session.id, "bob", "again")->close_reason, "closed by alice");
  EXPECT_EQ(channel_.stops.size(), 1u);
  clock_.Advance(options_.stop_timeout);
  auto swept = broker_->SweepExpired(10);
  ASSERT_EQ(swept->size(), 1u);
  EXPECT_EQ((*swept)[0].state, SessionState::kClosed);
  EXPECT_EQ(channel_.stops.size(), 1u);  // no second stop for a confirmed close path
  EXPECT_EQ(broker_->Close(r->session.id, "alice", "")->state, SessionState::kClosed);
  std::vector<std::string> actions;
  for (const AuditRecord& a : std::vector(store_.SessionAudit(r->session.id).value())) actions.push_back(a.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"open", "opened", "close", "closed"}));
}

TEST_F(BrokerTest, ExtendUpToTheLifetimeCap) {
  options_.max_lifetime = absl::Hours(5);
  Make({Server("a", 40000, 40008)});
  auto r = Open("d1");
  auto ext = broker_->Extend(r->session.id, absl::Hours(4), "alice");
  ASSERT_TRUE(ext.ok()) << ext.status();
  EXPECT_EQ(ext->expire_time, r->session.create_time + absl::Minutes(270));
  auto over = broker_->Extend(r->session.id, absl::Hours(1), "alice");
  EXPECT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status::Reason(over.status()), "TUNNEL_TTL_CAP");
  EXPECT_EQ(broker_->Extend(r->session.id, absl::ZeroDuration(), "alice")->expire_time,
            r->session.create_time + absl::Hours(5));
  auto too_long = broker_->Extend(r->session.id, absl::Hours(5), "alice");
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status::Reason(too_long.status()), "TUNNEL_TTL_CAP");
  ASSERT_TRUE(broker_->Close(r->session.id, "alice", "").ok());
  EXPECT_EQ(status::Reason(broker_->Extend(r->session.id, absl::Minutes(1), "alice").status()), "TUNNEL_CLOSED");
  auto audit = *store_.SessionAudit(r->session.id);
  EXPECT_EQ(audit[1].action, "extend");
  EXPECT_EQ(audit[1].expire_time, r->session.create_time + absl::Minutes(270));
}

TEST_F(BrokerTest, OpenValidation) {
  auto reason = [&](OpenRequest req) { return status::Reason(broker_->Open(req).status()); };
  EXPECT_EQ(reason({"bad id!", "alice", {}, absl::ZeroDuration()}), "INVALID_FIELD");
  EXPECT_EQ(reason({"d1", "", {}, absl::ZeroDuration()}), "INVALID_FIELD");
  EXPECT_EQ(reason({"d1", "alice", {"telnet"}, absl::ZeroDuration()}), "TUNNEL_UNKNOWN_SERVICE");
  EXPECT_EQ(reason({"d1", "alice", {}, absl::Hours(5)}), "TUNNEL_TTL_CAP");
  EXPECT_EQ(reason({"d1", "alice", {}, -absl::Seconds(1)}), "INVALID_FIELD");
  auto one = broker_->Open({"d1", "alice", {"camera", "camera"}, absl::Minutes(5)});
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->session.services.size(), 1u);
  EXPECT_EQ(one->session.expire_time, clock_.Now() + absl::Minutes(5));
  EXPECT_EQ(broker_->SshCommand(one->session), "");
}

TEST_F(BrokerTest, SendFailureMarksFailedAndReturnsTheError) {
  channel_.fail = absl::UnavailableError("kafka down");
  auto r = Open("d1");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  auto listed = broker_->List({{"d1", "", std::nullopt}, 0, ""});
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].state, SessionState::kFailed);
  EXPECT_EQ(*store_.FreePorts({Server("a", 40000, 40008)}, clock_.Now()), (std::map<std::string, int64_t>{{"a", 9}}));
}

TEST_F(BrokerTest, WithoutChannelSessionsWaitInRequested) {
  Make({Server("a", 40000, 40008)}, /*with_channel=*/false);
  auto r = Open("d1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(broker_->Get(r->session.id)->state, SessionState::kRequested);
}

TEST_F(BrokerTest, GetAndNames) {
  auto r = Open("d1");
  EXPECT_EQ(broker_->Get("tunnels/" + r->session.id)->id, r->session.id);
  EXPECT_EQ(status::Reason(broker_->Get("tunnels/0000").status()), "TUNNEL_NOT_FOUND");
  EXPECT_EQ(status::Reason(broker_->Get("devices/x").status()), "INVALID_FIELD");
  EXPECT_EQ(status::Reason(broker_->Get("").status()), "INVALID_FIELD");
}

TEST_F(BrokerTest, ListFiltersAndPagesNewestFirst) {
  options_.operator_cap = 100;
  Make({Server("a", 40000, 40999)});
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    ids.push_back(Open("d" + std::to_string(i), i % 2 ? "bob" : "alice", {"ssh"})->session.id);
    clock_.Advance(absl::Seconds(1));
  }
  ASSERT_TRUE(broker_->OnStarted(ids[2]).ok());
  std::vector<std::string> seen;
  ListRequest req{{"", "alice", std::nullopt}, 3, ""};
  while (true) {
    auto page = broker_->List(req);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const Session& s : page->items) seen.push_back(s.id);
    if (page->next_page_token.empty()) break;
    req.page_token = page->next_page_token;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{ids[6], ids[4], ids[2], ids[0]}));
  auto open = broker_->List({{"", "", SessionState::kOpen}, 0, ""});
  ASSERT_EQ(open->items.size(), 1u);
  EXPECT_EQ(open->items[0].id, ids[2]);
  EXPECT_EQ(broker_->List({{"d3", "", std::nullopt}, 0, ""})->items[0].id, ids[3]);

  auto first = broker_->List({{"", "alice", std::nullopt}, 1, ""});
  auto mismatch = broker_->List({{"", "bob", std::nullopt}, 1, first->next_page_token});
  EXPECT_EQ(status::Reason(mismatch.status()), "INVALID_PAGE_TOKEN");
  EXPECT_EQ(status::Reason(broker_->List({{}, 1, "!!"}).status()), "INVALID_PAGE_TOKEN");
  EXPECT_EQ(status::Reason(broker_->List({{}, 501, ""}).status()), "INVALID_FIELD");
}

TEST(BrokerOptionsTest, QuarantineMustOutlastFrpHeartbeatTimeout) {
  BrokerOptions o;
  EXPECT_TRUE(o.Validate().ok());
  o.quarantine = o.frp_heartbeat_timeout;
  absl::Status st = o.Validate();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(st.message()).find("quarantine"), std::string::npos) << st;
  o = BrokerOptions();
  o.max_ttl = absl::Minutes(10);
  EXPECT_FALSE(o.Validate().ok());
  o = BrokerOptions();
  o.services.push_back({"ssh", "127.0.0.1", 2222});
  EXPECT_FALSE(o.Validate().ok());
  o = BrokerOptions();
  o.operator_cap = 0;
  EXPECT_FALSE(o.Validate().ok());
  o = BrokerOptions();
  o.services[0].name = "SSH|x";
  EXPECT_FALSE(o.Validate().ok());
}

TEST_F(BrokerTest, StoreOutageIsReturnedUnchanged) {
  store_.FailWith(absl::UnavailableError("db down"));
  EXPECT_EQ(Open("d1").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(broker_->SweepExpired(10).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fleet::tunnel

namespace fleet::tunnel {
namespace {

TEST_F(BrokerTest, ExtendTellsTheDeviceItsNewAutoStop) {
  auto s = Open("dev-1");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(broker_->OnStarted(s->session.id).ok());
  clock_.Advance(absl::Minutes(10));
  auto e = broker_->Extend(s->session.id, absl::Minutes(30), "alice");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(channel_.extends.size(), 1u);
  EXPECT_EQ(channel_.extends[0].device, "dev-1");
  EXPECT_EQ(channel_.extends[0].session, s->session.id);
  // TTL 30 min from open, 10 min passed, +30 min: 50 min left, plus the grace.
  EXPECT_EQ(channel_.extends[0].auto_stop_in, absl::Minutes(50) + options_.auto_stop_grace);
  // A send failure does not fail the extension (it is stored; best effort to the device).
  channel_.extend_fail = absl::UnavailableError("kafka down");
  EXPECT_TRUE(broker_->Extend(s->session.id, absl::Minutes(5), "alice").ok());
  // A refused extension sends nothing.
  ASSERT_TRUE(broker_->Close(s->session.id, "alice", "").ok());
  EXPECT_FALSE(broker_->Extend(s->session.id, absl::Minutes(5), "alice").ok());
  EXPECT_EQ(channel_.extends.size(), 2u);
}

TEST_F(BrokerTest, DeviceBackOnlineWithAStaleFrpcGetsAStop) {
  auto s = Open("dev-1");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(broker_->OnStarted(s->session.id).ok());
  // The device went away; the operator closed; the stop was never answered.
  ASSERT_TRUE(broker_->Close(s->session.id, "alice", "done").ok());
  clock_.Advance(options_.stop_timeout + absl::Seconds(1));
  ASSERT_TRUE(broker_->SweepExpired(10).ok());
  ASSERT_EQ(broker_->Get(s->session.id)->state, SessionState::kClosed);
  channel_.stops.clear();

  auto sent = broker_->OnDeviceOnline("dev-1");
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_TRUE(sent->has_value());
  ASSERT_EQ(channel_.stops.size(), 1u);
  EXPECT_EQ(channel_.stops[0].session, s->session.id);
  // Until the device answers, every reconnect repeats the stop; after the answer, nothing.
  ASSERT_TRUE(broker_->OnDeviceOnline("dev-1")->has_value());
  auto answered = broker_->OnStopped(s->session.id);
  ASSERT_TRUE(answered.ok());
  EXPECT_TRUE(answered->frpc_stopped);
  EXPECT_EQ(answered->state, SessionState::kClosed);
  EXPECT_FALSE(broker_->OnDeviceOnline("dev-1")->has_value());
  EXPECT_EQ(channel_.stops.size(), 2u);
}

TEST_F(BrokerTest, NoStopWhenFrpcCannotBeRunning) {
  // No session at all.
  EXPECT_FALSE(broker_->OnDeviceOnline("dev-0")->has_value());
  // A live session is the current frpc.
  auto live = Open("dev-1");
  ASSERT_TRUE(broker_->OnStarted(live->session.id).ok());
  EXPECT_FALSE(broker_->OnDeviceOnline("dev-1")->has_value());
  // Closed with the device's confirmation.
  ASSERT_TRUE(broker_->Close(live->session.id, "alice", "").ok());
  ASSERT_TRUE(broker_->OnStopped(live->session.id).ok());
  EXPECT_FALSE(broker_->OnDeviceOnline("dev-1")->has_value());
  // The device refused the start.
  auto refused = Open("dev-2");
  ASSERT_TRUE(broker_->OnStartFailed(refused->session.id, "no frpc").ok());
  EXPECT_FALSE(broker_->OnDeviceOnline("dev-2")->has_value());
  // Expired long ago: frpc stopped by itself (auto_stop_service_in).
  auto old = Open("dev-3");
  ASSERT_TRUE(broker_->OnStarted(old->session.id).ok());
  clock_.Advance(options_.default_ttl + absl::Seconds(1));
  ASSERT_TRUE(broker_->SweepExpired(10).ok());
  ASSERT_EQ(broker_->Get(old->session.id)->state, SessionState::kExpired);
  EXPECT_TRUE(broker_->OnDeviceOnline("dev-3")->has_value()) << "within the grace, frpc may still run";
  clock_.Advance(options_.auto_stop_grace);
  channel_.stops.clear();
  EXPECT_FALSE(broker_->OnDeviceOnline("dev-3")->has_value());
  EXPECT_TRUE(channel_.stops.empty());
  EXPECT_EQ(broker_->OnDeviceOnline("bad id!").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fleet::tunnel

namespace fleet::tunnel {
namespace {

// Counts how often the broker asks for free-port counts.
class CountingLeases : public LeaseStore {
 public:
  explicit CountingLeases(LeaseStore& real) : real_(real) {}
  absl::Status SyncPorts(const std::vector<FrpServer>& s) override { return real_.SyncPorts(s); }
  absl::StatusOr<std::map<std::string, int64_t>> FreePorts(const std::vector<FrpServer>& s,
                                                           absl::Time before) override {
    ++calls;
    return real_.FreePorts(s, before);
  }
  absl::StatusOr<std::vector<Lease>> SessionLeases(std::string_view id) override { return real_.SessionLeases(id); }
  absl::StatusOr<std::optional<Lease>> LiveLease(std::string_view server, int port) override {
    return real_.LiveLease(server, port);
  }
  int calls = 0;

 private:
  LeaseStore& real_;
};

TEST_F(BrokerTest, FreePortCountsAreCachedAndExhaustionIsRechecked) {
  std::vector<FrpServer> servers = {Server("a", 40000, 40005), Server("b", 41000, 41005)};
  ASSERT_TRUE(store_.SyncPorts(servers).ok());
  CountingLeases leases(store_);
  TunnelBroker broker(options_, servers, store_, leases, clock_, &channel_);
  std::map<std::string, int> per_server;
  for (int i = 0; i < 4; ++i) {
    auto r = broker.Open({"dev-" + std::to_string(i), "op" + std::to_string(i), {"ssh"}, absl::ZeroDuration()});
    ASSERT_TRUE(r.ok()) << r.status();
    ++per_server[r->session.server];
  }
  EXPECT_EQ(leases.calls, 1) << "counted once for four opens within the cache time";
  EXPECT_EQ(per_server["a"], 2) << "local adjustments keep spreading the load";
  EXPECT_EQ(per_server["b"], 2);
  // The cache believes 8 ports are free; closing sessions elsewhere is not visible to it, but an
  // exhaustion seen through it is re-checked against the store.
  for (int i = 4; i < 12; ++i) {
    ASSERT_TRUE(broker.Open({"dev-" + std::to_string(i), "op" + std::to_string(i), {"ssh"}, absl::ZeroDuration()}).ok());
  }
  auto full = broker.Open({"dev-x", "opx", {"ssh"}, absl::ZeroDuration()});
  EXPECT_EQ(status::Reason(full.status()), "TUNNEL_PORTS_EXHAUSTED");
  const int before = leases.calls;
  clock_.Advance(absl::Seconds(2));
  broker.Open({"dev-y", "opy", {"ssh"}, absl::ZeroDuration()}).IgnoreError();
  EXPECT_EQ(leases.calls, before + 1) << "an expired cache is refreshed";
}

}  // namespace
}  // namespace fleet::tunnel
