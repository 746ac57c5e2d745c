{{/* Chart name. */}}
{{- define "websocketproxy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name (release-chart, at most 63 characters). */}}
{{- define "websocketproxy.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "websocketproxy.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "websocketproxy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "websocketproxy.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "websocketproxy.labels" -}}
helm.sh/chart: {{ include "websocketproxy.chart" . }}
{{ include "websocketproxy.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The image; a "latest" tag is refused. */}}
{{- define "websocketproxy.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString }}
{{- if eq $tag "latest" }}
{{- fail "image.tag must name a version, not \"latest\"" }}
{{- end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}

{{/* Seconds as a .NET TimeSpan (hh:mm:ss). */}}
{{- define "websocketproxy.timespan" -}}
{{- $s := int . }}
{{- printf "%02d:%02d:%02d" (div $s 3600) (div (mod $s 3600) 60) (mod $s 60) }}
{{- end }}

{{/* The host shutdown budget after SIGTERM: shutdown delay + drain + margin. */}}
{{- define "websocketproxy.hostShutdownSeconds" -}}
{{- $s := .Values.shutdown }}
{{- add (int $s.shutdownDelaySeconds) (int $s.drainTimeoutSeconds) (int $s.marginSeconds) }}
{{- end }}

{{/* terminationGracePeriodSeconds: preStop sleep + host budget, or the configured value if it is at least that. */}}
{{- define "websocketproxy.terminationGracePeriodSeconds" -}}
{{- $needed := add (int .Values.shutdown.preStopSleepSeconds) (int (include "websocketproxy.hostShutdownSeconds" .)) }}
{{- if le (int .Values.shutdown.marginSeconds) 0 }}
{{- fail "shutdown.marginSeconds must be positive: the host needs time after the drain to stop the server" }}
{{- end }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- $needed }}
{{- else if lt (int .Values.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least preStopSleepSeconds + shutdownDelaySeconds + drainTimeoutSeconds + marginSeconds (%d)" (int .Values.terminationGracePeriodSeconds) (int $needed)) }}
{{- else }}
{{- int .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* The Secret whose keys become environment variables, if any. */}}
{{- define "websocketproxy.secretName" -}}
{{- if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret }}
{{- else if and .Values.secret.create .Values.secret.env }}
{{- include "websocketproxy.fullname" . }}
{{- end }}
{{- end }}

{{/* The appsettings.json the ConfigMap mounts at /config. */}}
{{- define "websocketproxy.appsettings" -}}
{{- if hasKey (.Values.webSocketProxy | default dict) "DrainTimeout" }}
{{- fail "set shutdown.drainTimeoutSeconds instead of webSocketProxy.DrainTimeout (it must agree with terminationGracePeriodSeconds)" }}
{{- end }}
{{- if hasKey (.Values.gateway | default dict) "ShutdownDelay" }}
{{- fail "set shutdown.shutdownDelaySeconds instead of gateway.ShutdownDelay (it must agree with terminationGracePeriodSeconds)" }}
{{- end }}
{{- dict "WebSocketProxy" (.Values.webSocketProxy | default dict) "Gateway" (.Values.gateway | default dict) | toPrettyJson }}
{{- end }}
