#include "libs/ids/device_id.h"

#include <string>

#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::ids {
namespace {

TEST(DeviceIdTest, AcceptsTypicalIds) {
  for (const char* id : {"dev-001", "A", "elevator.7:gw_2", "0abc"}) {
    EXPECT_TRUE(IsValidDeviceId(id)) << id;
    EXPECT_TRUE(ValidateDeviceId(id).ok()) << id;
  }
}

TEST(DeviceIdTest, RejectsBadIdsWithReason) {
  for (std::string id : {std::string(""), std::string("-dev"), std::string("dev/1"),
                         std::string("dev 1"), std::string(129, 'a'), std::string("dév")}) {
    EXPECT_FALSE(IsValidDeviceId(id)) << id;
    absl::Status s = ValidateDeviceId(id, "name");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_EQ(status::Reason(s), "INVALID_FIELD") << id;
    EXPECT_EQ(status::Metadata(s)["field"], "name") << id;
  }
}

TEST(DeviceIdTest, AcceptsMaximumLength) { EXPECT_TRUE(IsValidDeviceId(std::string(128, 'a'))); }

}  // namespace
}  // namespace fleet::ids
