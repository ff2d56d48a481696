// Small shared pieces: error and loading states, badges, times, polling, copy buttons.
import { useEffect, useRef, useState } from 'preact/hooks';

export function ErrorBox({ error, onRetry }) {
  if (!error) return null;
  return (
    <div class="error" role="alert" data-testid="error">
      <strong>{error.reason || 'Error'}</strong>
      {error.status ? <span class="muted"> (HTTP {error.status})</span> : null}: {error.message}
      {onRetry ? (
        <button class="link" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ what = 'Loading' }) {
  return (
    <div class="loading" aria-busy="true">
      <span class="spinner" /> {what}…
    </div>
  );
}

export function Badge({ kind, children, testid }) {
  return (
    <span class={`badge badge-${kind}`} data-testid={testid}>
      {children}
    </span>
  );
}

export function StateBadge({ state, testid }) {
  const s = state || 'UNKNOWN';
  const kind = { ONLINE: 'ok', OPEN: 'ok', IN_SYNC: 'ok', OFFLINE: 'bad', FAILED: 'bad', PENDING: 'warn',
    REQUESTED: 'warn', CLOSING: 'warn', SUCCEEDED: 'ok', TIMED_OUT: 'bad', QUEUED: 'neutral', SENT: 'warn',
    DOWNLOADING: 'warn', VERIFYING: 'warn', INSTALLING: 'warn', REBOOTING: 'warn' }[s] || 'neutral';
  return <Badge kind={kind} testid={testid}>{s.replace(/_/g, ' ').toLowerCase()}</Badge>;
}

export function fmtTime(t) {
  if (!t) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return t;
  if (d.getTime() <= 0) return '—'; // an unset proto timestamp
  return d.toLocaleString();
}

export function ago(t, now = Date.now()) {
  if (!t) return '—';
  const s = Math.round((now - new Date(t).getTime()) / 1000);
  if (Number.isNaN(s)) return t;
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

// AIP-158 paging state: the current page token and the tokens of the pages before it.
// `next(t)` moves to the page of token t, `back()` to the previous one, `reset()` to the first.
export function usePageTokens() {
  const [token, setToken] = useState('');
  const [prev, setPrev] = useState([]);
  return {
    token,
    hasPrev: prev.length > 0,
    next: (t) => { setPrev([...prev, token]); setToken(t); },
    back: () => { setToken(prev[prev.length - 1]); setPrev(prev.slice(0, -1)); },
    reset: () => { setToken(''); setPrev([]); },
  };
}

// Previous / Next buttons for usePageTokens, shown only when there is another page either way;
// `children` go between the buttons.
export function TokenPager({ pages, nextPageToken, children }) {
  if (!pages.hasPrev && !nextPageToken) return null;
  return (
    <div class="pager">
      <button class="small" disabled={!pages.hasPrev} onClick={pages.back}>Previous</button>
      {children}
      <button class="small" disabled={!nextPageToken} onClick={() => pages.next(nextPageToken)}>Next</button>
    </div>
  );
}

// Runs `fn` now and every `ms` while mounted (and while `enabled`); returns a manual refresh.
export function usePoll(fn, ms, deps = [], enabled = true) {
  const saved = useRef(fn);
  saved.current = fn;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return undefined;
    let stopped = false;
    let timer;
    const run = async () => {
      try {
        await saved.current();
      } finally {
        if (!stopped) timer = setTimeout(run, ms);
      }
    };
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [...deps, tick, enabled]);
  return () => setTick((t) => t + 1);
}

export function useNow(ms = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function CopyButton({ text, label = 'Copy' }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard blocked (plain HTTP): select the text so Ctrl+C works.
      const el = document.createElement('textarea');
      el.value = text;
      document.body.appendChild(el);
      el.select();
      document.execCommand('copy');
      el.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return (
    <button class="small" onClick={copy} type="button">
      {done ? 'Copied' : label}
    </button>
  );
}

export function Json({ value }) {
  return <pre class="json">{value === undefined ? '—' : JSON.stringify(value, null, 2)}</pre>;
}
