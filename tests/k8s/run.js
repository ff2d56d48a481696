'use strict';
// Offline checks of deploy/ (see tests/k8s/README.md). Prints one line per failed or skipped
// case, notes, a summary per suite and "N passed, N failed, N skipped"; exits 1 on any failure.
// Writes JUnit XML to $K8S_JUNIT when set.
const fs = require('fs');
const path = require('path');
const {spawnSync} = require('child_process');
const YAML = require('yaml');
const {render} = require('./lib/kustomize');
const {validateObject} = require('./lib/validate');
const {policy, RULES} = require('./lib/policy');
const {CHECKS, containerEnv, workloads} = require('./lib/refs');
const {flagsFromSources, flagsFromBinary} = require('./lib/flags');
const {metricNames, exportedMetrics, baseName} = require('./lib/metrics');
const {lint} = require('./lib/dockerlint');

const HERE = __dirname;
const ROOT = path.resolve(HERE, '..', '..');
const DEPLOY = path.join(ROOT, 'deploy');
const TESTDATA = path.join(HERE, 'testdata');
const OVERLAYS = ['dev', 'prod'];
const KUSTOMIZATIONS = ['k8s/base', 'k8s/operators', 'monitoring', 'k8s/overlays/dev', 'k8s/overlays/prod'];

const results = [];
const notes = [];
function test(suite, name, fn) {
  const t0 = Date.now();
  let status = 'pass';
  let message = '';
  try {
    const r = fn();
    if (r && r.skip) { status = 'skip'; message = r.skip; }
    else if (Array.isArray(r) && r.length) { status = 'fail'; message = r.join('\n'); }
  } catch (e) {
    status = 'fail';
    message = e && e.stack ? String(e.message) : String(e);
  }
  results.push({suite, name, status, message, seconds: (Date.now() - t0) / 1000});
}
const note = (s) => notes.push(s);

// ---- render -------------------------------------------------------------------------------
const rendered = {};
for (const k of KUSTOMIZATIONS) {
  test('render', k, () => {
    const objs = render(path.join(DEPLOY, k));
    if (!objs.length) return ['renders no objects'];
    rendered[k] = objs;
    return [];
  });
}
const overlay = (o) => rendered[`k8s/overlays/${o}`];

// ---- equivalence with a real kustomize (when one is on the machine) ------------------------
function realKustomize() {
  const cands = [];
  if (process.env.K8S_KUSTOMIZE) cands.push(process.env.K8S_KUSTOMIZE.split(' '));
  cands.push(['kustomize', 'build'], ['kubectl', 'kustomize']);
  for (const c of cands) {
    const r = spawnSync(c[0], [...c.slice(1), path.join(TESTDATA, 'kustomize', 'probe')], {encoding: 'utf8', timeout: 20000});
    if (r.status === 0 && /probe-flags-/.test(r.stdout)) return c;
  }
  return null;
}
const canonical = (o) => JSON.stringify(o, Object.keys(flattenKeys(o)).sort());
function flattenKeys(o, acc = {}) {
  if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) { acc[k] = true; flattenKeys(v, acc); }
  return acc;
}
const real = realKustomize();
for (const o of OVERLAYS) {
  test('kustomize-equivalence', `overlay ${o} renders like ${real ? real.join(' ') : 'a real kustomize'}`, () => {
    if (!real) return {skip: 'no kustomize or kubectl with kustomize on this machine (set K8S_KUSTOMIZE)'};
    if (!overlay(o)) return ['not rendered'];
    const r = spawnSync(real[0], [...real.slice(1), path.join(DEPLOY, 'k8s/overlays', o)], {encoding: 'utf8', timeout: 60000});
    if (r.status !== 0) return [`${real.join(' ')} failed: ${r.stderr.slice(0, 500)}`];
    const theirs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS()).filter(Boolean);
    const key = (x) => `${x.apiVersion}/${x.kind}/${x.metadata.namespace || ''}/${x.metadata.name}`;
    const mine = new Map(overlay(o).map((x) => [key(x), x]));
    const out = [];
    for (const t of theirs) {
      const m = mine.get(key(t));
      if (!m) { out.push(`only kustomize renders ${key(t)}`); continue; }
      if (canonical(m) !== canonical(t)) out.push(`${key(t)} differs:\n  ours:   ${canonical(m).slice(0, 400)}\n  theirs: ${canonical(t).slice(0, 400)}`);
      mine.delete(key(t));
    }
    for (const k of mine.keys()) out.push(`only we render ${k}`);
    return out;
  });
}

// ---- schemas ------------------------------------------------------------------------------
for (const o of OVERLAYS) {
  for (const obj of overlay(o) || []) {
    test('schema', `${o} ${obj.kind}/${obj.metadata.name}`, () => validateObject(obj));
  }
}

