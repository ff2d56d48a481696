// Store contract (see store_contract.h): per-batch progress, identical in memory and PostgreSQL.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/task/storage/store_contract.h"

namespace fleet::task {
namespace {

using ::testing::ElementsAre;

BatchProgress Batch(int index, ExecutionCounts counts, absl::Time started, absl::Time updated) {
  return BatchProgress{index, counts, started, updated};
}

TEST_P(StoreContract, BatchProgressByBatch) {
  presence_.SetFirmware("d4", "2.0.0");  // skipped: never sent, in no batch
  Campaign c = NewCampaign(NewArtifact(), 5, 2, [](CampaignSpec& s) {
    s.max_attempts = 2;
    s.initial_backoff = absl::Seconds(5);
  });
  CampaignStore& store = *backend_.campaigns;
  absl::StatusOr<Page<BatchProgress>> page = store.ListBatches(c.id, -1, 50);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->items.empty());

  const absl::Time t0 = clock_.Now();
  EXPECT_EQ(Tick().sent, 2);  // batch 0: d0, d1
  std::vector<DeviceRequest> sent = channel_.Sent();
  ASSERT_EQ(sent.size(), 2u);
  clock_.Advance(absl::Seconds(2));
  Progress(sent[0], ExecState::kRebooting);
  ASSERT_EQ(*reports_.OnVersions({{"d0", "2.0.0"}}), 1);
  ASSERT_TRUE(*reports_.OnResponse("d1", sent[1].request_id, 500, "no space"));  // retry later
  const absl::Time t2 = clock_.Now();

  page = store.ListBatches(c.id, -1, 50);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->items, ElementsAre(Batch(0, {.queued = 1, .succeeded = 1}, t0, t2)));
  EXPECT_FALSE(page->more);

  clock_.Advance(absl::Seconds(5));
  const absl::Time t7 = clock_.Now();
  EXPECT_EQ(Tick().sent, 2);  // d1's retry stays in batch 0; d2 opens batch 1 (max in flight 2)
  page = store.ListBatches(c.id, -1, 50);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->items,
              ElementsAre(Batch(0, {.in_flight = 1, .succeeded = 1}, t0, t7),
                          Batch(1, {.in_flight = 1}, t7, t7)));

  // Paging by batch index.
  page = store.ListBatches(c.id, -1, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].batch, 0);
  EXPECT_TRUE(page->more);
  page = store.ListBatches(c.id, 0, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].batch, 1);
  EXPECT_FALSE(page->more);
  page = store.ListBatches(c.id, 1, 50);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());

  // Another campaign's executions are not counted; an unknown campaign has no batches, and the
  // use case reports it as not found.
  Campaign other = NewCampaign(NewArtifact("3.0.0"), 1, 1);
  Tick();
  page = store.ListBatches(other.id, -1, 50);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].counts.total(), 1);
  page = store.ListBatches(c.id, -1, 50);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].counts.total() + page->items[1].counts.total(), 3);
  page = store.ListBatches("c-unknown", -1, 50);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  EXPECT_EQ(status::Reason(tasks_.ListBatches("c-unknown", -1, 50).status()), "TASK_CAMPAIGN_NOT_FOUND");
}

}  // namespace
}  // namespace fleet::task
