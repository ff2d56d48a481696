// A campaign: state, progress bars per execution state, pause/resume/cancel, per-batch progress
// (paging), per-device executions (filter by state, paging) and a device's timeline. Refreshes every 2 s while the
// campaign is SCHEDULED or RUNNING (every 10 s otherwise).
import { useEffect, useState } from 'preact/hooks';
import { get, post, qs } from '../api.js';
import { ErrorBox, Loading, StateBadge, TokenPager, fmtTime, usePageTokens, usePoll } from '../ui.jsx';
import { CampaignState, SEGMENTS, StackedBar, countsOf, shortState } from './campaigns.jsx';

const EXEC_STATES = ['', 'QUEUED', 'SENT', 'DOWNLOADING', 'VERIFYING', 'INSTALLING', 'REBOOTING', 'SUCCEEDED',
  'FAILED', 'TIMED_OUT', 'CANCELED', 'SKIPPED'];
const live = (c) => c && ['CAMPAIGN_RUNNING', 'CAMPAIGN_SCHEDULED'].includes(c.state);

// "gw firmware 2.0.0 (artifacts/x)", or the bare name when the artifact cannot be read.
function ArtifactName({ name }) {
  const [a, setA] = useState(null);
  useEffect(() => {
    get(`/v1/artifacts/${encodeURIComponent(name.split('/').pop())}`).then(setA, () => setA(null));
  }, [name]);
  return a ? <span>{a.displayName} <strong>{a.version}</strong> <span class="muted small">({name})</span></span> : <span>{name}</span>;
}

