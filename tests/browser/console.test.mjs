// Browser tests of the operator console (headless Debian Chromium via playwright-core), run by
// browser_test.sh against the real stack. Env: BASE_URL, ADMIN_PASSWORD, SCREENS_DIR,
// FLEET_SCREENS_COPY_DIR (default /tmp/fleetd-screens; "" = no copy), and for web SSH (a real sshd
// listening on the tunnel's port pool): SSH_USER, SSH_KEY_FILE (a private key it accepts) and
// SSH_HOST_FINGERPRINT (its host key, "SHA256:...").
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const BASE = process.env.BASE_URL;
const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD;
const SCREENS = process.env.SCREENS_DIR || '/tmp/fleetd-screens-out';
const COPY = process.env.FLEET_SCREENS_COPY_DIR ?? '/tmp/fleetd-screens';
const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const T = 15000; // per-expectation timeout
fs.mkdirSync(SCREENS, { recursive: true });
if (COPY) fs.mkdirSync(COPY, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
});
const problems = []; // console errors and CSP violations seen on any page
let shots = 0;

async function newPage(viewport) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    // 4xx answers the tests provoke on purpose show up as console errors; CSP never should.
    if (/Content Security Policy|Refused to/.test(text)) problems.push(`CSP: ${text}`);
    else if (m.type() === 'error' && !/status of 40[134]/.test(text)) {
      problems.push(`console: ${text} (${m.location().url})`);
    }
  });
  return page;
}

async function shot(page, name) {
  const file = `${name}.png`;
  await page.waitForTimeout(150); // let the last render settle
  await page.screenshot({ path: path.join(SCREENS, file), fullPage: true });
  if (COPY) fs.copyFileSync(path.join(SCREENS, file), path.join(COPY, file));
  shots++;
}

async function signIn(page, user, password) {
  await page.goto(BASE + '/');
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('role').waitFor();
}

const results = [];
// FLEET_BROWSER_ONLY=<regex>: run only the matching checks (development; later checks rely on
// the state earlier ones leave, e.g. 'signs in|search|device page|web SSH').
const ONLY = process.env.FLEET_BROWSER_ONLY ? new RegExp(process.env.FLEET_BROWSER_ONLY) : null;
async function test(name, fn) {
  if (ONLY && !ONLY.test(name)) return;
  const start = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - start });
    console.log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (e) {
    results.push({ name, ok: false, ms: Date.now() - start });
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}
const secondsOf = (text) => text.split(':').map(Number).reduce((a, b) => a * 60 + b, 0);

const admin = await newPage(DESKTOP);
const DEVICE = 'dev-000007';
const RUN = Math.floor(Math.random() * 1e6); // unique names, so the test can rerun on one stack
const OPERATOR = `olga${RUN}`;
const KEY_NAME = `partner-${RUN}`;

await test('the root serves the console with strict headers', async () => {
  const res = await fetch(BASE + '/devices/dev-000001');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/html/);
  assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const html = await res.text();
  const js = html.match(/src="(\/assets\/[^"]+\.js)"/)[1];
  const asset = await fetch(BASE + js);
  assert.match(asset.headers.get('cache-control'), /immutable/);
  assert.match(asset.headers.get('content-type'), /javascript/);
  assert.equal((await fetch(BASE + '/assets/..%2F..%2Fetc%2Fpasswd')).status, 404);
  assert.equal((await fetch(BASE + '/v1/nothing')).status, 404);
});

await test('admin signs in and sees name and role', async () => {
  await admin.goto(BASE + '/');
  await admin.getByLabel('User').waitFor();
  await shot(admin, 'desktop-01-signin');
  await admin.getByLabel('User').fill('admin');
  await admin.getByLabel('Password').fill('wrong-password');
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.getByTestId('error').waitFor();
  assert.match(await admin.getByTestId('error').innerText(), /AUTH_/);
  await shot(admin, 'desktop-02-signin-error');
  await signIn(admin, 'admin', ADMIN_PASSWORD);
  assert.equal(await admin.getByTestId('role').textContent(), 'admin');
  await admin.getByTestId('nav-admin').waitFor();
});

