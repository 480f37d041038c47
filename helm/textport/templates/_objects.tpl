{{/*
One service's objects. Each define is called with (dict "root" $ "role" "accounts" "svc" $svc)
from component.yaml, which ranges over .Values.services.
*/}}

{{- define "textport.deployment" -}}
{{- $root := .root -}}
{{- $role := .role -}}
{{- $svc := .svc -}}
{{- $name := include "textport.name" (list $root $role) -}}
{{- $section := include "textport.section" $role -}}
{{- $portName := ternary "grpc" "http" (eq $svc.protocol "grpc") -}}
{{- $secretName := $root.Values.secrets.existingSecret | default (include "textport.name" (list $root "secrets")) -}}
{{- $tls := $root.Values.tls | default dict -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "textport.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $role }}
spec:
  replicas: {{ $svc.replicas | default 1 }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "textport.selectorLabels" (list $root $role) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "textport.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ $role }}
      annotations:
        {{- /* Pods roll when a secret the chart made, or a setting, changes. */}}
        checksum/secrets: {{ include (print $root.Template.BasePath "/secrets.yaml") $root | sha256sum }}
        {{- if $root.Values.metrics.podAnnotations }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $root.Values.metrics.port | quote }}
        prometheus.io/path: /metrics
        {{- end }}
        {{- with $svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- if $root.Values.serviceAccounts.create }}
      serviceAccountName: {{ $name }}
      {{- else if $svc.serviceAccountName }}
      serviceAccountName: {{ $svc.serviceAccountName }}
      {{- end }}
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $root.Values.securityContext.enable }}
      securityContext:
        {{- include "textport.podSecurityContext" $root | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds | default 30 }}
      containers:
        - name: {{ $role }}
          image: {{ include "textport.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [serve, {{ $role | quote }}]
          ports:
            - name: {{ $portName }}
              containerPort: {{ $svc.port }}
              protocol: TCP
            {{- with $svc.admin }}
            - name: admin
              containerPort: {{ .port }}
              protocol: TCP
            {{- end }}
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
              protocol: TCP
          env:
            {{- /* The downward API first: OTEL_RESOURCE_ATTRIBUTES refers to these. */}}
            - name: K8S_POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: K8S_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: K8S_NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
            - name: K8S_POD_UID
              valueFrom:
                fieldRef:
                  fieldPath: metadata.uid
            {{- include "textport.baseEnv" (dict "root" $root "role" $role "svc" $svc "hook" false) | nindent 12 }}
            {{- with $svc.admin }}
            - name: TEXTPORT__{{ $section }}__ADMIN_LISTEN
              value: {{ printf "%s:%v" $root.Values.listenHost .port | quote }}
            {{- end }}
            - name: TEXTPORT__{{ $section }}__DRAIN_SECONDS
              value: {{ $root.Values.drainSeconds | quote }}
            - name: TEXTPORT__METRICS__LISTEN
              value: {{ printf "%s:%v" $root.Values.listenHost $root.Values.metrics.port | quote }}
            {{- range $callee := ($svc.calls | default list) }}
            - name: TEXTPORT__SERVICES__{{ include "textport.section" $callee }}
              value: {{ printf "%s://%s:%v" (include "textport.scheme" $root) (include "textport.name" (list $root $callee)) (index $root.Values.services $callee).port | quote }}
            {{- end }}
            {{- if $tls.enabled }}
            {{- /* The files of the mounted Secret (volume "tls" below). */}}
            - name: TEXTPORT__TLS__CERT
              value: {{ printf "%s/tls.crt" (trimSuffix "/" $tls.mountPath) | quote }}
            - name: TEXTPORT__TLS__KEY
              value: {{ printf "%s/tls.key" (trimSuffix "/" $tls.mountPath) | quote }}
            - name: TEXTPORT__TLS__CA
              value: {{ printf "%s/ca.crt" (trimSuffix "/" $tls.mountPath) | quote }}
            {{- end }}
            {{- range $var, $key := ($svc.secretEnv | default dict) }}
            {{- if or $root.Values.secrets.existingSecret (index ($root.Values.secrets.values | default dict) $key) }}
            - name: {{ $var }}
              valueFrom:
                secretKeyRef:
                  name: {{ $secretName }}
                  key: {{ $key }}
                  {{- if $root.Values.secrets.existingSecret }}
                  optional: true
                  {{- end }}
            {{- end }}
            {{- end }}
            {{- range $key, $value := ($svc.settings | default dict) }}
            - name: TEXTPORT__{{ $section }}__{{ $key | upper }}
              value: {{ include "textport.scalar" $value | quote }}
            {{- end }}
            {{- with $root.Values.otel.endpoint }}
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: {{ . | quote }}
            {{- end }}
            - name: OTEL_SERVICE_NAME
              value: {{ printf "textport-%s" $role | quote }}
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: {{ printf "service.namespace=textport,service.version=%s,service.instance.id=$(K8S_POD_UID),k8s.pod.name=$(K8S_POD_NAME),k8s.pod.uid=$(K8S_POD_UID),k8s.namespace.name=$(K8S_NAMESPACE),k8s.node.name=$(K8S_NODE_NAME),k8s.deployment.name=%s,k8s.container.name=%s%s" $root.Chart.AppVersion $name $role (ternary (printf ",%s" $root.Values.otel.resourceAttributes) "" (ne $root.Values.otel.resourceAttributes "")) | quote }}
            {{- with $root.Values.env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $svc.env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- if and (eq $svc.protocol "grpc") $tls.enabled }}
          {{- /*
          With mutual TLS the server answers only callers with a certificate, which kubelet's
          native gRPC probe cannot present: probe that the port accepts connections instead.
          */}}
          readinessProbe:
            tcpSocket:
              port: {{ $portName }}
            periodSeconds: 5
            failureThreshold: 3
          livenessProbe:
            tcpSocket:
              port: {{ $portName }}
            initialDelaySeconds: 10
            periodSeconds: 10
            failureThreshold: 6
          {{- else if eq $svc.protocol "grpc" }}
          {{- /* Native gRPC probes: grpc.health.v1 on the service's own port. */}}
          readinessProbe:
            grpc:
              port: {{ $svc.port }}
            periodSeconds: 5
            failureThreshold: 3
          livenessProbe:
            grpc:
              port: {{ $svc.port }}
            initialDelaySeconds: 10
            periodSeconds: 10
            failureThreshold: 6
          {{- else }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: {{ $portName }}
            periodSeconds: 5
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: {{ $portName }}
            initialDelaySeconds: 10
            periodSeconds: 10
            failureThreshold: 6
          {{- end }}
          {{- with $svc.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- if $root.Values.securityContext.enable }}
          securityContext:
            {{- include "textport.containerSecurityContext" $root | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if $tls.enabled }}
            - name: tls
              mountPath: {{ $tls.mountPath | quote }}
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if $tls.enabled }}
        - name: tls
          secret:
            secretName: {{ include "textport.tlsSecret" . }}
            {{- /* 0440 (group 10001 through fsGroup), or 0444 without the pod security context. */}}
            defaultMode: {{ ternary 288 292 $root.Values.securityContext.enable }}
            items:
              - { key: tls.crt, path: tls.crt }
              - { key: tls.key, path: tls.key }
              - { key: ca.crt, path: ca.crt }
        {{- end }}
      {{- with $svc.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $svc.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{- define "textport.service" -}}
{{- $root := .root -}}
{{- $portName := ternary "grpc" "http" (eq .svc.protocol "grpc") -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "textport.name" (list $root .role) }}
  labels:
    {{- include "textport.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
spec:
  type: ClusterIP
  selector:
    {{- include "textport.selectorLabels" (list $root .role) | nindent 4 }}
  ports:
    - name: {{ $portName }}
      port: {{ .svc.port }}
      targetPort: {{ $portName }}
      protocol: TCP
      appProtocol: {{ $portName }}
    - name: metrics
      port: {{ $root.Values.metrics.port }}
      targetPort: metrics
      protocol: TCP
      appProtocol: http
{{- end -}}

{{/*
An HTTP service's second listener (the gateway's operator and sandbox APIs) gets a Service of its
own, "<prefix>-<role>-admin", so the Service an Ingress or load balancer points at never carries it.
*/}}
{{- define "textport.adminService" -}}
{{- $root := .root -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "textport.name" (list $root (printf "%s-admin" .role)) }}
  labels:
    {{- include "textport.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
spec:
  type: ClusterIP
  selector:
    {{- include "textport.selectorLabels" (list $root .role) | nindent 4 }}
  ports:
    - name: admin
      port: {{ .svc.admin.port }}
      targetPort: admin
      protocol: TCP
      appProtocol: http
{{- end -}}

{{- define "textport.serviceAccount" -}}
{{- $root := .root -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "textport.name" (list $root .role) }}
  labels:
    {{- include "textport.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
  {{- with $root.Values.serviceAccounts.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}

{{- define "textport.podDisruptionBudget" -}}
{{- $root := .root -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "textport.name" (list $root .role) }}
  labels:
    {{- include "textport.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
spec:
  maxUnavailable: {{ $root.Values.podDisruptionBudgets.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "textport.selectorLabels" (list $root .role) | nindent 6 }}
{{- end -}}

{{/*
Ingress: only the services that call this one (the reverse of the `calls` map), on its port; an
HTTP service (the gateway) from networkPolicies.gatewayFrom, or anyone; its admin port from
admin.allowFrom only (empty: nobody); the metrics port from metrics.scrapeFrom, or anyone.
Egress: DNS, the database, OTLP, the services it calls, and its own extraEgress.
*/}}
{{- define "textport.networkPolicy" -}}
{{- $root := .root -}}
{{- $np := $root.Values.networkPolicies -}}
{{- $callers := include "textport.callers" (list $root .role) | fromJsonArray -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "textport.name" (list $root .role) }}
  labels:
    {{- include "textport.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
  annotations:
    textport/callers: {{ join "," $callers | quote }}
spec:
  podSelector:
    matchLabels:
      {{- include "textport.selectorLabels" (list $root .role) | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- if $callers }}
    - from:
        {{- range $caller := $callers }}
        - podSelector:
            matchLabels:
              {{- include "textport.selectorLabels" (list $root $caller) | nindent 14 }}
        {{- end }}
      ports:
        - port: {{ .svc.port }}
          protocol: TCP
    {{- end }}
    {{- if ne .svc.protocol "grpc" }}
    - ports:
        - port: {{ .svc.port }}
          protocol: TCP
      {{- with $np.gatewayFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- /* The admin listener: only its allowFrom peers, never anyone (no rule: nobody). */}}
    {{- $admin := .svc.admin | default dict }}
    {{- if and $admin $admin.allowFrom }}
    - from:
        {{- toYaml $admin.allowFrom | nindent 8 }}
      ports:
        - port: {{ $admin.port }}
          protocol: TCP
    {{- end }}
    {{- /* Prometheus, on the metrics port only. */}}
    - ports:
        - port: {{ $root.Values.metrics.port }}
          protocol: TCP
      {{- with $root.Values.metrics.scrapeFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
  egress:
    {{- include "textport.egressRule" $np.dns | nindent 4 }}
    {{- include "textport.egressRule" $np.database | nindent 4 }}
    {{- if $root.Values.otel.endpoint }}
    {{- include "textport.egressRule" $np.otlp | nindent 4 }}
    {{- end }}
    {{- range $callee := (.svc.calls | default list) }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "textport.selectorLabels" (list $root $callee) | nindent 14 }}
      ports:
        - port: {{ (index $root.Values.services $callee).port }}
          protocol: TCP
    {{- end }}
    {{- with (.svc.networkPolicy | default dict).extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

{{/* One egress rule from {to, ports}; an empty `to` is left out (any destination on those ports). */}}
{{- define "textport.egressRule" -}}
- ports:
    {{- toYaml .ports | nindent 4 }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
The migration Job: `textport migrate <role>` before install and upgrade. It reads the database URL
from the hooks' own Secret (hooks run before the release's Secret exists) or the existing Secret.
*/}}
{{- define "textport.migrationJob" -}}
{{- $root := .root -}}
{{- $name := include "textport.name" (list $root (printf "migrate-%s" .role)) -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $name }}
  labels:
    {{- include "textport.labels" $root | nindent 4 }}
    app.kubernetes.io/component: migration
    textport/role: {{ .role }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: {{ $root.Values.migrations.hookWeight | quote }}
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ $root.Values.migrations.backoffLimit }}
  activeDeadlineSeconds: {{ $root.Values.migrations.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "textport.labels" $root | nindent 8 }}
        app.kubernetes.io/component: migration
        textport/role: {{ .role }}
    spec:
      restartPolicy: Never
      {{- if $root.Values.serviceAccounts.create }}
      serviceAccountName: {{ include "textport.name" (list $root "migrate") }}
      {{- end }}
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $root.Values.securityContext.enable }}
      securityContext:
        {{- include "textport.podSecurityContext" $root | nindent 8 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "textport.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [migrate, {{ .role | quote }}]
          env:
            {{- include "textport.baseEnv" (dict "root" $root "role" .role "svc" .svc "hook" true) | nindent 12 }}
          {{- with $root.Values.migrations.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- if $root.Values.securityContext.enable }}
          securityContext:
            {{- include "textport.containerSecurityContext" $root | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
{{- end -}}
