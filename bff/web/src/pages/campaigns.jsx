// Campaigns list, plus the pieces the create and detail pages share (state badge, progress bars).
// When the BFF runs without the task service (503 BACKEND_UNAVAILABLE) or has no campaign routes
// (404) the page says so with the API's own words.
import { useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { Badge, ErrorBox, Loading, TokenPager, fmtTime, usePageTokens, usePoll } from '../ui.jsx';

export const idOf = (name) => (name || '').split('/').pop();
const n = (v) => Number(v || 0);

// Execution counts (int64 = JSON strings, zero = omitted) as numbers, with derived totals.
export function countsOf(c) {
  const k = (c && c.counts) || {};
  const out = {
    succeeded: n(k.succeeded), failed: n(k.failed), timedOut: n(k.timedOut), canceled: n(k.canceled),
    skipped: n(k.skipped), inFlight: n(k.inFlight), queued: n(k.queued), total: n(k.total),
  };
  out.finished = out.succeeded + out.failed + out.timedOut + out.canceled + out.skipped;
  out.percent = out.total ? Math.floor((100 * out.finished) / out.total) : 0;
  return out;
}

// Segments of the stacked bar, in display order, with their colour class.
export const SEGMENTS = [
  ['succeeded', 'Succeeded', 'seg-ok'], ['failed', 'Failed', 'seg-bad'], ['timedOut', 'Timed out', 'seg-bad2'],
  ['skipped', 'Skipped', 'seg-skip'], ['canceled', 'Canceled', 'seg-cancel'], ['inFlight', 'In flight', 'seg-run'],
  ['queued', 'Queued', 'seg-queue'],
];

export function StackedBar({ counts, testid }) {
  return (
    <div class="stack" data-testid={testid} title={`${counts.finished} of ${counts.total} finished`}>
      {SEGMENTS.map(([key, label, cls]) => (counts[key] > 0 && counts.total > 0 ? (
        <span key={key} class={cls} style={{ width: `${(100 * counts[key]) / counts.total}%` }} title={`${label}: ${counts[key]}`} />
      ) : null))}
    </div>
  );
}

export const shortState = (s) => (s || 'UNKNOWN').replace(/^CAMPAIGN_/, '');

export function CampaignState({ state, testid }) {
  const s = shortState(state);
  const kind = { RUNNING: 'warn', COMPLETED: 'ok', PAUSED: 'bad', CANCELED: 'neutral', SCHEDULED: 'neutral' }[s] || 'neutral';
  return <Badge kind={kind} testid={testid}>{s.toLowerCase()}</Badge>;
}

const STATES = ['', 'SCHEDULED', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELED'];

export function Campaigns() {
  const [data, setData] = useState(undefined);
  const [error, setError] = useState(null);
  const [missing, setMissing] = useState(false);
  const [state, setState] = useState('');
  const pages = usePageTokens();
  const token = pages.token;
  usePoll(async () => {
    try {
      setData(await get(`/v1/campaigns${qs({ state, page_size: 25, page_token: token })}`));
      setMissing(false);
      setError(null);
    } catch (e) {
      if (e.status === 404 || (e.status === 503 && e.reason === 'BACKEND_UNAVAILABLE')) {
        setMissing(e);
        setError(null);
      } else setError(e);
    }
  }, 5000, [state, token]);
  const campaigns = (data && data.campaigns) || [];
  return (
    <section>
      <div class="row spread">
        <h2>Campaigns</h2>
        {!missing ? <a class="button primary" href="/campaigns/new" data-testid="new-campaign">New campaign</a> : null}
      </div>
      {missing ? (
        <div class="card notice" data-testid="campaigns-unavailable">
          <h3>Not available</h3>
          <p>Firmware and MCU campaigns need the task service, which this deployment does not serve.</p>
          <p class="muted small">
            The API answered {missing.status} {missing.reason} for <code>/v1/campaigns</code>: {missing.message}
          </p>
        </div>
      ) : null}
      <ErrorBox error={error} />
      {!missing ? (
        <div class="filters">
          <select aria-label="State" value={state} onChange={(e) => { setState(e.target.value); pages.reset(); }}>
            {STATES.map((s) => <option key={s} value={s}>{s ? s.toLowerCase() : 'All states'}</option>)}
          </select>
        </div>
      ) : null}
      {!missing && data === undefined && !error ? <Loading what="Loading campaigns" /> : null}
      {data && !missing ? (
        <div class="card table-wrap">
          <table class="table campaigns" data-testid="campaign-table">
            <thead><tr><th>Campaign</th><th>State</th><th>Devices</th><th class="progress-col">Progress</th><th>Created</th></tr></thead>
            <tbody>
              {campaigns.map((c) => {
                const k = countsOf(c);
                return (
                  <tr key={c.name} data-testid={`campaign-${c.id}`}>
                    <td>
                      <a href={`/campaigns/${encodeURIComponent(c.id)}`}>{c.displayName || c.id}</a>
                      <div class="muted small">{(c.spec && c.spec.kind || '').replace(/^CAMPAIGN_/, '').toLowerCase()} · {c.createdBy || '—'}</div>
                    </td>
                    <td><CampaignState state={c.state} /></td>
                    <td class="small">
                      <span class="ok">{k.succeeded} ok</span> · <span class={k.failed + k.timedOut ? 'bad' : ''}>{k.failed + k.timedOut} failed</span>
                      {' '}· {k.total} total
                    </td>
                    <td class="progress-col"><StackedBar counts={k} /><span class="small muted">{k.percent}%</span></td>
                    <td class="small">{fmtTime(c.createTime)}</td>
                  </tr>
                );
              })}
              {campaigns.length === 0 ? <tr><td colSpan={5} class="muted">No campaigns.</td></tr> : null}
            </tbody>
          </table>
          <TokenPager pages={pages} nextPageToken={data.nextPageToken} />
        </div>
      ) : null}
    </section>
  );
}
