{{/* Names, labels and the pieces every workload of the chart shares. */}}

{{- define "scpf-reports.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name, at most 45 characters: "<fullname>-report" must fit a CronJob name (52). */}}
{{- define "scpf-reports.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 45 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "scpf-reports.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every resource; call with (dict "ctx" $ "component" "server"). */}}
{{- define "scpf-reports.labels" -}}
helm.sh/chart: {{ include "scpf-reports.chart" .ctx }}
{{ include "scpf-reports.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: scpf-reports
{{- end }}

{{/* Labels that select one component's pods; call with (dict "ctx" $ "component" "server"). */}}
{{- define "scpf-reports.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scpf-reports.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "scpf-reports.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "scpf-reports.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the database URL and the token files. */}}
{{- define "scpf-reports.secretName" -}}
{{- default (include "scpf-reports.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "scpf-reports.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The address the report CronJob calls. */}}
{{- define "scpf-reports.serverUrl" -}}
{{- if .Values.report.server }}
{{- .Values.report.server }}
{{- else }}
{{- printf "%s://%s.%s.svc:%d" (ternary "https" "http" .Values.tls.enabled) (include "scpf-reports.fullname" .) .Release.Namespace (int .Values.service.grpcPort) }}
{{- end }}
{{- end }}

{{/* Where secret files are mounted, and the file of each key. */}}
{{- define "scpf-reports.secretsDir" -}}/etc/scpf-reports/secrets{{- end }}
{{- define "scpf-reports.tlsDir" -}}/etc/scpf-reports/tls{{- end }}
{{- define "scpf-reports.clientCaDir" -}}/etc/scpf-reports/client-ca{{- end }}
{{- define "scpf-reports.clientTlsDir" -}}/etc/scpf-reports/client-tls{{- end }}

{{/* Pod-level security context shared by every pod: a fixed non-root user, RuntimeDefault seccomp. */}}
{{- define "scpf-reports.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level security context shared by every container. */}}
{{- define "scpf-reports.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Refusals of value combinations the schema cannot express. */}}
{{- define "scpf-reports.validate" -}}
{{- $drain := add .Values.lifecycle.preStopSleepSeconds .Values.config.shutdownGraceSeconds }}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $drain) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed lifecycle.preStopSleepSeconds + config.shutdownGraceSeconds (%d), or in-flight calls are killed" (int .Values.terminationGracePeriodSeconds) (int $drain)) }}
{{- end }}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) }}
{{- fail "tls.secretName must name a kubernetes.io/tls Secret when tls.enabled is true" }}
{{- end }}
{{- if and .Values.tls.clientAuth (not .Values.tls.enabled) }}
{{- fail "tls.clientAuth needs tls.enabled" }}
{{- end }}
{{- if and .Values.report.enabled .Values.tls.clientAuth (not .Values.report.clientCertificate.secretName) }}
{{- fail "report.clientCertificate.secretName must name the report's client certificate when tls.clientAuth is on" }}
{{- end }}
{{- if not .Values.secrets.existingSecret }}
{{- if not .Values.secrets.databaseUrl }}
{{- fail "set secrets.existingSecret, or secrets.databaseUrl (with authTokens and reportToken) for the chart to create the Secret" }}
{{- end }}
{{- if not .Values.secrets.authTokens }}
{{- fail "secrets.authTokens is required when the chart creates the Secret" }}
{{- end }}
{{- if and .Values.report.enabled (not .Values.secrets.reportToken) }}
{{- fail "secrets.reportToken is required when the chart creates the Secret and report.enabled is true" }}
{{- end }}
{{- if and .Values.migration.enabled (not .Values.secrets.migrationDatabaseUrl) }}
{{- fail "secrets.migrationDatabaseUrl (the schema owner, which migrates) is required when the chart creates the Secret and migration.enabled is true" }}
{{- end }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- end }}

{{/* NetworkPolicy egress rules: DNS for every pod, PostgreSQL for the server and the migration. */}}
{{- define "scpf-reports.egressDns" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
  {{- with .Values.networkPolicy.egress.dns.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- define "scpf-reports.egressPostgres" -}}
- ports:
    - port: {{ .Values.networkPolicy.egress.postgres.port }}
      protocol: TCP
  {{- with .Values.networkPolicy.egress.postgres.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
