'use strict';
// A renderer for the subset of kustomize that deploy/ uses, written to behave like
// `kubectl kustomize` (kustomize v5) for that subset and to refuse everything else:
//   resources (files and directories with a kustomization.yaml), namespace,
//   configMapGenerator (envs, files, literals, options.labels; name hash suffix as kustomize
//   computes it, and references to the ConfigMap rewritten), patches (strategic merge or JSON
//   6902, from `path` or inline `patch`, optional `target`), replicas, images, labels (pairs,
//   includeSelectors: false, includeTemplates).
// Any other kustomization field is an error, so nothing is silently ignored. When a real
// kustomize is on the machine, run.js compares its output with ours object by object.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const YAML = require('yaml');
const {strategicMerge} = require('./smp');
const {applyJsonPatch} = require('./jsonpatch');

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'configMapGenerator',
  'patches', 'replicas', 'images', 'labels']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

class KustomizeError extends Error {}
// Generated ConfigMaps (patches change objects in place, so identity survives).
const GENERATED = new WeakSet();

function readYamlDocs(file) {
  const text = fs.readFileSync(file, 'utf8');
  const docs = YAML.parseAllDocuments(text);
  const out = [];
  for (const d of docs) {
    if (d.errors.length) throw new KustomizeError(`${file}: ${d.errors[0].message}`);
    const v = d.toJS();
    if (v === null || v === undefined) continue;
    out.push(v);
  }
  return out;
}

function findKustomization(dir) {
  for (const n of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    const p = path.join(dir, n);
    if (fs.existsSync(p)) return p;
  }
  throw new KustomizeError(`${dir}: no kustomization.yaml`);
}

function id(o) {
  return `${o.apiVersion}/${o.kind}/${(o.metadata && o.metadata.namespace) || ''}/${o.metadata && o.metadata.name}`;
}

// Files named by a kustomization must stay inside its directory (as kustomize's load restrictor
// requires), except directories given as resources (other kustomizations).
function inside(root, rel, what) {
  const p = path.resolve(root, rel);
  if (!p.startsWith(path.resolve(root) + path.sep)) {
    throw new KustomizeError(`${root}: ${what} ${rel} is outside the kustomization root`);
  }
  if (!fs.existsSync(p)) throw new KustomizeError(`${root}: ${what} ${rel} does not exist`);
  return p;
}

function parseEnvFile(file) {
  const data = {};
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new KustomizeError(`${file}:${i + 1}: not KEY=VALUE`);
    const key = line.slice(0, eq);
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) throw new KustomizeError(`${file}:${i + 1}: invalid key ${key}`);
    if (key in data) throw new KustomizeError(`${file}:${i + 1}: duplicate key ${key}`);
    data[key] = line.slice(eq + 1);
  });
  return data;
}

// JSON as Go's encoding/json writes it (sorted map keys, HTML-safe escapes), which is what
// kustomize hashes.
function goJson(v) {
  if (v === null || typeof v !== 'object') {
    return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g,
      (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  }
  if (Array.isArray(v)) return '[' + v.map(goJson).join(',') + ']';
  return '{' + Object.keys(v).sort().map((k) => goJson(k) + ':' + goJson(v[k])).join(',') + '}';
}

// kustomize's name suffix for a ConfigMap: sha256 of {"data","kind","name"} where kustomize v5
// leaves the name empty (checked against kubectl kustomize), first 10 hex digits with 0,1,3,a,e
// replaced so the suffix never reads as a number or a word.
function configMapHash(cm) {
  const m = {kind: 'ConfigMap', name: '', data: cm.data || {}};
  if (cm.binaryData && Object.keys(cm.binaryData).length) m.binaryData = cm.binaryData;
  const hex = crypto.createHash('sha256').update(goJson(m)).digest('hex');
  const sub = {0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't'};
  return hex.slice(0, 10).split('').map((c) => sub[c] || c).join('');
}

function generateConfigMap(root, g) {
  for (const k of Object.keys(g)) {
    if (!['name', 'envs', 'files', 'literals', 'options', 'behavior'].includes(k)) {
      throw new KustomizeError(`${root}: configMapGenerator field ${k} is not supported`);
    }
  }
  if (g.behavior && g.behavior !== 'create') throw new KustomizeError(`${root}: only behavior: create is supported`);
  const data = {};
  const put = (k, v, src) => {
    if (k in data) throw new KustomizeError(`${root}: configMap ${g.name}: duplicate key ${k} (${src})`);
    data[k] = v;
  };
  for (const e of g.envs || []) {
    const d = parseEnvFile(inside(root, e, 'env file'));
    for (const [k, v] of Object.entries(d)) put(k, v, e);
  }
  for (const f of g.files || []) {
    const [key, rel] = f.includes('=') ? f.split('=', 2) : [path.basename(f), f];
    put(key, fs.readFileSync(inside(root, rel, 'file'), 'utf8'), f);
  }
  for (const l of g.literals || []) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new KustomizeError(`${root}: literal ${l} is not KEY=VALUE`);
    put(l.slice(0, eq), l.slice(eq + 1), 'literal');
  }
  const opts = g.options || {};
  for (const k of Object.keys(opts)) {
    if (!['labels', 'annotations'].includes(k)) throw new KustomizeError(`${root}: generator option ${k} is not supported`);
  }
  const cm = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: g.name}, data};
  GENERATED.add(cm);
  if (opts.labels) cm.metadata.labels = {...opts.labels};
  if (opts.annotations) cm.metadata.annotations = {...opts.annotations};
  return cm;
}

