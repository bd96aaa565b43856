// `npm run validate`: checks the rendered plan in out/ the way a careful reviewer would, and exits
// non-zero on any error. Each finding names the stack, the object and the field.
//
// - every Kubernetes object against its kind's schema, unknown fields included;
// - every Thanos container's flags against the typed flag table of the pinned Thanos version;
// - pod security, probes and resources of every container we define;
// - availability: replicas, spreading and disruption budgets;
// - the cross-stack invariants of a Thanos deployment (labels, replicas, compactor, retention,
//   timeouts, wiring) and that no secret is written in clear;
// - every rule file (PrometheusRules, the Ruler's) under promtool (offline/checks/rules.ts);
// - Grafana dashboards: loaded by the sidecar, valid against Grafana's schema, PromQL that parses
//   (offline/checks/dashboards.ts).

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { checkNodeSourcedPolicies } from "./checks/nodePolicies";
import { checkTrust } from "./checks/trust";
import { GRAFANA_POD_SELECTOR, PROMETHEUS_POD_SELECTOR } from "../components/names";
import { THANOS_FLAGS, ThanosComponentName, flagValueProblem } from "../components/thanosFlags";
import { parseDuration } from "../config/units";
import { checkScale } from "./checks/scale";
import { checkCacheMemory } from "./checks/thanosCaches";
import { checkThanosConfigs, readDocument } from "./checks/thanosConfigs";
import { checkDashboards } from "./checks/dashboards";
import { FieldChecker, modelClass } from "./fieldCheck";
import { HelmReleasePlan, SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER } from "./plan";
import { PROJECT_ROOT } from "./runStack";
import { readStackFile } from "./stackFiles";
import { checkAlertPath, checkAlertmanagerConfig, checkAlertmanagerNetwork } from "./checks/alertmanager";
import { checkRuleFiles } from "./checks/rules";

export interface Finding {
    severity: "error" | "warning";
    stack: string;
    /** kind/namespace/name, a Helm release, or "(stack)" for stack-wide findings. */
    object: string;
    field: string;
    message: string;
}

/** One stack's rendered plan, plus the stack file it came from. */
export interface RenderedPlan {
    stack: string;
    /** The stack file's `config:` map, or {} if the stack file is not found. */
    config: Record<string, unknown>;
    manifests: Record<string, any>[];
    releases: HelmReleasePlan[];
    resources: Record<string, any>[];
    outputs: Record<string, any>;
    /** Every file of the plan as text, for the secret scan. */
    files: Record<string, string>;
}

const PLAN_FILES = ["manifests.yaml", "helm-releases.yaml", "resources.json", "outputs.json"];
/** Values `npm run render` gives secrets: finding one in a plan means a secret escaped redaction. */
const RENDER_SECRET_MARK = "offline-placeholder-";
const HOUR = 3600 * 1000;

