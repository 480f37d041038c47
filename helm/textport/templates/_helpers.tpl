{{/*
Names and labels. Every object of a service is "<prefix>-<role>"; the prefix is the release name
unless fullnameOverride is set.
*/}}
{{- define "textport.prefix" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* "<prefix>-<suffix>"; call with (list $root "suffix"). */}}
{{- define "textport.name" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "textport.prefix" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A role's configuration section as its environment variables spell it: hosted-order -> HOSTED_ORDER. */}}
{{- define "textport.section" -}}
{{- . | replace "-" "_" | upper -}}
{{- end -}}

{{- define "textport.labels" -}}
app.kubernetes.io/name: textport
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: textport
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The labels that select a service's pods; call with (list $root "role"). */}}
{{- define "textport.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: textport
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "textport.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
The enabled services' roles, sorted, after checking the dependency map: every callee is an
enabled gRPC service. Returns a JSON list; use with fromJsonArray.
*/}}
{{- define "textport.roles" -}}
{{- $services := .Values.services -}}
{{- $enabled := list -}}
{{- range $name, $svc := $services -}}
{{- if $svc.create -}}
{{- if not (regexMatch "^[a-z][a-z0-9-]*$" $name) -}}
{{- fail (printf "services.%s: a service is named by its role, in kebab-case" $name) -}}
{{- end -}}
{{- if has $name (list "migrate" "secrets") -}}
{{- fail (printf "services.%s: the chart uses <prefix>-%s for its own objects" $name $name) -}}
{{- end -}}
{{- if and $svc.admin (ne $svc.protocol "http") -}}
{{- fail (printf "services.%s.admin: only an HTTP service (the gateway) has a second listener" $name) -}}
{{- end -}}
{{- $enabled = append $enabled $name -}}
{{- end -}}
{{- end -}}
{{- range $name := $enabled -}}
{{- if and (index $services $name).admin (has (printf "%s-admin" $name) $enabled) -}}
{{- fail (printf "services.%s-admin: the chart uses <prefix>-%s-admin for %s's admin Service" $name $name $name) -}}
{{- end -}}
{{- end -}}
{{- range $name := $enabled -}}
{{- range $callee := ((index $services $name).calls | default list) -}}
{{- if not (has $callee $enabled) -}}
{{- fail (printf "services.%s.calls names %q, which is not an enabled service" $name $callee) -}}
{{- end -}}
{{- if ne (index $services $callee).protocol "grpc" -}}
{{- fail (printf "services.%s.calls names %q, which does not serve gRPC" $name $callee) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $enabled -}}
{{- end -}}

{{/* The enabled roles that call a role, sorted; call with (list $root "role"). Returns a JSON list. */}}
{{- define "textport.callers" -}}
{{- $root := index . 0 -}}
{{- $role := index . 1 -}}
{{- $callers := list -}}
{{- range $name := (include "textport.roles" $root | fromJsonArray) -}}
{{- if has $role ((index $root.Values.services $name).calls | default list) -}}
{{- $callers = append $callers $name -}}
{{- end -}}
{{- end -}}
{{- toJson (sortAlpha $callers) -}}
{{- end -}}

{{/*
Where a role's database URL comes from: {"name": Secret, "key": key}. Call with
(dict "root" $ "role" "accounts" "svc" $svc "hook" bool); with hook, a URL from values is read from
the migration hooks' own Secret (the release's Secret does not exist yet on a first install).
*/}}
{{- define "textport.databaseSecret" -}}
{{- $root := .root -}}
{{- $db := .svc.database | default dict -}}
{{- $created := ternary (include "textport.name" (list $root "migrate")) (include "textport.name" (list $root "secrets")) .hook -}}
{{- if $db.existingSecret -}}
{{- toJson (dict "name" $db.existingSecret "key" ($db.existingSecretKey | default "database-url")) -}}
{{- else if $db.url -}}
{{- toJson (dict "name" $created "key" (printf "%s-database-url" .role)) -}}
{{- else if $root.Values.database.existingSecret -}}
{{- toJson (dict "name" $root.Values.database.existingSecret "key" $root.Values.database.existingSecretKey) -}}
{{- else if $root.Values.database.url -}}
{{- toJson (dict "name" $created "key" "database-url") -}}
{{- else -}}
{{- fail "set database.url or database.existingSecret (or services.<role>.database.url / existingSecret for every service)" -}}
{{- end -}}
{{- end -}}

{{/* The database URLs the chart puts in a Secret from values (key: URL). Returns YAML. */}}
{{- define "textport.databaseUrls" -}}
{{- $root := . -}}
{{- $urls := dict -}}
{{- range $name := (include "textport.roles" $root | fromJsonArray) -}}
{{- $db := (index $root.Values.services $name).database | default dict -}}
{{- if and $db.url (not $db.existingSecret) -}}
{{- $_ := set $urls (printf "%s-database-url" $name) $db.url -}}
{{- else if and (not $db.existingSecret) (not $root.Values.database.existingSecret) $root.Values.database.url -}}
{{- $_ := set $urls "database-url" $root.Values.database.url -}}
{{- end -}}
{{- end -}}
{{- toYaml $urls -}}
{{- end -}}

{{- define "textport.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "textport.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
The environment every textport container gets for a role: where it listens, its database and
telemetry. Call with (dict "root" $ "role" "accounts" "svc" $svc "hook" bool).
*/}}
{{- define "textport.baseEnv" -}}
{{- $root := .root -}}
{{- $section := include "textport.section" .role -}}
{{- $db := include "textport.databaseSecret" . | fromJson -}}
- name: TEXTPORT__{{ $section }}__LISTEN
  value: {{ printf "%s:%v" $root.Values.listenHost .svc.port | quote }}
- name: TEXTPORT__{{ $section }}__DATABASE__URL
  valueFrom:
    secretKeyRef:
      name: {{ $db.name }}
      key: {{ $db.key }}
- name: TEXTPORT__{{ $section }}__DATABASE__SCHEMA
  value: {{ (.svc.database | default dict).schema | default (.role | replace "-" "_") | quote }}
- name: TEXTPORT__{{ $section }}__DATABASE__MAX_CONNECTIONS
  value: {{ $root.Values.database.maxConnections | quote }}
- name: TEXTPORT__TELEMETRY__LOG_FORMAT
  value: {{ $root.Values.telemetry.logFormat | quote }}
{{- with $root.Values.telemetry.logFilter }}
- name: TEXTPORT__TELEMETRY__LOG_FILTER
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* A setting's value as text; whole numbers stay whole (values arrive as float64: 1048576, not 1.048576e+06). */}}
{{- define "textport.scalar" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) -}}
{{- int64 . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* The scheme of callee URLs: https with mutual TLS. */}}
{{- define "textport.scheme" -}}
{{- ternary "https" "http" (.Values.tls.enabled | default false) -}}
{{- end -}}

{{/* The Secret holding a role's certificate; call with (dict "root" $ "role" "accounts" "svc" $svc). */}}
{{- define "textport.tlsSecret" -}}
{{- (.svc.tls | default dict).existingSecret | default (include "textport.name" (list .root (printf "%s-tls" .role))) -}}
{{- end -}}

{{/*
The TLS Secrets the chart creates from values (tls.create), as {name: {tls.crt, tls.key, ca.crt}};
fails when a PEM is missing. Returns JSON; use with fromJson.
*/}}
{{- define "textport.tlsSecrets" -}}
{{- $root := . -}}
{{- $out := dict -}}
{{- $tls := $root.Values.tls -}}
{{- if and $tls.enabled $tls.create -}}
{{- range $name := (include "textport.roles" $root | fromJsonArray) -}}
{{- $svc := index $root.Values.services $name -}}
{{- if not ($svc.tls | default dict).existingSecret -}}
{{- $pems := index ($tls.certificates | default dict) $name | default dict -}}
{{- if not (and $tls.ca $pems.cert $pems.key) -}}
{{- fail (printf "tls.create: set tls.ca, tls.certificates.%s.cert and .key (or services.%s.tls.existingSecret)" $name $name) -}}
{{- end -}}
{{- $_ := set $out (include "textport.tlsSecret" (dict "root" $root "role" $name "svc" $svc)) (dict "tls.crt" $pems.cert "tls.key" $pems.key "ca.crt" $tls.ca) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
