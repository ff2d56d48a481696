#include "bff/presence_cache.h"

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "bff/api_test_support.h"
#include "gtest/gtest.h"
#include "libs/clock/fake_clock.h"

namespace fleet::bff {
namespace {

using presence::v1::OFFLINE;
using presence::v1::ONLINE;
using presence::v1::Presence;

// The transitions feed behind the fake device-online's WatchPresence, driven by the test.
struct Feed {
  enum class Open { kHold, kAccept, kRefuse };
  absl::Mutex mu;
  Open open ABSL_GUARDED_BY(mu) = Open::kAccept;
  std::deque<presence::v1::PresenceTransition> queue ABSL_GUARDED_BY(mu);
  bool end_stream ABSL_GUARDED_BY(mu) = false;  // the open stream ends (UNAVAILABLE)
  bool idle ABSL_GUARDED_BY(mu) = false;        // a reader waits on an empty queue
  int opened ABSL_GUARDED_BY(mu) = 0;
  int opening ABSL_GUARDED_BY(mu) = 0;  // readers waiting in WaitOpen()
};

class FeedWatch : public PresenceWatch {
 public:
  explicit FeedWatch(Feed& feed) : feed_(feed) {}
  absl::Status WaitOpen() override {
    absl::MutexLock lock(&feed_.mu);
    ++feed_.opening;
    feed_.mu.Await(absl::Condition(
        +[](FeedWatch* w) { return w->cancelled_ || w->feed_.open != Feed::Open::kHold; }, this));
    --feed_.opening;
    if (cancelled_) return absl::CancelledError("cancelled");
    if (feed_.open == Feed::Open::kRefuse) return status_ = absl::UnavailableError("device-online is down");
    ++feed_.opened;
    return absl::OkStatus();
  }
  bool Next(presence::v1::PresenceTransition* out) override {
    absl::MutexLock lock(&feed_.mu);
    feed_.idle = true;
    feed_.mu.Await(absl::Condition(
        +[](FeedWatch* w) { return w->cancelled_ || w->feed_.end_stream || !w->feed_.queue.empty(); }, this));
    feed_.idle = false;
    if (cancelled_) return false;
    if (feed_.end_stream) {
      feed_.end_stream = false;
      status_ = absl::UnavailableError("stream reset");
      return false;
    }
    *out = feed_.queue.front();
    feed_.queue.pop_front();
    return true;
  }
  void Cancel() override {
    absl::MutexLock lock(&feed_.mu);
    cancelled_ = true;
  }
  absl::Status Finish() override {
    absl::MutexLock lock(&feed_.mu);
    return cancelled_ ? absl::CancelledError("cancelled") : status_;
  }

 private:
  Feed& feed_;
  bool cancelled_ = false;  // guarded by feed_.mu
  absl::Status status_;
};

// device-online as the cache sees it: each device's state now, the reads that reach it, and a
// watch fed by the test.
class Scripted : public testing::FakePresence {
 public:
  absl::StatusOr<Presence> Get(const std::string& name, const CallContext&) override {
    ++gets;
    absl::StatusOr<Presence> out = Answer(name);
    if (during_read) std::exchange(during_read, nullptr)();
    return out;
  }
  absl::StatusOr<Presence> Answer(const std::string& name) {
    if (!fail.ok()) return fail;
    const std::string id = DeviceKey(name.substr(0, name.rfind("/presence")));
    auto it = states.find(id);
    if (it == states.end()) return status::MakeError(absl::StatusCode::kNotFound, "PRESENCE_NOT_FOUND", "never seen");
    Presence p;
    p.set_name("devices/" + id + "/presence");
    p.set_device_id(id);
    p.set_state(it->second);
    p.mutable_last_seen_time()->set_seconds(last_seen);
    return p;
  }
  absl::StatusOr<presence::v1::BatchGetPresenceResponse> BatchGet(const presence::v1::BatchGetPresenceRequest& req,
                                                                  const CallContext&) override {
    ++batch_gets;
    presence::v1::BatchGetPresenceResponse r;
    for (const std::string& id : req.device_ids()) {
      absl::StatusOr<Presence> p = Answer(id);
      if (p.ok()) *r.add_presences() = *p;
    }
    return r;
  }
  std::unique_ptr<PresenceWatch> Watch() override { return std::make_unique<FeedWatch>(feed); }

