// Security of what the plan runs and stores:
// - every container we define meets the restricted Pod Security profile, with resources and (for
//   Thanos) health probes; the chart's pods are held to the same through its values;
// - no secret in clear: Secret values redacted, no render placeholder anywhere in the plan;
// - object storage in plain http or without certificate checks only by explicit opt-in (a warning).

import { SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER } from "../placeholders";
import { Finding, RenderedPlan, isThanosContainer, objectName, setting, workloads } from "./renderedPlan";

/** Values `npm run render` gives secrets: finding one in a plan means a secret escaped redaction. */
const RENDER_SECRET_MARK = "offline-placeholder-";

/** Restricted Pod Security, a read-only root filesystem, requests and limits, and (for Thanos) health probes. */
export function checkPodSecurity(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    for (const { object, pod, containers } of workloads(plan)) {
        const where = objectName(object);
        const add = (field: string, message: string) =>
            findings.push({ severity: "error", stack: plan.stack, object: where, field, message });
        const podContext = pod.securityContext ?? {};
        for (const [i, c] of containers.entries()) {
            const at = `spec.template.spec.containers[${i}]`;
            const sc = c.securityContext ?? {};
            if (sc.runAsNonRoot !== true && podContext.runAsNonRoot !== true)
                add(`${at}.securityContext.runAsNonRoot`, "must be true (restricted profile)");
            if (sc.allowPrivilegeEscalation !== false)
                add(`${at}.securityContext.allowPrivilegeEscalation`, "must be false (restricted profile)");
            if (!(sc.capabilities?.drop ?? []).includes("ALL"))
                add(`${at}.securityContext.capabilities.drop`, "must drop ALL (restricted profile)");
            if ((sc.seccompProfile?.type ?? podContext.seccompProfile?.type) !== "RuntimeDefault")
                add(`${at}.securityContext.seccompProfile`, "must be RuntimeDefault (restricted profile)");
            if (sc.readOnlyRootFilesystem !== true) add(`${at}.securityContext.readOnlyRootFilesystem`, "must be true");
            for (const kind of ["requests", "limits"]) {
                if (c.resources?.[kind]?.memory === undefined) add(`${at}.resources.${kind}.memory`, "must be set");
            }
            if (c.resources?.requests?.cpu === undefined) add(`${at}.resources.requests.cpu`, "must be set");
            if (isThanosContainer(c)) {
                if (c.livenessProbe?.httpGet?.path !== "/-/healthy")
                    add(`${at}.livenessProbe`, "must probe Thanos' /-/healthy");
                if (c.readinessProbe?.httpGet?.path !== "/-/ready")
                    add(`${at}.readinessProbe`, "must probe Thanos' /-/ready");
            }
        }
    }
    return findings;
}

function at(values: unknown, dotted: string): any {
    return dotted.split(".").reduce<any>((v, key) => (v === undefined || v === null ? undefined : v[key]), values);
}

/** What the chart values must state for each chart-run component (node exporter excepted: it needs the host). */
const CHART_SECURITY: {
    component: string;
    /** Values path that turns the component on, if it is optional. */
    enabled?: string;
    /** Values path of the pod securityContext, where we set it. */
    pod?: string;
    /** The chart's own pod securityContext already sets RuntimeDefault seccomp (kube-state-metrics'). */
    seccompFromChart?: boolean;
    containers: string[];
    resources: string[];
}[] = [
    {
        component: "Prometheus",
        pod: "prometheus.prometheusSpec.securityContext",
        containers: [],
        resources: ["prometheus.prometheusSpec.resources", "prometheus.prometheusSpec.thanos.resources"],
    },
    {
        component: "the Prometheus operator",
        pod: "prometheusOperator.securityContext",
        containers: ["prometheusOperator.containerSecurityContext"],
        resources: ["prometheusOperator.resources", "prometheusOperator.prometheusConfigReloader.resources"],
    },
    {
        component: "kube-state-metrics",
        seccompFromChart: true,
        containers: ["kube-state-metrics.containerSecurityContext"],
        resources: ["kube-state-metrics.resources"],
    },
    {
        component: "Alertmanager",
        enabled: "alertmanager.enabled",
        pod: "alertmanager.alertmanagerSpec.securityContext",
        containers: [],
        resources: ["alertmanager.alertmanagerSpec.resources"],
    },
    {
        component: "Grafana",
        enabled: "grafana.enabled",
        containers: ["grafana.containerSecurityContext", "grafana.sidecar.securityContext"],
        resources: ["grafana.resources", "grafana.sidecar.resources"],
    },
];

