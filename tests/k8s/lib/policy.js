'use strict';
// The deployment policy of fleetd, checked on rendered objects. policy(objects, {env}) returns
// {rule: [violation, ...]} for every rule in RULES (an empty list = the rule holds).
// Rules apply to every pod template we render (Deployments, StatefulSets, Jobs); pods that the
// operators create from their custom resources are the operators' business.

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
const SECRETISH = /(PASSWORD|PASSWD|TOKEN|SECRET|PG_URL|DATABASE_URL|API_KEY|PRIVATE_KEY|CREDENTIAL)/i;
// Namespaces outside fleetd that may reach pods here, and where: Prometheus scrapes admin
// ports; the CloudNativePG operator manages its PostgreSQL pods; the ingress controller reaches
// the BFF (checked separately: only the BFF).
const MONITORING_NS = 'monitoring';
// Admin ports of the services and the BFF, Kafka Exporter (9404), CloudNativePG metrics (9187).
const ADMIN_PORTS = new Set([9101, 9102, 9103, 9104, 8080, 9404, 9187]);
const OPERATOR_NS = {'cnpg-system': (labels) => 'cnpg.io/cluster' in labels};
const DEVICE_LISTENER = 'devices';

const name = (o) => `${o.kind}/${o.metadata.name}`;
const podTemplates = (objs) => objs.filter((o) => WORKLOADS.has(o.kind) && o.spec && o.spec.template)
  .map((o) => ({owner: o, meta: o.spec.template.metadata || {}, spec: o.spec.template.spec}));
const containersOf = (spec) => [...(spec.initContainers || []).map((c) => ({c, init: true})), ...(spec.containers || []).map((c) => ({c, init: false}))];

