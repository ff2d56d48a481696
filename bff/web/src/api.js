// Calls to the BFF's /v1 API. Errors become ApiError carrying the API's reason and message
// (AIP-193: {"error": {"code", "message", "status", "details": [{"reason", ...}]}}).

export class ApiError extends Error {
  constructor(status, reason, message) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export async function api(method, path, body, { accept, blob, quiet401 } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (accept) headers.Accept = accept;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `cannot reach the server (${e.message})`);
  }
  if (res.ok && blob) return res.blob();
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const info = (err.details || []).find((d) => d && d.reason);
    const reason = (info && info.reason) || err.status || `HTTP ${res.status}`;
    const message = err.message || text || res.statusText || `HTTP ${res.status}`;
    if (res.status === 401 && !quiet401) onUnauthorized();
    throw new ApiError(res.status, reason, message);
  }
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body = {}, opts) => api('POST', path, body, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}
