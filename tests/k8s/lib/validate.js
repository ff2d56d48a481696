'use strict';
// Offline schema validation of rendered objects:
// - built-in kinds: the kubernetes-models package (types, required fields, formats such as
//   quantities) plus a strict pass that rejects fields the Kubernetes API does not define (like
//   `kubectl apply --validate=strict`), using the field lists of @kubernetes/client-node's models;
// - KEDA ScaledObject and PrometheusRule: their kubernetes-models packages plus closed schemas
//   (lib/crd-schemas.js);
// - Strimzi and CloudNativePG resources: closed schemas authored in lib/crd-schemas.js.
// Any other kind is an error: nothing is rendered that nothing validates.
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const crd = require('./crd-schemas');

const ajv = new Ajv({allErrors: true, strict: true, allowUnionTypes: true});
const compiled = {};
function crdValidator(key, schema) {
  if (!compiled[key]) compiled[key] = ajv.compile(schema);
  return compiled[key];
}

const MODEL_DIR = path.dirname(require.resolve('@kubernetes/client-node/dist/gen/model/v1Pod.js'));
const typeMaps = {};
function attributeMap(type) {
  if (type in typeMaps) return typeMaps[type];
  const file = path.join(MODEL_DIR, type[0].toLowerCase() + type.slice(1) + '.js');
  let map = null;
  if (fs.existsSync(file)) {
    const cls = require(file)[type];
    if (cls && typeof cls.getAttributeTypeMap === 'function') map = cls.getAttributeTypeMap();
  }
  typeMaps[type] = map;
  return map;
}

// Reports every field of `value` that the model `type` does not define, recursively.
function strictFields(value, type, where, errors) {
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    if (Array.isArray(value)) value.forEach((v, i) => strictFields(v, m[1], `${where}[${i}]`, errors));
    return;
  }
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) strictFields(v, m[1], `${where}.${k}`, errors);
    return;
  }
  const map = attributeMap(type);
  if (!map || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const known = new Map(map.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!known.has(k)) errors.push(`${where}.${k}: unknown field (not in ${type})`);
    else strictFields(v, known.get(k), `${where}.${k}`, errors);
  }
}

function modelFor(o) {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const candidates = [];
  if (group === 'keda.sh') candidates.push(`@kubernetes-models/keda/keda.sh/${version}/${o.kind}`);
  else if (group === 'monitoring.coreos.com') candidates.push(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${o.kind}`);
  else candidates.push(group === '' ? `kubernetes-models/${version}/${o.kind}` : `kubernetes-models/${group}/${version}/${o.kind}`);
  for (const c of candidates) {
    try {
      const mod = require(c);
      if (mod[o.kind]) return {model: mod[o.kind], group, version, builtin: !['keda.sh', 'monitoring.coreos.com'].includes(group)};
    } catch (e) { /* not a known model */ }
  }
  return null;
}

// Returns the schema errors of one rendered object (empty when valid).
function validateObject(o) {
  const errors = [];
  const key = `${o.apiVersion}/${o.kind}`;
  if (crd[key]) {
    const v = crdValidator(key, crd[key]);
    if (!v(o)) for (const e of v.errors) errors.push(`${e.instancePath || '/'} ${e.message}${e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`);
    return errors;
  }
  const found = modelFor(o);
  if (!found) return [`no schema for ${key}: add one before deploying this kind`];
  try {
    new found.model(o).validate();
  } catch (e) {
    errors.push(...String(e.message).split(', '));
  }
  if (found.builtin) {
    const ver = found.version[0].toUpperCase() + found.version.slice(1);
    const type = `${ver}${o.kind}`;
    if (!attributeMap(type)) errors.push(`no field list for ${type}`);
    else strictFields(o, type, o.kind, errors);
  }
  if (crd.strictExtras[key]) {
    const v = crdValidator('strict:' + key, crd.strictExtras[key]);
    if (!v(o)) for (const e of v.errors) errors.push(`${e.instancePath || '/'} ${e.message}${e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`);
  }
  return errors;
}

module.exports = {validateObject};