/** The chart's pods (Prometheus, the operator, kube-state-metrics, Alertmanager, Grafana) meet the restricted profile, with resources. */
export function checkChartSecurity(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    for (const release of plan.releases.filter((r) => r.chart === "kube-prometheus-stack")) {
        const where = `HelmRelease/${release.name}`;
        const add = (field: string, message: string) =>
            findings.push({ severity: "error", stack: plan.stack, object: where, field, message });
        for (const spec of CHART_SECURITY) {
            if (spec.enabled !== undefined && at(release.values, spec.enabled) !== true) continue;
            if (spec.pod !== undefined) {
                const pod = at(release.values, spec.pod) ?? {};
                if (pod.runAsNonRoot !== true)
                    add(`${spec.pod}.runAsNonRoot`, `${spec.component} must run as non-root (restricted profile)`);
                if (pod.seccompProfile?.type !== "RuntimeDefault")
                    add(`${spec.pod}.seccompProfile`, `${spec.component} must use the RuntimeDefault seccomp profile`);
            }
            for (const path of spec.containers) {
                const container = at(release.values, path) ?? {};
                if (container.allowPrivilegeEscalation !== false)
                    add(`${path}.allowPrivilegeEscalation`, `${spec.component}: must be false`);
                if (container.readOnlyRootFilesystem !== true)
                    add(`${path}.readOnlyRootFilesystem`, `${spec.component}: must be true`);
                if (!(container.capabilities?.drop ?? []).includes("ALL"))
                    add(`${path}.capabilities.drop`, `${spec.component}: must drop ALL`);
                if (
                    spec.pod === undefined &&
                    spec.seccompFromChart !== true &&
                    container.seccompProfile?.type !== "RuntimeDefault"
                ) {
                    add(`${path}.seccompProfile`, `${spec.component}: must use the RuntimeDefault seccomp profile`);
                }
            }
            for (const path of spec.resources) {
                const r = at(release.values, path) ?? {};
                if (
                    r.requests?.cpu === undefined ||
                    r.requests?.memory === undefined ||
                    r.limits?.memory === undefined
                ) {
                    add(path, `${spec.component}: needs cpu and memory requests and a memory limit`);
                }
            }
        }
        if (
            at(release.values, "grafana.enabled") === true &&
            at(release.values, "grafana.initChownData.enabled") !== false
        ) {
            add(
                "grafana.initChownData.enabled",
                "the chown init container runs as root: disable it (fsGroup owns the volume)",
            );
        }
        if (at(release.values, "alertmanager.enabled") === true) {
            if ((at(release.values, "alertmanager.alertmanagerSpec.replicas") ?? 1) < 3)
                add("alertmanager.alertmanagerSpec.replicas", "Alertmanager needs 3 replicas");
            if (at(release.values, "alertmanager.podDisruptionBudget.enabled") !== true)
                add("alertmanager.podDisruptionBudget.enabled", "Alertmanager needs a PodDisruptionBudget");
        }
        if ((at(release.values, "prometheus.prometheusSpec.replicas") ?? 1) < 2)
            add("prometheus.prometheusSpec.replicas", "Prometheus needs 2 replicas");
        if (at(release.values, "prometheus.podDisruptionBudget.enabled") !== true)
            add("prometheus.podDisruptionBudget.enabled", "Prometheus needs a PodDisruptionBudget");
    }
    return findings;
}

/** Nothing secret in clear: Secret values redacted, no render placeholder anywhere. */
export function checkSecrets(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    for (const secret of plan.manifests.filter((o) => o.kind === "Secret")) {
        for (const field of ["data", "stringData"]) {
            // In a preview, a value computed at deployment (a certificate) is unknown, not in clear.
            if (secret[field] === UNKNOWN_PLACEHOLDER) continue;
            for (const [key, value] of Object.entries(secret[field] ?? {})) {
                if (value !== SECRET_PLACEHOLDER && value !== UNKNOWN_PLACEHOLDER) {
                    findings.push({
                        severity: "error",
                        stack: plan.stack,
                        object: objectName(secret),
                        field: `${field}.${key}`,
                        message: "a Secret value is written in clear",
                    });
                }
            }
        }
    }
    for (const [file, text] of Object.entries(plan.files)) {
        if (text.includes(RENDER_SECRET_MARK)) {
            findings.push({
                severity: "error",
                stack: plan.stack,
                object: file,
                field: "(text)",
                message: "holds a secret value in clear",
            });
        }
    }
    return findings;
}

/** Object storage in plain http or without certificate checks is allowed only by explicit opt-in: warn. */
export function checkTransport(plan: RenderedPlan): Finding[] {
    const storage = setting(plan, "objectStorage") ?? {};
    const findings: Finding[] = [];
    if (storage.insecure === true) {
        findings.push({
            severity: "warning",
            stack: plan.stack,
            object: "(stack)",
            field: "objectStorage.insecure",
            message: "object storage over plain http: credentials and metrics travel unencrypted (opted in)",
        });
    }
    if (storage.insecureSkipVerify === true) {
        findings.push({
            severity: "warning",
            stack: plan.stack,
            object: "(stack)",
            field: "objectStorage.insecureSkipVerify",
            message: "object storage certificates are not verified (opted in)",
        });
    }
    return findings;
}