// ---- policy -------------------------------------------------------------------------------
for (const o of OVERLAYS) {
  const objs = overlay(o);
  const found = objs ? policy(objs, {env: o}) : null;
  for (const rule of RULES) test('policy', `${o} ${rule}`, () => (found ? found[rule] : ['not rendered']));
}

// ---- cross-references -----------------------------------------------------------------------
const readme = fs.existsSync(path.join(DEPLOY, 'README.md')) ? fs.readFileSync(path.join(DEPLOY, 'README.md'), 'utf8') : '';
for (const o of OVERLAYS) {
  for (const [name, fn] of Object.entries(CHECKS)) test('refs', `${o} ${name}`, () => (overlay(o) ? fn(overlay(o), {readme}) : ['not rendered']));
}

// ---- flags: the ConfigMaps set exactly flags the binaries accept ---------------------------
const components = JSON.parse(fs.readFileSync(path.join(HERE, 'components.json'), 'utf8'));
const binDirs = [process.env.K8S_BIN_DIR, path.join(ROOT, 'bazel-bin')].filter(Boolean);
const envName = (f) => 'FLEET_' + f.toUpperCase().replace(/[-.]/g, '_');
const accepted = {};
for (const [image, c] of Object.entries(components)) {
  if (image.startsWith('_')) continue;
  const src = flagsFromSources(ROOT, c.sources);
  let bin = flagsFromBinary(binDirs, c.binary);
  if (bin && !bin.error && src && bin.mtime < src.mtime) {
    note(`${image}: ${bin.from.replace(' --help', '')} is older than ${src.from}: stale build, flags read from the sources`);
    bin = null;
  }
  if (bin && bin.error) { test('flags', `${image} --help`, () => [bin.error]); continue; }
  if (src && bin) {
    test('flags', `${image} source registrations match ${c.binary} --help`, () => {
      const a = [...src.flags].filter((f) => !bin.flags.has(f)).map((f) => `--${f} in ${src.from} but not in --help`);
      const b = [...bin.flags].filter((f) => !src.flags.has(f)).map((f) => `--${f} in --help but not registered in ${src.from} (stale binary?)`);
      return [...a, ...b];
    });
  }
  let flags;
  let from;
  if (bin) { flags = bin.flags; from = bin.from; } else if (src) { flags = src.flags; from = src.from; }
  else if (c.provisional) { flags = new Set(c.provisional); from = 'provisional list in tests/k8s/components.json'; note(`${image}: no source or binary yet; flags checked against the provisional list (${c.provisional.join(', ')})`); }
  else { test('flags', `${image} flags known`, () => [`neither ${c.binary} nor ${c.sources.join(', ')} exists`]); continue; }
  if (!bin && src) note(`${image}: flags read from ${from} (no up-to-date binary; set K8S_BIN_DIR to check --help too)`);
  for (const p of c.pending || []) {
    if (flags.has(p)) note(`${image}: pending flag --${p} now exists in ${from}: remove it from "pending" in components.json`);
    else note(`${image}: --${p} is set by the manifests but not accepted yet by ${from} (pending)`);
  }
  accepted[image] = {flags: new Set([...flags, ...(c.pending || [])]), from, required: c.required || []};
}
function checkContainerFlags(image, env) {
  const a = accepted[image];
  if (!a) return [`no flag list for ${image}`];
  const envs = new Map([...a.flags].map((f) => [envName(f), f]));
  const out = [];
  for (const k of Object.keys(env)) {
    if (!k.startsWith('FLEET_')) continue;
    if (!envs.has(k)) out.push(`${k} is no flag of ${image} (${a.from})`);
  }
  for (const r of a.required) if (!(envName(r) in env)) out.push(`required --${r} (${envName(r)}) is not set`);
  return out;
}
const imageKey = (img) => { const m = /(fleetd\/[a-z0-9-]+)(?::|@|$)/.exec(img); return m ? m[1] : null; };
for (const o of OVERLAYS) {
  for (const {o: w, spec} of workloads(overlay(o) || [])) {
    for (const c of spec.containers) {
      const image = imageKey(c.image);
      if (!image) continue;
      test('flags', `${o} ${w.metadata.name} sets only flags of ${image}`, () => checkContainerFlags(image, containerEnv(overlay(o), c)));
    }
  }
}
// Negative: a renamed or misspelled flag must fail.
for (const f of fs.readdirSync(path.join(TESTDATA, 'flags')).filter((x) => x.endsWith('.env'))) {
  test('flags-negative', f, () => {
    const text = fs.readFileSync(path.join(TESTDATA, 'flags', f), 'utf8');
    const image = /^# image: (\S+)/m.exec(text)[1];
    const expect = /^# expect: (.+)$/m.exec(text)[1];
    const env = {};
    for (const line of text.split('\n')) if (/^[A-Z_]+=/.test(line)) env[line.split('=')[0]] = line.slice(line.indexOf('=') + 1);
    const problems = checkContainerFlags(image, env);
    return problems.some((p) => p.includes(expect)) ? [] : [`expected a problem mentioning "${expect}", got: ${problems.join('; ') || 'none'}`];
  });
}