export function loadPlans(outDir: string, stackDir: string = PROJECT_ROOT): RenderedPlan[] {
    return fs
        .readdirSync(outDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => {
            const dir = path.join(outDir, entry.name);
            const files = Object.fromEntries(PLAN_FILES.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
            const stackFile = path.join(stackDir, `Pulumi.${entry.name}.yaml`);
            return {
                stack: entry.name,
                config: fs.existsSync(stackFile) ? readStackFile(stackFile).config : {},
                manifests: (yaml.loadAll(files["manifests.yaml"]) as Record<string, any>[]).filter(
                    (o) => o !== null && o !== undefined,
                ),
                releases: (yaml.load(files["helm-releases.yaml"]) as HelmReleasePlan[]) ?? [],
                resources: JSON.parse(files["resources.json"]),
                outputs: JSON.parse(files["outputs.json"]).outputs,
                files,
            };
        });
}

function objectName(o: Record<string, any>): string {
    return `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;
}

function setting(plan: RenderedPlan, key: string): any {
    return plan.config[`thanos-multicluster:${key}`];
}

/** Containers of a workload object, with their object's name. */
function workloads(
    plan: RenderedPlan,
): { object: Record<string, any>; containers: Record<string, any>[]; pod: Record<string, any> }[] {
    return plan.manifests
        .filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
        .map((o) => ({
            object: o,
            pod: o.spec?.template?.spec ?? {},
            containers: o.spec?.template?.spec?.containers ?? [],
        }));
}

/** Parsed `--flag=value` args of a Thanos container: name to values (undefined for a bare flag). */
export function parseFlags(args: string[]): Map<string, (string | undefined)[]> {
    const flags = new Map<string, (string | undefined)[]>();
    for (const arg of args.slice(1)) {
        const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
        if (!match) continue;
        flags.set(match[1], [...(flags.get(match[1]) ?? []), match[2]]);
    }
    return flags;
}

/** Every Thanos container of the plan's workloads, with its component (`query`, `compact`, ...) and parsed flags. */
export function thanosContainers(plan: RenderedPlan) {
    return workloads(plan).flatMap(({ object, containers }) =>
        containers
            .filter((c) => typeof c.image === "string" && c.image.includes("/thanos/thanos:"))
            .map((container) => ({
                object,
                container,
                component: container.args?.[0] as string,
                flags: parseFlags(container.args ?? []),
            })),
    );
}

function one(flags: Map<string, (string | undefined)[]>, name: string): string | undefined {
    return flags.get(name)?.[0];
}

function ms(duration: string | undefined): number | undefined {
    return duration === undefined ? undefined : duration === "0d" ? Infinity : parseDuration(duration);
}

/**
 * The Prometheus CR kube-prometheus-stack renders from our prometheusSpec values: the fields we set
 * pass through by name, except storageSpec (the CR's `storage`, checked apart as a PVC) and the
 * thanos objectStorageConfig existingSecret (the CR's SecretKeySelector).
 */
function prometheusCrFromValues(values: Record<string, any>): Record<string, any> {
    const {
        thanos,
        replicas,
        scrapeInterval,
        evaluationInterval,
        externalLabels,
        replicaExternalLabelName,
        retention,
        retentionSize,
        walCompression,
        resources,
        securityContext,
        containers,
    } = values.prometheus.prometheusSpec;
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "Prometheus",
        metadata: { name: "kps-prometheus", namespace: "monitoring" },
        spec: {
            replicas,
            scrapeInterval,
            evaluationInterval,
            externalLabels,
            replicaExternalLabelName,
            retention,
            retentionSize,
            walCompression,
            resources,
            securityContext,
            containers,
            thanos: { ...thanos, objectStorageConfig: thanos.objectStorageConfig.existingSecret },
            // The chart writes the list to its Secret `<fullname>-prometheus-am-confg` and references it.
            ...(values.prometheus.prometheusSpec.additionalAlertManagerConfigs !== undefined
                ? {
                      additionalAlertManagerConfigs: {
                          name: `${values.fullnameOverride}-prometheus-am-confg`,
                          key: "additional-alertmanager-configs.yaml",
                      },
                  }
                : {}),
        },
    };
}

/** The PVC template of storageSpec, as the core PersistentVolumeClaim it is. */
function prometheusVolumeClaimFromValues(values: Record<string, any>): Record<string, any> {
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "prometheus-db" },
        ...values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate,
    };
}

/** Schema objects of a plan: the manifests, plus the Prometheus CR and PVC the chart renders from our values. */
function schemaObjects(plan: RenderedPlan): { origin: string; object: Record<string, any> }[] {
    const objects = plan.manifests.map((object) => ({ origin: objectName(object), object }));
    for (const release of plan.releases) {
        if (release.chart !== "kube-prometheus-stack") continue;
        objects.push({
            origin: `HelmRelease/${release.name} prometheus.prometheusSpec`,
            object: prometheusCrFromValues(release.values),
        });
        objects.push({
            origin: `HelmRelease/${release.name} prometheus.prometheusSpec.storageSpec`,
            object: prometheusVolumeClaimFromValues(release.values),
        });
    }
    return objects;
}

/** JSON-pointer paths ("/spec", "/spec/groups/0") of the values a preview leaves unknown. */
function unknownPaths(value: unknown, at = ""): string[] {
    if (value === UNKNOWN_PLACEHOLDER) return [at];
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([key, v]) => unknownPaths(v, `${at}/${key}`));
}

/** A copy without the values a preview leaves unknown: they are not known to be wrong, nor right. */
export function withoutUnknowns(value: unknown): unknown {
    if (Array.isArray(value)) return value.filter((v) => v !== UNKNOWN_PLACEHOLDER).map(withoutUnknowns);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== UNKNOWN_PLACEHOLDER)
                .map(([k, v]) => [k, withoutUnknowns(v)]),
        );
    }
    return value;
}

export async function checkSchemas(plans: RenderedPlan[]): Promise<Finding[]> {
    const findings: Finding[] = [];
    const all = plans.flatMap((plan) => schemaObjects(plan).map((o) => ({ ...o, stack: plan.stack })));
    const known = all.filter(({ object }) => object.apiVersion !== undefined && object.kind !== undefined);
    const checker = new FieldChecker(
        known.map((o) => o.object as { apiVersion: string; kind: string }),
        PROJECT_ROOT,
    );
    for (const { stack, origin, object: planned } of all) {
        const object = withoutUnknowns(planned) as Record<string, any>;
        const Model = await modelClass(object.apiVersion, object.kind);
        if (Model === undefined) {
            findings.push({
                severity: "error",
                stack,
                object: origin,
                field: "apiVersion",
                message: `no schema known for ${object.apiVersion} ${object.kind}`,
            });
            continue;
        }
        try {
            new Model(object).validate();
        } catch (err) {
            // A required field that is unknown in a preview is there, only not yet computed.
            const unknown = new Set(unknownPaths(planned));
            const errors = (
                err as {
                    errors?: {
                        keyword: string;
                        instancePath: string;
                        params: { missingProperty?: string };
                        message?: string;
                    }[];
                }
            ).errors;
            const real = errors?.filter(
                (e) => !(e.keyword === "required" && unknown.has(`${e.instancePath}/${e.params.missingProperty}`)),
            );
            if (real === undefined || real.length > 0) {
                findings.push({
                    severity: "error",
                    stack,
                    object: origin,
                    field: "(schema)",
                    message: String((err as Error).message ?? err),
                });
            }
        }
        for (const field of checker.unknownFields(object)) {
            findings.push({
                severity: "error",
                stack,
                object: origin,
                field,
                message: `not a field of ${object.apiVersion} ${object.kind}`,
            });
        }
    }
    return findings;
}

export function checkThanosFlags(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    for (const { object, component, flags } of thanosContainers(plan)) {
        const table = (THANOS_FLAGS as Record<string, Record<string, string>>)[component];
        const where = objectName(object);
        if (table === undefined) {
            findings.push({
                severity: "error",
                stack: plan.stack,
                object: where,
                field: "args[0]",
                message: `"${component}" is not a Thanos component this program runs`,
            });
            continue;
        }
        for (const [name, values] of flags) {
            const kind = table[name];
            if (kind === undefined) {
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: where,
                    field: `--${name}`,
                    message: `not a flag of thanos ${component} in the typed table of v0.42.4 flags`,
                });
                continue;
            }
            for (const value of values) {
                const problem = flagValueProblem(kind as never, value);
                if (problem !== undefined)
                    findings.push({
                        severity: "error",
                        stack: plan.stack,
                        object: where,
                        field: `--${name}`,
                        message: problem,
                    });
            }
        }
    }
    return findings;
}

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
            if (typeof c.image === "string" && c.image.includes("/thanos/thanos:")) {
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

/** Replicas, spreading and disruption budgets of the workloads we define; the compactor stays single. */
export function checkAvailability(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    const budgets = plan.manifests.filter((o) => o.kind === "PodDisruptionBudget");
    for (const { object, component, pod } of thanosContainers(plan).map((t) => ({
        ...t,
        pod: t.object.spec.template.spec,
    }))) {
        const where = objectName(object);
        const add = (field: string, message: string) =>
            findings.push({ severity: "error", stack: plan.stack, object: where, field, message });
        if (component === "compact") {
            if (object.kind !== "StatefulSet" || object.spec.replicas !== 1)
                add(
                    "spec.replicas",
                    "the compactor must be a StatefulSet of exactly 1 replica: two compactors on one bucket corrupt it",
                );
            continue;
        }
        if ((object.spec.replicas ?? 1) < 2) add("spec.replicas", "must be at least 2");
        const spread = pod.affinity?.podAntiAffinity !== undefined || (pod.topologySpreadConstraints ?? []).length > 0;
        if (!spread)
            add(
                "spec.template.spec.affinity",
                "replicas must be spread by pod anti-affinity or topology spread constraints",
            );
        const labels = object.spec.template.metadata?.labels ?? {};
        const covered = budgets.some(
            (b) =>
                b.metadata.namespace === object.metadata.namespace &&
                Object.entries(b.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v),
        );
        if (!covered) add("(PodDisruptionBudget)", "no PodDisruptionBudget selects its pods");
    }
    return findings;
}

/** Does a label selector (matchLabels) select pods with these labels? An empty one selects all. */
export function matchesLabels(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** Does a Service with this selector send traffic to Prometheus pods (by pod name, or by the operator's labels)? */
export function servesPrometheusPods(selector: Record<string, string> | undefined): boolean {
    if (selector === undefined || Object.keys(selector).length === 0) return false;
    // A pod-name selector serves a Prometheus pod when it names one (prometheus-<cr>-<i>), not an Alertmanager's.
    const podName = selector["statefulset.kubernetes.io/pod-name"];
    return (
        (podName !== undefined && podName.startsWith("prometheus-")) || matchesLabels(selector, PROMETHEUS_POD_SELECTOR)
    );
}

/** The peers a policy admits to a port: undefined when the port is open to any source. */
export function peersForPort(policies: Record<string, any>[], port: number): Record<string, any>[] | undefined {
    const peers: Record<string, any>[] = [];
    for (const policy of policies) {
        for (const rule of policy.spec?.ingress ?? []) {
            const ports: Record<string, any>[] | undefined = rule.ports;
            if (ports !== undefined && !ports.some((p) => p.port === port)) continue;
            if (rule.from === undefined || rule.from.length === 0) return undefined;
            peers.push(...rule.from);
        }
    }
    return peers;
}

/**
 * Sidecar gRPC reachable only from the central cluster (edges: the sidecar source ranges and the
 * node's own address; central: the Query pods); Query and Grafana only from the UI source ranges
 * and the namespace; no sidecar HTTP port on a LoadBalancer.
 */
export function checkNetwork(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string) =>
        findings.push({ severity: "error", stack: plan.stack, object, field, message });
    const policies = plan.manifests.filter((o) => o.kind === "NetworkPolicy");
    const role = plan.outputs.role;
    const selecting = (labels: Record<string, string>) =>
        policies.filter((p) => matchesLabels(p.spec?.podSelector?.matchLabels, labels));
    const onPrometheus = selecting(PROMETHEUS_POD_SELECTOR);
    const sidecarPeers = onPrometheus.length === 0 ? undefined : peersForPort(onPrometheus, 10901);
    if (sidecarPeers === undefined) {
        add(
            "NetworkPolicy (Prometheus pods)",
            "spec.ingress",
            "the sidecar's gRPC (10901) is open to any source: restrict it to the central Query",
        );
    } else {
        const allowedCidrs = role === "edge" ? [...(setting(plan, "loadBalancer")?.sidecarSourceRanges ?? [])] : [];
        for (const peer of sidecarPeers) {
            if (peer.ipBlock !== undefined && !allowedCidrs.includes(peer.ipBlock.cidr)) {
                add(
                    "NetworkPolicy (Prometheus pods)",
                    "spec.ingress.from.ipBlock",
                    `${peer.ipBlock.cidr} may reach the sidecar's gRPC but is not a sidecar source range`,
                );
            }
            if (
                peer.podSelector !== undefined &&
                (role !== "central" || peer.podSelector.matchLabels?.["app.kubernetes.io/component"] !== "query")
            ) {
                add(
                    "NetworkPolicy (Prometheus pods)",
                    "spec.ingress.from.podSelector",
                    "only the Query pods may reach the sidecar's gRPC in-cluster",
                );
            }
            if (peer.namespaceSelector !== undefined && peer.podSelector === undefined)
                add(
                    "NetworkPolicy (Prometheus pods)",
                    "spec.ingress.from.namespaceSelector",
                    "whole namespaces may reach the sidecar's gRPC",
                );
        }
    }
    for (const service of plan.manifests.filter(
        (o) => o.kind === "Service" && ["LoadBalancer", "NodePort"].includes(o.spec?.type),
    )) {
        if (!servesPrometheusPods(service.spec.selector)) continue;
        for (const port of service.spec.ports ?? []) {
            if (port.targetPort !== "grpc" && port.targetPort !== 10901)
                add(
                    objectName(service),
                    "spec.ports",
                    `exposes ${port.targetPort} of a Prometheus pod outside the cluster: only the sidecar's gRPC may leave it`,
                );
        }
    }
    const central = setting(plan, "central");
    if (role === "central" && central !== undefined) {
        const allowed = [...(central.uiSourceRanges ?? [])];
        const query = thanosContainers(plan).find((t) => t.component === "query");
        const queryLabels: Record<string, string> = query?.object.spec.template.metadata?.labels ?? {};
        for (const [what, labels, port] of [
            ["Query", queryLabels, 9090],
            ["Grafana", GRAFANA_POD_SELECTOR, 3000],
        ] as const) {
            const onPods = selecting(labels);
            const peers = onPods.length === 0 ? undefined : peersForPort(onPods, port);
            if (peers === undefined) {
                add(
                    `NetworkPolicy (${what} pods)`,
                    "spec.ingress",
                    `${what} (${port}) is open to any source: restrict it to central.uiSourceRanges`,
                );
                continue;
            }
            for (const peer of peers) {
                if (peer.ipBlock !== undefined && !allowed.includes(peer.ipBlock.cidr))
                    add(
                        `NetworkPolicy (${what} pods)`,
                        "spec.ingress.from.ipBlock",
                        `${peer.ipBlock.cidr} is not in central.uiSourceRanges`,
                    );
            }
        }
    }
    findings.push(...checkNodeSourcedPolicies(plan));
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