function selects(selector, labels) {
  if (!selector) return false;
  const ml = selector.matchLabels || {};
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions || []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const RULES = {
  'container-resources': (objs) => {
    const out = [];
    for (const t of podTemplates(objs)) {
      for (const {c} of containersOf(t.spec)) {
        const r = c.resources || {};
        for (const kind of ['requests', 'limits']) {
          for (const res of ['cpu', 'memory']) {
            if (!r[kind] || r[kind][res] === undefined) out.push(`${name(t.owner)} container ${c.name}: no ${kind}.${res}`);
          }
        }
      }
    }
    return out;
  },
  'container-probes': (objs) => {
    const out = [];
    for (const t of podTemplates(objs)) {
      for (const {c, init} of containersOf(t.spec)) {
        if (init) continue;
        if (!c.readinessProbe) out.push(`${name(t.owner)} container ${c.name}: no readinessProbe`);
        if (!c.livenessProbe) out.push(`${name(t.owner)} container ${c.name}: no livenessProbe`);
      }
    }
    return out;
  },
  'run-as-non-root': (objs) => {
    const out = [];
    for (const t of podTemplates(objs)) {
      const pod = t.spec.securityContext || {};
      for (const {c} of containersOf(t.spec)) {
        const sc = c.securityContext || {};
        const nonRoot = sc.runAsNonRoot !== undefined ? sc.runAsNonRoot : pod.runAsNonRoot;
        const uid = sc.runAsUser !== undefined ? sc.runAsUser : pod.runAsUser;
        if (nonRoot !== true) out.push(`${name(t.owner)} container ${c.name}: runAsNonRoot is not true`);
        if (uid === 0) out.push(`${name(t.owner)} container ${c.name}: runAsUser 0`);
      }
    }
    return out;
  },
  'read-only-root-filesystem': (objs) => podTemplates(objs).flatMap((t) => containersOf(t.spec)
    .filter(({c}) => !(c.securityContext && c.securityContext.readOnlyRootFilesystem === true))
    .map(({c}) => `${name(t.owner)} container ${c.name}: readOnlyRootFilesystem is not true`)),
  'drop-all-capabilities': (objs) => {
    const out = [];
    for (const t of podTemplates(objs)) {
      for (const {c} of containersOf(t.spec)) {
        const sc = c.securityContext || {};
        const caps = sc.capabilities || {};
        if (!(caps.drop || []).includes('ALL')) out.push(`${name(t.owner)} container ${c.name}: capabilities do not drop ALL`);
        if ((caps.add || []).length) out.push(`${name(t.owner)} container ${c.name}: adds capabilities ${caps.add}`);
        if (sc.allowPrivilegeEscalation !== false) out.push(`${name(t.owner)} container ${c.name}: allowPrivilegeEscalation is not false`);
        if (sc.privileged) out.push(`${name(t.owner)} container ${c.name}: privileged`);
      }
    }
    return out;
  },
  'seccomp-runtime-default': (objs) => podTemplates(objs).flatMap((t) => {
    const pod = (t.spec.securityContext || {}).seccompProfile;
    return containersOf(t.spec).filter(({c}) => {
      const p = (c.securityContext || {}).seccompProfile || pod;
      return !p || !['RuntimeDefault', 'Localhost'].includes(p.type);
    }).map(({c}) => `${name(t.owner)} container ${c.name}: no RuntimeDefault seccomp profile`);
  }),
  'no-service-account-token': (objs) => {
    const sas = new Map(objs.filter((o) => o.kind === 'ServiceAccount').map((o) => [o.metadata.name, o]));
    return podTemplates(objs).filter((t) => {
      if (t.spec.automountServiceAccountToken === false) return false;
      if (t.spec.automountServiceAccountToken === true) return true;
      const sa = sas.get(t.spec.serviceAccountName || 'default');
      return !(sa && sa.automountServiceAccountToken === false);
    }).map((t) => `${name(t.owner)}: mounts a service account token`);
  },
  // Kubernetes injects <SERVICE>_PORT=tcp://... variables for every Service; with Services
  // named fleet-*, these are FLEET_* variables that the binaries would read as flags.
  'no-service-links': (objs) => podTemplates(objs).filter((t) => t.spec.enableServiceLinks !== false)
    .map((t) => `${name(t.owner)}: enableServiceLinks is not false (FLEET_* service variables would be read as flags)`),
  'no-literal-secrets': (objs) => {
    const out = [];
    for (const o of objs) {
      if (o.kind === 'Secret' && (Object.keys(o.data || {}).length || Object.keys(o.stringData || {}).length)) {
        out.push(`${name(o)}: a Secret with literal data (reference Secrets created outside the manifests)`);
      }
      if (o.kind === 'ConfigMap') {
        for (const [k, v] of Object.entries(o.data || {})) {
          if (SECRETISH.test(k)) out.push(`${name(o)} key ${k}: secret-looking key in a ConfigMap`);
          if (/:\/\/[^/\s:@]+:[^/\s@]+@/.test(v)) out.push(`${name(o)} key ${k}: URL with a password`);
        }
      }
    }
    for (const t of podTemplates(objs)) {
      for (const {c} of containersOf(t.spec)) {
        for (const e of c.env || []) {
          if (e.value !== undefined && SECRETISH.test(e.name)) out.push(`${name(t.owner)} container ${c.name}: env ${e.name} holds a literal value`);
        }
      }
    }
    return out;
  },
  'images-pinned': (objs, {env}) => podTemplates(objs).flatMap((t) => containersOf(t.spec).filter(({c}) => {
    const m = /^(.*?)(?::([^:/@]+))?(?:@(.+))?$/.exec(c.image);
    if (m[3]) return false;
    if (!m[2] || m[2] === 'latest') return true;
    return env === 'prod' && !/^[0-9]+\.[0-9]+\.[0-9]+/.test(m[2]) && m[1].includes('fleetd/');
  }).map(({c}) => `${name(t.owner)} container ${c.name}: image ${c.image} is not pinned${env === 'prod' ? ' to a release tag or digest' : ''}`)),
  'prod-replicas': (objs, {env}) => {
    if (env !== 'prod') return [];
    const out = [];
    for (const o of objs.filter((x) => x.kind === 'Deployment')) {
      if ((o.spec.replicas === undefined ? 1 : o.spec.replicas) < 2) out.push(`${name(o)}: ${o.spec.replicas || 1} replica(s), prod needs >= 2`);
    }
    for (const o of objs) {
      if (o.kind === 'HorizontalPodAutoscaler' && (o.spec.minReplicas || 1) < 2) out.push(`${name(o)}: minReplicas < 2`);
      if (o.kind === 'ScaledObject' && (o.spec.minReplicaCount || 0) < 2) out.push(`${name(o)}: minReplicaCount < 2`);
    }
    return out;
  },
  'prod-pdb': (objs, {env}) => {
    if (env !== 'prod') return [];
    const pdbs = objs.filter((o) => o.kind === 'PodDisruptionBudget');
    return objs.filter((o) => o.kind === 'Deployment').filter((o) => {
      const labels = (o.spec.template.metadata || {}).labels || {};
      const pdb = pdbs.find((p) => selects(p.spec.selector, labels));
      if (!pdb) return true;
      return pdb.spec.maxUnavailable === undefined && pdb.spec.minAvailable === undefined;
    }).map((o) => `${name(o)}: no PodDisruptionBudget selects its pods`);
  },
  'network-default-deny': (objs) => {
    const deny = objs.find((o) => o.kind === 'NetworkPolicy' && Object.keys(o.spec.podSelector || {}).length === 0 &&
      (o.spec.policyTypes || []).includes('Ingress') && !(o.spec.ingress || []).length);
    return deny ? [] : ['no default-deny ingress NetworkPolicy (podSelector {} with no ingress rules)'];
  },
  'network-pods-covered': (objs) => {
    const pols = objs.filter((o) => o.kind === 'NetworkPolicy');
    return podTemplates(objs).filter((t) => !pols.some((p) => selects(p.spec.podSelector, t.meta.labels || {})))
      .map((t) => `${name(t.owner)}: no NetworkPolicy selects its pods`);
  },
  // Only the BFF is reachable from outside the namespace; the exceptions are Prometheus on
  // admin ports and the CloudNativePG operator on its own pods.
  'network-only-bff-external': (objs) => {
    const out = [];
    const templates = podTemplates(objs);
    const isBff = (labels) => labels['app.kubernetes.io/name'] === 'bff';
    for (const p of objs.filter((o) => o.kind === 'NetworkPolicy')) {
      const ns = p.metadata.namespace;
      const targets = templates.filter((t) => selects(p.spec.podSelector, t.meta.labels || {}));
      const selLabels = (p.spec.podSelector || {}).matchLabels || {};
      for (const rule of p.spec.ingress || []) {
        const from = rule.from || [];
        const ports = (rule.ports || []).map((x) => x.port);
        const external = from.length === 0 ? ['anyone'] : from.flatMap((peer) => {
          if (peer.ipBlock) return [`ipBlock ${peer.ipBlock.cidr}`];
          if (!peer.namespaceSelector) return [];
          const ml = peer.namespaceSelector.matchLabels || {};
          if (ml['kubernetes.io/metadata.name'] === ns) return [];
          return [ml['kubernetes.io/metadata.name'] ? `namespace ${ml['kubernetes.io/metadata.name']}` : 'any namespace'];
        });
        for (const ext of external) {
          const nsName = ext.startsWith('namespace ') ? ext.slice(10) : null;
          if (nsName === MONITORING_NS && ports.length && ports.every((x) => ADMIN_PORTS.has(x))) continue;
          if (nsName && OPERATOR_NS[nsName] && OPERATOR_NS[nsName](selLabels)) continue;
          const nonBff = targets.filter((t) => !isBff(t.meta.labels || {}));
          if (nonBff.length || (!targets.length && !OPERATOR_NS[nsName])) {
            out.push(`NetworkPolicy/${p.metadata.name}: ${ext} may reach ${nonBff.length ? nonBff.map((t) => name(t.owner)).join(', ') : 'pods that are not the BFF'}${ports.length ? ` on ${ports}` : ' on every port'}`);
          }
        }
      }
    }
    for (const s of objs.filter((o) => o.kind === 'Service')) {
      if (s.spec.type && !['ClusterIP'].includes(s.spec.type)) out.push(`${name(s)}: type ${s.spec.type} exposes it outside the cluster`);
    }
    for (const i of objs.filter((o) => o.kind === 'Ingress')) {
      for (const r of i.spec.rules || []) {
        for (const pth of (r.http && r.http.paths) || []) {
          const svc = pth.backend.service && pth.backend.service.name;
          const target = objs.find((o) => o.kind === 'Service' && o.metadata.name === svc);
          if (!target || !isBff(target.spec.selector || {})) out.push(`${name(i)}: routes to ${svc}, not the BFF`);
        }
      }
      if (!(i.spec.tls || []).length) out.push(`${name(i)}: no TLS`);
    }
    for (const k of objs.filter((o) => o.kind === 'Kafka')) {
      for (const l of k.spec.kafka.listeners) {
        if (l.type !== 'internal' && l.type !== 'cluster-ip' && l.name !== DEVICE_LISTENER) out.push(`${name(k)}: listener ${l.name} (${l.type}) is reachable from outside`);
        if (l.type !== 'internal' && l.type !== 'cluster-ip' && !(l.tls && l.authentication)) out.push(`${name(k)}: external listener ${l.name} without TLS and authentication`);
      }
    }
    return out;
  },
};

function policy(objs, opts = {}) {
  const out = {};
  for (const [rule, fn] of Object.entries(RULES)) out[rule] = fn(objs, opts);
  return out;
}

module.exports = {policy, RULES: Object.keys(RULES), selects};