// ---- negative fixtures: policy, schema, renderer -------------------------------------------
const loadDocs = (file) => YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
const polDir = path.join(TESTDATA, 'policy');
test('policy-negative', 'good.yaml passes every rule', () => {
  const r = policy(loadDocs(path.join(polDir, 'good.yaml')), {env: 'prod'});
  return Object.entries(r).filter(([, v]) => v.length).map(([k, v]) => `${k}: ${v.join('; ')}`);
});
for (const f of fs.readdirSync(polDir).filter((x) => x.startsWith('bad-'))) {
  test('policy-negative', f, () => {
    const text = fs.readFileSync(path.join(polDir, f), 'utf8');
    const expect = /^# expect: (.+)$/m.exec(text)[1].trim().split(/\s+/);
    const r = policy(loadDocs(path.join(polDir, f)), {env: 'prod'});
    const fired = Object.entries(r).filter(([, v]) => v.length).map(([k]) => k);
    const out = [];
    for (const e of expect) {
      if (!r[e]) out.push(`unknown rule ${e}`);
      else if (!fired.includes(e)) out.push(`rule ${e} did not fire`);
    }
    const others = fired.filter((k) => !expect.includes(k));
    if (others.length) out.push(`fixture also breaks ${others.join(', ')}: it must isolate ${expect.join(' ')}`);
    return out;
  });
}
for (const f of fs.readdirSync(path.join(TESTDATA, 'schema'))) {
  test('schema-negative', f, () => {
    const text = fs.readFileSync(path.join(TESTDATA, 'schema', f), 'utf8');
    const expect = /^# expect: (.+)$/m.exec(text)[1];
    const errors = loadDocs(path.join(TESTDATA, 'schema', f)).flatMap(validateObject);
    return errors.some((e) => e.includes(expect)) ? [] : [`expected an error mentioning "${expect}", got: ${errors.join('; ') || 'none'}`];
  });
}
for (const d of fs.readdirSync(path.join(TESTDATA, 'kustomize')).filter((x) => x.startsWith('bad-'))) {
  test('render-negative', d, () => {
    const expect = fs.readFileSync(path.join(TESTDATA, 'kustomize', d, 'expect.txt'), 'utf8').trim();
    try { render(path.join(TESTDATA, 'kustomize', d)); } catch (e) {
      return String(e.message).includes(expect) ? [] : [`failed, but not with "${expect}": ${e.message}`];
    }
    return [`rendered; expected an error with "${expect}"`];
  });
}
test('render-negative', 'probe renders the ConfigMap hash kustomize computes', () => {
  const objs = render(path.join(TESTDATA, 'kustomize', 'probe'));
  const want = fs.readFileSync(path.join(TESTDATA, 'kustomize', 'probe', 'expect.txt'), 'utf8').trim();
  const cm = objs.find((o) => o.kind === 'ConfigMap');
  return cm.metadata.name === want ? [] : [`got ${cm.metadata.name}, kustomize v5 names it ${want}`];
});

