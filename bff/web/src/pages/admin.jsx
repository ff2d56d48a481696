// Admin: API keys (secret shown once; revoke, rotate, call log), users (create, role, disable),
// audit log. The API refuses all of it to non-admins anyway.
import { useState } from 'preact/hooks';
import { get, patch, post, qs } from '../api.js';
import { CopyButton, ErrorBox, Loading, fmtTime, usePoll } from '../ui.jsx';

const GRANTABLE = ['devices.read', 'devices.write', 'presence.read', 'config.read', 'config.write',
  'tunnels.read', 'tunnels.write', 'camera'];
const ROLES = ['admin', 'operator', 'viewer'];
const idOf = (name) => (name || '').split('/').pop();

function Secret({ secret, onDone }) {
  return (
    <div class="secret card" data-testid="secret">
      <strong>Copy this key now: it is shown only once.</strong>
      <div class="cmd"><code data-testid="secret-value">{secret}</code><CopyButton text={secret} /></div>
      <button class="small" onClick={onDone}>Done</button>
    </div>
  );
}

function Calls({ keyId }) {
  const [calls, setCalls] = useState(undefined);
  const [error, setError] = useState(null);
  usePoll(async () => {
    try {
      setCalls((await get(`/v1/apiKeys/${encodeURIComponent(keyId)}/calls${qs({ page_size: 50 })}`)).calls || []);
    } catch (e) {
      setError(e);
    }
  }, 10000, [keyId]);
  return (
    <div class="card" data-testid="calls">
      <h4>Calls of {keyId}</h4>
      <ErrorBox error={error} />
      {calls === undefined && !error ? <Loading /> : null}
      {calls ? (
        <table class="table">
          <thead><tr><th>Time</th><th>Method</th><th>Path</th><th>Status</th><th>Latency</th></tr></thead>
          <tbody>
            {calls.map((c) => (
              <tr key={c.seq}><td>{fmtTime(c.time)}</td><td>{c.method}</td><td><code>{c.path}</code></td><td>{c.status}</td>
                <td>{c.latencyMicros ? `${(Number(c.latencyMicros) / 1000).toFixed(1)} ms` : '—'}</td></tr>
            ))}
            {calls.length === 0 ? <tr><td colSpan={5} class="muted">No calls yet.</td></tr> : null}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function Keys() {
  const [keys, setKeys] = useState(undefined);
  const [error, setError] = useState(null);
  const [secret, setSecret] = useState('');
  const [form, setForm] = useState({ displayName: '', classes: ['devices.read', 'presence.read'], ttlHours: '' });
  const [busy, setBusy] = useState(false);
  const [showCalls, setShowCalls] = useState('');
  const refresh = usePoll(async () => {
    try {
      setKeys((await get('/v1/apiKeys')).apiKeys || []);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, 15000);
  const act = async (fn) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      refresh();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const create = (e) => {
    e.preventDefault();
    act(async () => {
      const body = { displayName: form.displayName, scope: { routeClasses: form.classes } };
      if (form.ttlHours) body.ttl = `${Number(form.ttlHours) * 3600}s`;
      const k = await post('/v1/apiKeys', body);
      setSecret(k.key);
      setForm({ ...form, displayName: '' });
    });
  };
  const toggle = (c) => setForm({ ...form, classes: form.classes.includes(c) ? form.classes.filter((x) => x !== c) : [...form.classes, c] });
  return (
    <div>
      <form class="card" onSubmit={create} data-testid="create-key">
        <h3>Create an API key</h3>
        <div class="row">
          <input aria-label="Key name" placeholder="Name (e.g. partner)" class="wide-input" value={form.displayName} required
            onInput={(e) => setForm({ ...form, displayName: e.target.value })} />
          <input aria-label="Lifetime in hours" type="number" min="1" placeholder="Lifetime in hours (blank = never)" class="wide-input"
            value={form.ttlHours} onInput={(e) => setForm({ ...form, ttlHours: e.target.value })} />
        </div>
        <div class="checks">
          {GRANTABLE.map((c) => (
            <label class="inline" key={c}><input type="checkbox" checked={form.classes.includes(c)} onChange={() => toggle(c)} /> {c}</label>
          ))}
        </div>
        <button class="primary" type="submit" disabled={busy}>Create key</button>
      </form>
      {secret ? <Secret secret={secret} onDone={() => setSecret('')} /> : null}
      <ErrorBox error={error} onRetry={refresh} />
      {keys === undefined && !error ? <Loading what="Loading keys" /> : null}
      {keys ? (
        <div class="card table-wrap">
          <table class="table" data-testid="keys">
            <thead><tr><th>Key</th><th>Scope</th><th>Created</th><th>Expires</th><th>State</th><th /></tr></thead>
            <tbody>
              {keys.map((k) => {
                const revoked = !!k.revokeTime;
                return (
                  <tr key={k.id}>
                    <td>{k.displayName}<div class="muted small">{k.id}</div></td>
                    <td>{(k.scope?.routeClasses || []).map((c) => <span class="chip">{c}</span>)}</td>
                    <td>{fmtTime(k.createTime)}<div class="muted small">{k.createdBy}</div></td>
                    <td>{k.expireTime ? fmtTime(k.expireTime) : 'never'}</td>
                    <td>{revoked ? <span class="badge badge-bad">revoked</span> : <span class="badge badge-ok">active</span>}
                      {k.replacedBy ? <div class="muted small">rotated to {idOf(k.replacedBy)}</div> : null}</td>
                    <td class="actions">
                      <button class="small" onClick={() => setShowCalls(showCalls === k.id ? '' : k.id)}>Calls</button>
                      <button class="small" disabled={busy || revoked}
                        onClick={() => act(async () => setSecret((await post(`/v1/apiKeys/${encodeURIComponent(k.id)}:rotate`, {})).key))}>Rotate</button>
                      <button class="small danger" disabled={busy || revoked}
                        onClick={() => confirm(`Revoke key ${k.displayName}?`) && act(() => post(`/v1/apiKeys/${encodeURIComponent(k.id)}:revoke`, {}))}>Revoke</button>
                    </td>
                  </tr>
                );
              })}
              {keys.length === 0 ? <tr><td colSpan={6} class="muted">No API keys.</td></tr> : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {showCalls ? <Calls keyId={showCalls} /> : null}
    </div>
  );
}

function Users() {
  const [users, setUsers] = useState(undefined);
  const [error, setError] = useState(null);
  const [form, setForm] = useState({ id: '', displayName: '', role: 'operator', password: '' });
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  const refresh = usePoll(async () => {
    try {
      setUsers((await get('/v1/users')).users || []);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, 15000);
  const act = async (fn, done) => {
    setBusy(true);
    setError(null);
    setNote('');
    try {
      await fn();
      if (done) setNote(done);
      refresh();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const create = (e) => {
    e.preventDefault();
    act(async () => {
      await post('/v1/users', form);
      setForm({ id: '', displayName: '', role: 'operator', password: '' });
    }, `User ${form.id} created`);
  };
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  return (
    <div>
      <form class="card" onSubmit={create} data-testid="create-user">
        <h3>Create a user</h3>
        <div class="row">
          <input aria-label="User id" placeholder="User id" value={form.id} onInput={set('id')} required />
          <input aria-label="Display name" placeholder="Display name" value={form.displayName} onInput={set('displayName')} />
          <select aria-label="Role" value={form.role} onChange={set('role')}>{ROLES.map((r) => <option value={r}>{r}</option>)}</select>
          <input aria-label="Password" type="password" placeholder="Password (8+ characters)" autocomplete="new-password"
            value={form.password} onInput={set('password')} required />
          <button class="primary" type="submit" disabled={busy}>Create user</button>
        </div>
      </form>
      {note ? <p class="ok" data-testid="note">{note}</p> : null}
      <ErrorBox error={error} onRetry={refresh} />
      {users === undefined && !error ? <Loading what="Loading users" /> : null}
      {users ? (
        <div class="card table-wrap">
          <table class="table" data-testid="users">
            <thead><tr><th>User</th><th>Role</th><th>State</th><th>Created</th><th /></tr></thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id} data-testid={`user-${u.id}`}>
                  <td>{u.displayName || u.id}<div class="muted small">{u.id}</div></td>
                  <td>
                    <select aria-label={`Role of ${u.id}`} value={u.role} disabled={busy}
                      onChange={(e) => act(() => patch(`/v1/users/${encodeURIComponent(u.id)}`, { role: e.target.value }), `Role of ${u.id} changed`)}>
                      {ROLES.map((r) => <option value={r}>{r}</option>)}
                    </select>
                  </td>
                  <td>{u.disabled ? <span class="badge badge-bad">disabled</span> : <span class="badge badge-ok">active</span>}</td>
                  <td>{fmtTime(u.createTime)}</td>
                  <td class="actions">
                    <button class="small" disabled={busy}
                      onClick={() => act(() => patch(`/v1/users/${encodeURIComponent(u.id)}`, { disabled: !u.disabled }), `${u.id} ${u.disabled ? 'enabled' : 'disabled'}`)}>
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

function Audit() {
  const [pages, setPages] = useState(['']);
  const [entries, setEntries] = useState(undefined);
  const [next, setNext] = useState('');
  const [actor, setActor] = useState('');
  const [error, setError] = useState(null);
  const token = pages[pages.length - 1];
  usePoll(async () => {
    try {
      const r = await get(`/v1/auditLogs${qs({ page_size: 50, page_token: token, actor })}`);
      setEntries(r.entries || []);
      setNext(r.nextPageToken || '');
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, 10000, [token, actor]);
  return (
    <div>
      <div class="row card">
        <input aria-label="Actor" placeholder="Filter by actor (user id or apiKey:<id>)" value={actor}
          onChange={(e) => { setPages(['']); setActor(e.target.value.trim()); }} class="grow" />
      </div>
      <ErrorBox error={error} />
      {entries === undefined && !error ? <Loading what="Loading audit log" /> : null}
      {entries ? (
        <div class="card table-wrap">
          <table class="table" data-testid="audit">
            <thead><tr><th>Time</th><th>Actor</th><th>Role</th><th>Request</th><th>Status</th></tr></thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq}><td>{fmtTime(e.time)}</td><td>{e.actor}</td><td>{e.role}</td>
                  <td><code>{e.method} {e.path}</code></td><td>{e.status}</td></tr>
              ))}
              {entries.length === 0 ? <tr><td colSpan={5} class="muted">No entries.</td></tr> : null}
            </tbody>
          </table>
          <div class="pager">
            <button disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>‹ Newer</button>
            <button disabled={!next} onClick={() => setPages([...pages, next])}>Older ›</button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

export function Admin({ path }) {
  const tab = path.startsWith('/admin/users') ? 'users' : path.startsWith('/admin/audit') ? 'audit' : 'keys';
  return (
    <section>
      <h2>Admin</h2>
      <nav class="tabs">
        <a href="/admin/keys" class={tab === 'keys' ? 'active' : ''}>API keys</a>
        <a href="/admin/users" class={tab === 'users' ? 'active' : ''}>Users</a>
        <a href="/admin/audit" class={tab === 'audit' ? 'active' : ''}>Audit log</a>
      </nav>
      {tab === 'keys' ? <Keys /> : tab === 'users' ? <Users /> : <Audit />}
    </section>
  );
}