function Timeline({ campaign, device, fast }) {
  const [entries, setEntries] = useState(undefined);
  const [error, setError] = useState(null);
  usePoll(async () => {
    try {
      setEntries((await get(`/v1/campaigns/${encodeURIComponent(campaign)}/timeline${qs({ device, page_size: 500 })}`)).entries || []);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, fast ? 2000 : 10000, [campaign, device, fast]);
  return (
    <div class="card" data-testid="timeline">
      <h3>Log of {device}</h3>
      <ErrorBox error={error} />
      {entries === undefined && !error ? <Loading what="Loading the log" /> : null}
      {entries ? (
        <table class="table">
          <thead><tr><th>Time</th><th>Attempt</th><th>State</th><th>Message</th></tr></thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.sequence}>
                <td class="small">{fmtTime(e.time)}</td>
                <td class="small">{e.attempt || '—'}</td>
                <td>{e.kind === 'LOG' ? <span class="muted small">log</span> : <StateBadge state={e.state} />}
                  {e.percent ? <span class="small muted"> {e.percent}%</span> : null}</td>
                <td class="small">{e.message || ''}</td>
              </tr>
            ))}
            {entries.length === 0 ? <tr><td colSpan={4} class="muted">Nothing yet.</td></tr> : null}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

// "5 succeeded · 1 failed" for the non-zero states of a batch.
function countsText(k) {
  const parts = SEGMENTS.filter(([key]) => k[key] > 0).map(([key, label]) => `${k[key]} ${label.toLowerCase()}`);
  return parts.length ? parts.join(' · ') : '—';
}

// One row per batch (index order, 50 a page): stacked progress, counts, started / updated; the
// batch being started is highlighted while the campaign has not ended.
function Batches({ id, fast, current }) {
  const pages = usePageTokens();
  const token = pages.token;
  const [data, setData] = useState(undefined);
  const [error, setError] = useState(null);
  usePoll(async () => {
    try {
      setData(await get(`/v1/campaigns/${encodeURIComponent(id)}/batches${qs({ page_size: 50, page_token: token })}`));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, fast ? 2000 : 10000, [id, token, fast]);
  const rows = (data && data.batches) || [];
  return (
    <div class="card table-wrap">
      <div class="row spread pad"><h3>Batches</h3></div>
      <ErrorBox error={error} />
      {data === undefined && !error ? <Loading what="Loading batches" /> : null}
      {data ? (
        <table class="table devices batches" data-testid="batches">
          <thead><tr><th>Batch</th><th class="progress-col">Progress</th><th>Devices</th><th>States</th><th>Started</th><th>Updated</th></tr></thead>
          <tbody>
            {rows.map((b) => {
              const index = b.index || 0;
              const k = countsOf(b);
              const isCurrent = current !== null && index === current;
              return (
                <tr key={index} class={isCurrent ? 'selected' : ''} data-testid={`batch-${index}`}
                  data-total={k.total} data-succeeded={k.succeeded} aria-current={isCurrent ? 'step' : undefined}>
                  <td data-label="Batch"><strong>Batch {index + 1}</strong>{isCurrent ? <span class="small muted"> · current</span> : null}</td>
                  <td data-label="Progress" class="progress-col" style={{ gridColumn: '1 / -1' }}>
                    <StackedBar counts={k} testid={`batch-bar-${index}`} />
                    <span class="small" data-testid={`batch-percent-${index}`}>{k.percent}%</span>
                  </td>
                  <td data-label="Devices" class="small">{k.total}</td>
                  <td data-label="States" class="small" style={{ gridColumn: 'span 2' }}>{countsText(k)}</td>
                  <td data-label="Started" class="small">{fmtTime(b.startTime)}</td>
                  <td data-label="Updated" class="small">{fmtTime(b.updateTime)}</td>
                </tr>
              );
            })}
            {rows.length === 0 ? <tr><td colSpan={6} class="muted">No batch has started yet.</td></tr> : null}
          </tbody>
        </table>
      ) : null}
      {data ? (
        <TokenPager pages={pages} nextPageToken={data.nextPageToken}>
          <span class="small muted">batches {rows.length ? `${(rows[0].index || 0) + 1}–${(rows[rows.length - 1].index || 0) + 1}` : ''}</span>
        </TokenPager>
      ) : null}
    </div>
  );
}

function Executions({ id, fast, selected, onSelect }) {
  const [state, setState] = useState('');
  const pages = usePageTokens();
  const token = pages.token;
  const [data, setData] = useState(undefined);
  const [error, setError] = useState(null);
  usePoll(async () => {
    try {
      setData(await get(`/v1/campaigns/${encodeURIComponent(id)}/executions${qs({ state, page_size: 50, page_token: token })}`));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, fast ? 2000 : 10000, [id, state, token, fast]);
  const rows = (data && data.executions) || [];
  return (
    <div class="card table-wrap">
      <div class="row spread pad">
        <h3>Devices</h3>
        <select aria-label="Execution state" value={state} onChange={(e) => { setState(e.target.value); pages.reset(); }}>
          {EXEC_STATES.map((s) => <option key={s} value={s}>{s ? s.replace(/_/g, ' ').toLowerCase() : 'All states'}</option>)}
        </select>
      </div>
      <ErrorBox error={error} />
      {data === undefined && !error ? <Loading what="Loading devices" /> : null}
      {data ? (
        <table class="table devices exec" data-testid="executions">
          <thead><tr><th>Device</th><th>State</th><th>Batch</th><th>Attempt</th><th>Reason</th><th>Since</th><th /></tr></thead>
          <tbody>
            {rows.map((x) => (
              <tr key={x.deviceId} class={selected === x.deviceId ? 'selected' : ''} data-testid={`exec-${x.deviceId}`}>
                <td data-label="Device"><a href={`/devices/${encodeURIComponent(x.deviceId)}`}>{x.deviceId}</a></td>
                <td data-label="State"><StateBadge state={x.state} />{x.state === 'DOWNLOADING' ? <span class="small muted"> {x.percent || 0}%</span> : null}</td>
                <td data-label="Batch" class="small">{x.batch >= 0 && x.batch !== undefined ? x.batch + 1 : '—'}</td>
                <td data-label="Attempt" class="small">{x.attempt || 0}</td>
                <td data-label="Reason" class="small">{x.reason || ''}</td>
                <td data-label="Since" class="small">{fmtTime(x.stateTime)}</td>
                <td class="actions"><button class="small" onClick={() => onSelect(x.deviceId)}>Log</button></td>
              </tr>
            ))}
            {rows.length === 0 ? <tr><td colSpan={7} class="muted">No devices{state ? ` in ${state.toLowerCase()}` : ''}.</td></tr> : null}
          </tbody>
        </table>
      ) : null}
      {data ? <TokenPager pages={pages} nextPageToken={data.nextPageToken} /> : null}
    </div>
  );
}

export function CampaignDetail({ id }) {
  const [c, setC] = useState(undefined);
  const [error, setError] = useState(null);
  const [actionError, setActionError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [device, setDevice] = useState('');
  const fast = live(c) || c === undefined;
  const refresh = usePoll(async () => {
    try {
      setC(await get(`/v1/campaigns/${encodeURIComponent(id)}`));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, fast ? 2000 : 10000, [id, fast]);
  const act = async (verb) => {
    if (verb === 'cancel' && !window.confirm('Cancel this campaign? Queued devices will not be upgraded.')) return;
    setBusy(true);
    setActionError(null);
    try {
      setC(await post(`/v1/campaigns/${encodeURIComponent(id)}:${verb}`, {}));
      refresh();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };
  if (c === undefined) {
    return <section><p class="crumbs"><a href="/campaigns">Campaigns</a> /</p>{error ? <ErrorBox error={error} onRetry={refresh} /> : <Loading what="Loading the campaign" />}</section>;
  }
  const k = countsOf(c);
  const s = shortState(c.state);
  const spec = c.spec || {};
  const rollout = spec.rollout || {};
  return (
    <section>
      <p class="crumbs"><a href="/campaigns">Campaigns</a> /</p>
      <div class="row spread">
        <h2 class="device-title">{c.displayName || c.id} <CampaignState state={c.state} testid="campaign-state" /></h2>
        <div class="row">
          {['SCHEDULED', 'RUNNING'].includes(s) ? <button disabled={busy} onClick={() => act('pause')}>Pause</button> : null}
          {s === 'PAUSED' ? <button class="primary" disabled={busy} onClick={() => act('resume')}>Resume</button> : null}
          {['SCHEDULED', 'RUNNING', 'PAUSED'].includes(s) ? <button class="danger" disabled={busy} onClick={() => act('cancel')}>Cancel campaign</button> : null}
        </div>
      </div>
      <ErrorBox error={error} onRetry={refresh} />
      <ErrorBox error={actionError} />
      {c.stateReason ? <div class={`card notice ${c.pausedByAbort ? 'warn-notice' : ''}`} data-testid="state-reason">{c.stateReason}</div> : null}
      <div class="card">
        <div class="progress-head">
          <span class="big" data-testid="campaign-percent">{k.percent}%</span>
          <span class="muted">{k.finished} of {k.total} devices finished{s === 'RUNNING' ? ` · batch ${(c.currentBatch || 0) + 1}` : ''}
            {c.eta && live(c) ? ` · done around ${fmtTime(c.eta)}` : ''}</span>
        </div>
        <StackedBar counts={k} testid="campaign-progress" />
        <div class="state-bars" data-testid="state-bars">
          {SEGMENTS.map(([key, label, cls]) => (
            <div class="state-bar" key={key}>
              <span class="label">{label}</span>
              <span class="track"><span class={cls} style={{ width: `${k.total ? (100 * k[key]) / k.total : 0}%` }} /></span>
              <span class="num" data-testid={`count-${key}`}>{k[key]}</span>
            </div>
          ))}
        </div>
      </div>
      <div class="card">
        <dl class="kv">
          <dt>Kind</dt><dd>{(spec.kind || '').replace(/^CAMPAIGN_/, '').toLowerCase()}</dd>
          <dt>Artifact</dt><dd>{spec.artifact ? <ArtifactName name={spec.artifact} /> : (spec.command ? `command ${spec.command.name}` : '—')}</dd>
          <dt>Targets</dt><dd>{spec.targets && spec.targets.labelFilter ? <code>{spec.targets.labelFilter}</code> : `${k.total} devices by id`}</dd>
          <dt>Rollout</dt><dd>batches of {rollout.batchSize || '—'} every {rollout.batchInterval || '0s'}, {rollout.maxInFlight || rollout.batchSize} in flight</dd>
          {spec.window ? <><dt>Window</dt><dd>{fmtMin(spec.window.startMinute)}–{fmtMin(spec.window.endMinute)} {spec.window.timeZone}</dd></> : null}
          {spec.abort && spec.abort.overall ? <><dt>Abort</dt><dd>pause above {spec.abort.overall.maxFailurePercent || 0}% failed after {spec.abort.overall.minFinished || 0} finished</dd></> : null}
          <dt>Created</dt><dd>{fmtTime(c.createTime)} by {c.createdBy || '—'}</dd>
          <dt>Started</dt><dd>{fmtTime(c.startTime)}</dd>
          <dt>Ended</dt><dd>{fmtTime(c.endTime)}</dd>
        </dl>
      </div>
      <Batches id={id} fast={fast} current={['SCHEDULED', 'RUNNING', 'PAUSED'].includes(s) ? (c.currentBatch || 0) : null} />
      <Executions id={id} fast={fast} selected={device} onSelect={setDevice} />
      {device ? <Timeline campaign={id} device={device} fast={fast} /> : null}
    </section>
  );
}

function fmtMin(m) {
  const v = Number(m || 0);
  return `${String(Math.floor(v / 60)).padStart(2, '0')}:${String(v % 60).padStart(2, '0')}`;
}
