{{/* Names */}}
{{- define "kairos.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kairos.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Resource name of a component: <fullname>-<component> */}}
{{- define "kairos.componentName" -}}
{{- printf "%s-%s" (include "kairos.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kairos.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "kairos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kairos
{{- end -}}

{{/* Selector labels of a component (dict root name) */}}
{{- define "kairos.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kairos.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "kairos.componentLabels" -}}
{{ include "kairos.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Image of a component */}}
{{- define "kairos.image" -}}
{{- $img := .root.Values.default.image -}}
{{- $c := .component -}}
{{- $repo := ternary $img.webRepository $img.backendRepository (eq $c.kind "web") -}}
{{- $tag := default .root.Chart.AppVersion $img.tag -}}
{{- if and $c.image $c.image.repository }}{{ $repo = $c.image.repository }}{{ end -}}
{{- if and $c.image $c.image.tag }}{{ $tag = $c.image.tag }}{{ end -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{- define "kairos.backendImage" -}}
{{- $img := .Values.default.image -}}
{{- printf "%s:%s" $img.backendRepository (default .Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/* Kafka */}}
{{- define "kairos.kafkaBrokers" -}}
{{- if eq .Values.kafka.mode "strimzi" -}}
{{- printf "%s-kafka-bootstrap.%s.svc:9092" .Values.kafka.strimzi.clusterName .Release.Namespace -}}
{{- else -}}
{{- required "kafka.external.brokers is required when kafka.mode=external" .Values.kafka.external.brokers -}}
{{- end -}}
{{- end -}}

{{/* Dapr saslMechanism value from the SCRAM name */}}
{{- define "kairos.daprSaslMechanism" -}}
{{- $m := .Values.kafka.external.saslMechanism -}}
{{- if eq $m "SCRAM-SHA-512" }}SHA-512{{ else if eq $m "SCRAM-SHA-256" }}SHA-256{{ else }}PLAINTEXT{{ end -}}
{{- end -}}

{{/* KEDA sasl value from the SCRAM name */}}
{{- define "kairos.kedaSasl" -}}
{{- $m := .Values.kafka.external.saslMechanism -}}
{{- if eq $m "SCRAM-SHA-512" }}scram_sha512{{ else if eq $m "SCRAM-SHA-256" }}scram_sha256{{ else }}plaintext{{ end -}}
{{- end -}}

{{/* Postgres service name (internal mode) */}}
{{- define "kairos.postgresName" -}}
{{- printf "%s-postgresql" (include "kairos.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* App ids of every enabled backend component, as a list */}}
{{- define "kairos.appIds" -}}
{{- $ids := list -}}
{{- range $name, $c := .Values.components -}}
{{- if and $c.enabled (eq $c.kind "backend") -}}
{{- $ids = append $ids $c.dapr.appId -}}
{{- end -}}
{{- end -}}
{{- toJson $ids -}}
{{- end -}}

{{/* App ids for a list of component names (dict root names) */}}
{{- define "kairos.scopes" -}}
{{- $root := .root -}}
{{- range .names }}
{{- $c := index $root.Values.components . }}
{{- if $c.enabled }}
- {{ $c.dapr.appId }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by every workload */}}
{{- define "kairos.podCommon" -}}
{{- $d := .root.Values.default -}}
{{- with $d.image.pullSecrets }}
imagePullSecrets:
{{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
{{- toYaml $d.podSecurityContext | nindent 2 }}
{{- with (default $d.nodeSelector .component.nodeSelector) }}
nodeSelector:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $d.tolerations .component.tolerations) }}
tolerations:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $d.affinity .component.affinity) }}
affinity:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- with $d.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}

{{- define "kairos.topologySpread" -}}
{{- $d := .root.Values.default -}}
{{- if $d.topologySpread.enabled }}
topologySpreadConstraints:
  - maxSkew: {{ $d.topologySpread.maxSkew }}
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "kairos.selectorLabels" (dict "root" .root "name" .name) | nindent 8 }}
  - maxSkew: {{ $d.topologySpread.maxSkew }}
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "kairos.selectorLabels" (dict "root" .root "name" .name) | nindent 8 }}
{{- end }}
{{- end -}}

{{/*
The event wiring fixed by docs/api-contract.md: one Dapr Subscription per topic,
scoped to the components that consume it. KEDA triggers and NetworkPolicies are
derived from this list, so they cannot drift apart.
*/}}
{{- define "kairos.subscriptions" -}}
- name: task-events
  pubsub: kairos-pubsub
  topic: task-events
  route: /events/task-events/bulk
  bulk: {maxMessagesCount: 100, maxAwaitDurationMs: 5}
  components: [recurrence, audit]
- name: reminders
  pubsub: kairos-pubsub
  topic: reminders
  route: /events/reminders/bulk
  bulk: {maxMessagesCount: 100, maxAwaitDurationMs: 10}
  components: [notifier]
- name: task-updates
  pubsub: kairos-broadcast
  topic: task-updates
  route: /events/task-updates/bulk
  bulk: {maxMessagesCount: 100, maxAwaitDurationMs: 5}
  components: [realtime]
{{- end -}}

{{/* HPA / KEDA scaling behaviour: react within seconds to 2x load, scale down slowly. */}}
{{- define "kairos.scalingBehavior" -}}
scaleUp:
  stabilizationWindowSeconds: 0
  selectPolicy: Max
  policies:
    - type: Percent
      value: 100
      periodSeconds: 15
    - type: Pods
      value: 4
      periodSeconds: 15
scaleDown:
  stabilizationWindowSeconds: {{ .Values.default.scaleDownStabilizationSeconds }}
  selectPolicy: Min
  policies:
    - type: Percent
      value: 50
      periodSeconds: 60
{{- end -}}

{{/* Connection metadata shared by both Kafka pub/sub components */}}
{{- define "kairos.daprKafkaMetadata" -}}
- name: brokers
  value: {{ include "kairos.kafkaBrokers" . | quote }}
{{- if eq .Values.kafka.mode "external" }}
- name: authType
  value: password
- name: saslUsername
  secretKeyRef:
    name: {{ .Values.secrets.existingSecret }}
    key: {{ .Values.secrets.keys.kafkaUsername }}
- name: saslPassword
  secretKeyRef:
    name: {{ .Values.secrets.existingSecret }}
    key: {{ .Values.secrets.keys.kafkaPassword }}
- name: saslMechanism
  value: {{ include "kairos.daprSaslMechanism" . | quote }}
- name: disableTls
  value: {{ (not .Values.kafka.external.tls) | toString | quote }}
{{- if and .Values.kafka.external.tls .Values.kafka.external.privateCA }}
- name: caCert
  secretKeyRef:
    name: {{ .Values.secrets.existingSecret }}
    key: {{ .Values.secrets.keys.kafkaCaCert }}
{{- end }}
{{- else }}
- name: authType
  value: none
- name: disableTls
  value: "true"
{{- end }}
- name: clientId
  value: "{appID}"
- name: version
  value: {{ .Values.dapr.kafkaProtocolVersion | quote }}
# A consumer killed without leaving its group holds its partitions until the session
# times out: 6 s (the broker's minimum) instead of 10 s, heartbeats every 2 s.
- name: sessionTimeout
  value: 6s
- name: heartbeatInterval
  value: 2s
{{- end -}}

{{/* Container resources with ephemeral-storage defaults (the root filesystem is read-only; /tmp is an emptyDir). */}}
{{- define "kairos.resources" -}}
{{- $defaults := dict "requests" (dict "ephemeral-storage" "64Mi") "limits" (dict "ephemeral-storage" "512Mi") -}}
{{- toYaml (merge (deepCopy .) $defaults) -}}
{{- end -}}

{{/* Secret names readable through kairos-secrets */}}
{{- define "kairos.allowedSecrets" -}}
- {{ .Values.secrets.existingSecret }}
{{- end -}}

{{/* NetworkPolicy egress rules */}}
{{- define "kairos.np.dns" -}}
{{- $np := .Values.networkPolicy -}}
# DNS.
- to:
    - namespaceSelector:
        {{- toYaml $np.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml $np.dns.podSelector | nindent 8 }}
    {{- range $np.dns.extraCIDRs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{- define "kairos.np.kafka" -}}
# Kafka brokers (Dapr pub/sub).
- to:
{{- if eq .Values.kafka.mode "strimzi" }}
    - podSelector:
        matchLabels:
          strimzi.io/cluster: {{ .Values.kafka.strimzi.clusterName }}
          strimzi.io/kind: Kafka
  ports:
    - port: 9092
      protocol: TCP
{{- else }}
    {{- range .Values.kafka.external.egressCIDRs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    - port: {{ .Values.kafka.external.port }}
      protocol: TCP
{{- end }}
{{- end -}}

{{- define "kairos.np.postgres" -}}
# PostgreSQL.
- to:
{{- if eq .Values.postgresql.mode "internal" }}
    - podSelector:
        matchLabels:
          {{- include "kairos.selectorLabels" (dict "root" . "name" "postgresql") | nindent 10 }}
  ports:
    - port: 5432
      protocol: TCP
{{- else }}
    {{- range .Values.postgresql.external.egressCIDRs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    - port: {{ .Values.postgresql.external.port }}
      protocol: TCP
{{- end }}
{{- end -}}

{{/*
The value of an environment variable a backend component sets (its own env over
default.env), or `default`. Args: root, component, name, default.
*/}}
{{- define "kairos.envValue" -}}
{{- $v := .default -}}
{{- $name := .name -}}
{{- range (concat (.root.Values.default.env | default list) (.component.env | default list)) -}}
{{- if and (kindIs "map" .) (eq (toString .name) $name) (hasKey . "value") }}{{ $v = .value }}{{ end -}}
{{- end -}}
{{- $v -}}
{{- end -}}

{{/*
PostgreSQL connections the release can open with every backend Deployment at its largest
(maxReplicas when it autoscales): each pod's pool (DATABASE_POOL_MAX, 10), on api pods
also the outbox relay's lanes (KAIROS_OUTBOX_LANES, 4) and its LISTEN connection; plus
the migrations job's one.
*/}}
{{- define "kairos.dbConnections" -}}
{{- $root := . -}}
{{- $total := 1 -}}
{{- range $name, $c := .Values.components -}}
{{- if and $c.enabled (eq $c.kind "backend") -}}
{{- $pods := int $c.replicas -}}
{{- if and $c.autoscaling $c.autoscaling.enabled }}{{ $pods = int $c.autoscaling.maxReplicas }}{{ end -}}
{{- $perPod := int (include "kairos.envValue" (dict "root" $root "component" $c "name" "DATABASE_POOL_MAX" "default" 10)) -}}
{{- if eq $c.role "api" -}}
{{- $perPod = add $perPod (int (include "kairos.envValue" (dict "root" $root "component" $c "name" "KAIROS_OUTBOX_LANES" "default" 4))) 1 -}}
{{- end -}}
{{- $total = add $total (mul $pods $perPod) -}}
{{- end -}}
{{- end -}}
{{- $total -}}
{{- end -}}