// ---- monitoring -------------------------------------------------------------------------------
const pending = JSON.parse(fs.readFileSync(path.join(HERE, 'metrics-pending.json'), 'utf8'));
const exported = exportedMetrics(ROOT);
const EXTERNAL = [/^kafka_/, /^up$/, /^cnpg_/, /^kube_/];
function unknownMetrics(exprs, where) {
  const out = [];
  for (const e of exprs) {
    for (const n of metricNames(e)) {
      const b = baseName(n);
      if (exported.has(b) || exported.has(n) || EXTERNAL.some((r) => r.test(n))) continue;
      if (pending[b]) continue;
      out.push(`${where}: metric ${n} is exported by no service (and not in metrics-pending.json)`);
    }
  }
  return out;
}
for (const [b, why] of Object.entries(pending)) {
  if (b.startsWith('_')) continue;
  note(exported.has(b) ? `metric ${b} is now exported: remove it from tests/k8s/metrics-pending.json` : `pending metric ${b} (${why})`);
}
test('monitoring', 'grafana dashboard is valid and uses exported metrics', () => {
  const d = JSON.parse(fs.readFileSync(path.join(DEPLOY, 'monitoring/grafana-dashboard.json'), 'utf8'));
  const out = [];
  if (!d.uid || !d.title || !Array.isArray(d.panels)) out.push('dashboard needs uid, title, panels');
  const ids = new Set();
  for (const p of d.panels) {
    if (ids.has(p.id)) out.push(`panel id ${p.id} repeated`);
    ids.add(p.id);
    if (p.type === 'row') continue;
    if (!p.gridPos || !(p.targets || []).length) out.push(`panel ${p.title}: no gridPos or targets`);
    out.push(...unknownMetrics((p.targets || []).map((t) => t.expr), `panel "${p.title}"`));
  }
  return out;
});
test('monitoring', 'alert rules use exported metrics', () => {
  const rule = loadDocs(path.join(DEPLOY, 'monitoring/prometheus-rules.yaml'))[0];
  return rule.spec.groups.flatMap((g) => g.rules.flatMap((r) => unknownMetrics([r.expr], `alert ${r.alert}`)));
});
test('monitoring', 'alert expressions have balanced brackets', () => {
  const rule = loadDocs(path.join(DEPLOY, 'monitoring/prometheus-rules.yaml'))[0];
  const out = [];
  for (const g of rule.spec.groups) for (const r of g.rules) {
    const s = r.expr.replace(/"(?:[^"\\]|\\.)*"/g, '');
    for (const [a, b] of [['(', ')'], ['{', '}'], ['[', ']']]) if (s.split(a).length !== s.split(b).length) out.push(`${r.alert}: unbalanced ${a}${b}`);
  }
  return out;
});

// ---- Dockerfile -----------------------------------------------------------------------------
test('dockerfile', 'deploy/docker/Dockerfile passes the lint', () =>
  lint(fs.readFileSync(path.join(DEPLOY, 'docker/Dockerfile'), 'utf8')).map((p) => `line ${p.line} ${p.rule}: ${p.message}`));
for (const f of fs.readdirSync(path.join(TESTDATA, 'docker'))) {
  test('dockerfile-negative', f, () => {
    const text = fs.readFileSync(path.join(TESTDATA, 'docker', f), 'utf8');
    const expect = /^# expect: (\S+)/m.exec(text)[1];
    const rules = lint(text).map((p) => p.rule);
    return rules.includes(expect) ? [] : [`rule ${expect} did not fire (got: ${rules.join(', ') || 'none'})`];
  });
}

// ---- report ----------------------------------------------------------------------------------
const suites = [...new Set(results.map((r) => r.suite))];
for (const r of results.filter((x) => x.status !== 'pass')) {
  console.log(`${r.status.toUpperCase()} [${r.suite}] ${r.name}`);
  if (r.message) console.log(r.message.split('\n').map((l) => '    ' + l).join('\n'));
}
if (notes.length) {
  console.log('Notes:');
  for (const n of notes) console.log(`  - ${n}`);
}
console.log('Suites:');
for (const s of suites) {
  const rs = results.filter((r) => r.suite === s);
  const c = (st) => rs.filter((r) => r.status === st).length;
  console.log(`  ${s.padEnd(22)} ${String(c('pass')).padStart(4)} passed ${String(c('fail')).padStart(3)} failed ${String(c('skip')).padStart(2)} skipped`);
}
const count = (st) => results.filter((r) => r.status === st).length;
if (process.env.K8S_JUNIT) {
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="k8s" tests="${results.length}" failures="${count('fail')}" errors="0" skipped="${count('skip')}">\n`;
  for (const s of suites) {
    const rs = results.filter((r) => r.suite === s);
    xml += `  <testsuite name="k8s.${esc(s)}" tests="${rs.length}" failures="${rs.filter((r) => r.status === 'fail').length}" errors="0" skipped="${rs.filter((r) => r.status === 'skip').length}">\n`;
    for (const r of rs) {
      xml += `    <testcase classname="k8s.${esc(s)}" name="${esc(r.name)}" time="${r.seconds.toFixed(3)}"`;
      if (r.status === 'pass') xml += '/>\n';
      else if (r.status === 'skip') xml += `><skipped message="${esc(r.message)}"/></testcase>\n`;
      else xml += `><failure message="${esc(r.message.split('\n')[0])}">${esc(r.message)}</failure></testcase>\n`;
    }
    xml += '  </testsuite>\n';
  }
  xml += '</testsuites>\n';
  fs.mkdirSync(path.dirname(path.resolve(process.env.K8S_JUNIT)), {recursive: true});
  fs.writeFileSync(process.env.K8S_JUNIT, xml);
}
console.log(`k8s: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`);
process.exit(count('fail') ? 1 : 0);
