// Fleet at a glance: online/offline counts and a searchable, paged device table that refreshes
// itself every few seconds (registry list + one :overview call per row for presence and config).
import { useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { ErrorBox, Loading, StateBadge, ago, usePoll, useNow } from '../ui.jsx';

const PAGE_SIZE = 20;
const REFRESH_MS = 5000;

// "dev-000042" -> exact match on id/display name/model/group; anything with = or : is a filter.
export function buildFilter(search, model, label) {
  const parts = [];
  const q = search.trim();
  const quote = (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (q) {
    if (/[=:]/.test(q)) parts.push(`(${q})`);
    else parts.push(`(id = ${quote(q)} OR display_name = ${quote(q)} OR model = ${quote(q)} OR group = ${quote(q)})`);
  }
  if (model.trim()) parts.push(`model = ${quote(model.trim())}`);
  const l = label.trim();
  if (l) {
    const eq = l.indexOf('=');
    if (eq > 0) parts.push(`labels.${l.slice(0, eq).trim()} = ${quote(l.slice(eq + 1).trim())}`);
    else parts.push(`labels.${l}:*`);
  }
  return parts.join(' AND ');
}

function Counts() {
  const [counts, setCounts] = useState(null);
  const [error, setError] = useState(null);
  usePoll(async () => {
    try {
      const [on, off] = await Promise.all([
        get('/v1/presence?filter=online&page_size=1'),
        get('/v1/presence?filter=offline&page_size=1'),
      ]);
      setCounts({ online: Number(on.totalSize || 0), offline: Number(off.totalSize || 0) });
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, REFRESH_MS);
  return (
    <div class="counts">
      <div class="count card"><span class="num ok" data-testid="count-online">{counts ? counts.online : '…'}</span> online</div>
      <div class="count card"><span class="num bad" data-testid="count-offline">{counts ? counts.offline : '…'}</span> offline</div>
      <ErrorBox error={error} />
    </div>
  );
}

export function Fleet() {
  const [form, setForm] = useState({ search: '', model: '', label: '', state: '' });
  const [query, setQuery] = useState(form);
  const [tokens, setTokens] = useState(['']); // page tokens: tokens[i] opens page i
  const [page, setPage] = useState(0);
  const [rows, setRows] = useState(undefined);
  const [next, setNext] = useState('');
  const [error, setError] = useState(null);
  const [updated, setUpdated] = useState(null);
  const now = useNow(5000);

  const load = async () => {
    try {
      const filter = buildFilter(query.search, query.model, query.label);
      let ids;
      let nextToken;
      if (!filter && query.state) {
        const p = await get(`/v1/presence${qs({ filter: query.state, page_size: PAGE_SIZE, page_token: tokens[page] })}`);
        ids = (p.presences || []).map((x) => x.deviceId);
        nextToken = p.nextPageToken;
      } else {
        const d = await get(`/v1/devices${qs({ filter, page_size: PAGE_SIZE, page_token: tokens[page] })}`);
        ids = (d.devices || []).map((x) => x.id);
        nextToken = d.nextPageToken;
      }
      const overviews = await Promise.all(
        ids.map((id) =>
          get(`/v1/devices/${encodeURIComponent(id)}:overview`).catch((e) => ({ device: { id }, error: e })),
        ),
      );
      let list = overviews;
      if (filter && query.state) {
        list = list.filter((o) => (o.presence?.state || 'OFFLINE').toLowerCase() === query.state);
      }
      setRows(list);
      setNext(nextToken || '');
      setError(null);
      setUpdated(new Date());
    } catch (e) {
      setError(e);
    }
  };
  const refresh = usePoll(load, REFRESH_MS, [query, page, tokens[page]]);

  const apply = (e) => {
    e.preventDefault();
    setRows(undefined);
    setTokens(['']);
    setPage(0);
    setQuery({ ...form });
  };
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const goNext = () => {
    const t = tokens.slice(0, page + 1);
    t.push(next);
    setTokens(t);
    setPage(page + 1);
  };

  return (
    <section>
      <h2>Fleet</h2>
      <Counts />
      <form class="filters card" onSubmit={apply} role="search">
        <input aria-label="Search" name="search" placeholder="Device id, name, model, group or filter (labels.site = &quot;site-02&quot;)"
          value={form.search} onInput={set('search')} class="grow" />
        <input aria-label="Model" name="model" placeholder="Model" value={form.model} onInput={set('model')} />
        <input aria-label="Label" name="label" placeholder="Label key=value" value={form.label} onInput={set('label')} />
        <select aria-label="State" name="state" value={form.state} onChange={set('state')}>
          <option value="">Any state</option>
          <option value="online">Online</option>
          <option value="offline">Offline</option>
        </select>
        <button type="submit" class="primary">Search</button>
      </form>
      <ErrorBox error={error} onRetry={refresh} />
      {rows === undefined && !error ? <Loading what="Loading devices" /> : null}
      {rows !== undefined ? (
        <div class="card table-wrap">
          <table class="table devices" data-testid="device-table">
            <thead>
              <tr>
                <th>Device</th><th>Model</th><th>Labels</th><th>Online</th><th>Firmware</th><th>Last seen</th><th>Config</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => {
                const d = o.device || {};
                const p = o.presence;
                return (
                  <tr key={d.id} data-testid={`row-${d.id}`}>
                    <td data-label="Device">
                      <a href={`/devices/${encodeURIComponent(d.id)}`}>{d.id}</a>
                      <div class="muted small">{d.displayName}</div>
                    </td>
                    <td data-label="Model">{d.model || '—'}</td>
                    <td data-label="Labels">
                      {d.group ? <span class="chip">group={d.group}</span> : null}
                      {Object.entries(d.labels || {}).map(([k, v]) => <span class="chip" key={k}>{k}={v}</span>)}
                    </td>
                    <td data-label="Online">{o.error ? <span class="muted">{o.error.reason}</span> : <StateBadge state={p ? p.state : 'NEVER SEEN'} />}</td>
                    <td data-label="Firmware">{p?.board?.firmwareVersion || '—'}</td>
                    <td data-label="Last seen">{p ? ago(p.lastSeenTime, now) : '—'}</td>
                    <td data-label="Config">
                      {o.config ? <StateBadge state={o.config.syncState} /> : o.configError ? <span class="muted">{o.configError.message}</span> : '—'}
                    </td>
                  </tr>
                );
              })}
              {rows.length === 0 ? (
                <tr><td colSpan={7} class="muted">No device matches.</td></tr>
              ) : null}
            </tbody>
          </table>
          <div class="pager">
            <button disabled={page === 0} onClick={() => setPage(page - 1)}>‹ Previous</button>
            <span class="muted">Page {page + 1}{updated ? ` · updated ${updated.toLocaleTimeString()}` : ''}</span>
            <button disabled={!next} onClick={goNext}>Next ›</button>
          </div>
        </div>
      ) : null}
    </section>
  );
}
