#include "bff/json_render_cache.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fleet/config/v1/device_registry.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace fleet::bff {
namespace {

using config::v1::Device;

Device Make(const std::string& id) {
  Device d;
  d.set_name("devices/" + id);
  d.set_id(id);
  d.set_model("gw-200");
  for (int i = 0; i < 8; ++i) (*d.mutable_labels())[absl::StrCat("k", i)] = absl::StrCat("v", i);
  d.set_etag("\"r1\"");
  return d;
}

std::string Printed(const Device& d) {
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(d, &out, o).ok());
  return out;
}

TEST(JsonRenderCacheTest, RendersAsProtobufAndReusesTheRenderingOfAnUnchangedMessage) {
  JsonRenderCache cache;
  const Device d = Make("dev-1");
  auto first = cache.Render(d.name(), d);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(*first, Printed(d));
  EXPECT_THAT(*first, ::testing::HasSubstr(R"("hardwareRevision":"")"));  // defaults printed
  const Device same = Make("dev-1");  // an equal message built again (map order may differ)
  auto second = cache.Render(same.name(), same);
  EXPECT_EQ(second.get(), first.get());
  const JsonRenderCache::Stats st = cache.stats();
  EXPECT_EQ(st.hits, 1);
  EXPECT_EQ(st.misses, 1);
  EXPECT_EQ(st.entries, 1u);
}

TEST(JsonRenderCacheTest, AnyChangeRendersAgain) {
  JsonRenderCache cache;
  Device d = Make("dev-1");
  auto before = cache.Render(d.name(), d);
  (*d.mutable_labels())["k3"] = "changed";  // same etag: the bytes decide, not the etag
  auto after = cache.Render(d.name(), d);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(*after, Printed(d));
  EXPECT_NE(*after, *before);
  EXPECT_EQ(cache.stats().hits, 0);
}

TEST(JsonRenderCacheTest, KeysDoNotMix) {
  JsonRenderCache cache;
  const Device a = Make("dev-a"), b = Make("dev-b");
  EXPECT_EQ(*cache.Render("k", a), Printed(a));
  EXPECT_EQ(*cache.Render("k", b), Printed(b));  // same key, other message: rendered again
  EXPECT_EQ(*cache.Render("other", a), Printed(a));
}

TEST(JsonRenderCacheTest, StaysWithinItsBound) {
  JsonRenderCache cache(64);
  for (int i = 0; i < 5000; ++i) {
    const Device d = Make(absl::StrCat("dev-", i));
    ASSERT_EQ(*cache.Render(d.name(), d), Printed(d));
  }
  EXPECT_LE(cache.stats().entries, 64u);
}

TEST(JsonRenderCacheTest, ConcurrentReadersGetCorrectRenderings) {
  JsonRenderCache cache(1000);
  std::vector<Device> devices;
  std::vector<std::string> want;
  for (int i = 0; i < 50; ++i) {
    devices.push_back(Make(absl::StrCat("dev-", i)));
    want.push_back(Printed(devices.back()));
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const size_t k = static_cast<size_t>(i * 7 + t) % devices.size();
        auto json = cache.Render(devices[k].name(), devices[k]);
        if (json == nullptr || *json != want[k]) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(cache.stats().hits, 0);
}

}  // namespace
}  // namespace fleet::bff
