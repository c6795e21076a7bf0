{{/* A component's full name: <release>-<component>. */}}
{{- define "signet.name" -}}
{{ .root.Release.Name }}-{{ .component }}
{{- end }}

{{/* Labels of a component; the selector uses the first two. */}}
{{- define "signet.selector" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/name: {{ .component }}
{{- end }}

{{- define "signet.labels" -}}
{{ include "signet.selector" . }}
app.kubernetes.io/part-of: signet
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ .root.Chart.Name }}-{{ .root.Chart.Version }}
{{- end }}

{{/* The Redis every service shares. */}}
{{- define "signet.redisUrl" -}}
{{- if .Values.redis.enabled -}}
redis://{{ .Release.Name }}-redis:6379/0
{{- else -}}
{{ required "redis.externalUrl is required with redis.enabled=false" .Values.redis.externalUrl }}
{{- end }}
{{- end }}

{{- define "signet.image" -}}
{{ .root.Values.image.registry }}/{{ .component }}:{{ .root.Values.image.tag }}
{{- end }}

{{/* SIGNET_ADMIN_TOKEN from the admin Secret. */}}
{{- define "signet.adminTokenEnv" -}}
- name: SIGNET_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.adminToken.existingSecret | default (printf "%s-admin" .Release.Name) }}
      key: {{ .Values.adminToken.key }}
{{- end }}

{{/* Extra environment variables from <service>.env. */}}
{{- define "signet.extraEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* Health probes on the management port (Spring Boot's availability groups) and Prometheus' scrape annotations. */}}
{{- define "signet.probes" -}}
readinessProbe:
  httpGet: {path: /actuator/health/readiness, port: management}
  periodSeconds: 5
livenessProbe:
  httpGet: {path: /actuator/health/liveness, port: management}
  periodSeconds: 10
startupProbe:
  httpGet: {path: /actuator/health/liveness, port: management}
  periodSeconds: 5
  failureThreshold: 120
{{- end }}

{{- define "signet.scrape" -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ . | quote }}
prometheus.io/path: /actuator/prometheus
{{- end }}

{{/* A component's Service: its API port and its management port. Arguments: root, component, port, servicePort, management, type. */}}
{{- define "signet.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "signet.name" . }}
  labels:
    {{- include "signet.labels" . | nindent 4 }}
spec:
  type: {{ .type | default "ClusterIP" }}
  selector:
    {{- include "signet.selector" . | nindent 4 }}
  ports:
    - {name: http, port: {{ .servicePort | default .port }}, targetPort: http}
    - {name: management, port: {{ .management }}, targetPort: management}
{{- end }}

{{/* A claim. Arguments: root, name, size, storageClass, mode. */}}
{{- define "signet.claim" -}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ .name }}
  labels:
    app.kubernetes.io/instance: {{ .root.Release.Name }}
    app.kubernetes.io/part-of: signet
spec:
  accessModes: [{{ .mode }}]
  {{- with .storageClass }}
  storageClassName: {{ . }}
  {{- end }}
  resources:
    requests:
      storage: {{ .size }}
{{- end }}
