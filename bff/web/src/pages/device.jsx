// One device: presence and board parameters, a 24-hour presence timeline, registry data, desired vs reported config with
// history and diffs, remote connection (tunnel) with web SSH, camera controls and the device's
// campaign history.
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorBox, Loading, StateBadge, ago, fmtTime, usePoll, useNow } from '../ui.jsx';
import { TunnelCard } from './tunnel.jsx';
import { CameraCard } from './camera.jsx';
import { ConfigCard } from './config.jsx';
import { WebSshCard } from './webssh.jsx';
import { CampaignHistoryCard } from './device-campaigns.jsx';
import { PresenceTimelineCard } from './presence-timeline.jsx';

function PresenceCard({ presence, presenceError, now }) {
  const b = presence?.board || {};
  return (
    <div class="card">
      <h3>Presence</h3>
      <ErrorBox error={presenceError} />
      {!presence && !presenceError ? <p class="muted">This device has never sent a message.</p> : null}
      {presence ? (
        <dl class="kv">
          <dt>State</dt><dd><StateBadge state={presence.state} testid="presence-state" /></dd>
          <dt>Last seen</dt><dd>{ago(presence.lastSeenTime, now)} <span class="muted small">{fmtTime(presence.lastSeenTime)}</span></dd>
          <dt>State since</dt><dd>{fmtTime(presence.stateChangeTime)}</dd>
          <dt>Firmware</dt><dd data-testid="firmware">{b.firmwareVersion || '—'}</dd>
          <dt>CPU</dt><dd>{b.cpuPercent !== undefined ? `${Number(b.cpuPercent).toFixed(1)} %` : '—'}</dd>
          <dt>Memory</dt><dd>{b.memPercent !== undefined ? `${Number(b.memPercent).toFixed(1)} %` : '—'}</dd>
          <dt>Temperature</dt><dd>{b.temperatureC !== undefined ? `${Number(b.temperatureC).toFixed(1)} °C` : '—'}</dd>
          <dt>Signal</dt><dd>{b.signalDbm ? `${b.signalDbm} dBm` : '—'}</dd>
        </dl>
      ) : null}
    </div>
  );
}

function RegistryCard({ device }) {
  return (
    <div class="card">
      <h3>Registry</h3>
      <dl class="kv">
        <dt>Name</dt><dd>{device.displayName || '—'}</dd>
        <dt>Model</dt><dd>{device.model || '—'}</dd>
        <dt>Hardware</dt><dd>{device.hardwareRevision || '—'}</dd>
        <dt>Group</dt><dd>{device.group || '—'}</dd>
        <dt>Labels</dt>
        <dd>{Object.entries(device.labels || {}).map(([k, v]) => <span class="chip" key={k}>{k}={v}</span>)}</dd>
        <dt>Registered</dt><dd>{fmtTime(device.createTime)}</dd>
      </dl>
    </div>
  );
}

export function Device({ id, me }) {
  const [overview, setOverview] = useState(undefined);
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0); // bumps on every refresh; cards that poll with the page follow it
  const now = useNow(1000);
  const refresh = usePoll(async () => {
    try {
      setOverview(await get(`/v1/devices/${encodeURIComponent(id)}:overview`));
      setError(null);
      setTick((t) => t + 1);
    } catch (e) {
      setError(e);
    }
  }, 5000, [id]);
  const canOperate = me.role === 'admin' || me.role === 'operator';
  const [ssh, setSsh] = useState(false);
  const [sshTunnel, setSshTunnel] = useState(null);
  return (
    <section>
      <p class="crumbs"><a href="/">Fleet</a> › {id}</p>
      <h2 class="device-title">
        {id}{' '}
        {overview ? <StateBadge state={overview.presence ? overview.presence.state : 'NEVER SEEN'} testid="device-state" /> : null}
      </h2>
      <ErrorBox error={error} onRetry={refresh} />
      {overview === undefined && !error ? <Loading what="Loading device" /> : null}
      {overview ? (
        <div class="grid">
          {ssh ? <WebSshCard id={id} canConnect={!!sshTunnel} onClose={() => setSsh(false)} /> : null}
          <PresenceCard presence={overview.presence} presenceError={overview.presenceError} now={now} />
          <RegistryCard device={overview.device} />
          <PresenceTimelineCard id={id} tick={tick} now={now} />
          <TunnelCard id={id} canOperate={canOperate} onOpenSsh={() => setSsh(true)} onTunnel={setSshTunnel} />
          <CameraCard id={id} canOperate={canOperate} />
          <ConfigCard id={id} summary={overview.config} summaryError={overview.configError} />
          <CampaignHistoryCard id={id} />
        </div>
      ) : null}
    </section>
  );
}

