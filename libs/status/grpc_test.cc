#include "libs/status/grpc.h"

#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "libs/status/status.h"

namespace fleet::status {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(GrpcStatusTest, OkRoundTrip) {
  EXPECT_TRUE(ToGrpc(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpc(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, ToGrpcCarriesErrorInfoDetails) {
  grpc::Status g = ToGrpc(MakeError(absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND", "no device",
                                    {{"device_id", "d1"}}));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(g.error_message(), "no device");
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  EXPECT_EQ(rpc.code(), 5);
  EXPECT_EQ(rpc.message(), "no device");
  ASSERT_EQ(rpc.details_size(), 1);
  EXPECT_EQ(rpc.details(0).type_url(), "type.googleapis.com/google.rpc.ErrorInfo");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "DEVICE_NOT_FOUND");
  EXPECT_EQ(info.domain(), "fleetd.io");
  EXPECT_EQ(info.metadata().at("device_id"), "d1");
}

TEST(GrpcStatusTest, RoundTripKeepsEverythingForEveryCode) {
  for (int c = 1; c <= 16; ++c) {
    auto code = static_cast<absl::StatusCode>(c);
    absl::Status in = MakeError(code, "SOME_REASON", "msg \"quoted\"", {{"k", "v"}});
    absl::Status out = FromGrpc(ToGrpc(in));
    EXPECT_EQ(out.code(), code) << c;
    EXPECT_EQ(out.message(), in.message());
    EXPECT_EQ(Reason(out), "SOME_REASON");
    EXPECT_THAT(Metadata(out), ElementsAre(Pair("k", "v")));
  }
}

TEST(GrpcStatusTest, PlainStatusGetsDefaultReason) {
  absl::Status out = FromGrpc(ToGrpc(absl::UnavailableError("redis down")));
  EXPECT_EQ(out.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(out), "BACKEND_UNAVAILABLE");
}

TEST(GrpcStatusTest, TransportErrorWithoutDetailsStaysUnavailable) {
  absl::Status out = FromGrpc(grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect"));
  EXPECT_EQ(out.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(out.message(), "failed to connect");
  EXPECT_EQ(Reason(out), "");
}

TEST(GrpcStatusTest, GarbageDetailsAreIgnored) {
  absl::Status out =
      FromGrpc(grpc::Status(grpc::StatusCode::ABORTED, "conflict", std::string("\xff\xff\x01", 3)));
  EXPECT_EQ(out.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(out.message(), "conflict");
}

}  // namespace
}  // namespace fleet::status
