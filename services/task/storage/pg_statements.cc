#include "services/task/storage/pg_statements.h"

#include "absl/strings/str_cat.h"
#include "services/task/storage/pg_codec.h"

namespace fleet::task::pgsql {

#define IN_FLIGHT "('SENT', 'DOWNLOADING', 'VERIFYING', 'INSTALLING', 'REBOOTING')"

void PrepareStatements(pg::Pool& pool) {
  using pgcodec::kArtifactColumns;
  using pgcodec::kCampaignColumns;
  using pgcodec::kEventColumns;
  using pgcodec::kExecutionColumns;

  pool.Prepare(kArtifactInsert, R"sql(
INSERT INTO task_artifacts (id, display_name, kind, version, url, sha256, size_bytes, models, create_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, task_ts($9)))sql");
  pool.Prepare(kArtifactDuplicate,
               "SELECT id FROM task_artifacts WHERE kind = $1 AND display_name = $2 AND version = $3");
  pool.Prepare(kArtifactGet, absl::StrCat("SELECT ", kArtifactColumns, " FROM task_artifacts WHERE id = $1"));
  pool.Prepare(kArtifactList, absl::StrCat(
      "SELECT ", kArtifactColumns, " FROM task_artifacts ",
      "WHERE $1::bigint IS NULL OR (create_time, id) < (task_ts($1::bigint), $2) "
      "ORDER BY create_time DESC, id DESC LIMIT $3"));
  pool.Prepare(kArtifactUser,
               "SELECT id FROM task_campaigns WHERE artifact_id = $1 "
               "AND state IN ('SCHEDULED', 'RUNNING', 'PAUSED') LIMIT 1");
  pool.Prepare(kArtifactDelete, "DELETE FROM task_artifacts WHERE id = $1");

  pool.Prepare(kCampaignInsert, R"sql(
INSERT INTO task_campaigns (id, display_name, created_by, artifact_id, spec, target_version,
                            target_models, state, state_reason, create_time, start_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, task_ts($10), task_ts($11)))sql");
  pool.Prepare(kCampaignGet, absl::StrCat("SELECT ", kCampaignColumns, " FROM task_campaigns WHERE id = $1"));
  // $1 JSON array of campaign ids.
  pool.Prepare(kCampaignGetMany, absl::StrCat(
      "SELECT ", kCampaignColumns, " FROM task_campaigns ",
      "WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))"));
  pool.Prepare(kCampaignGetForUpdate,
               absl::StrCat("SELECT ", kCampaignColumns, " FROM task_campaigns WHERE id = $1 FOR UPDATE"));
  pool.Prepare(kCampaignLockSkip, absl::StrCat("SELECT ", kCampaignColumns,
                                               " FROM task_campaigns WHERE id = $1 FOR UPDATE SKIP LOCKED"));
  pool.Prepare(kCampaignList, absl::StrCat(
      "SELECT ", kCampaignColumns, " FROM task_campaigns ",
      "WHERE ($1 = '' OR state = $1) ",
      "AND ($2::bigint IS NULL OR (create_time, id) < (task_ts($2::bigint), $3)) ",
      "ORDER BY create_time DESC, id DESC LIMIT $4"));
  pool.Prepare(kCampaignUpdate, R"sql(
UPDATE task_campaigns SET state = $2, state_reason = $3, paused_by_abort = $4, batch = $5,
  batch_sent = $6, batch_started_at = task_ts($7::bigint), abort_base_finished = $8,
  abort_base_failures = $9, end_time = task_ts($10::bigint)
WHERE id = $1)sql");
  // $1 campaign, $2 now (us).
  pool.Prepare(kCampaignCancelQueued, R"sql(
WITH c AS (
  UPDATE task_executions SET state = 'CANCELED', reason = 'campaign canceled',
    state_time = task_ts($2), deadline = NULL
  WHERE campaign_id = $1 AND state = 'QUEUED'
  RETURNING id, device_id, attempt, percent)
INSERT INTO task_events (at, campaign_id, device_id, attempt, kind, state, percent, message)
SELECT task_ts($2), $1, device_id, attempt, 'STATE', 'CANCELED', percent, 'campaign canceled'
FROM c ORDER BY id)sql");
  pool.Prepare(kCampaignStartDue, absl::StrCat(R"sql(
WITH due AS (
  SELECT id AS due_id FROM task_campaigns
  WHERE state = 'SCHEDULED' AND start_time <= task_ts($1)
  ORDER BY start_time FOR UPDATE SKIP LOCKED)
UPDATE task_campaigns SET state = 'RUNNING', state_reason = ''
FROM due WHERE id = due.due_id
RETURNING )sql", kCampaignColumns));
  pool.Prepare(kCampaignRunning, absl::StrCat(
      "SELECT ", kCampaignColumns, " FROM task_campaigns WHERE state = 'RUNNING' "
      "ORDER BY create_time, id LIMIT $1"));
  pool.Prepare(kCounts, R"sql(
SELECT campaign_id, state, count(*) FROM task_executions
WHERE campaign_id IN (SELECT jsonb_array_elements_text($1::jsonb))
GROUP BY campaign_id, state)sql");
  // One row per batch > $2, ascending, at most $3: counts by state, first send, last change.
  pool.Prepare(kBatchList, R"sql(
SELECT batch,
  count(*) FILTER (WHERE state = 'QUEUED'),
  count(*) FILTER (WHERE state IN )sql" IN_FLIGHT R"sql(),
  count(*) FILTER (WHERE state = 'SUCCEEDED'),
  count(*) FILTER (WHERE state = 'FAILED'),
  count(*) FILTER (WHERE state = 'TIMED_OUT'),
  count(*) FILTER (WHERE state = 'CANCELED'),
  count(*) FILTER (WHERE state = 'SKIPPED'),
  task_us(min(sent_time)), task_us(max(state_time))
FROM task_executions WHERE campaign_id = $1 AND batch > $2
GROUP BY batch ORDER BY batch LIMIT $3)sql");
  pool.Prepare(kBatchStats, R"sql(
SELECT state, count(*), count(*) FILTER (WHERE batch = $2) FROM task_executions
WHERE campaign_id = $1 GROUP BY state)sql");

  // $1 campaign, $2 target version, $3 now (us), $4 [{device_id, model}].
  pool.Prepare(kTargetsInsert, R"sql(
INSERT INTO task_executions (campaign_id, device_id, model, state, target_version, state_time, create_time)
SELECT $1, t.device_id, t.model, 'QUEUED', $2, task_ts($3), task_ts($3)
FROM ROWS FROM (jsonb_to_recordset($4::jsonb) AS (device_id text, model text))
  WITH ORDINALITY AS t(device_id, model, i)
ORDER BY t.i
ON CONFLICT (campaign_id, device_id) DO NOTHING)sql");
  pool.Prepare(kEventsInsert, R"sql(
INSERT INTO task_events (at, campaign_id, device_id, attempt, kind, state, percent, message)
SELECT task_ts(e.at), e.campaign_id, e.device_id, e.attempt, e.kind, e.state, e.percent, e.message
FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (at bigint, campaign_id text, device_id text,
       attempt int, kind text, state text, percent int, message text))
  WITH ORDINALITY AS e(at, campaign_id, device_id, attempt, kind, state, percent, message, i)
ORDER BY e.i)sql");
  // Retries first, then by id; each half walks task_executions_queued in id order.
  pool.Prepare(kExecCandidates, absl::StrCat(
      "(SELECT ", kExecutionColumns, " FROM task_executions ",
      "WHERE campaign_id = $1 AND state = 'QUEUED' AND attempt > 0 ",
      "AND (not_before IS NULL OR not_before <= task_ts($2)) ORDER BY id LIMIT $3) ",
      "UNION ALL (SELECT ", kExecutionColumns, " FROM task_executions ",
      "WHERE campaign_id = $1 AND state = 'QUEUED' AND attempt = 0 ",
      "AND (not_before IS NULL OR not_before <= task_ts($2)) ORDER BY id LIMIT $3) LIMIT $3"));
  pool.Prepare(kExecLockQueued, absl::StrCat(
      "SELECT ", kExecutionColumns, " FROM task_executions ",
      "WHERE id = ANY($1::bigint[]) AND campaign_id = $2 AND state = 'QUEUED' ",
      "ORDER BY id FOR UPDATE SKIP LOCKED"));
  pool.Prepare(kExecWrite, R"sql(
UPDATE task_executions e SET state = u.state, percent = u.percent, attempt = u.attempt,
  batch = u.batch, reason = u.reason, request_id = u.request_id, state_time = task_ts(u.state_time),
  deadline = task_ts(u.deadline), not_before = task_ts(u.not_before), sent_time = task_ts(u.sent_time)
FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, state text, percent int, attempt int, batch int,
  reason text, request_id text, state_time bigint, deadline bigint, not_before bigint,
  sent_time bigint)
WHERE e.id = u.id)sql");
  pool.Prepare(kExecGetForUpdate, absl::StrCat("SELECT ", kExecutionColumns,
                                               " FROM task_executions WHERE id = $1 FOR UPDATE"));
  // Id order: concurrent batches lock overlapping rows in the same order (no deadlock).
  pool.Prepare(kExecLockMany, absl::StrCat(
      "SELECT ", kExecutionColumns, " FROM task_executions ",
      "WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE"));
  pool.Prepare(kExecDue, absl::StrCat(
      "SELECT ", kExecutionColumns, " FROM task_executions ",
      "WHERE state IN " IN_FLIGHT " AND deadline <= task_ts($1) ",
      "ORDER BY deadline, id LIMIT $2 FOR UPDATE SKIP LOCKED"));
  pool.Prepare(kExecAwaiting, absl::StrCat(
      "SELECT ", kExecutionColumns, " FROM task_executions ",
      "WHERE state IN ('INSTALLING', 'REBOOTING') ",
      "AND device_id IN (SELECT jsonb_array_elements_text($1::jsonb))"));
  pool.Prepare(kExecList, absl::StrCat(
      "SELECT ", kExecutionColumns, " FROM task_executions ",
      "WHERE campaign_id = $1 AND ($2 = '' OR state = $2) AND device_id > $3 ",
      "ORDER BY device_id LIMIT $4"));
  pool.Prepare(kExecDevice, absl::StrCat(
      "SELECT ", kExecutionColumns, " FROM task_executions ",
      "WHERE device_id = $1 AND ($2::bigint IS NULL OR (create_time, campaign_id) < (task_ts($2::bigint), $3)) ",
      "ORDER BY create_time DESC, campaign_id DESC LIMIT $4"));
  pool.Prepare(kTimelineCampaign, absl::StrCat(
      "SELECT ", kEventColumns, " FROM task_events WHERE campaign_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"));
  pool.Prepare(kTimelineDevice, absl::StrCat(
      "SELECT ", kEventColumns, " FROM task_events WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"));
  pool.Prepare(kTimelineBoth, absl::StrCat(
      "SELECT ", kEventColumns, " FROM task_events ",
      "WHERE campaign_id = $1 AND device_id = $2 AND seq > $3 ORDER BY seq LIMIT $4"));
}

}  // namespace fleet::task::pgsql
