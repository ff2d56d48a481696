#include "services/device-online/edge/newest_per_device.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::online {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

kafka::Message M(std::string key) {
  kafka::Message m;
  m.key = std::move(key);
  return m;
}

TEST(NewestPerDeviceTest, GroupsByKeyNewestFirst) {
  auto groups = NewestPerDevice({M("a"), M("b"), M("a"), M(""), M("a"), M("c")});
  EXPECT_THAT(groups, UnorderedElementsAre(ElementsAre(4, 2, 0), ElementsAre(1), ElementsAre(3),
                                           ElementsAre(5)));
}

TEST(NewestPerDeviceTest, EmptyBatch) { EXPECT_TRUE(NewestPerDevice({}).empty()); }

}  // namespace
}  // namespace fleet::online