function matchesTarget(o, t) {
  if (!t) return true;
  for (const k of Object.keys(t)) {
    if (!['kind', 'name', 'group', 'version', 'namespace'].includes(k)) {
      throw new KustomizeError(`patch target field ${k} is not supported`);
    }
  }
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const re = (p) => new RegExp('^(?:' + p + ')$');
  if (t.kind && !re(t.kind).test(o.kind)) return false;
  if (t.name && !re(t.name).test(o.metadata.name)) return false;
  if (t.group !== undefined && !re(t.group).test(group)) return false;
  if (t.version && !re(t.version).test(version)) return false;
  if (t.namespace && !re(t.namespace).test(o.metadata.namespace || '')) return false;
  return true;
}

function applyPatch(root, objs, p) {
  for (const k of Object.keys(p)) {
    if (!['path', 'patch', 'target'].includes(k)) throw new KustomizeError(`${root}: patch field ${k} is not supported`);
  }
  const text = p.path ? fs.readFileSync(inside(root, p.path, 'patch'), 'utf8') : p.patch;
  if (typeof text !== 'string') throw new KustomizeError(`${root}: a patch needs path or patch`);
  const docs = YAML.parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d != null);
  const where = p.path || 'inline patch';
  if (docs.length === 1 && Array.isArray(docs[0])) {
    if (!p.target) throw new KustomizeError(`${root}: JSON 6902 patch ${where} needs a target`);
    const hit = objs.filter((o) => matchesTarget(o, p.target));
    if (!hit.length) throw new KustomizeError(`${root}: patch ${where} matches no resource`);
    for (const o of hit) {
      const r = applyJsonPatch(o, docs[0]);
      Object.keys(o).forEach((k) => delete o[k]);
      Object.assign(o, r);
    }
    return;
  }
  for (const doc of docs) {
    const hit = objs.filter((o) => p.target ? matchesTarget(o, p.target)
      : o.kind === doc.kind && o.metadata.name === doc.metadata.name &&
        (!doc.apiVersion || o.apiVersion.split('/')[0] === doc.apiVersion.split('/')[0]));
    if (!hit.length) throw new KustomizeError(`${root}: patch ${where} (${doc.kind}/${doc.metadata && doc.metadata.name}) matches no resource`);
    for (const o of hit) {
      const patch = JSON.parse(JSON.stringify(doc));
      if (p.target) { delete patch.metadata; }  // a targeted SMP keeps the target's identity
      const r = strategicMerge(o, patch);
      Object.keys(o).forEach((k) => delete o[k]);
      Object.assign(o, r);
    }
  }
}

function podSpecs(o) {
  const out = [];
  if (WORKLOADS.has(o.kind) && o.spec && o.spec.template && o.spec.template.spec) out.push(o.spec.template.spec);
  if (o.kind === 'CronJob' && o.spec && o.spec.jobTemplate) out.push(o.spec.jobTemplate.spec.template.spec);
  if (o.kind === 'Pod' && o.spec) out.push(o.spec);
  return out;
}

function applyImages(objs, images) {
  for (const img of images) {
    for (const o of objs) {
      for (const spec of podSpecs(o)) {
        for (const c of [...(spec.containers || []), ...(spec.initContainers || [])]) {
          const m = /^(.*?)(?::([^:/@]+))?(?:@(.+))?$/.exec(c.image);
          if (m[1] !== img.name) continue;
          const name = img.newName || m[1];
          let ref = m[2] ? ':' + m[2] : (m[3] ? '@' + m[3] : '');
          if (img.newTag) ref = ':' + img.newTag;
          if (img.digest) ref = '@' + img.digest;
          c.image = name + ref;
        }
      }
    }
  }
}