function kpsValues(plan: RenderedPlan): Record<string, any> | undefined {
    return plan.releases.find((r) => r.chart === "kube-prometheus-stack")?.values;
}

/** The invariants that hold across all stacks of one deployment. */
export function checkInvariants(plans: RenderedPlan[]): Finding[] {
    const findings: Finding[] = [];
    const add = (stack: string, object: string, field: string, message: string) =>
        findings.push({ severity: "error", stack, object, field, message });

    // Cluster labels: the only thing telling clusters apart in Query.
    const clusters = new Map<string, string>();
    for (const plan of plans) {
        const label = kpsValues(plan)?.prometheus?.prometheusSpec?.externalLabels?.cluster;
        if (label === undefined) {
            add(
                plan.stack,
                "HelmRelease/kube-prometheus-stack",
                "prometheus.prometheusSpec.externalLabels.cluster",
                "every Prometheus needs a cluster label",
            );
            continue;
        }
        const other = clusters.get(label);
        if (other !== undefined)
            add(
                plan.stack,
                "HelmRelease/kube-prometheus-stack",
                "prometheus.prometheusSpec.externalLabels.cluster",
                `"${label}" is also ${other}'s cluster label`,
            );
        clusters.set(label, plan.stack);
    }

    // Blocks and local retention.
    for (const plan of plans) {
        const spec = kpsValues(plan)?.prometheus?.prometheusSpec;
        if (spec === undefined) continue;
        const object = "HelmRelease/kube-prometheus-stack";
        if (spec.thanos?.blockSize !== "2h")
            add(
                plan.stack,
                object,
                "prometheus.prometheusSpec.thanos.blockSize",
                `must be 2h (min = max block duration for the sidecar); got ${spec.thanos?.blockSize}`,
            );
        const retention = ms(spec.retention);
        const outage = ms(setting(plan, "prometheus")?.objectStoreOutageToSurvive ?? "24h");
        if (retention === undefined || retention < 6 * HOUR)
            add(
                plan.stack,
                object,
                "prometheus.prometheusSpec.retention",
                `must be at least 6h (3x the block duration); got ${spec.retention}`,
            );
        else if (outage !== undefined && retention < outage + 4 * HOUR) {
            add(
                plan.stack,
                object,
                "prometheus.prometheusSpec.retention",
                `${spec.retention} does not outlast the object-store outage to survive (${setting(plan, "prometheus")?.objectStoreOutageToSurvive ?? "24h"}) plus two blocks`,
            );
        }
    }

    // mTLS on the sidecars: a server certificate without a client CA lets any TLS client in.
    for (const plan of plans) {
        const tls = kpsValues(plan)?.prometheus?.prometheusSpec?.thanos?.grpcServerTlsConfig;
        if (tls !== undefined && (tls.caFile === undefined || tls.caFile === "") && tls.ca === undefined) {
            add(
                plan.stack,
                "HelmRelease/kube-prometheus-stack",
                "prometheus.prometheusSpec.thanos.grpcServerTlsConfig.caFile",
                "TLS without a client CA verifies no client: set the CA that signed the central Query's certificate",
            );
        }
    }

    findings.push(...checkTrust(plans));

    // The control plane.
    const centrals = plans.filter((p) => p.outputs.role === "central");
    const compactorsByBucket = new Map<string, string[]>();
    for (const plan of plans) {
        for (const { object, component } of thanosContainers(plan)) {
            if (component !== "compact") continue;
            const bucket = setting(plan, "objectStorage")?.bucket ?? plan.outputs.objstore?.bucket;
            compactorsByBucket.set(bucket, [
                ...(compactorsByBucket.get(bucket) ?? []),
                `${plan.stack}/${objectName(object)}`,
            ]);
        }
    }
    const buckets = new Set(plans.map((p) => p.outputs.objstore?.bucket).filter((b) => b !== undefined));
    for (const bucket of buckets) {
        const compactors = compactorsByBucket.get(bucket) ?? [];
        if (compactors.length !== 1)
            add(
                "(all)",
                `bucket ${bucket}`,
                "compactor",
                `needs exactly one compactor across all stacks; found ${compactors.length}${compactors.length ? `: ${compactors.join(", ")}` : ""}`,
            );
    }

    for (const central of centrals) {
        const thanos = thanosContainers(central);
        const byComponent = (c: ThanosComponentName) => thanos.filter((t) => t.component === c);
        const [query] = byComponent("query");
        if (query === undefined) {
            add(central.stack, "(stack)", "query", "the central stack runs no Thanos Query");
            continue;
        }
        const queryName = objectName(query.object);
        const replicaLabels = query.flags.get("query.replica-label") ?? [];
        const endpointFile = readDocument(central, query.object, query.container, query.flags, "endpoint.sd-config");
        const endpointsField = endpointFile?.where ?? "--endpoint.sd-config-file";
        if (endpointFile === undefined)
            add(
                central.stack,
                queryName,
                endpointsField,
                "Query reads no endpoint file: it would query no store at all",
            );
        const endpoints: Record<string, any>[] =
            (endpointFile?.document as { endpoints?: Record<string, any>[] } | undefined)?.endpoints ?? [];

        // Every edge's every replica wired, strictly. In a preview an edge's addresses are unknown
        // until it is deployed: nothing to check against yet.
        for (const edge of plans.filter(
            (p) => p.outputs.role === "edge" && Array.isArray(p.outputs.sidecarEndpoints),
        )) {
            for (const address of edge.outputs.sidecarEndpoints ?? []) {
                const endpoint = endpoints.find((e) => e.address === address);
                if (endpoint === undefined)
                    add(central.stack, queryName, endpointsField, `does not read ${edge.stack}'s sidecar ${address}`);
                else if (endpoint.strict !== true)
                    add(
                        central.stack,
                        queryName,
                        endpointsField,
                        `${edge.stack}'s sidecar ${address} must be strict, or an unreachable edge silently vanishes from results`,
                    );
            }
            const edgeTls = edge.outputs.grpcTls?.enabled === true;
            const mounts: string[] = (query.container.volumeMounts ?? []).map((m: Record<string, any>) => m.mountPath);
            for (const address of edge.outputs.sidecarEndpoints ?? []) {
                const endpoint = endpoints.find((e) => e.address === address);
                if (endpoint === undefined) continue;
                // Thanos v0.42.4's key; anything else is silently ignored (checkThanosConfigs reports it).
                const tlsConfig = endpoint.client_config?.tls_config;
                if (edgeTls && tlsConfig?.enabled !== true) {
                    add(
                        central.stack,
                        queryName,
                        endpointsField,
                        `${edge.stack} requires mTLS on ${address}, but Query dials it in plain gRPC`,
                    );
                } else if (edgeTls) {
                    for (const file of ["ca_file", "cert_file", "key_file"]) {
                        const value: string | undefined = tlsConfig[file];
                        if (value === undefined || !mounts.some((m) => value.startsWith(`${m}/`))) {
                            add(
                                central.stack,
                                queryName,
                                `${endpointsField} ${address} ${file}`,
                                `${value ?? "(unset)"} is not in a volume mounted into Query`,
                            );
                        }
                    }
                    if (endpoint.client_config.server_name !== edge.outputs.grpcTls.serverName) {
                        add(
                            central.stack,
                            queryName,
                            `${endpointsField} ${address} server_name`,
                            `must be ${edge.outputs.grpcTls.serverName}, the name in ${edge.stack}'s server certificate`,
                        );
                    }
                } else if (tlsConfig?.enabled === true) {
                    add(
                        central.stack,
                        queryName,
                        endpointsField,
                        `${edge.stack} serves plain gRPC on ${address}, but Query dials it with TLS`,
                    );
                }
            }
            for (const label of edge.outputs.replicaLabels ?? []) {
                if (!replicaLabels.includes(label))
                    add(
                        central.stack,
                        queryName,
                        "--query.replica-label",
                        `does not deduplicate ${edge.stack}'s replica label ${label}`,
                    );
            }
        }
        // Replica labels: Prometheus', the Ruler's, the Compactor's.
        for (const plan of plans) {
            const label = kpsValues(plan)?.prometheus?.prometheusSpec?.replicaExternalLabelName;
            if (label !== undefined && !replicaLabels.includes(label))
                add(
                    central.stack,
                    queryName,
                    "--query.replica-label",
                    `does not deduplicate ${plan.stack}'s Prometheus replica label ${label}`,
                );
        }
        for (const ruler of byComponent("rule")) {
            const replicaLabel = (ruler.flags.get("label") ?? [])
                .map((l) => l ?? "")
                .find((l) => l.includes("$(POD_NAME)"))
                ?.split("=")[0];
            const where = objectName(ruler.object);
            if (replicaLabel === undefined) add(central.stack, where, "--label", "the Ruler needs a per-replica label");
            else {
                if (!replicaLabels.includes(replicaLabel))
                    add(
                        central.stack,
                        queryName,
                        "--query.replica-label",
                        `does not deduplicate the Ruler's replica label ${replicaLabel}`,
                    );
                if (!(ruler.flags.get("alert.label-drop") ?? []).includes(replicaLabel))
                    add(
                        central.stack,
                        where,
                        "--alert.label-drop",
                        `must drop ${replicaLabel}, or Alertmanager gets each alert once per replica`,
                    );
            }
            if (one(ruler.flags, "tsdb.block-duration") !== "2h")
                add(central.stack, where, "--tsdb.block-duration", "must be 2h, like every Prometheus");
        }
        for (const compactor of byComponent("compact")) {
            const where = objectName(compactor.object);
            for (const label of compactor.flags.get("deduplication.replica-label") ?? []) {
                if (!replicaLabels.includes(label ?? ""))
                    add(
                        central.stack,
                        where,
                        "--deduplication.replica-label",
                        `${label} is not one of Query's replica labels`,
                    );
            }
            if (!compactor.flags.has("wait"))
                add(central.stack, where, "--wait", "the compactor must run continuously");
            const raw = ms(one(compactor.flags, "retention.resolution-raw"));
            const fiveMinutes = ms(one(compactor.flags, "retention.resolution-5m"));
            if (raw === undefined || raw < 40 * HOUR)
                add(
                    central.stack,
                    where,
                    "--retention.resolution-raw",
                    "must be at least 40h (raw blocks are downsampled at 40h)",
                );
            if (fiveMinutes === undefined || fiveMinutes < 240 * HOUR)
                add(
                    central.stack,
                    where,
                    "--retention.resolution-5m",
                    "must be at least 10d (5m blocks are downsampled at 10d)",
                );
            const deleteDelay = ms(one(compactor.flags, "delete-delay"));
            for (const store of byComponent("store")) {
                const ignore = ms(one(store.flags, "ignore-deletion-marks-delay"));
                if (deleteDelay === undefined || ignore === undefined || ignore >= deleteDelay) {
                    add(
                        central.stack,
                        objectName(store.object),
                        "--ignore-deletion-marks-delay",
                        "must be below the compactor's --delete-delay, or the store serves blocks the compactor already deleted",
                    );
                }
            }
        }
        const timeout = ms(one(query.flags, "query.timeout"));
        const storeTimeout = ms(one(query.flags, "store.response-timeout"));
        if (timeout === undefined || storeTimeout === undefined || storeTimeout === 0 || timeout <= storeTimeout) {
            add(
                central.stack,
                queryName,
                "--query.timeout",
                "must be above a non-zero --store.response-timeout, so a slow store is dropped before the query times out",
            );
        }
    }
    return findings;
}

