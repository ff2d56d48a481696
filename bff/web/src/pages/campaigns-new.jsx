// Create a campaign: artifact (admins may register one inline), targets by ids or a label
// filter, rollout speed, optional start time and daily window, abort threshold.
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { navigate } from '../router.js';
import { ErrorBox, Loading } from '../ui.jsx';

const KINDS = [['CAMPAIGN_FIRMWARE', 'Gateway firmware', 'FIRMWARE'], ['CAMPAIGN_MCU', 'MCU firmware', 'MCU'],
  ['CAMPAIGN_COMMAND', 'Command', '']];
const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const minutes = (hhmm) => {
  const [h, m] = (hhmm || '0:0').split(':').map(Number);
  return h * 60 + m;
};

function NewArtifact({ kind, onCreated, onCancel }) {
  const [a, setA] = useState({ displayName: '', version: '', url: 'https://', sha256: '', sizeBytes: '', models: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setA({ ...a, [k]: e.target.value });
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const models = a.models.split(/[\s,]+/).filter(Boolean);
      const created = await post('/v1/artifacts', {
        displayName: a.displayName, kind, version: a.version, url: a.url, sha256: a.sha256.trim().toLowerCase(),
        sizeBytes: String(a.sizeBytes || 0), models,
      });
      onCreated(created);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  // A nested <form> is not allowed: plain fields, a button that submits through JS.
  return (
    <div class="card inset" data-testid="new-artifact">
      <h4>New {kind.toLowerCase()} artifact</h4>
      <div class="form-grid">
        <label>Artifact name<input value={a.displayName} onInput={set('displayName')} placeholder="gw-200 firmware" /></label>
        <label>Version<input value={a.version} onInput={set('version')} placeholder="2.4.1" /></label>
        <label class="span2">Download URL<input value={a.url} onInput={set('url')} /></label>
        <label class="span2">SHA-256<input value={a.sha256} onInput={set('sha256')} placeholder="64 hex digits" /></label>
        <label>Size in bytes<input type="number" min="1" value={a.sizeBytes} onInput={set('sizeBytes')} /></label>
        <label>Models (blank = any)<input value={a.models} onInput={set('models')} placeholder="gw-200, gw-300" /></label>
      </div>
      <ErrorBox error={error} />
      <div class="row">
        <button type="button" class="primary" disabled={busy} onClick={submit}>Create artifact</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}

export function CampaignCreate({ me }) {
  const [f, setF] = useState({
    displayName: '', kind: 'CAMPAIGN_FIRMWARE', artifact: '', command: '', argsJson: '', by: 'ids', ids: '', filter: '',
    includeNew: false, batchSize: 10, intervalS: 30, maxInFlight: '', start: '', windowOn: false, windowStart: '01:00',
    windowEnd: '05:00', zone: localZone(), maxFailure: '', minFinished: '',
  });
  const [artifacts, setArtifacts] = useState(undefined);
  const [loadError, setLoadError] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [adding, setAdding] = useState(false);
  const set = (k, checkbox) => (e) => setF({ ...f, [k]: checkbox ? e.target.checked : e.target.value });
  const artifactKind = (KINDS.find((k) => k[0] === f.kind) || [])[2];

  const loadArtifacts = async (select) => {
    try {
      const list = (await get('/v1/artifacts?page_size=200')).artifacts || [];
      setArtifacts(list);
      setLoadError(null);
      if (select) setF((old) => ({ ...old, artifact: select }));
    } catch (e) {
      setLoadError(e);
    }
  };
  useEffect(() => { loadArtifacts(); }, []);
  const matching = (artifacts || []).filter((a) => a.kind === artifactKind);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const spec = { kind: f.kind, rollout: { batchSize: Number(f.batchSize), batchInterval: `${Number(f.intervalS) || 0}s` } };
      if (f.maxInFlight) spec.rollout.maxInFlight = Number(f.maxInFlight);
      if (artifactKind) spec.artifact = f.artifact;
      else spec.command = { name: f.command, argsJson: f.argsJson };
      spec.targets = f.by === 'ids'
        ? { deviceIds: f.ids.split(/[\s,]+/).filter(Boolean) }
        : { labelFilter: f.filter, includeNew: f.includeNew };
      if (f.start) spec.startTime = new Date(f.start).toISOString();
      if (f.windowOn) spec.window = { startMinute: minutes(f.windowStart), endMinute: minutes(f.windowEnd), timeZone: f.zone };
      if (f.maxFailure !== '') {
        spec.abort = { overall: { maxFailurePercent: Number(f.maxFailure), minFinished: Number(f.minFinished) || 1 } };
      }
      const c = await post('/v1/campaigns', { displayName: f.displayName, spec });
      navigate(`/campaigns/${encodeURIComponent(c.id)}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section>
      <p class="crumbs"><a href="/campaigns">Campaigns</a> /</p>
      <h2>New campaign</h2>
      <form class="card" onSubmit={submit} data-testid="create-campaign">
        <div class="form-grid">
          <label class="span2">Campaign name<input value={f.displayName} onInput={set('displayName')} required placeholder="site-02 to 2.0.0" /></label>
          <label>Kind
            <select value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value, artifact: '' })}>
              {KINDS.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
            </select>
          </label>
          {artifactKind ? (
            <label>Artifact
              <select value={f.artifact} onChange={set('artifact')} required data-testid="artifact-select">
                <option value="">{artifacts === undefined ? 'Loading…' : matching.length ? 'Choose an artifact' : 'No artifacts of this kind'}</option>
                {matching.map((a) => <option key={a.id} value={a.name}>{a.displayName} {a.version}</option>)}
              </select>
            </label>
          ) : (
            <>
              <label>Command<input value={f.command} onInput={set('command')} required placeholder="collect-logs" /></label>
              <label class="span2">Arguments (JSON object)<input value={f.argsJson} onInput={set('argsJson')} placeholder='{"lines": 100}' /></label>
            </>
          )}
        </div>
        <ErrorBox error={loadError} onRetry={() => loadArtifacts()} />
        {artifactKind && me.role === 'admin' && !adding ? (
          <button type="button" class="link" onClick={() => setAdding(true)}>+ Register a new artifact</button>
        ) : null}
        {artifactKind && adding ? (
          <NewArtifact kind={artifactKind} onCancel={() => setAdding(false)}
            onCreated={(a) => { setAdding(false); loadArtifacts(a.name); }} />
        ) : null}

        <h4>Targets</h4>
        <div class="row">
          <label class="inline"><input type="radio" name="by" checked={f.by === 'ids'} onChange={() => setF({ ...f, by: 'ids' })} /> Device ids</label>
          <label class="inline"><input type="radio" name="by" checked={f.by === 'filter'} onChange={() => setF({ ...f, by: 'filter' })} /> Label filter</label>
        </div>
        {f.by === 'ids' ? (
          <label>Device ids (comma or newline separated)
            <textarea rows="3" value={f.ids} onInput={set('ids')} required placeholder="dev-000001, dev-000002" />
          </label>
        ) : (
          <div class="form-grid">
            <label class="span2">Label filter<input value={f.filter} onInput={set('filter')} required placeholder='labels.site = "site-02"' /></label>
            <label class="inline"><input type="checkbox" checked={f.includeNew} onChange={set('includeNew', true)} /> Also devices that match later</label>
          </div>
        )}

        <h4>Rollout</h4>
        <div class="form-grid">
          <label>Batch size<input type="number" min="1" value={f.batchSize} onInput={set('batchSize')} required /></label>
          <label>Batch interval (seconds)<input type="number" min="0" value={f.intervalS} onInput={set('intervalS')} /></label>
          <label>Max in flight (blank = batch size)<input type="number" min="0" value={f.maxInFlight} onInput={set('maxInFlight')} /></label>
          <label>Start time (blank = now)<input type="datetime-local" value={f.start} onInput={set('start')} /></label>
        </div>
        <label class="inline"><input type="checkbox" checked={f.windowOn} onChange={set('windowOn', true)} /> Only start devices in a daily window</label>
        {f.windowOn ? (
          <div class="form-grid">
            <label>Window start<input type="time" value={f.windowStart} onInput={set('windowStart')} required /></label>
            <label>Window end<input type="time" value={f.windowEnd} onInput={set('windowEnd')} required /></label>
            <label>Time zone<input value={f.zone} onInput={set('zone')} required placeholder="Europe/Berlin" /></label>
          </div>
        ) : null}

        <h4>Abort</h4>
        <div class="form-grid">
          <label>Pause when failures exceed (%)<input type="number" min="0" max="100" step="any" value={f.maxFailure} onInput={set('maxFailure')} placeholder="blank = never" /></label>
          <label>…after this many finished<input type="number" min="1" value={f.minFinished} onInput={set('minFinished')} placeholder="1" /></label>
        </div>
        <ErrorBox error={error} />
        <div class="row">
          <button class="primary" type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create campaign'}</button>
          <a href="/campaigns">Cancel</a>
        </div>
        {artifacts === undefined && !loadError ? <Loading what="Loading artifacts" /> : null}
      </form>
    </section>
  );
}
