// Desired vs reported configuration, the version history and a diff between two versions.
import { useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { ErrorBox, Json, Loading, StateBadge, fmtTime, usePoll } from '../ui.jsx';

function Diff({ id, versions }) {
  const nums = versions.map((v) => Number(v.version)).sort((a, b) => a - b);
  const [from, setFrom] = useState(nums.length > 1 ? nums[nums.length - 2] : nums[0]);
  const [to, setTo] = useState(nums[nums.length - 1]);
  const [diff, setDiff] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      setDiff(await get(`/v1/devices/${encodeURIComponent(id)}/config/versions:diff${qs({ from, to })}`));
    } catch (e) {
      setError(e);
      setDiff(null);
    } finally {
      setBusy(false);
    }
  };
  const text = (v) => (v === undefined || v === '' ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  return (
    <div class="diff">
      <div class="row">
        <label>From <select value={from} onChange={(e) => setFrom(e.target.value)}>{nums.map((n) => <option value={n}>v{n}</option>)}</select></label>
        <label>To <select value={to} onChange={(e) => setTo(e.target.value)}>{nums.map((n) => <option value={n}>v{n}</option>)}</select></label>
        <button onClick={show} disabled={busy}>{busy ? 'Comparing…' : 'Show diff'}</button>
      </div>
      <ErrorBox error={error} />
      {diff ? (
        <table class="table" data-testid="config-diff">
          <thead><tr><th>Change</th><th>Path</th><th>From</th><th>To</th></tr></thead>
          <tbody>
            {(diff.entries || []).map((e) => (
              <tr class={`op-${(e.op || '').toLowerCase()}`}>
                <td>{(e.op || '').toLowerCase()}</td>
                <td><code>{e.path || '/'}</code></td>
                <td><code>{text(e.old ?? e.oldJson ?? e.oldValue)}</code></td>
                <td><code>{text(e.new ?? e.newJson ?? e.newValue)}</code></td>
              </tr>
            ))}
            {(diff.entries || []).length === 0 ? <tr><td colSpan={4} class="muted">The versions are identical.</td></tr> : null}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function ConfigCard({ id, summary, summaryError }) {
  const [config, setConfig] = useState(undefined);
  const [versions, setVersions] = useState(undefined);
  const [error, setError] = useState(null);
  usePoll(async () => {
    try {
      const [c, v] = await Promise.all([
        get(`/v1/devices/${encodeURIComponent(id)}/config`).catch((e) => (e.status === 404 ? null : Promise.reject(e))),
        get(`/v1/devices/${encodeURIComponent(id)}/config/versions${qs({ page_size: 20 })}`).catch((e) =>
          e.status === 404 ? { versions: [] } : Promise.reject(e)),
      ]);
      setConfig(c);
      setVersions(v.versions || []);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, 5000, [id]);
  const state = config?.syncState || summary?.syncState;
  return (
    <div class="card wide">
      <h3>Configuration {state ? <StateBadge state={state} testid="config-state" /> : null}</h3>
      <ErrorBox error={summaryError || error} />
      {config === undefined && !error ? <Loading what="Loading configuration" /> : null}
      {config === null || (config && !Number(config.desired?.version)) ? (
        <p class="muted" data-testid="no-config">No configuration has been set for this device.</p>
      ) : null}
      {config && Number(config.desired?.version) ? (
        <>
          <dl class="kv">
            <dt>Desired</dt><dd>v{config.desired?.version ?? '—'} <span class="muted small">{config.desired?.author} {fmtTime(config.desired?.createTime)}</span></dd>
            <dt>Reported</dt><dd>v{config.reported?.version ?? '—'} {config.reported?.status ? `(${config.reported.status})` : ''} <span class="muted small">{fmtTime(config.reported?.time)}</span></dd>
            {config.failure ? (
              <>
                <dt>Failure</dt>
                <dd class="bad" data-testid="config-failure">v{config.failure.version}: {config.failure.reason || 'no reason given'} <span class="muted small">{fmtTime(config.failure.time)}</span></dd>
              </>
            ) : null}
            <dt>Templates</dt><dd>{(config.templates || []).join(', ') || '—'}</dd>
          </dl>
          <div class="two">
            <div><h4>Desired (v{config.desired?.version})</h4><Json value={config.desired?.config} /></div>
            <div><h4>Effective</h4><Json value={config.effectiveConfig} /></div>
          </div>
        </>
      ) : null}
      {versions && versions.length > 0 ? (
        <>
          <h4>History</h4>
          <table class="table" data-testid="config-history">
            <thead><tr><th>Version</th><th>Author</th><th>Comment</th><th>Created</th></tr></thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.version}><td>v{v.version}</td><td>{v.author || '—'}</td><td>{v.comment || ''}</td><td>{fmtTime(v.createTime)}</td></tr>
              ))}
            </tbody>
          </table>
          {versions.length > 1 ? <Diff id={id} versions={versions} /> : null}
        </>
      ) : null}
    </div>
  );
}
