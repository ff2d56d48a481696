// Campaigns: the task service's API is not there yet; this page lights up when /v1/campaigns answers.
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorBox, Loading, StateBadge, fmtTime, usePoll } from '../ui.jsx';

export function Campaigns() {
  const [data, setData] = useState(undefined);
  const [error, setError] = useState(null);
  const [missing, setMissing] = useState(false);
  usePoll(async () => {
    try {
      setData(await get('/v1/campaigns'));
      setMissing(false);
      setError(null);
    } catch (e) {
      // 404: the API has no campaign routes yet; 503 BACKEND_UNAVAILABLE: the BFF runs without
      // the task service. Both are "not available here", with the API's own words.
      if (e.status === 404 || (e.status === 503 && e.reason === 'BACKEND_UNAVAILABLE')) {
        setMissing(e);
        setError(null);
      } else setError(e);
    }
  }, 5000);
  return (
    <section>
      <h2>Campaigns</h2>
      {missing ? (
        <div class="card notice" data-testid="campaigns-unavailable">
          <h3>Not available yet</h3>
          <p>
            Firmware and MCU campaigns need the task service, which this deployment does not serve yet.
            This page will show campaigns and their progress as soon as it does.
          </p>
          <p class="muted small">
            The API answered {missing.status} {missing.reason} for <code>/v1/campaigns</code>: {missing.message}
          </p>
        </div>
      ) : null}
      <ErrorBox error={error} />
      {!missing && data === undefined && !error ? <Loading what="Loading campaigns" /> : null}
      {data && !missing ? (
        <div class="card">
          <table class="table">
            <thead><tr><th>Campaign</th><th>State</th><th>Created</th></tr></thead>
            <tbody>
              {(data.campaigns || []).map((c) => (
                <tr key={c.name}>
                  <td>{c.displayName || c.name}</td>
                  <td><StateBadge state={c.state} /></td>
                  <td>{fmtTime(c.createTime)}</td>
                </tr>
              ))}
              {(data.campaigns || []).length === 0 ? <tr><td colSpan={3} class="muted">No campaigns.</td></tr> : null}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