  Feed feed;
  std::map<std::string, presence::v1::State> states{{"gw-1", ONLINE}, {"gw-2", ONLINE}};
  int64_t last_seen = 100;
  int gets = 0;
  std::atomic<int> batch_gets{0};
  std::function<void()> during_read;  // run once, while a read is "on the wire"
};

bool Eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 10'000; ++i) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return cond();
}

class PresenceCacheTest : public ::testing::Test {
 protected:
  void Start(Feed::Open open = Feed::Open::kAccept, absl::Duration refresh_ahead = absl::ZeroDuration()) {
    auto inner = std::make_unique<Scripted>();
    inner_ = inner.get();
    {
      absl::MutexLock lock(&inner_->feed.mu);
      inner_->feed.open = open;
    }
    cache_ = std::make_unique<CachingPresenceBackend>(
        std::move(inner),
        PresenceCacheOptions{.cache = {.ttl = absl::Seconds(5), .refresh_ahead = refresh_ahead},
                             .retry_min = absl::Milliseconds(1),
                             .retry_max = absl::Milliseconds(5),
                             .refresher = {.interval = absl::Milliseconds(1)}},
        clock_);
  }
  void StartWatching() {
    Start();
    ASSERT_TRUE(Eventually([&] { return cache_->watching(); }));
  }
  absl::StatusOr<Presence> Get(const std::string& name) { return cache_->Get(name, {}); }
  // Delivers a transition and waits until the cache has applied it.
  void Transition(const std::string& id, presence::v1::State state) {
    inner_->states[id] = state;
    Feed& f = inner_->feed;
    absl::MutexLock lock(&f.mu);
    presence::v1::PresenceTransition t;
    t.set_device_id(id);
    t.set_state(state);
    f.queue.push_back(t);
    f.idle = false;
    f.mu.Await(absl::Condition(+[](Feed* f) { return f->queue.empty() && f->idle; }, &f));
  }
  void EndStream() {
    absl::MutexLock lock(&inner_->feed.mu);
    inner_->feed.end_stream = true;
  }
  int Opened() {
    absl::MutexLock lock(&inner_->feed.mu);
    return inner_->feed.opened;
  }

  FakeClock clock_;
  Scripted* inner_ = nullptr;
  std::unique_ptr<CachingPresenceBackend> cache_;
};

TEST_F(PresenceCacheTest, RefreshAheadReReadsDevicesNearExpiryWithBatchGet) {
  Start(Feed::Open::kAccept, absl::Seconds(2));
  ASSERT_TRUE(Eventually([&] { return cache_->watching(); }));
  ASSERT_EQ(Get("gw-1")->last_seen_time().seconds(), 100);
  inner_->last_seen = 200;
  clock_.Advance(absl::Seconds(4));
  EXPECT_EQ(Get("gw-1")->last_seen_time().seconds(), 100);  // 1 s left: served, and queued
  ASSERT_TRUE(Eventually([&] { return cache_->stats().refreshed == 1; }));
  EXPECT_EQ(inner_->batch_gets.load(), 1);
  clock_.Advance(absl::Seconds(3));  // past the first read's expiry
  EXPECT_EQ(Get("gw-1")->last_seen_time().seconds(), 200);
  EXPECT_EQ(inner_->gets, 1);
}

TEST_F(PresenceCacheTest, ServesReadsWithinTtlWhileWatching) {
  StartWatching();
  ASSERT_EQ(Get("devices/gw-1/presence")->state(), ONLINE);
  inner_->last_seen = 200;  // a heartbeat: no transition
  EXPECT_EQ(Get("devices/gw-1/presence")->last_seen_time().seconds(), 100);
  EXPECT_EQ(Get("gw-1")->last_seen_time().seconds(), 100);  // bare id: the same entry
  EXPECT_EQ(inner_->gets, 1);
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(Get("devices/gw-1/presence")->last_seen_time().seconds(), 200);
  EXPECT_EQ(inner_->gets, 2);
  EXPECT_EQ(cache_->stats().hits, 2);
  EXPECT_EQ(cache_->stats().misses, 2);
}

TEST_F(PresenceCacheTest, ATransitionDropsOnlyThatDevicesEntry) {
  StartWatching();
  ASSERT_EQ(Get("devices/gw-1/presence")->state(), ONLINE);
  ASSERT_EQ(Get("devices/gw-2/presence")->state(), ONLINE);
  Transition("gw-1", OFFLINE);
  EXPECT_EQ(Get("devices/gw-1/presence")->state(), OFFLINE);  // within the TTL, yet fresh
  EXPECT_EQ(Get("devices/gw-2/presence")->state(), ONLINE);
  EXPECT_EQ(inner_->gets, 3);  // gw-2 still from the cache
}

TEST_F(PresenceCacheTest, NothingIsCachedUntilTheWatchIsOpen) {
  Start(Feed::Open::kHold);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Get("devices/gw-1/presence").ok());
  EXPECT_EQ(inner_->gets, 3);
  EXPECT_FALSE(cache_->watching());
  {
    absl::MutexLock lock(&inner_->feed.mu);
    inner_->feed.open = Feed::Open::kAccept;
  }
  ASSERT_TRUE(Eventually([&] { return cache_->watching(); }));
  ASSERT_TRUE(Get("devices/gw-1/presence").ok());
  ASSERT_TRUE(Get("devices/gw-1/presence").ok());
  EXPECT_EQ(inner_->gets, 4);
}

