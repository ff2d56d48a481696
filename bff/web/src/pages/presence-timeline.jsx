// The device page's presence timeline: online/offline segments of the last 24 hours built from
// GET /v1/devices/{device}/presence/history, and the newest transitions with relative times.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { ErrorBox, Loading, StateBadge, ago, fmtTime } from '../ui.jsx';
import './presence-timeline.css';

const DAY_MS = 24 * 3600 * 1000;
const LIST_SIZE = 10;
const BAR_PAGE = 500;

function duration(ms) {
  const m = Math.round(ms / 60000);
  if (m < 1) return '<1m';
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
}

// Segments [{state, from, to}] covering [start, end] from transitions (newest first). `recent`
// (newest first, not limited to the window) tells the state before the window's first transition;
// a stretch nobody can tell (before the device was first seen, or beyond a truncated page) is
// state 'UNKNOWN'.
export function buildSegments(windowed, recent, start, end, truncated) {
  const inWindow = windowed
    .map((t) => ({ state: t.state, at: new Date(t.time).getTime() }))
    .filter((t) => t.at >= start && t.at <= end)
    .sort((a, b) => a.at - b.at);
  const older = recent.find((t) => new Date(t.time).getTime() < start);
  let state = 'UNKNOWN';
  if (older) state = older.state;
  else if (inWindow.length && !truncated && recent.length && recent.hasMore) {
    state = inWindow[0].state === 'ONLINE' ? 'OFFLINE' : 'ONLINE'; // transitions alternate
  }
  const segments = [];
  let from = start;
  for (const t of inWindow) {
    if (t.at > from) segments.push({ state, from, to: t.at });
    state = t.state;
    from = Math.max(from, t.at);
  }
  if (end > from) segments.push({ state, from, to: end });
  return segments;
}

function Bar({ segments, start, end }) {
  const span = end - start;
  return (
    <div class="ptl-wrap">
      <div class="ptl-bar" data-testid="presence-timeline-bar" role="img"
        aria-label={`Presence over the last 24 hours: ${segments.length} segment(s)`}>
        {segments.map((s) => {
          // At least a few pixels, so a short stretch (a device that came online a minute ago) shows;
          // the segment reaching "now" is anchored right so that minimum never runs off the bar.
          const width = `max(3px, ${((s.to - s.from) / span) * 100}%)`;
          const place = s.to >= end ? { right: 0, width } : { left: `${((s.from - start) / span) * 100}%`, width };
          const title = `${s.state === 'UNKNOWN' ? 'No data' : s.state.toLowerCase()}: ${fmtTime(s.from)} – ${
            s.to >= end - 1000 ? 'now' : fmtTime(s.to)} (${duration(s.to - s.from)})`;
          return (
            <span key={s.from} class={`ptl-seg ptl-${s.state.toLowerCase()}`} data-state={s.state}
              style={place} title={title} />
          );
        })}
      </div>
      <div class="ptl-axis muted small"><span>24h ago</span><span>12h ago</span><span>now</span></div>
    </div>
  );
}

// `tick` changes with every refresh of the device page; the card reloads with it.
export function PresenceTimelineCard({ id, tick, now }) {
  const [data, setData] = useState(undefined);
  const [error, setError] = useState(null);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const at = Date.now();
    const base = `/v1/devices/${encodeURIComponent(id)}/presence/history`;
    Promise.all([
      get(`${base}${qs({ pageSize: BAR_PAGE, startTime: new Date(at - DAY_MS).toISOString() })}`),
      get(`${base}${qs({ pageSize: LIST_SIZE + 1 })}`),
    ]).then(([windowed, recent]) => {
      if (mine !== seq.current) return;
      setData({ windowed, recent, at });
      setError(null);
    }, (e) => {
      if (mine === seq.current) setError(e);
    });
  }, [id, tick]);

  const notFound = error && error.reason === 'PRESENCE_NOT_FOUND';
  let body = null;
  if (data) {
    const end = Math.max(now, data.at);
    const start = end - DAY_MS;
    const recent = Object.assign([...(data.recent.transitions || [])], { hasMore: !!data.recent.nextPageToken });
    const truncated = !!data.windowed.nextPageToken;
    const segments = buildSegments(data.windowed.transitions || [], recent, start, end, truncated);
    const onlineMs = segments.filter((s) => s.state === 'ONLINE').reduce((a, s) => a + s.to - s.from, 0);
    const list = recent.slice(0, LIST_SIZE);
    body = (
      <>
        <Bar segments={segments} start={start} end={end} />
        <p class="muted small ptl-legend">
          <span><span class="ptl-key ptl-online" /> online</span>
          <span><span class="ptl-key ptl-offline" /> offline</span>
          <span><span class="ptl-key ptl-unknown" /> no data</span>
          <span data-testid="presence-online-total">online {duration(onlineMs)} of the last 24h</span>
          {truncated ? <span>only the newest {BAR_PAGE} transitions shown</span> : null}
        </p>
        {list.length ? (
          <ul class="ptl-list" data-testid="presence-transitions">
            {list.map((t) => (
              <li key={t.transitionId || t.time} data-testid="presence-transition" data-state={t.state}>
                <StateBadge state={t.state} />
                <span class="ptl-when" title={fmtTime(t.time)}>{ago(t.time, now)}</span>
                <span class="muted small">{t.reason === 'timeout' ? 'silent too long' : t.reason === 'uplink' ? 'message received' : t.reason}</span>
              </li>
            ))}
          </ul>
        ) : <p class="muted">No transitions recorded yet.</p>}
      </>
    );
  }
  return (
    <div class="card wide" data-testid="presence-timeline">
      <h3>Presence timeline</h3>
      {notFound ? <p class="muted">This device has never sent a message.</p> : <ErrorBox error={error} />}
      {data === undefined && !error ? <Loading what="Loading presence history" /> : null}
      {body}
    </div>
  );
}
