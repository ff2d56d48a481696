// Concurrent opens and closes from 8 threads (as 8 replicas would) against one PostgreSQL with a
// small port pool: a live (server, port) is never held twice, exhaustion is reported as
// TUNNEL_PORTS_EXHAUSTED, and nothing else ever fails (no deadlocks, no unique violations).
#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"
#include "services/tunnel/domain/broker.h"
#include "libs/clock/fake_clock.h"
#include "services/tunnel/storage/pg_store.h"
#include "services/tunnel/storage/test_db.h"

namespace fleet::tunnel {
namespace {

constexpr int kThreads = 8;
constexpr int kOpensPerThread = 200;
constexpr int kKeptPerThread = 3;  // 8 x 3 sessions x 3 ports = 72 wanted > 48 ports

FrpServer Server(std::string name, int min, int max) {
  FrpServer s;
  s.name = name;
  s.public_address = name + ".example.com";
  s.token = "tok";
  s.port_min = min;
  s.port_max = max;
  return s;
}

// Ports held by sessions the test believes live. A port is removed before its session is
// ended, so a port seen twice here was leased twice by the database.
class LiveView {
 public:
  bool Add(const Session& s) {
    absl::MutexLock l(&mu_);
    bool ok = true;
    for (const ServicePort& p : s.services) ok &= held_.insert({s.server, p.remote_port}).second;
    return ok;
  }
  void Remove(const Session& s) {
    absl::MutexLock l(&mu_);
    for (const ServicePort& p : s.services) held_.erase({s.server, p.remote_port});
  }

 private:
  absl::Mutex mu_;
  std::set<std::pair<std::string, int>> held_ ABSL_GUARDED_BY(mu_);
};

int64_t Count(pg::Pool& pool, const std::string& sql) {
  int64_t n = -1;
  absl::Status st = pool.InTransaction([&](pqxx::work& tx) {
    n = tx.exec(sql)[0][0].as<int64_t>();
    return absl::OkStatus();
  });
  EXPECT_TRUE(st.ok()) << st;
  return n;
}

// tunnel_ports and live tunnel_leases must always agree, port by port.
constexpr char kDisagreements[] = R"sql(
SELECT count(*) FROM tunnel_ports p
FULL JOIN (SELECT server, port, session_id FROM tunnel_leases WHERE released_at IS NULL) l
  USING (server, port)
WHERE p.session_id IS DISTINCT FROM l.session_id
)sql";

TEST(PgConcurrencyTest, NoPortIsEverLeasedTwice) {
  auto pool = testing::FreshDatabase(kThreads + 2);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgStore store(**pool);
  const std::vector<FrpServer> servers = {Server("a", 41000, 41029), Server("b", 42000, 42017)};
  ASSERT_TRUE(store.SyncPorts(servers).ok());
  BrokerOptions options;
  options.operator_cap = 1000;
  options.quarantine = absl::ZeroDuration();  // immediate reuse: maximal contention on ports
  FakeClock clock;
  TunnelBroker broker(options, servers, store, store, clock, nullptr);

  LiveView view;
  std::atomic<int> opened{0}, exhausted{0}, double_leased{0}, bad_ports{0}, closed{0};
  std::atomic<bool> done{false};
  absl::Mutex errors_mu;
  std::vector<std::string> errors;
  auto error = [&](const absl::Status& st) {
    absl::MutexLock l(&errors_mu);
    errors.push_back(st.ToString());
  };

  std::thread checker([&] {
    while (!done.load()) {
      EXPECT_EQ(Count(**pool, kDisagreements), 0);
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::deque<Session> kept;
      for (int i = 0; i < kOpensPerThread; ++i) {
        auto r = broker.Open({absl::StrCat("t", t, "-d", i), absl::StrCat("op", t), {}, absl::ZeroDuration()});
        if (!r.ok()) {
          if (status::Reason(r.status()) == "TUNNEL_PORTS_EXHAUSTED") {
            ++exhausted;
          } else {
            error(r.status());
          }
        } else {
          ++opened;
          const Session& s = r->session;
          std::set<int> ports;
          const FrpServer& server = s.server == "a" ? servers[0] : servers[1];
          for (const ServicePort& p : s.services) {
            ports.insert(p.remote_port);
            bad_ports += p.remote_port < server.port_min || p.remote_port > server.port_max;
          }
          bad_ports += ports.size() != 3;
          if (!view.Add(s)) ++double_leased;
          kept.push_back(s);
        }
        // Keep a few live sessions; end the oldest (alternating close paths).
        if (kept.size() > kKeptPerThread || (!r.ok() && !kept.empty())) {
          Session old = kept.front();
          kept.pop_front();
          view.Remove(old);
          absl::StatusOr<Session> ended = i % 2 ? broker.OnStartFailed(old.id, "test")
                                                : broker.Close(old.id, "op", "test");
          if (ended.ok() && ended->state == SessionState::kClosing) ended = broker.OnStopped(old.id);
          if (!ended.ok()) error(ended.status());
          ++closed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  done = true;
  checker.join();

  EXPECT_TRUE(errors.empty()) << errors.size() << " unexpected errors, first: " << errors.front();
  EXPECT_EQ(double_leased.load(), 0);
  EXPECT_EQ(bad_ports.load(), 0);
  EXPECT_EQ(opened + exhausted + static_cast<int>(errors.size()), kThreads * kOpensPerThread);
  EXPECT_GT(opened.load(), 300) << "ports were not reused";
  EXPECT_GT(exhausted.load(), 0) << "the pool never ran out; the test proves less than it claims";
  EXPECT_EQ(Count(**pool, kDisagreements), 0);
  const int64_t live_sessions = Count(**pool,
      "SELECT count(*) FROM tunnel_sessions WHERE state IN ('REQUESTED', 'OPEN', 'CLOSING')");
  EXPECT_EQ(Count(**pool, "SELECT count(*) FROM tunnel_leases WHERE released_at IS NULL"),
            3 * live_sessions);
  EXPECT_EQ(live_sessions, opened.load() - closed.load());
  // Every open and every end was audited.
  EXPECT_EQ(Count(**pool, "SELECT count(*) FROM tunnel_audit WHERE action = 'open'"), opened.load());
  std::cout << "opened " << opened << ", exhausted " << exhausted << ", ended " << closed << "\n";
}

}  // namespace
}  // namespace fleet::tunnel