TEST_F(PresenceCacheTest, AFailedWatchIsRetriedAndReadsPassThroughMeanwhile) {
  Start(Feed::Open::kRefuse);
  ASSERT_TRUE(Get("devices/gw-1/presence").ok());
  ASSERT_TRUE(Get("devices/gw-1/presence").ok());
  EXPECT_EQ(inner_->gets, 2);
  {
    absl::MutexLock lock(&inner_->feed.mu);
    inner_->feed.open = Feed::Open::kAccept;
  }
  ASSERT_TRUE(Eventually([&] { return cache_->watching(); }));
  EXPECT_EQ(Opened(), 1);
}

TEST_F(PresenceCacheTest, AStreamThatEndsStopsTheCacheAndReopeningEmptiesIt) {
  StartWatching();
  ASSERT_EQ(Get("devices/gw-1/presence")->state(), ONLINE);
  {
    // The stream breaks and stays down; meanwhile the device goes offline, unseen by the watch.
    absl::MutexLock lock(&inner_->feed.mu);
    inner_->feed.open = Feed::Open::kRefuse;
    inner_->feed.end_stream = true;
  }
  ASSERT_TRUE(Eventually([&] { return !cache_->watching(); }));
  inner_->states["gw-1"] = OFFLINE;
  EXPECT_EQ(Get("devices/gw-1/presence")->state(), OFFLINE);  // straight from device-online
  inner_->states["gw-1"] = ONLINE;
  EXPECT_EQ(Get("devices/gw-1/presence")->state(), ONLINE);
  // Back: the entry stored before the break (and any since) must not be served.
  inner_->states["gw-1"] = OFFLINE;
  {
    absl::MutexLock lock(&inner_->feed.mu);
    inner_->feed.open = Feed::Open::kAccept;
  }
  ASSERT_TRUE(Eventually([&] { return cache_->watching(); }));
  EXPECT_EQ(Opened(), 2);
  EXPECT_EQ(Get("devices/gw-1/presence")->state(), OFFLINE);
}

TEST_F(PresenceCacheTest, AReadThatRacedATransitionDoesNotStoreWhatItRead) {
  StartWatching();
  // The read gets ONLINE from device-online; the OFFLINE transition is applied before it returns.
  inner_->during_read = [&] {
    std::thread([&] { Transition("gw-1", OFFLINE); }).join();
  };
  EXPECT_EQ(Get("devices/gw-1/presence")->state(), ONLINE);
  EXPECT_EQ(Get("devices/gw-1/presence")->state(), OFFLINE);
  EXPECT_EQ(inner_->gets, 2);
}

TEST_F(PresenceCacheTest, ErrorsNotFoundAndOtherNamesAreNeverCached) {
  StartWatching();
  inner_->fail = absl::UnavailableError("down");
  EXPECT_FALSE(Get("devices/gw-1/presence").ok());
  inner_->fail = absl::OkStatus();
  EXPECT_TRUE(Get("devices/gw-1/presence").ok());
  EXPECT_EQ(Get("devices/ghost/presence").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Get("devices/ghost/presence").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(inner_->gets, 4);
  // Not a presence name: device-online answers (and refuses) it every time.
  (void)Get("devices/gw-1");
  (void)Get("devices/gw-1");
  (void)Get("devices/a/b/presence");
  EXPECT_EQ(inner_->gets, 7);
}

TEST_F(PresenceCacheTest, ZeroTtlNeverWatchesNorCaches) {
  auto inner = std::make_unique<Scripted>();
  Scripted* raw = inner.get();
  CachingPresenceBackend cache(std::move(inner), {}, clock_);
  ASSERT_TRUE(cache.Get("devices/gw-1/presence", {}).ok());
  ASSERT_TRUE(cache.Get("devices/gw-1/presence", {}).ok());
  EXPECT_EQ(raw->gets, 2);
  EXPECT_FALSE(cache.watching());
  absl::MutexLock lock(&raw->feed.mu);
  EXPECT_EQ(raw->feed.opened, 0);
}

// (A hang here is the failure: the destructor joins the watch thread.)
TEST_F(PresenceCacheTest, DestroyingCancelsAWatchStillOpening) {
  Start(Feed::Open::kHold);
  Feed& f = inner_->feed;
  ASSERT_TRUE(Eventually([&] {
    absl::MutexLock lock(&f.mu);
    return f.opening == 1;
  }));
  cache_.reset();
  EXPECT_EQ(cache_, nullptr);
}

TEST_F(PresenceCacheTest, DestroyingCancelsAnOpenWatch) {
  StartWatching();
  Feed& f = inner_->feed;
  ASSERT_TRUE(Eventually([&] {
    absl::MutexLock lock(&f.mu);
    return f.idle;
  }));
  cache_.reset();
  EXPECT_EQ(cache_, nullptr);
}

}  // namespace
}  // namespace fleet::bff