function build(dir) {
  const root = path.resolve(dir);
  const kfile = findKustomization(root);
  const docs = readYamlDocs(kfile);
  if (docs.length !== 1) throw new KustomizeError(`${kfile}: expected one document`);
  const k = docs[0];
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key)) throw new KustomizeError(`${kfile}: field "${key}" is not supported by this renderer`);
  }
  let objs = [];
  for (const r of k.resources || []) {
    const p = path.resolve(root, r);
    if (!fs.existsSync(p)) throw new KustomizeError(`${kfile}: resource ${r} does not exist`);
    if (fs.statSync(p).isDirectory()) {
      objs.push(...build(p).objects);
    } else {
      inside(root, r, 'resource');
      for (const o of readYamlDocs(p)) {
        if (!o.apiVersion || !o.kind || !o.metadata || !o.metadata.name) {
          throw new KustomizeError(`${r}: every resource needs apiVersion, kind and metadata.name`);
        }
        objs.push(o);
      }
    }
  }
  const generated = (k.configMapGenerator || []).map((g) => generateConfigMap(root, g));
  objs.push(...generated);
  const seen = new Set();
  for (const o of objs) {
    if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
    const i = id(o);
    if (seen.has(i)) throw new KustomizeError(`${kfile}: ${i} is defined twice`);
    seen.add(i);
  }
  for (const p of k.patches || []) applyPatch(root, objs, p);
  for (const r of k.replicas || []) {
    const hit = objs.filter((o) => o.metadata.name === r.name && ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind));
    if (!hit.length) throw new KustomizeError(`${kfile}: replicas: no workload named ${r.name}`);
    hit.forEach((o) => { o.spec.replicas = r.count; });
  }
  applyImages(objs, k.images || []);
  for (const l of k.labels || []) {
    for (const key of Object.keys(l)) {
      if (!['pairs', 'includeSelectors', 'includeTemplates'].includes(key)) throw new KustomizeError(`${kfile}: labels.${key} is not supported`);
    }
    if (l.includeSelectors) throw new KustomizeError(`${kfile}: labels.includeSelectors is not supported`);
    for (const o of objs) {
      o.metadata.labels = {...(o.metadata.labels || {}), ...l.pairs};
      if (l.includeTemplates && WORKLOADS.has(o.kind) && o.spec.template) {
        o.spec.template.metadata = o.spec.template.metadata || {};
        o.spec.template.metadata.labels = {...(o.spec.template.metadata.labels || {}), ...l.pairs};
      }
    }
  }
  return {objects: objs};
}

// Hash suffixes are added once, on the final objects (as kustomize does after all
// transformers), and every reference to a renamed ConfigMap is rewritten.
function finish(objs) {
  const renamed = new Map();
  for (const o of objs) {
    if (o.kind === 'ConfigMap' && GENERATED.has(o)) {
      const ns = o.metadata.namespace || '';
      const newName = `${o.metadata.name}-${configMapHash(o)}`;
      renamed.set(`${ns}/${o.metadata.name}`, newName);
      o.metadata.name = newName;
    }
  }
  for (const o of objs) {
    const ns = o.metadata.namespace || '';
    const ren = (name) => renamed.get(`${ns}/${name}`) || name;
    for (const spec of podSpecs(o)) {
      for (const c of [...(spec.containers || []), ...(spec.initContainers || [])]) {
        for (const ef of c.envFrom || []) if (ef.configMapRef) ef.configMapRef.name = ren(ef.configMapRef.name);
        for (const e of c.env || []) {
          if (e.valueFrom && e.valueFrom.configMapKeyRef) e.valueFrom.configMapKeyRef.name = ren(e.valueFrom.configMapKeyRef.name);
        }
      }
      for (const v of spec.volumes || []) {
        if (v.configMap) v.configMap.name = ren(v.configMap.name);
        for (const s of (v.projected && v.projected.sources) || []) if (s.configMap) s.configMap.name = ren(s.configMap.name);
      }
    }
  }
  return objs;
}

// Renders the kustomization in `dir`: the list of objects `kubectl kustomize dir` prints.
function render(dir) {
  return finish(build(dir).objects);
}

module.exports = {render, KustomizeError, configMapHash, goJson, parseEnvFile};
