'use strict';
// Strategic merge patch for the fields deploy/ patches, as kustomize applies it:
// - built-in kinds: maps merge recursively, null deletes a key, lists with a Kubernetes merge
//   key (containers by name, env by name, container ports by containerPort, Service ports by
//   port, volumes by name, volumeMounts by mountPath, topologySpreadConstraints by topologyKey)
//   merge item by item; other lists are replaced;
// - custom resources (Strimzi, CloudNativePG, KEDA, ...): JSON merge patch (RFC 7386), lists
//   replaced, because kustomize has no schema for them.
// Patch directives ($patch, $retainKeys, $setElementOrder...) are refused rather than guessed.
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io']);

function isObj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
function clone(v) { return v === undefined ? v : JSON.parse(JSON.stringify(v)); }

function mergeKey(pathParts, field) {
  const parent = pathParts[pathParts.length - 1];
  switch (field) {
    case 'containers': case 'initContainers': case 'env': case 'volumes': case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts': return 'mountPath';
    case 'topologySpreadConstraints': return 'topologyKey';
    case 'ports': return parent === 'container' ? 'containerPort' : (parent === 'servicespec' ? 'port' : null);
    default: return null;
  }
}

function merge(target, patch, ctx, strategic) {
  if (!isObj(patch)) return clone(patch);
  const out = isObj(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) throw new Error(`strategic merge directive ${k} is not supported`);
    if (v === null) { delete out[k]; continue; }
    const key = strategic && Array.isArray(v) ? mergeKey(ctx, k) : null;
    if (key && Array.isArray(out[k])) {
      const list = clone(out[k]);
      for (const item of v) {
        if (!isObj(item) || item[key] === undefined) throw new Error(`list ${k}: every patch item needs ${key}`);
        const i = list.findIndex((x) => isObj(x) && x[key] === item[key]);
        const childCtx = [...ctx, k === 'containers' || k === 'initContainers' ? 'container' : k];
        if (i >= 0) list[i] = merge(list[i], item, childCtx, strategic);
        else list.push(merge({}, item, childCtx, strategic));
      }
      out[k] = list;
    } else if (isObj(v)) {
      const childCtx = [...ctx, k === 'spec' && ctx.length === 1 && ctx[0] === 'Service' ? 'servicespec' : k];
      out[k] = merge(out[k], v, childCtx, strategic);
    } else {
      out[k] = clone(v);
    }
  }
  return out;
}

// Returns target patched by patch (neither is modified).
function strategicMerge(target, patch) {
  const group = target.apiVersion.includes('/') ? target.apiVersion.split('/')[0] : '';
  const strategic = BUILTIN_GROUPS.has(group);
  return merge(target, patch, [target.kind], strategic);
}

module.exports = {strategicMerge};
