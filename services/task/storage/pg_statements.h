#pragma once

#include "libs/pg/pool.h"

// Named statements of PgStore (internal to storage/).
namespace fleet::task::pgsql {

inline constexpr char kArtifactInsert[] = "task_artifact_insert";
inline constexpr char kArtifactDuplicate[] = "task_artifact_duplicate";
inline constexpr char kArtifactGet[] = "task_artifact_get";
inline constexpr char kArtifactList[] = "task_artifact_list";
inline constexpr char kArtifactUser[] = "task_artifact_user";
inline constexpr char kArtifactDelete[] = "task_artifact_delete";

inline constexpr char kCampaignInsert[] = "task_campaign_insert";
inline constexpr char kCampaignGet[] = "task_campaign_get";
inline constexpr char kCampaignGetMany[] = "task_campaign_get_many";
inline constexpr char kCampaignGetForUpdate[] = "task_campaign_get_for_update";
inline constexpr char kCampaignLockSkip[] = "task_campaign_lock_skip";
inline constexpr char kCampaignList[] = "task_campaign_list";
inline constexpr char kCampaignUpdate[] = "task_campaign_update";
inline constexpr char kCampaignCancelQueued[] = "task_campaign_cancel_queued";
inline constexpr char kCampaignStartDue[] = "task_campaign_start_due";
inline constexpr char kCampaignRunning[] = "task_campaign_running";
inline constexpr char kCounts[] = "task_counts";
inline constexpr char kBatchStats[] = "task_batch_stats";
inline constexpr char kBatchList[] = "task_batch_list";

inline constexpr char kTargetsInsert[] = "task_targets_insert";
inline constexpr char kEventsInsert[] = "task_events_insert";
inline constexpr char kExecCandidates[] = "task_exec_candidates";
inline constexpr char kExecLockQueued[] = "task_exec_lock_queued";
inline constexpr char kExecWrite[] = "task_exec_write";
inline constexpr char kExecGetForUpdate[] = "task_exec_get_for_update";
inline constexpr char kExecLockMany[] = "task_exec_lock_many";
inline constexpr char kExecDue[] = "task_exec_due";
inline constexpr char kExecAwaiting[] = "task_exec_awaiting";
inline constexpr char kExecList[] = "task_exec_list";
inline constexpr char kExecDevice[] = "task_exec_device";
inline constexpr char kTimelineCampaign[] = "task_timeline_campaign";
inline constexpr char kTimelineDevice[] = "task_timeline_device";
inline constexpr char kTimelineBoth[] = "task_timeline_both";

void PrepareStatements(pg::Pool& pool);

}  // namespace fleet::task::pgsql
