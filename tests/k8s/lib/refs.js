'use strict';
// Cross-references inside one rendered overlay, each a check returning a list of problems:
// names that point at nothing, ports that disagree between flags, containers, probes, Services
// and scrape annotations, topics and consumer groups that disagree between the services, the
// Kafka topics and the autoscaler, and Secrets that deploy/README.md does not tell how to create.
const {selects} = require('./policy');

const WORKLOADS = new Set(['Deployment', 'StatefulSet']);
const byKind = (objs, kind) => objs.filter((o) => o.kind === kind);
const find = (objs, kind, n) => objs.find((o) => o.kind === kind && o.metadata.name === n);

// The FLEET_* variables a container gets: ConfigMap keys (envFrom) and env entries.
function containerEnv(objs, c) {
  const env = {};
  for (const ef of c.envFrom || []) {
    const cm = ef.configMapRef && find(objs, 'ConfigMap', ef.configMapRef.name);
    if (cm) Object.assign(env, cm.data || {});
  }
  for (const e of c.env || []) env[e.name] = e.value !== undefined ? e.value : {from: e.valueFrom};
  return env;
}

function workloads(objs) {
  return objs.filter((o) => WORKLOADS.has(o.kind)).map((o) => ({o, spec: o.spec.template.spec, meta: o.spec.template.metadata || {}}));
}