/** Every check over every plan. */
export async function validatePlans(plans: RenderedPlan[]): Promise<Finding[]> {
    const perStack = plans.flatMap((plan) => [
        ...checkThanosFlags(plan),
        ...checkThanosConfigs(plan),
        ...checkPodSecurity(plan),
        ...checkChartSecurity(plan),
        ...checkAvailability(plan),
        ...checkCacheMemory(plan),
        ...checkScale(plan),
        ...checkNetwork(plan),
        ...checkSecrets(plan),
        ...checkTransport(plan),
        ...checkAlertmanagerConfig(plan),
        ...checkAlertmanagerNetwork(plan, { peersForPort, matchesLabels }),
        ...checkRuleFiles(plan),
        ...checkDashboards(plan, { ci: process.env.CI === "true" }),
    ]);
    return [...(await checkSchemas(plans)), ...perStack, ...checkInvariants(plans), ...checkAlertPath(plans)];
}

export function formatFindings(findings: Finding[]): string {
    return findings
        .map((f) => `${f.severity.toUpperCase().padEnd(7)} ${f.stack} | ${f.object} | ${f.field} | ${f.message}`)
        .join("\n");
}

if (require.main === module) {
    const outDir = process.argv[2] ?? path.join(PROJECT_ROOT, "out");
    (async () => {
        if (!fs.existsSync(outDir)) throw new Error(`${outDir} does not exist: run \`npm run render\` first`);
        const plans = loadPlans(outDir);
        const findings = await validatePlans(plans);
        const errors = findings.filter((f) => f.severity === "error");
        if (findings.length > 0) console.log(formatFindings(findings));
        console.log(
            `validate: ${plans.length} stacks, ${errors.length} errors, ${findings.length - errors.length} warnings`,
        );
        process.exit(errors.length > 0 ? 1 : 0);
    })().catch((err: unknown) => {
        console.error(`validate failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
}
