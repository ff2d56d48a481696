'use strict';
// JSON Schemas for the operators' custom resources that deploy/ writes, authored from the
// Strimzi (kafka.strimzi.io/v1beta2, Strimzi 0.45) and CloudNativePG (postgresql.cnpg.io/v1,
// CNPG 1.25) API references. They cover the fields deploy/ uses, with the types and enums the
// references give, and reject every other field (additionalProperties: false), so a typo or a
// field these schemas do not know fails instead of being pruned silently by the API server.
// A field added to deploy/ must be added here from the operator's reference first.

const str = {type: 'string', minLength: 1};
const int = (min, max) => ({type: 'integer', minimum: min, ...(max !== undefined ? {maximum: max} : {})});
const quantity = {anyOf: [{type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$'}, {type: 'number'}]};
const closed = (properties, required = []) => ({type: 'object', additionalProperties: false, properties, required});
const labels = {type: 'object', additionalProperties: {type: 'string'}};
const metadata = closed({name: {type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253},
  namespace: str, labels, annotations: labels}, ['name']);
const resources = closed({requests: closed({cpu: quantity, memory: quantity}), limits: closed({cpu: quantity, memory: quantity})});
const labelSelector = closed({matchLabels: labels});
const peer = closed({podSelector: labelSelector, namespaceSelector: labelSelector});
const topologySpread = {type: 'array', items: closed({maxSkew: int(1), topologyKey: str,
  whenUnsatisfiable: {enum: ['DoNotSchedule', 'ScheduleAnyway']}, labelSelector}, ['maxSkew', 'topologyKey', 'whenUnsatisfiable'])};
const configValue = {type: ['string', 'number', 'boolean']};
const resource = (apiVersion, kind, spec) => closed({apiVersion: {const: apiVersion}, kind: {const: kind}, metadata, spec}, ['apiVersion', 'kind', 'metadata', 'spec']);

const kafkaListener = closed({
  name: {type: 'string', pattern: '^[a-z0-9]{1,11}$'},
  port: int(9092, 65535),
  type: {enum: ['internal', 'route', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip']},
  tls: {type: 'boolean'},
  authentication: closed({type: {enum: ['tls', 'scram-sha-512', 'oauth', 'custom']}}, ['type']),
  networkPolicyPeers: {type: 'array', items: peer},
}, ['name', 'port', 'type', 'tls']);

const Kafka = resource('kafka.strimzi.io/v1beta2', 'Kafka', closed({
  kafka: closed({
    version: {type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$'},
    metadataVersion: {type: 'string', pattern: '^[0-9]+\\.[0-9]+-IV[0-9]+$'},
    listeners: {type: 'array', minItems: 1, items: kafkaListener},
    config: {type: 'object', additionalProperties: configValue},
    template: closed({pod: closed({topologySpreadConstraints: topologySpread})}),
  }, ['listeners']),
  entityOperator: closed({topicOperator: closed({resources}), userOperator: closed({resources})}),
  kafkaExporter: closed({groupRegex: str, topicRegex: str, resources}),
}, ['kafka']));

const KafkaNodePool = resource('kafka.strimzi.io/v1beta2', 'KafkaNodePool', closed({
  replicas: int(0),
  roles: {type: 'array', minItems: 1, uniqueItems: true, items: {enum: ['controller', 'broker']}},
  storage: closed({
    type: {enum: ['jbod', 'persistent-claim', 'ephemeral']},
    volumes: {type: 'array', items: closed({id: int(0), type: {enum: ['persistent-claim', 'ephemeral']},
      size: {type: 'string', pattern: '^[0-9]+(Mi|Gi|Ti)$'}, deleteClaim: {type: 'boolean'}, class: str,
      kraftMetadata: {enum: ['shared']}}, ['id', 'type'])},
  }, ['type']),
  resources,
  jvmOptions: closed({'-Xms': {type: 'string', pattern: '^[0-9]+[mMgG]$'}, '-Xmx': {type: 'string', pattern: '^[0-9]+[mMgG]$'}}),
}, ['replicas', 'roles', 'storage']));

const KafkaTopic = resource('kafka.strimzi.io/v1beta2', 'KafkaTopic', closed({
  topicName: {type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$'},
  partitions: int(1),
  replicas: int(1, 32767),
  config: {type: 'object', additionalProperties: configValue},
}));

const Cluster = resource('postgresql.cnpg.io/v1', 'Cluster', closed({
  instances: int(1),
  imageName: str,
  primaryUpdateStrategy: {enum: ['unsupervised', 'supervised']},
  postgresql: closed({parameters: {type: 'object', additionalProperties: {type: 'string'}}}),
  bootstrap: closed({initdb: closed({database: str, owner: str, secret: closed({name: str}, ['name'])})}),
  managed: closed({roles: {type: 'array', items: closed({name: str, ensure: {enum: ['present', 'absent']},
    login: {type: 'boolean'}, passwordSecret: closed({name: str}, ['name'])}, ['name'])}}),
  storage: closed({size: {type: 'string', pattern: '^[0-9]+(Mi|Gi|Ti)$'}, storageClass: str}, ['size']),
  resources,
  affinity: closed({enablePodAntiAffinity: {type: 'boolean'}, podAntiAffinityType: {enum: ['preferred', 'required']},
    topologyKey: str}),
  monitoring: closed({enablePodMonitor: {type: 'boolean'}}),
}, ['instances', 'storage']));

const Database = resource('postgresql.cnpg.io/v1', 'Database', closed({
  name: {type: 'string', pattern: '^[a-z_][a-z0-9_]*$'},
  owner: {type: 'string', pattern: '^[a-z_][a-z0-9_]*$'},
  ensure: {enum: ['present', 'absent']},
  cluster: closed({name: str}, ['name']),
}, ['name', 'owner', 'cluster']));

module.exports = {
  'kafka.strimzi.io/v1beta2/Kafka': Kafka,
  'kafka.strimzi.io/v1beta2/KafkaNodePool': KafkaNodePool,
  'kafka.strimzi.io/v1beta2/KafkaTopic': KafkaTopic,
  'postgresql.cnpg.io/v1/Cluster': Cluster,
  'postgresql.cnpg.io/v1/Database': Database,
};

// Closed schemas for the parts of KEDA's ScaledObject and the Prometheus operator's
// PrometheusRule that deploy/ uses (their kubernetes-models types accept unknown fields; these
// catch typos). Authored from the KEDA 2.x and prometheus-operator v1 API references.
const behaviorRule = closed({stabilizationWindowSeconds: int(0, 3600), selectPolicy: {enum: ['Max', 'Min', 'Disabled']},
  policies: {type: 'array', items: closed({type: {enum: ['Pods', 'Percent']}, value: int(1), periodSeconds: int(1, 1800)},
    ['type', 'value', 'periodSeconds'])}});
module.exports.strictExtras = {
  'keda.sh/v1alpha1/ScaledObject': {type: 'object', properties: {spec: closed({
    scaleTargetRef: closed({name: str, kind: str, apiVersion: str}, ['name']),
    minReplicaCount: int(0), maxReplicaCount: int(1), pollingInterval: int(1), cooldownPeriod: int(0),
    advanced: closed({horizontalPodAutoscalerConfig: closed({behavior: closed({scaleUp: behaviorRule, scaleDown: behaviorRule})})}),
    triggers: {type: 'array', minItems: 1, items: {oneOf: [
      closed({type: {const: 'kafka'}, metadata: closed({bootstrapServers: str, consumerGroup: str, topic: str,
        lagThreshold: {type: 'string', pattern: '^[0-9]+$'}, offsetResetPolicy: {enum: ['earliest', 'latest']},
        allowIdleConsumers: {enum: ['true', 'false']}}, ['bootstrapServers', 'consumerGroup', 'topic'])}, ['type', 'metadata']),
      closed({type: {enum: ['cpu', 'memory']}, metricType: {enum: ['Utilization', 'AverageValue']},
        metadata: closed({value: {type: 'string', pattern: '^[0-9]+$'}}, ['value'])}, ['type', 'metricType', 'metadata']),
    ]}},
  }, ['scaleTargetRef', 'triggers'])}},
  'monitoring.coreos.com/v1/PrometheusRule': {type: 'object', properties: {spec: closed({
    groups: {type: 'array', items: closed({name: str, interval: str, rules: {type: 'array', items: closed({
      alert: {type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$'}, record: str, expr: str,
      for: {type: 'string', pattern: '^[0-9]+[smh]$'}, labels, annotations: labels}, ['expr'])}}, ['name', 'rules'])},
  }, ['groups'])}},
};
