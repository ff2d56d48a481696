// Web SSH to a device through its open tunnel: a WebSocket to GET /v1/devices/{id}/ssh, where the
// BFF runs the SSH client. Protocol: the first message is {"type":"auth", username, password |
// privateKey + passphrase, cols, rows}; the server answers {"type":"ready", fingerprint,
// idleSeconds, maxSeconds} or {"type":"error", error: {code, status, message, reason}}; then binary
// frames both ways carry terminal bytes, the client sends {"type":"resize", cols, rows} and the
// server says {"type":"closed", reason} before closing.
// Credentials live only in this component's state until Connect, are sent once and cleared.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox, Badge } from '../ui.jsx';

const CLOSE_REASONS = {
  IDLE_TIMEOUT: 'closed after being idle too long',
  MAX_DURATION: 'closed: the maximum session length was reached',
  REMOTE_CLOSED: 'the device closed the session (shell exited)',
  TUNNEL_CLOSED: 'the remote connection (tunnel) was closed',
  SERVER_SHUTDOWN: 'the console server is restarting; connect again',
};

function duration(s) {
  if (!s) return '—';
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

function wsUrl(id) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/v1/devices/${encodeURIComponent(id)}/ssh`;
}

function CredentialsForm({ onConnect, busy, initialUser }) {
  const [username, setUsername] = useState(initialUser || '');
  const [method, setMethod] = useState('key');
  const [password, setPassword] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const submit = (e) => {
    e.preventDefault();
    const creds = method === 'password'
      ? { username: username.trim(), password }
      : { username: username.trim(), privateKey, passphrase };
    // Cleared before the connection is even made: the secret now exists only in `creds`,
    // which the connect call sends once and drops.
    setPassword('');
    setPrivateKey('');
    setPassphrase('');
    onConnect(creds);
  };
  const ready = username.trim() && (method === 'password' ? password : privateKey.trim());
  return (
    <form class="ssh-form" onSubmit={submit} data-testid="ssh-form" autocomplete="off">
      <div class="form-grid">
        <label>SSH user<input value={username} onInput={(e) => setUsername(e.target.value)}
          autocomplete="off" autocapitalize="off" spellcheck={false} required /></label>
        <label>Sign in with
          <select value={method} onChange={(e) => setMethod(e.target.value)}>
            <option value="key">Private key</option>
            <option value="password">Password</option>
          </select>
        </label>
      </div>
      {method === 'password' ? (
        <div class="form-grid">
          <label>SSH password<input type="password" value={password} autocomplete="off"
            onInput={(e) => setPassword(e.target.value)} /></label>
        </div>
      ) : (
        <>
          <label>Private key (OpenSSH or PEM)
            <textarea rows={5} class="key-input" value={privateKey} spellcheck={false} autocomplete="off"
              placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" onInput={(e) => setPrivateKey(e.target.value)} />
          </label>
          <div class="form-grid">
            <label>Key passphrase (if any)<input type="password" value={passphrase} autocomplete="off"
              onInput={(e) => setPassphrase(e.target.value)} /></label>
          </div>
        </>
      )}
      <p class="muted small">Sent once to the server to sign in, then cleared; never stored.</p>
      <div class="row">
        <button class="primary" type="submit" disabled={!ready || busy}>{busy ? 'Connecting…' : 'Connect'}</button>
      </div>
    </form>
  );
}

// The web SSH panel. `canConnect`: the device has an OPEN tunnel with an ssh proxy. `onClose` hides it.
export function WebSshCard({ id, canConnect, onClose }) {
  const [phase, setPhase] = useState('form'); // form | loading | connecting | ready | closed | error
  const [error, setError] = useState(null);
  const [info, setInfo] = useState(null); // the "ready" message
  const [closed, setClosed] = useState('');
  const [endsAt, setEndsAt] = useState(0);
  const box = useRef(null);
  const cardRef = useRef(null);
  const session = useRef(null); // the live connection: { ws, term, fit, observer, ready, gotMessage }
  const lastTerm = useRef(null); // kept after a close so its output stays readable
  const [lastUser, setLastUser] = useState('');

  const teardown = () => {
    const s = session.current;
    session.current = null;
    if (!s) return;
    s.observer?.disconnect();
    window.removeEventListener('resize', s.onWindowResize);
    if (s.ws && s.ws.readyState <= 1) s.ws.close(1000, 'client closed');
  };
  useEffect(() => () => {
    teardown();
    lastTerm.current?.dispose();
  }, []);
  useEffect(() => {
    cardRef.current?.scrollIntoView({ block: 'start', behavior: 'instant' });
  }, []);

  const connect = async (creds) => {
    teardown();
    setLastUser(creds.username);
    setError(null);
    setClosed('');
    setInfo(null);
    setPhase('loading');
    let mod;
    try {
      mod = await import('../terminal.js');
    } catch (e) {
      setError({ reason: 'LOAD_FAILED', message: `cannot load the terminal (${e.message})` });
      setPhase('error');
      return;
    }
    const el = box.current;
    if (!el) return;
    lastTerm.current?.dispose();
    el.replaceChildren();
    const { term, fit } = mod.createTerminal(el);
    lastTerm.current = term;
    requestAnimationFrame(() => {
      try {
        fit.fit();
      } catch {
        // hidden
      }
    });
    const s = { term, fit, mod, ready: false, gotMessage: false };
    session.current = s;
    setPhase('connecting');
    term.writeln(`Connecting to ${id} as ${creds.username}…`);

    const ws = new WebSocket(wsUrl(id));
    ws.binaryType = 'arraybuffer';
    s.ws = ws;
    const encoder = new TextEncoder();
    const sendResize = () => {
      if (s.ready && ws.readyState === 1) ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
    };
    const refit = () => {
      try {
        fit.fit();
      } catch {
        // hidden
      }
    };
    s.onWindowResize = refit;
    window.addEventListener('resize', refit);
    if (typeof ResizeObserver !== 'undefined') {
      s.observer = new ResizeObserver(refit);
      s.observer.observe(el);
    }
    term.onResize(sendResize);
    term.onData((d) => {
      if (s.ready && ws.readyState === 1) ws.send(encoder.encode(d));
    });
    term.onBinary((d) => {
      if (!s.ready || ws.readyState !== 1) return;
      const bytes = new Uint8Array(d.length);
      for (let i = 0; i < d.length; i++) bytes[i] = d.charCodeAt(i) & 0xff;
      ws.send(bytes);
    });

    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'auth', ...creds, cols: term.cols, rows: term.rows }));
      creds = null; // eslint-disable-line no-param-reassign
    };
    ws.onmessage = (ev) => {
      if (session.current !== s) return;
      if (typeof ev.data !== 'string') {
        term.write(new Uint8Array(ev.data));
        return;
      }
      let m;
      try {
        m = JSON.parse(ev.data);
      } catch {
        return;
      }
      s.gotMessage = true;
      if (m.type === 'ready') {
        s.ready = true;
        setInfo(m);
        setEndsAt(m.maxSeconds ? Date.now() + m.maxSeconds * 1000 : 0);
        setPhase('ready');
        term.clear();
        term.focus();
        sendResize();
      } else if (m.type === 'error') {
        const e = m.error || {};
        s.failed = true;
        setError({ reason: e.reason || e.status || 'ERROR', status: e.code, message: e.message || 'refused' });
        term.writeln(`\r\n\x1b[31m${e.reason || 'error'}: ${e.message || ''}\x1b[0m`);
        setPhase('error');
      } else if (m.type === 'closed') {
        setClosed(m.reason || 'CLOSED');
        term.writeln(`\r\n\x1b[33m[${CLOSE_REASONS[m.reason] || `closed (${m.reason})`}]\x1b[0m`);
        setPhase('closed');
      }
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      creds = null; // eslint-disable-line no-param-reassign
      if (session.current !== s) return;
      s.ready = false;
      s.observer?.disconnect();
      window.removeEventListener('resize', s.onWindowResize);
      if (!s.gotMessage) {
        // Refused before the upgrade (the browser hides the HTTP answer) or the connection dropped.
        setError({ reason: 'CONNECTION_FAILED', message: `the server closed the connection (code ${ev.code}); check that the remote connection is still open and that you may use it` });
        setPhase('error');
      } else if (!s.failed) {
        setPhase((p) => (p === 'ready' || p === 'connecting' ? 'closed' : p));
        setClosed((c) => c || `CONNECTION_CLOSED (code ${ev.code})`);
      }
      term.options.cursorBlink = false;
    };
  };

  const disconnect = () => {
    const s = session.current;
    if (!s) return;
    s.ready = false;
    session.current = null;
    s.observer?.disconnect();
    window.removeEventListener('resize', s.onWindowResize);
    if (s.ws && s.ws.readyState <= 1) s.ws.close(1000, 'disconnected');
    s.term.writeln('\r\n\x1b[33m[disconnected]\x1b[0m');
    setClosed('DISCONNECTED');
    setPhase('closed');
  };
  const hide = () => {
    teardown();
    onClose();
  };

  const showTerminal = phase !== 'form';
  const busy = phase === 'loading' || phase === 'connecting';
  const badge = { loading: ['warn', 'connecting'], connecting: ['warn', 'connecting'], ready: ['ok', 'connected'],
    closed: ['neutral', 'closed'], error: ['bad', 'failed'] }[phase];
  return (
    <div class="card wide ssh-card" data-testid="ssh-card" ref={cardRef}>
      <h3>
        Web SSH to {id}
        {badge ? <Badge kind={badge[0]} testid="ssh-state">{badge[1]}</Badge> : null}
        <span class="grow-space" />
        {phase === 'ready' || phase === 'connecting' ? (
          <button class="danger small" onClick={disconnect}>Disconnect</button>
        ) : null}
        <button class="small" onClick={hide} title="Close this panel (disconnects)">Hide</button>
      </h3>
      <ErrorBox error={error} />
      {info ? (
        <dl class="kv ssh-facts">
          <dt>Host key</dt><dd><code data-testid="ssh-fingerprint">{info.fingerprint || '—'}</code></dd>
          <dt>Limits</dt>
          <dd data-testid="ssh-limits">closes after {duration(info.idleSeconds)} idle, at most {duration(info.maxSeconds)}
            {endsAt ? <span class="muted small"> (until {new Date(endsAt).toLocaleTimeString()})</span> : null}</dd>
        </dl>
      ) : null}
      {closed ? (
        <p class="notice-line" data-testid="ssh-closed">
          Session ended: <strong>{closed}</strong>{CLOSE_REASONS[closed] ? <span class="muted"> — {CLOSE_REASONS[closed]}</span> : null}
        </p>
      ) : null}
      {!canConnect && phase !== 'ready' ? <p class="muted">The remote connection is not open; open it to connect.</p> : null}
      {canConnect && (phase === 'form' || phase === 'closed' || phase === 'error') ? (
        <CredentialsForm onConnect={connect} busy={busy} initialUser={lastUser} />
      ) : null}
      <div class={`terminal-box${showTerminal ? '' : ' hidden'}`} ref={box} data-testid="terminal" />
    </div>
  );
}
