// "Open remote connection": a tunnel with its ports, a copyable ssh command, a countdown to the
// automatic close, Extend and Close, and "Open web SSH" (offered only while the tunnel is OPEN with
// an "ssh" proxy: the browser cannot read the BFF's HTTP refusal of a WebSocket upgrade).
import { useEffect, useState } from 'preact/hooks';
import { get, post, qs } from '../api.js';
import { CopyButton, ErrorBox, StateBadge, usePoll, useNow } from '../ui.jsx';

const LIVE = new Set(['REQUESTED', 'OPEN', 'CLOSING']);
const tunnelId = (t) => (t.name || '').replace(/^tunnels\//, '');

function countdown(ms) {
  if (ms <= 0) return '0:00';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function TunnelCard({ id, canOperate, onOpenSsh, onTunnel }) {
  const [tunnel, setTunnel] = useState(null);
  const [busy, setBusy] = useState('');
  const [error, setError] = useState(null);
  const now = useNow(1000);

  // A connection someone already opened for this device.
  useEffect(() => {
    get(`/v1/tunnels${qs({ device: id, state: 'OPEN' })}`)
      .then((r) => {
        const s = (r.sessions || [])[0];
        if (s) setTunnel(s);
      })
      .catch(() => {});
  }, [id]);

  const live = tunnel && LIVE.has(tunnel.state);
  const sshReady = !!tunnel && tunnel.state === 'OPEN' && (tunnel.services || []).some((s) => s.name === 'ssh' && s.remotePort);
  useEffect(() => {
    if (onTunnel) onTunnel(sshReady ? tunnel : null);
  }, [sshReady, tunnel && tunnel.name]);
  usePoll(async () => {
    if (!tunnel) return;
    try {
      setTunnel(await get(`/v1/tunnels/${encodeURIComponent(tunnelId(tunnel))}`));
    } catch (e) {
      setError(e);
    }
  }, 3000, [tunnel && tunnel.name], live);

  const act = async (what, fn) => {
    setBusy(what);
    setError(null);
    try {
      setTunnel(await fn());
    } catch (e) {
      setError(e);
    } finally {
      setBusy('');
    }
  };
  const open = () => act('open', () => post(`/v1/devices/${encodeURIComponent(id)}/tunnels`, {}));
  const extend = () => act('extend', () => post(`/v1/tunnels/${encodeURIComponent(tunnelId(tunnel))}:extend`, {}));
  const close = () => act('close', () => post(`/v1/tunnels/${encodeURIComponent(tunnelId(tunnel))}:close`, {}));

  const left = tunnel?.expireTime ? new Date(tunnel.expireTime).getTime() - now : 0;
  return (
    <div class="card" data-testid="tunnel-card">
      <h3>Remote connection {tunnel ? <StateBadge state={tunnel.state} testid="tunnel-state" /> : null}</h3>
      <ErrorBox error={error} />
      {!live ? (
        <div class="row">
          <button class="primary" onClick={open} disabled={!canOperate || busy === 'open'}
            title={canOperate ? '' : 'Operators and admins only'}>
            {busy === 'open' ? 'Opening…' : 'Open remote connection'}
          </button>
          {tunnel ? <span class="muted small">Last connection: {tunnel.state.toLowerCase()} {tunnel.closeReason ? `(${tunnel.closeReason})` : ''}</span> : null}
        </div>
      ) : (
        <>
          <dl class="kv">
            <dt>Host</dt><dd data-testid="tunnel-host"><code>{tunnel.publicAddress || '—'}</code> <span class="muted small">{tunnel.frpServer}</span></dd>
            {(tunnel.services || []).map((s) => (
              <>
                <dt>{s.name}</dt>
                <dd data-testid={`tunnel-port-${s.name}`}><code>{tunnel.publicAddress}:{s.remotePort}</code> <span class="muted small">→ {s.localIp}:{s.localPort}</span></dd>
              </>
            ))}
            <dt>Closes in</dt>
            <dd><strong data-testid="tunnel-countdown" class={left < 120000 ? 'bad' : ''}>{countdown(left)}</strong> <span class="muted small">at {new Date(tunnel.expireTime).toLocaleTimeString()}</span></dd>
          </dl>
          {tunnel.sshCommand ? (
            <div class="cmd">
              <code data-testid="ssh-command">{tunnel.sshCommand}</code>
              <CopyButton text={tunnel.sshCommand} />
            </div>
          ) : null}
          <div class="row">
            <button onClick={extend} disabled={!canOperate || !!busy}>{busy === 'extend' ? 'Extending…' : 'Extend'}</button>
            <button class="danger" onClick={close} disabled={!canOperate || !!busy}>{busy === 'close' ? 'Closing…' : 'Close'}</button>
            {sshReady && onOpenSsh ? (
              <button onClick={onOpenSsh} disabled={!canOperate} title={canOperate ? 'A terminal in this page' : 'Operators and admins only'}>
                Open web SSH
              </button>
            ) : null}
          </div>
        </>
      )}
    </div>
  );
}
