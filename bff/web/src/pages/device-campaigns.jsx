// A device's campaign history (GET /v1/devices/{id}/executions): each campaign that targeted the
// device, its execution state, progress and last change, newest first as the API returns them.
import { useEffect, useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { ErrorBox, Loading, StateBadge, fmtTime, usePoll } from '../ui.jsx';

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELED', 'SKIPPED']);
const STEPS = { QUEUED: 0, SENT: 10, DOWNLOADING: 20, VERIFYING: 70, INSTALLING: 80, REBOOTING: 90 };

// 0..100: the download percent inside DOWNLOADING, a step estimate elsewhere, 100 when finished.
function progressOf(x) {
  if (FINAL.has(x.state)) return 100;
  if (x.state === 'DOWNLOADING') return 20 + Math.round((Number(x.percent || 0) * 50) / 100);
  return STEPS[x.state] ?? 0;
}

function CampaignName({ id }) {
  const [c, setC] = useState(null);
  useEffect(() => {
    get(`/v1/campaigns/${encodeURIComponent(id)}`).then(setC, () => setC(null));
  }, [id]);
  return <a href={`/campaigns/${encodeURIComponent(id)}`}>{(c && c.displayName) || id}</a>;
}

export function CampaignHistoryCard({ id }) {
  const [rows, setRows] = useState(undefined);
  const [error, setError] = useState(null);
  usePoll(async () => {
    try {
      setRows((await get(`/v1/devices/${encodeURIComponent(id)}/executions${qs({ page_size: 20 })}`)).executions || []);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, 10000, [id]);
  return (
    <div class="card wide" data-testid="device-campaigns">
      <h3>Campaigns</h3>
      <ErrorBox error={error} />
      {rows === undefined && !error ? <Loading what="Loading campaigns" /> : null}
      {rows && rows.length === 0 ? <p class="muted">No campaign has targeted this device.</p> : null}
      {rows && rows.length ? (
        <table class="table exec">
          <thead><tr><th>Campaign</th><th>State</th><th>Progress</th><th>Target</th><th>Updated</th></tr></thead>
          <tbody>
            {rows.map((x) => {
              const p = progressOf(x);
              return (
                <tr key={x.name || x.campaignId} data-testid={`device-campaign-${x.campaignId}`}>
                  <td data-label="Campaign"><CampaignName id={x.campaignId} /></td>
                  <td data-label="State"><StateBadge state={x.state} />
                    {x.reason ? <div class="small muted">{x.reason}</div> : null}</td>
                  <td data-label="Progress" class="progress-col">
                    <div class="stack" title={`${p}%`}><span class={x.state === 'SUCCEEDED' ? 'seg-ok' : FINAL.has(x.state) && x.state !== 'SKIPPED' ? 'seg-bad' : FINAL.has(x.state) ? 'seg-skip' : 'seg-run'} style={{ width: `${p}%` }} /></div>
                    <span class="small muted">{x.state === 'DOWNLOADING' ? `download ${x.percent || 0}%` : `${p}%`}{x.attempt > 1 ? `, attempt ${x.attempt}` : ''}</span>
                  </td>
                  <td data-label="Target" class="small">{x.targetVersion || '—'}</td>
                  <td data-label="Updated" class="small">{fmtTime(x.stateTime)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
