// Camera: rotate, zoom, snapshot (shown as an image), start/stop the live stream.
import { useEffect, useState } from 'preact/hooks';
import { post } from '../api.js';
import { CopyButton, ErrorBox, fmtTime } from '../ui.jsx';

export function CameraCard({ id, canOperate }) {
  const [pan, setPan] = useState(0);
  const [tilt, setTilt] = useState(0);
  const [zoom, setZoom] = useState(1);
  const [quality, setQuality] = useState('sd');
  const [image, setImage] = useState(null);
  const [stream, setStream] = useState(null);
  const [result, setResult] = useState('');
  const [busy, setBusy] = useState('');
  const [error, setError] = useState(null);
  const base = `/v1/devices/${encodeURIComponent(id)}/camera`;
  useEffect(() => () => image && URL.revokeObjectURL(image.url), [image]);

  const run = async (what, fn) => {
    setBusy(what);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy('');
    }
  };
  const rotate = () => run('rotate', async () => {
    const r = await post(`${base}:rotate`, { pan: Number(pan), tilt: Number(tilt) });
    setResult(`Rotated (pan ${pan}°, tilt ${tilt}°) in ${r.latencyMs ?? '?'} ms`);
  });
  const doZoom = () => run('zoom', async () => {
    const r = await post(`${base}:zoom`, { level: Number(zoom) });
    setResult(`Zoom ${zoom}× in ${r.latencyMs ?? '?'} ms`);
  });
  const snapshot = () => run('snapshot', async () => {
    const blob = await post(`${base}:snapshot`, {}, { accept: 'image/png', blob: true });
    setImage({ url: URL.createObjectURL(blob), at: new Date() });
    setResult('');
  });
  const start = () => run('start', async () => {
    const r = await post(`${base}:startStream`, { quality });
    setStream(r.stream);
    setResult(r.reused ? 'The stream was already running' : 'Stream started');
  });
  const stop = () => run('stop', async () => {
    await post(`${base}:stopStream`, stream ? { streamId: stream.streamId } : {});
    setStream(null);
    setResult('Stream stopped');
  });
  const dis = !canOperate || !!busy;
  return (
    <div class="card" data-testid="camera-card">
      <h3>Camera</h3>
      {!canOperate ? <p class="muted small">Camera commands need the operator or admin role.</p> : null}
      <div class="row">
        <label class="inline">Pan <input type="number" min="-180" max="180" value={pan} onInput={(e) => setPan(e.target.value)} /></label>
        <label class="inline">Tilt <input type="number" min="-90" max="90" value={tilt} onInput={(e) => setTilt(e.target.value)} /></label>
        <button onClick={rotate} disabled={dis}>{busy === 'rotate' ? 'Rotating…' : 'Rotate'}</button>
      </div>
      <div class="row">
        <label class="inline">Zoom <input type="number" min="1" max="20" value={zoom} onInput={(e) => setZoom(e.target.value)} /></label>
        <button onClick={doZoom} disabled={dis}>{busy === 'zoom' ? 'Zooming…' : 'Zoom'}</button>
        <button onClick={snapshot} disabled={dis}>{busy === 'snapshot' ? 'Taking…' : 'Snapshot'}</button>
      </div>
      <div class="row">
        <select aria-label="Stream quality" value={quality} onChange={(e) => setQuality(e.target.value)}>
          <option value="sd">SD</option>
          <option value="hd">HD</option>
        </select>
        <button onClick={start} disabled={dis}>{busy === 'start' ? 'Starting…' : 'Start stream'}</button>
        <button onClick={stop} disabled={dis}>{busy === 'stop' ? 'Stopping…' : 'Stop stream'}</button>
      </div>
      <ErrorBox error={error} />
      {result ? <p class="muted small" data-testid="camera-result">{result}</p> : null}
      {stream ? (
        <div class="cmd" data-testid="stream">
          <code>{stream.url}</code> <CopyButton text={stream.url} />
          <div class="muted small">{stream.quality} · expires {fmtTime(stream.expireTime)}</div>
        </div>
      ) : null}
      {image ? (
        <figure class="snapshot">
          <img src={image.url} alt={`Snapshot of ${id}`} data-testid="snapshot" />
          <figcaption class="muted small">Taken {image.at.toLocaleTimeString()}</figcaption>
        </figure>
      ) : null}
    </div>
  );
}
