#include "libs/status/status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fleet::status {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(StatusTest, MakeErrorCarriesReasonAndMetadata) {
  absl::Status s = MakeError(absl::StatusCode::kFailedPrecondition, "DEVICE_OFFLINE", "offline",
                             {{"device_id", "d1"}, {"since", "10s"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "offline");
  EXPECT_EQ(Reason(s), "DEVICE_OFFLINE");
  EXPECT_THAT(Metadata(s), ElementsAre(Pair("device_id", "d1"), Pair("since", "10s")));
  EXPECT_TRUE(s.GetPayload(std::string(kErrorInfoTypeUrl)).has_value());
}

TEST(StatusTest, InvalidField) {
  absl::Status s = InvalidField("device.name", "must not be empty");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(s), "INVALID_FIELD");
  EXPECT_THAT(Metadata(s), ElementsAre(Pair("field", "device.name")));
}

TEST(StatusTest, PlainStatusHasNoReason) {
  absl::Status s = absl::NotFoundError("x");
  EXPECT_EQ(Reason(s), "");
  EXPECT_THAT(Metadata(s), IsEmpty());
  EXPECT_EQ(Reason(absl::OkStatus()), "");
}

TEST(StatusTest, MakeErrorWithOkCodeIsOk) {
  EXPECT_TRUE(MakeError(absl::StatusCode::kOk, "X", "y").ok());
}

TEST(StatusTest, DefaultReasons) {
  EXPECT_EQ(ReasonOrDefault(absl::InvalidArgumentError("")), "INVALID_FIELD");
  EXPECT_EQ(ReasonOrDefault(absl::UnavailableError("")), "BACKEND_UNAVAILABLE");
  EXPECT_EQ(ReasonOrDefault(absl::DeadlineExceededError("")), "DEADLINE_EXCEEDED");
  EXPECT_EQ(ReasonOrDefault(absl::ResourceExhaustedError("")), "RATE_LIMITED");
  EXPECT_EQ(ReasonOrDefault(absl::InternalError("")), "INTERNAL_ERROR");
  EXPECT_EQ(ReasonOrDefault(absl::UnknownError("")), "INTERNAL_ERROR");
  EXPECT_EQ(ReasonOrDefault(absl::DataLossError("")), "INTERNAL_ERROR");
  EXPECT_EQ(ReasonOrDefault(absl::NotFoundError("")), "NOT_FOUND");
  EXPECT_EQ(ReasonOrDefault(absl::OkStatus()), "");
  EXPECT_EQ(ReasonOrDefault(MakeError(absl::StatusCode::kUnavailable, "DEVICE_OFFLINE", "")),
            "DEVICE_OFFLINE");
}

TEST(StatusTest, WithMetadataKeepsReason) {
  absl::Status s = WithMetadata(InvalidField("a", "bad"), "hint", "x");
  EXPECT_EQ(Reason(s), "INVALID_FIELD");
  EXPECT_THAT(Metadata(s), ElementsAre(Pair("field", "a"), Pair("hint", "x")));
  EXPECT_EQ(s.message(), "bad");
  EXPECT_EQ(Reason(WithMetadata(absl::UnavailableError("u"), "k", "v")), "BACKEND_UNAVAILABLE");
  EXPECT_TRUE(WithMetadata(absl::OkStatus(), "k", "v").ok());
}

}  // namespace
}  // namespace fleet::status

namespace fleet::status {
namespace {

TEST(IsRetryableTest, TransientCodesOnly) {
  EXPECT_TRUE(IsRetryable(absl::UnavailableError("x")));
  EXPECT_TRUE(IsRetryable(absl::DeadlineExceededError("x")));
  EXPECT_TRUE(IsRetryable(absl::AbortedError("x")));
  EXPECT_FALSE(IsRetryable(absl::OkStatus()));
  EXPECT_FALSE(IsRetryable(absl::InvalidArgumentError("x")));
  EXPECT_FALSE(IsRetryable(absl::NotFoundError("x")));
  EXPECT_FALSE(IsRetryable(absl::InternalError("x")));
}

}  // namespace
}  // namespace fleet::status