const CHECKS = {
  'refs-exist': (objs) => {
    const out = [];
    for (const {o, spec} of workloads(objs)) {
      if (spec.serviceAccountName && !find(objs, 'ServiceAccount', spec.serviceAccountName)) out.push(`${o.kind}/${o.metadata.name}: ServiceAccount ${spec.serviceAccountName} missing`);
      for (const c of spec.containers) {
        for (const ef of c.envFrom || []) if (ef.configMapRef && !find(objs, 'ConfigMap', ef.configMapRef.name)) out.push(`${o.metadata.name}: ConfigMap ${ef.configMapRef.name} missing`);
        const portNames = new Set((c.ports || []).map((p) => p.name));
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          const p = c[probe];
          const port = p && ((p.httpGet && p.httpGet.port) || (p.tcpSocket && p.tcpSocket.port));
          if (typeof port === 'string' && !portNames.has(port)) out.push(`${o.metadata.name} ${probe}: no container port named ${port}`);
          if (p && p.grpc && !(c.ports || []).some((x) => x.containerPort === p.grpc.port)) out.push(`${o.metadata.name} ${probe}: gRPC port ${p.grpc.port} is not a container port`);
        }
      }
    }
    for (const s of byKind(objs, 'Service')) {
      const pods = workloads(objs).filter((w) => selects({matchLabels: s.spec.selector}, w.meta.labels || {}));
      if (!pods.length) { out.push(`Service/${s.metadata.name}: selects no pods`); continue; }
      for (const p of s.spec.ports) {
        if (typeof p.targetPort === 'string' && !pods.some((w) => w.spec.containers.some((c) => (c.ports || []).some((x) => x.name === p.targetPort)))) {
          out.push(`Service/${s.metadata.name}: targetPort ${p.targetPort} is no container port`);
        }
      }
    }
    for (const p of byKind(objs, 'PodDisruptionBudget')) {
      if (!workloads(objs).some((w) => selects(p.spec.selector, w.meta.labels || {}))) out.push(`PodDisruptionBudget/${p.metadata.name}: selects no pods`);
    }
    for (const h of byKind(objs, 'HorizontalPodAutoscaler')) {
      if (!find(objs, h.spec.scaleTargetRef.kind, h.spec.scaleTargetRef.name)) out.push(`HPA/${h.metadata.name}: target missing`);
      if (h.spec.minReplicas > h.spec.maxReplicas) out.push(`HPA/${h.metadata.name}: minReplicas > maxReplicas`);
    }
    for (const so of byKind(objs, 'ScaledObject')) {
      if (!find(objs, 'Deployment', so.spec.scaleTargetRef.name)) out.push(`ScaledObject/${so.metadata.name}: target missing`);
      if (so.spec.minReplicaCount > so.spec.maxReplicaCount) out.push(`ScaledObject/${so.metadata.name}: min > max`);
      if (byKind(objs, 'HorizontalPodAutoscaler').some((h) => h.spec.scaleTargetRef.name === so.spec.scaleTargetRef.name)) out.push(`ScaledObject/${so.metadata.name}: an HPA also scales ${so.spec.scaleTargetRef.name}`);
    }
    for (const i of byKind(objs, 'Ingress')) {
      for (const r of i.spec.rules) for (const p of r.http.paths) {
        const s = find(objs, 'Service', p.backend.service.name);
        if (!s) out.push(`Ingress/${i.metadata.name}: Service ${p.backend.service.name} missing`);
        else if (p.backend.service.port.name && !s.spec.ports.some((x) => x.name === p.backend.service.port.name)) out.push(`Ingress/${i.metadata.name}: port ${p.backend.service.port.name} missing`);
      }
    }
    return out;
  },
  'ports-agree': (objs) => {
    const out = [];
    for (const {o, spec, meta} of workloads(objs)) {
      for (const c of spec.containers) {
        const env = containerEnv(objs, c);
        const ports = new Map((c.ports || []).map((p) => [p.name, p.containerPort]));
        const grpcFlag = env.FLEET_GRPC_ADDRESS ? Number(String(env.FLEET_GRPC_ADDRESS).split(':').pop()) : (env.FLEET_GRPC_PORT ? Number(env.FLEET_GRPC_PORT) : undefined);
        if (grpcFlag !== undefined && ports.get('grpc') !== grpcFlag) out.push(`${o.metadata.name}: gRPC flag port ${grpcFlag} != container port grpc ${ports.get('grpc')}`);
        if (env.FLEET_ADMIN_PORT && ports.get('admin') !== Number(env.FLEET_ADMIN_PORT)) out.push(`${o.metadata.name}: --admin_port ${env.FLEET_ADMIN_PORT} != container port admin ${ports.get('admin')}`);
        if (env.FLEET_HTTP_PORT && ports.get('http') !== Number(env.FLEET_HTTP_PORT)) out.push(`${o.metadata.name}: --http_port ${env.FLEET_HTTP_PORT} != container port http ${ports.get('http')}`);
        if (env.FLEET_PLUGIN_PORT && Number(env.FLEET_PLUGIN_PORT) >= 0 && ports.get('frps-plugin') !== Number(env.FLEET_PLUGIN_PORT)) out.push(`${o.metadata.name}: --plugin_port != container port frps-plugin`);
        for (const k of ['FLEET_ADMIN_ADDRESS', 'FLEET_HTTP_ADDRESS', 'FLEET_PLUGIN_ADDRESS']) {
          if (env[k] !== undefined && env[k] !== '0.0.0.0') out.push(`${o.metadata.name}: ${k}=${env[k]} is not reachable by probes and other pods`);
        }
        if (env.FLEET_GRPC_ADDRESS && !String(env.FLEET_GRPC_ADDRESS).startsWith('0.0.0.0:')) out.push(`${o.metadata.name}: FLEET_GRPC_ADDRESS must listen on 0.0.0.0`);
        const ann = meta.annotations || {};
        if (ann['prometheus.io/scrape'] === 'true' && ![...ports.values()].includes(Number(ann['prometheus.io/port']))) out.push(`${o.metadata.name}: prometheus.io/port ${ann['prometheus.io/port']} is no container port`);
      }
    }
    return out;
  },
  // host:port flags name a Service of this overlay on one of its ports (Kafka: the Strimzi
  // bootstrap Service of a Kafka resource on one of its listeners).
  'addresses-resolve': (objs) => {
    const out = [];
    const ADDR = ['FLEET_REDIS_ADDR', 'FLEET_REDIS', 'FLEET_DEVICE_ONLINE', 'FLEET_DEVICE_CONFIG', 'FLEET_TUNNEL', 'FLEET_KAFKA_BOOTSTRAP'];
    const resolves = (hostport) => {
      const [host, port] = hostport.split(':');
      const svc = find(objs, 'Service', host);
      if (svc) return svc.spec.ports.some((p) => p.port === Number(port));
      const k = byKind(objs, 'Kafka').find((x) => host === `${x.metadata.name}-kafka-bootstrap`);
      return Boolean(k && k.spec.kafka.listeners.some((l) => l.port === Number(port) && l.type === 'internal'));
    };
    for (const {o, spec} of workloads(objs)) {
      for (const c of spec.containers) {
        const env = containerEnv(objs, c);
        for (const k of ADDR) {
          if (typeof env[k] !== 'string' || env[k] === '') continue;
          for (const hp of env[k].split(',')) if (!resolves(hp)) out.push(`${o.metadata.name}: ${k}=${hp} is no Service port of this overlay`);
        }
      }
    }
    for (const so of byKind(objs, 'ScaledObject')) {
      for (const t of so.spec.triggers.filter((x) => x.type === 'kafka')) if (!resolves(t.metadata.bootstrapServers)) out.push(`ScaledObject/${so.metadata.name}: bootstrapServers ${t.metadata.bootstrapServers} does not resolve`);
    }
    return out;
  },
  'topics-agree': (objs) => {
    const out = [];
    const topics = new Map(byKind(objs, 'KafkaTopic').map((t) => [t.spec.topicName || t.metadata.name, t]));
    let onlineGroup = null;
    let threads = 1;
    for (const {o, spec} of workloads(objs)) {
      for (const c of spec.containers) {
        const env = containerEnv(objs, c);
        for (const k of ['FLEET_UPLINK_TOPIC', 'FLEET_PRESENCE_TOPIC']) {
          if (env[k] && !topics.has(env[k])) out.push(`${o.metadata.name}: ${k}=${env[k]} has no KafkaTopic`);
        }
        if (env.FLEET_DOWNLINK_TEMPLATE && !String(env.FLEET_DOWNLINK_TEMPLATE).includes('{device_id}')) out.push(`${o.metadata.name}: downlink template lacks {device_id}`);
        if (env.FLEET_CONSUMER_GROUP) { onlineGroup = env.FLEET_CONSUMER_GROUP; threads = Number(env.FLEET_CONSUMER_THREADS || 2); }
      }
    }
    for (const so of byKind(objs, 'ScaledObject')) {
      for (const t of so.spec.triggers.filter((x) => x.type === 'kafka')) {
        const topic = topics.get(t.metadata.topic);
        if (!topic) { out.push(`ScaledObject/${so.metadata.name}: topic ${t.metadata.topic} has no KafkaTopic`); continue; }
        if (onlineGroup && t.metadata.consumerGroup !== onlineGroup) out.push(`ScaledObject/${so.metadata.name}: group ${t.metadata.consumerGroup} != --consumer_group ${onlineGroup}`);
        if (so.spec.maxReplicaCount * threads > topic.spec.partitions) {
          out.push(`ScaledObject/${so.metadata.name}: ${so.spec.maxReplicaCount} replicas x ${threads} consumer threads > ${topic.spec.partitions} partitions of ${t.metadata.topic}: consumers would idle`);
        }
      }
    }
    const nodes = byKind(objs, 'KafkaNodePool').filter((p) => p.spec.roles.includes('broker')).reduce((n, p) => n + p.spec.replicas, 0);
    for (const [name, t] of topics) {
      if (nodes && t.spec.replicas > nodes) out.push(`KafkaTopic ${name}: ${t.spec.replicas} replicas > ${nodes} brokers`);
      const isr = t.spec.config && t.spec.config['min.insync.replicas'];
      if (isr !== undefined && Number(isr) >= t.spec.replicas && t.spec.replicas > 1) out.push(`KafkaTopic ${name}: min.insync.replicas ${isr} leaves no broker to lose`);
    }
    for (const k of byKind(objs, 'Kafka')) {
      const rf = Number(k.spec.kafka.config['default.replication.factor'] || 1);
      if (nodes && rf > nodes) out.push(`Kafka/${k.metadata.name}: default.replication.factor ${rf} > ${nodes} brokers`);
      if (Number(k.spec.kafka.config['offsets.topic.replication.factor'] || 3) > nodes) out.push(`Kafka/${k.metadata.name}: offsets.topic.replication.factor > brokers`);
    }
    return out;
  },
  // Secrets are never rendered (no-literal-secrets); each one referenced must be explained in
  // deploy/README.md so an operator knows to create it.
  'secrets-documented': (objs, {readme}) => {
    const names = new Set();
    for (const {spec} of workloads(objs)) {
      for (const c of spec.containers) for (const e of c.env || []) if (e.valueFrom && e.valueFrom.secretKeyRef) names.add(e.valueFrom.secretKeyRef.name);
      for (const v of spec.volumes || []) if (v.secret) names.add(v.secret.secretName);
    }
    for (const i of byKind(objs, 'Ingress')) for (const t of i.spec.tls || []) names.add(t.secretName);
    for (const cl of byKind(objs, 'Cluster')) {
      if (cl.spec.bootstrap && cl.spec.bootstrap.initdb && cl.spec.bootstrap.initdb.secret) names.add(cl.spec.bootstrap.initdb.secret.name);
      for (const r of (cl.spec.managed && cl.spec.managed.roles) || []) if (r.passwordSecret) names.add(r.passwordSecret.name);
    }
    return [...names].filter((n) => !readme.includes(n)).map((n) => `Secret ${n} is referenced but deploy/README.md does not say how to create it`);
  },
};

module.exports = {CHECKS, containerEnv, workloads};
