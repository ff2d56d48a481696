#include "tools/otlp-receiver/span_store.h"

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace fleet::otlp_receiver {
namespace {

constexpr char kBody[] = R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name",
 "value":{"stringValue":"tunnel"}}]},"scopeSpans":[{"scope":{"name":"fleetd"},"spans":[
 {"traceId":"aa","spanId":"01","name":"root","kind":2,"attributes":[
   {"key":"s","value":{"stringValue":"v"}},{"key":"i","value":{"intValue":"42"}},
   {"key":"d","value":{"doubleValue":1.5}},{"key":"b","value":{"boolValue":true}}]},
 {"traceId":"aa","spanId":"02","parentSpanId":"01","name":"child","kind":3},
 {"traceId":"bb","spanId":"03","name":"other","kind":1}]}]}]})";

TEST(SpanStoreTest, StoresAndFiltersByTrace) {
  SpanStore store;
  ASSERT_TRUE(store.AddOtlpJson(kBody).ok());
  EXPECT_EQ(store.size(), 3u);
  rapidjson::Document d;
  d.Parse(store.SpansJson("aa").c_str());
  ASSERT_TRUE(d.IsArray());
  ASSERT_EQ(d.Size(), 2u);
  EXPECT_STREQ(d[0]["name"].GetString(), "root");
  EXPECT_STREQ(d[0]["service"].GetString(), "tunnel");
  EXPECT_EQ(d[0]["kind"].GetInt(), 2);
  EXPECT_STREQ(d[0]["parent_span_id"].GetString(), "");
  EXPECT_STREQ(d[0]["attributes"]["s"].GetString(), "v");
  EXPECT_EQ(d[0]["attributes"]["i"].GetInt64(), 42);
  EXPECT_DOUBLE_EQ(d[0]["attributes"]["d"].GetDouble(), 1.5);
  EXPECT_TRUE(d[0]["attributes"]["b"].GetBool());
  EXPECT_STREQ(d[1]["parent_span_id"].GetString(), "01");
  d.Parse(store.SpansJson("").c_str());
  EXPECT_EQ(d.Size(), 3u);
  d.Parse(store.SpansJson("cc").c_str());
  EXPECT_EQ(d.Size(), 0u);
}

TEST(SpanStoreTest, RejectsGarbage) {
  SpanStore store;
  EXPECT_FALSE(store.AddOtlpJson("not json").ok());
  EXPECT_FALSE(store.AddOtlpJson("{}").ok());
  EXPECT_FALSE(store.AddOtlpJson(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"i","value":{"intValue":"x"}}]}]}]}]})").ok());
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace fleet::otlp_receiver