await test('fleet page shows counts and finds a device by search', async () => {
  await admin.getByTestId('device-table').waitFor();
  await admin.waitForFunction(() => Number(document.querySelector('[data-testid=count-online]')?.textContent) > 0);
  await shot(admin, 'desktop-03-fleet');
  await admin.getByLabel('Search').fill(DEVICE);
  await admin.getByRole('button', { name: 'Search' }).click();
  await admin.getByTestId(`row-${DEVICE}`).waitFor();
  assert.equal(await admin.locator('[data-testid=device-table] tbody tr').count(), 1);
  assert.match(await admin.getByTestId(`row-${DEVICE}`).innerText(), /online/);
  await shot(admin, 'desktop-04-fleet-search');
  await admin.getByRole('link', { name: DEVICE }).click();
});

await test('device page shows the device online with its board parameters', async () => {
  await admin.waitForURL(`**/devices/${DEVICE}`);
  await admin.getByTestId('presence-state').waitFor();
  assert.equal(await admin.getByTestId('presence-state').innerText(), 'online');
  assert.notEqual(await admin.getByTestId('firmware').innerText(), '—');
  await shot(admin, 'desktop-05-device');
});

// Self-contained (own pages and sign-in), so FLEET_BROWSER_ONLY='presence timeline' runs it alone.
await test('device page shows the presence timeline with an ONLINE transition', async () => {
  for (const [viewport, name] of [[DESKTOP, 'desktop-05b-presence-timeline'], [PHONE, 'phone-05b-presence-timeline']]) {
    const page = await newPage(viewport);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.goto(`${BASE}/devices/${DEVICE}`);
    const card = page.getByTestId('presence-timeline');
    await card.getByTestId('presence-timeline-bar').waitFor();
    await card.locator('[data-testid=presence-transition][data-state=ONLINE]').first().waitFor();
    assert.match(await card.getByTestId('presence-transitions').innerText(), /online/);
    // The bar ends in a green (online) segment whose hover title names its times.
    const last = card.locator('.ptl-seg').last();
    assert.equal(await last.getAttribute('data-state'), 'ONLINE');
    assert.match(await last.getAttribute('title'), /^online: .+ – now \(/);
    const box = await card.getByTestId('presence-timeline-bar').boundingBox();
    assert.ok(box.width > viewport.width * 0.6 && box.x + box.width <= viewport.width, `bar ${JSON.stringify(box)}`);
    await card.scrollIntoViewIfNeeded();
    await shot(page, name);
    await page.context().close();
  }
});

await test('open a remote connection, see the countdown, extend it, close it', async () => {
  await admin.getByRole('button', { name: 'Open remote connection' }).click();
  await admin.waitForFunction(() => document.querySelector('[data-testid=tunnel-state]')?.textContent === 'open', null, { timeout: 30000 });
  await admin.getByTestId('tunnel-countdown').waitFor();
  assert.match(await admin.getByTestId('ssh-command').innerText(), /ssh /);
  assert.match(await admin.getByTestId('tunnel-port-ssh').innerText(), /127\.0\.0\.1:\d+/);
  const before = secondsOf(await admin.getByTestId('tunnel-countdown').innerText());
  assert.ok(before > 60, `countdown ${before}s`);
  await admin.waitForFunction((b) => {
    const t = document.querySelector('[data-testid=tunnel-countdown]')?.textContent || '';
    return t.split(':').map(Number).reduce((a, x) => a * 60 + x, 0) < b;
  }, before, { timeout: 5000 }); // it counts down
  await shot(admin, 'desktop-06-device-tunnel-open');
  await admin.getByRole('button', { name: 'Extend' }).click();
  await admin.waitForFunction((b) => {
    const t = document.querySelector('[data-testid=tunnel-countdown]')?.textContent || '';
    return t.split(':').map(Number).reduce((a, x) => a * 60 + x, 0) > b + 30;
  }, before);
  await admin.getByRole('button', { name: 'Close', exact: true }).click();
  await admin.getByRole('button', { name: 'Open remote connection' }).waitFor();
  assert.match(await admin.getByTestId('tunnel-state').innerText(), /clos/);
  assert.equal(await admin.getByRole('button', { name: 'Open web SSH' }).count(), 0);
});

// The terminal's visible rows (xterm's DOM renderer), trimmed.
const terminalRows = (page) => page.evaluate(() => [...document.querySelectorAll('[data-testid=terminal] .xterm-rows > div')]
  .map((r) => r.textContent.replace(/\u00a0/g, ' ').trimEnd()));
const PROMPT = /[#$>] ?$/;
async function waitForRow(page, re, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const rows = await terminalRows(page);
    const hit = rows.find((r) => re.test(r));
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no terminal row matching ${re}; rows:\n${rows.filter(Boolean).join('\n')}`);
    await page.waitForTimeout(100);
  }
}

// Closes DEVICE's open tunnels through the API (after a check that failed midway).
const closeTunnels = (page) => page.evaluate(async (dev) => {
  const r = await (await fetch(`/v1/tunnels?device=${dev}&state=OPEN`)).json();
  for (const t of r.sessions || []) await fetch(`/v1/${t.name}:close`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
}, DEVICE).catch(() => {});

await test('web SSH: key sign-in to a real sshd through the tunnel, a command, resize, disconnect', async () => {
  try {
    await webSsh();
  } catch (e) {
    await admin.setViewportSize(DESKTOP);
    await closeTunnels(admin);
    await admin.reload();
    throw e;
  }
});
async function webSsh() {
  assert.ok(process.env.SSH_KEY_FILE, 'SSH_KEY_FILE is not set (run through browser_test.sh)');
  const key = fs.readFileSync(process.env.SSH_KEY_FILE, 'utf8');
  const wrongKey = fs.readFileSync(process.env.SSH_KEY_FILE.replace(/client_ed25519$/, 'host_ed25519'), 'utf8');
  await admin.getByRole('button', { name: 'Open remote connection' }).click();
  await admin.waitForFunction(() => document.querySelector('[data-testid=tunnel-state]')?.textContent === 'open', null, { timeout: 30000 });
  await admin.getByRole('button', { name: 'Open web SSH' }).click();
  const card = admin.getByTestId('ssh-card');
  const form = card.getByTestId('ssh-form');
  // A key sshd does not accept: the API's reason is shown, and the secret fields are cleared.
  await form.getByLabel('SSH user').fill(process.env.SSH_USER);
  await form.getByRole('textbox', { name: /Private key/ }).fill(wrongKey);
  await form.getByRole('button', { name: 'Connect' }).click();
  await card.getByTestId('error').waitFor({ timeout: 20000 });
  assert.match(await card.getByTestId('error').innerText(), /SSH_AUTH_FAILED/);
  assert.equal(await card.getByTestId('ssh-state').innerText(), 'failed');
  assert.equal(await form.getByRole('textbox', { name: /Private key/ }).inputValue(), '');
  assert.equal(await form.getByLabel('SSH user').inputValue(), process.env.SSH_USER); // kept: not a secret
  await shot(admin, 'desktop-06a-web-ssh-refused');
  // The right key: ready with the host key's fingerprint and the limits.
  await form.getByRole('textbox', { name: /Private key/ }).fill(key);
  await form.getByRole('button', { name: 'Connect' }).click();
  await admin.waitForFunction(() => document.querySelector('[data-testid=ssh-state]')?.textContent === 'connected', null, { timeout: 20000 });
  assert.equal(await card.getByTestId('ssh-form').count(), 0);
  assert.equal(await card.getByTestId('ssh-fingerprint').innerText(), process.env.SSH_HOST_FINGERPRINT);
  assert.match(await card.getByTestId('ssh-limits').innerText(), /idle.*at most/);
  assert.equal(await admin.evaluate(() => [...document.querySelectorAll('textarea, input[type=password]')]
    .filter((e) => e.value).length), 0, 'no secret left in any field');
  await waitForRow(admin, PROMPT); // typed-ahead input can be lost while the login shell starts
  await card.getByTestId('terminal').click();
  await admin.keyboard.type('echo hello');
  await admin.keyboard.press('Enter');
  await waitForRow(admin, /^hello$/);
  // The terminal follows the window: a smaller window, a resize message, and the pty agrees.
  await admin.keyboard.type('echo "A $(stty size)"');
  await admin.keyboard.press('Enter');
  const before = (await waitForRow(admin, /^A \d+ \d+$/)).split(' ').slice(1).map(Number);
  await admin.setViewportSize({ width: 1000, height: 640 });
  await admin.waitForTimeout(500);
  await admin.keyboard.type('echo "B $(stty size)"');
  await admin.keyboard.press('Enter');
  const after = (await waitForRow(admin, /^B \d+ \d+$/)).split(' ').slice(1).map(Number);
  assert.ok(before[1] >= 80 && before[0] >= 15, `stty size at 1366x768: ${before}`);
  assert.ok(after[1] < before[1] && after[0] < before[0], `stty size ${before} -> ${after} after shrinking the window`);
  await admin.setViewportSize(DESKTOP);
  await admin.waitForTimeout(300);
  await admin.keyboard.type('clear; uname -sr; echo hello');
  await admin.keyboard.press('Enter');
  await waitForRow(admin, /^hello$/);
  await card.scrollIntoViewIfNeeded();
  await shot(admin, 'desktop-06b-web-ssh');
  await card.getByRole('button', { name: 'Disconnect' }).click();
  await card.getByTestId('ssh-closed').waitFor();
  assert.match(await card.getByTestId('ssh-closed').innerText(), /DISCONNECTED/);
  // A shell that exits: the server says why it closed.
  await form.getByRole('textbox', { name: /Private key/ }).fill(key);
  await form.getByRole('button', { name: 'Connect' }).click();
  await admin.waitForFunction(() => document.querySelector('[data-testid=ssh-state]')?.textContent === 'connected', null, { timeout: 20000 });
  await waitForRow(admin, PROMPT);
  await card.getByTestId('terminal').click();
  await admin.keyboard.type('exit');
  await admin.keyboard.press('Enter');
  await admin.waitForFunction(() => /REMOTE_CLOSED/.test(document.querySelector('[data-testid=ssh-closed]')?.textContent || ''), null, { timeout: 15000 });
  await shot(admin, 'desktop-06c-web-ssh-closed');
  // Left alone, a session ends for idleness (the stack runs the BFF with a short idle limit).
  if (process.env.SSH_IDLE_SECONDS) {
    await form.getByRole('textbox', { name: /Private key/ }).fill(key);
    await form.getByRole('button', { name: 'Connect' }).click();
    await admin.waitForFunction(() => document.querySelector('[data-testid=ssh-state]')?.textContent === 'connected', null, { timeout: 20000 });
    assert.match(await card.getByTestId('ssh-limits').innerText(), new RegExp(`after ${process.env.SSH_IDLE_SECONDS} s idle`));
    await admin.waitForFunction(() => /IDLE_TIMEOUT/.test(document.querySelector('[data-testid=ssh-closed]')?.textContent || ''),
      null, { timeout: (Number(process.env.SSH_IDLE_SECONDS) + 15) * 1000 });
  }
  await card.getByRole('button', { name: 'Hide' }).click();
  await admin.getByRole('button', { name: 'Close', exact: true }).click();
  await admin.getByRole('button', { name: 'Open remote connection' }).waitFor();
}

await test('take a camera snapshot and see the image', async () => {
  await admin.getByRole('button', { name: 'Snapshot' }).click();
  const img = admin.getByTestId('snapshot');
  await img.waitFor();
  await admin.waitForFunction(() => document.querySelector('[data-testid=snapshot]')?.naturalWidth > 0);
  await admin.getByRole('button', { name: 'Start stream' }).click();
  await admin.getByTestId('stream').waitFor();
  await shot(admin, 'desktop-07-device-camera');
  await admin.getByRole('button', { name: 'Stop stream' }).click();
  await admin.getByText('Stream stopped').waitFor();
});

await test('device config: desired vs reported, history and a diff between versions', async () => {
  const status = await admin.evaluate(async (dev) => {
    const codes = [];
    for (const [i, config] of [{ heartbeat: 30, ntp: 'pool.ntp.org' }, { heartbeat: 10, ntp: 'pool.ntp.org', vpn: true }].entries()) {
      const r = await fetch(`/v1/devices/${dev}/config:apply`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ config, comment: `browser test ${i + 1}` }),
      });
      codes.push(r.status);
    }
    return codes;
  }, DEVICE);
  assert.deepEqual(status, [200, 200]);
  await admin.reload();
  await admin.getByTestId('config-history').waitFor();
  assert.equal(await admin.locator('[data-testid=config-history] tbody tr').count(), 2);
  await admin.getByRole('button', { name: 'Show diff' }).click();
  await admin.getByTestId('config-diff').waitFor();
  const diff = await admin.getByTestId('config-diff').innerText();
  assert.match(diff, /\/heartbeat/);
  assert.match(diff, /\/vpn/);
  await admin.waitForFunction(() => document.querySelector('[data-testid=config-state]')?.textContent === 'in sync', null, { timeout: 20000 });
  await shot(admin, 'desktop-08-device-config');
});

let campaignId = '';
await test('admin creates an artifact and a campaign in the UI and watches it reach 100%', async () => {
  await admin.getByRole('link', { name: 'Campaigns' }).click();
  await admin.getByTestId('campaign-table').waitFor();
  await admin.getByTestId('new-campaign').click();
  const form = admin.getByTestId('create-campaign');
  await form.getByLabel('Campaign name').fill(`Browser test ${RUN}`);
  // An admin registers the artifact inline; it is then picked in the form.
  await form.getByRole('button', { name: '+ Register a new artifact' }).click();
  const art = admin.getByTestId('new-artifact');
  await art.getByLabel('Artifact name').fill('gw firmware');
  await art.getByLabel('Version').fill(`9.${RUN}.0`);
  await art.getByLabel('Download URL').fill('https://cdn.example.com/gw.bin');
  await art.getByLabel('SHA-256').fill('ab'.repeat(32));
  await art.getByLabel('Size in bytes').fill('1048576');
  await art.getByRole('button', { name: 'Create artifact' }).click();
  await art.waitFor({ state: 'detached' });
  await admin.waitForFunction(() => document.querySelector('[data-testid=artifact-select]')?.value.startsWith('artifacts/'));
  assert.match(await form.getByTestId('artifact-select').locator('option:checked').innerText(), new RegExp(`9\\.${RUN}\\.0`));
  const devices = [20, 21, 22, 23, 24, 25].map((i) => `dev-0000${i}`);
  await form.getByRole('textbox', { name: /Device ids/ }).fill(devices.join(', '));
  await form.getByLabel(/^Batch size/).fill('3');
  await form.getByLabel(/^Batch interval/).fill('2');
  await form.getByLabel(/^Pause when failures exceed/).fill('50');
  await form.getByLabel(/after this many finished/).fill('3');
  await shot(admin, 'desktop-09a-campaign-new');
  await form.getByRole('button', { name: 'Create campaign' }).click();
  await admin.waitForURL(/\/campaigns\/(?!new)[^/]+$/);
  campaignId = decodeURIComponent(new URL(admin.url()).pathname.split('/').pop());
  await admin.getByTestId('campaign-progress').waitFor();
  await admin.getByTestId('executions').waitFor();
  // Pause and resume through the buttons (the API's transitions), then watch it run.
  await admin.getByRole('button', { name: 'Pause' }).click();
  await admin.waitForFunction(() => document.querySelector('[data-testid=campaign-state]')?.textContent === 'paused');
  await admin.getByTestId('state-reason').waitFor();
  assert.match(await admin.getByTestId('state-reason').innerText(), /admin/);
  await admin.getByRole('button', { name: 'Resume' }).click();
  await admin.waitForFunction(() => ['running', 'scheduled', 'completed'].includes(document.querySelector('[data-testid=campaign-state]')?.textContent));
  await admin.waitForFunction(() => Number(document.querySelector('[data-testid=count-inFlight]')?.textContent) > 0
    || Number(document.querySelector('[data-testid=count-succeeded]')?.textContent) > 0, null, { timeout: 30000 });
  await shot(admin, 'desktop-09b-campaign-running');
  await admin.waitForFunction(() => document.querySelector('[data-testid=campaign-state]')?.textContent === 'completed',
    null, { timeout: 60000 });
  assert.equal(await admin.getByTestId('campaign-percent').innerText(), '100%');
  assert.equal(await admin.getByTestId('count-succeeded').innerText(), '6');
  await admin.waitForFunction(() => [...document.querySelectorAll('[data-testid=executions] tbody tr')]
    .filter((tr) => /succeeded/.test(tr.textContent)).length === 6);
  // Per-batch progress: two batches of 3, each at 100% succeeded; no current batch once ended.
  await admin.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid=batches] tbody tr[data-total]')];
    return rows.length === 2 && rows.every((tr) => tr.dataset.total === '3' && tr.dataset.succeeded === '3');
  });
  assert.deepEqual(await admin.locator('[data-testid=batches] [data-testid^=batch-percent-]').allInnerTexts(), ['100%', '100%']);
  assert.equal(await admin.locator('[data-testid=batches] tr.selected').count(), 0);
  await shot(admin, 'desktop-09e-campaign-batches');
  assert.equal(await admin.getByRole('button', { name: 'Pause' }).count(), 0);
  // A device's log: its state changes, oldest first, ending in SUCCEEDED.
  await admin.getByTestId(`exec-${devices[4]}`).getByRole('button', { name: 'Log' }).click();
  await admin.getByTestId('timeline').getByText('succeeded').first().waitFor();
  assert.ok(await admin.locator('[data-testid=timeline] tbody tr').count() >= 3);
  await shot(admin, 'desktop-09c-campaign-completed');
  await admin.getByRole('link', { name: 'Campaigns', exact: true }).first().click();
  const row = admin.getByTestId(`campaign-${campaignId}`);
  await row.waitFor();
  assert.match(await row.innerText(), /completed/);
  assert.match(await row.innerText(), /100%/);
  await shot(admin, 'desktop-09-campaigns');
  // The device page lists the campaign in the device's history.
  await admin.goto(`${BASE}/devices/${devices[4]}`);
  const history = admin.getByTestId(`device-campaign-${campaignId}`);
  await history.getByText(`Browser test ${RUN}`).waitFor();
  assert.match(await history.innerText(), /succeeded/);
  assert.match(await history.innerText(), /100%/);
  await history.scrollIntoViewIfNeeded();
  await shot(admin, 'desktop-09d-device-campaigns');
});

await test('admin creates an API key (secret shown once) and sees its calls', async () => {
  await admin.getByTestId('nav-admin').click();
  await admin.getByLabel('Key name').fill(KEY_NAME);
  await admin.getByRole('button', { name: 'Create key' }).click();
  await admin.getByTestId('secret').waitFor();
  const secret = await admin.getByTestId('secret-value').innerText();
  assert.match(secret, /^fk_/);
  const call = await fetch(BASE + `/v1/devices/${DEVICE}`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(call.status, 200);
  await shot(admin, 'desktop-10-admin-keys-secret');
  await admin.getByRole('button', { name: 'Done' }).click();
  await admin.getByTestId('secret').waitFor({ state: 'detached' });
  const row = admin.locator('[data-testid=keys] tbody tr', { hasText: KEY_NAME });
  await row.getByRole('button', { name: 'Calls' }).click();
  await admin.getByTestId('calls').getByText(`/v1/devices/${DEVICE}`).waitFor();
  await shot(admin, 'desktop-11-admin-keys-calls');
});

await test('admin creates an operator through the users page', async () => {
  await admin.getByRole('link', { name: 'Users' }).click();
  const form = admin.getByTestId('create-user');
  await form.getByLabel('User id').fill(OPERATOR);
  await form.getByLabel('Display name').fill('Olga Operator');
  await form.getByLabel('Role').selectOption('operator');
  await form.getByLabel('Password').fill('olga-password-1');
  await form.getByRole('button', { name: 'Create user' }).click();
  await admin.getByTestId(`user-${OPERATOR}`).waitFor();
  await shot(admin, 'desktop-12-admin-users');
  await admin.getByRole('link', { name: 'Audit log' }).click();
  await admin.getByTestId('audit').getByText('POST /v1/users').first().waitFor();
  await shot(admin, 'desktop-13-admin-audit');
});

await test('an operator sees no admin pages and the API refuses them (403)', async () => {
  const op = await newPage(DESKTOP);
  await signIn(op, OPERATOR, 'olga-password-1');
  assert.equal(await op.getByTestId('role').textContent(), 'operator');
  assert.equal(await op.getByTestId('nav-admin').count(), 0);
  const status = await op.evaluate(async () => (await fetch('/v1/apiKeys')).status);
  assert.equal(status, 403);
  await op.goto(BASE + '/admin/keys');
  await op.getByText('Admin only').waitFor();
  assert.equal(await op.getByTestId('keys').count(), 0);
  await shot(op, 'desktop-14-operator-admin-refused');
  await op.context().close();
});

await test('every page renders at phone width (390x844)', async () => {
  const phone = await newPage(PHONE);
  await phone.goto(BASE + '/');
  await phone.getByLabel('User').waitFor();
  await shot(phone, 'phone-01-signin');
  await signIn(phone, 'admin', ADMIN_PASSWORD);
  await phone.getByTestId('device-table').waitFor();
  await phone.waitForFunction(() => Number(document.querySelector('[data-testid=count-online]')?.textContent) > 0);
  await shot(phone, 'phone-02-fleet');
  await phone.goto(`${BASE}/devices/${DEVICE}`);
  await phone.getByTestId('presence-state').waitFor();
  await phone.getByRole('button', { name: 'Open remote connection' }).click();
  await phone.getByTestId('tunnel-countdown').waitFor({ timeout: 30000 });
  await phone.getByRole('button', { name: 'Snapshot' }).click();
  await phone.waitForFunction(() => document.querySelector('[data-testid=snapshot]')?.naturalWidth > 0);
  await shot(phone, 'phone-03-device');
  await phone.getByRole('button', { name: 'Open web SSH' }).click();
  await phone.getByTestId('ssh-form').waitFor();
  const sshOverflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(sshOverflow <= 1, `the web SSH form scrolls sideways by ${sshOverflow}px at phone width`);
  await shot(phone, 'phone-03a-web-ssh-form');
  if (process.env.SSH_KEY_FILE) {
    const form = phone.getByTestId('ssh-form');
    await form.getByLabel('SSH user').fill(process.env.SSH_USER);
    await form.getByRole('textbox', { name: /Private key/ }).fill(fs.readFileSync(process.env.SSH_KEY_FILE, 'utf8'));
    await form.getByRole('button', { name: 'Connect' }).click();
    await phone.waitForFunction(() => document.querySelector('[data-testid=ssh-state]')?.textContent === 'connected', null, { timeout: 20000 });
    await waitForRow(phone, PROMPT);
    await phone.getByTestId('terminal').click();
    await phone.keyboard.type('echo "P $(stty size)"');
    await phone.keyboard.press('Enter');
    const [rows, cols] = (await waitForRow(phone, /^P \d+ \d+$/)).split(' ').slice(1).map(Number);
    assert.ok(cols >= 30 && cols < 60 && rows >= 10, `stty size at phone width: ${rows} ${cols}`);
    const termOverflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(termOverflow <= 1, `the web SSH terminal scrolls sideways by ${termOverflow}px at phone width`);
    await shot(phone, 'phone-03b-web-ssh');
  }
  await phone.getByRole('button', { name: 'Hide' }).click();
  await phone.getByRole('button', { name: 'Close', exact: true }).click();
  await phone.getByRole('button', { name: 'Open remote connection' }).waitFor();
  const pages = [['/campaigns', 'phone-04-campaigns', '[data-testid=campaign-table]'],
    ['/campaigns/new', 'phone-04a-campaign-new', '[data-testid=create-campaign]']];
  if (campaignId) pages.push([`/campaigns/${campaignId}`, 'phone-04b-campaign-detail', '[data-testid=executions]']);
  for (const [url, name, sel] of [...pages,
    ['/admin/keys', 'phone-05-admin-keys', '[data-testid=keys]'], ['/admin/users', 'phone-06-admin-users', '[data-testid=users]'],
    ['/admin/audit', 'phone-07-admin-audit', '[data-testid=audit]']]) {
    await phone.goto(BASE + url);
    await phone.locator(sel).first().waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${url} scrolls sideways by ${overflow}px at phone width`);
    await shot(phone, name);
  }
  await phone.context().close();
});

await test('no console errors or CSP violations', async () => {
  assert.deepEqual(problems, []);
});

await browser.close();
const failed = results.filter((r) => !r.ok);
console.log(`${results.length - failed.length} passed, ${failed.length} failed; ${shots} screenshots in ${SCREENS}${COPY ? ` and ${COPY}` : ''}`);
process.exit(failed.length ? 1 : 0);
