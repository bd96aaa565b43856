// Checks on what the real kube-prometheus-stack chart renders from a stack's Helm values (`helm
// template`, see offline/helmTemplate.ts): the objects the chart would create, against the stack's
// config (what was asked for), our own manifests (what they reference), the chart's own CRDs and
// the Kubernetes schemas. The expected values come from the stack file and from prometheus-operator
// v0.93 and Grafana facts (where the operator mounts spec.secrets, the Secret it reads an
// Alertmanager's config from), never from the values we hand the chart.

import * as yaml from "js-yaml";
import { ClusterSettings } from "../../config";
import { FieldChecker, modelClass } from "../fieldCheck";
import { HelmReleasePlan } from "../plan";
import type { Finding, RenderedPlan } from "./renderedPlan";
import { checkChartRules } from "./chartRules";
import { crdKey, crdSchemaProblems, loadCrdSchemas } from "./crdSchema";
import { checkChartRbac } from "./chartRbac";

export type K8sObject = Record<string, any>;

export interface ChartRender {
    /** Our render of the stack (out/<stack>/). */
    plan: RenderedPlan;
    release: HelmReleasePlan;
    /** What `helm template` printed, parsed. */
    objects: K8sObject[];
    /** The stack's config, parsed by the program's own rules (defaults filled in). */
    settings: ClusterSettings;
    /** The chart's CRD schemas (loadCrdSchemas of its crds subchart). */
    crds: ReturnType<typeof loadCrdSchemas>;
}

/**
 * prometheus-operator v0.93 names the volume of each Secret of spec.secrets `secret-<name>`
 * (pkg/prometheus/common.go) and mounts an Alertmanager's at /etc/alertmanager/secrets/<name>
 * (pkg/alertmanager/statefulset.go).
 */
const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";
/** Namespaces every cluster has: the chart puts the control plane's scrape Services in kube-system. */
const BUILT_IN_NAMESPACES = ["kube-system", "default"];

export function objectId(o: K8sObject): string {
    return `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${String(o.metadata?.name).trim()}`;
}

/** A copy with every map's keys in order: label maps compare by content, not by insertion order. */
function sorted(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sorted);
    if (typeof value !== "object" || value === null) return value;
    return Object.fromEntries(
        Object.entries(value)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, sorted(v)]),
    );
}

function secretData(secret: K8sObject | undefined): Record<string, string> | undefined {
    if (secret === undefined) return undefined;
    const decoded = Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), "base64").toString("utf8")]),
    );
    return { ...decoded, ...(secret.stringData ?? {}) };
}

function find(objects: K8sObject[], kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
    return objects.find(
        (o) =>
            o.kind === kind &&
            o.metadata?.name?.trim() === name &&
            (namespace === undefined || o.metadata?.namespace === namespace),
    );
}

/** Does a Kubernetes LabelSelector (matchLabels and matchExpressions) select these labels? Undefined selects nothing. */
export function selects(selector: K8sObject | undefined | null, labels: Record<string, string>): boolean {
    if (selector === undefined || selector === null) return false;
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpressions = (selector.matchExpressions ?? []).every((e: K8sObject) => {
        const value = labels[e.key];
        switch (e.operator) {
            case "In":
                return value !== undefined && e.values.includes(value);
            case "NotIn":
                return value === undefined || !e.values.includes(value);
            case "Exists":
                return value !== undefined;
            case "DoesNotExist":
                return value === undefined;
            default:
                return false;
        }
    });
    return byLabels && byExpressions;
}

/** Every check over one templated release. */
export async function checkChartRender(render: ChartRender): Promise<Finding[]> {
    return [...(await checkChartSchemas(render)), ...checkChartWiring(render), ...checkChartRules(render)];
}

/** The checks of what the objects say and reference (all but the schemas). */
export function checkChartWiring(render: ChartRender): Finding[] {
    return [
        ...checkChartCollisions(render),
        ...checkChartNamespaces(render),
        ...checkChartPodSecurity(render),
        ...checkPrometheusCr(render),
        ...checkMonitorSelection(render),
        ...checkAlertmanagerCr(render),
        ...checkGrafana(render),
        ...checkChartRbac(render),
    ];
}

/** Findings about one chart render, and `add` to report one against a templated object and field. */
export function finder(render: ChartRender) {
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string, severity: Finding["severity"] = "error") =>
        findings.push({
            severity,
            stack: render.plan.stack,
            object: `helm template ${render.release.name}: ${object}`,
            field,
            message,
        });
    return { findings, add };
}

/** Each templated object against its schema: kubernetes-models for built-in kinds, the chart's own CRDs for the operator's. */
export async function checkChartSchemas(render: ChartRender): Promise<Finding[]> {
    const { findings, add } = finder(render);
    const builtIn: K8sObject[] = [];
    for (const object of render.objects) {
        const schema = render.crds.get(crdKey(object));
        if (schema !== undefined) {
            for (const p of crdSchemaProblems(object, schema)) add(objectId(object), p.field, p.message);
            continue;
        }
        const Model = await modelClass(object.apiVersion, object.kind);
        if (Model === undefined) {
            add(objectId(object), "apiVersion", `no schema known for ${object.apiVersion} ${object.kind}`, "warning");
            continue;
        }
        try {
            new Model(object).validate();
        } catch (err) {
            add(objectId(object), "(schema)", String((err as Error).message ?? err));
        }
        builtIn.push(object);
    }
    if (builtIn.length > 0) {
        const checker = new FieldChecker(
            builtIn.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind })),
            process.cwd(),
        );
        for (const object of builtIn)
            for (const field of checker.unknownFields(object))
                add(
                    objectId(object),
                    field,
                    `not a field of ${object.apiVersion} ${object.kind}: the API server would drop it`,
                );
    }
    return findings;
}

/** No object the chart renders is one we declare ourselves (one of the two would fail to create), nor twice. */
export function checkChartCollisions(render: ChartRender): Finding[] {
    const { findings, add } = finder(render);
    const ours = new Set(render.plan.manifests.map(objectId));
    const seen = new Set<string>();
    for (const object of render.objects) {
        const id = objectId(object);
        if (ours.has(id))
            add(
                id,
                "metadata.name",
                "the stack declares this object too: the second to apply fails (AlreadyExists, or Helm's ownership check)",
            );
        if (seen.has(id)) add(id, "metadata.name", "the chart renders this object twice");
        seen.add(id);
    }
    return findings;
}

/** Every namespaced object lands in a namespace the stack creates (or one every cluster has). */
export function checkChartNamespaces(render: ChartRender): Finding[] {
    const { findings, add } = finder(render);
    const declared = new Set(
        render.plan.manifests.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name as string),
    );
    for (const object of render.objects) {
        const ns = object.metadata?.namespace;
        if (ns !== undefined && !declared.has(ns) && !BUILT_IN_NAMESPACES.includes(ns))
            add(
                objectId(object),
                "metadata.namespace",
                `namespace ${ns} is neither declared by the stack nor built in: the install fails`,
            );
    }
    return findings;
}

function podTemplate(object: K8sObject): K8sObject | undefined {
    if (object.kind === "Pod") return object;
    return object.spec?.template ?? object.spec?.jobTemplate?.spec?.template;
}

/** Pods the chart creates in a namespace enforcing `restricted` meet that profile (Helm test hooks excepted: nothing runs them). */
export function checkChartPodSecurity(render: ChartRender): Finding[] {
    const { findings, add } = finder(render);
    const restricted = new Set(
        render.plan.manifests
            .filter(
                (o) =>
                    o.kind === "Namespace" &&
                    o.metadata.labels?.["pod-security.kubernetes.io/enforce"] === "restricted",
            )
            .map((o) => o.metadata.name as string),
    );
    for (const object of render.objects) {
        const template = podTemplate(object);
        if (template === undefined || !restricted.has(object.metadata?.namespace)) continue;
        const hook = String(object.metadata?.annotations?.["helm.sh/hook"] ?? "");
        if (hook.split(",").includes("test")) continue;
        const pod = template.spec ?? {};
        const podContext = pod.securityContext ?? {};
        const id = objectId(object);
        for (const key of ["hostNetwork", "hostPID", "hostIPC"])
            if (pod[key] === true) add(id, `spec.${key}`, "not allowed by the restricted profile");
        for (const volume of pod.volumes ?? [])
            if (volume.hostPath !== undefined)
                add(id, `volumes.${volume.name}`, "hostPath is not allowed by the restricted profile");
        for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
            const sc = c.securityContext ?? {};
            const at = `containers.${c.name}.securityContext`;
            if (sc.privileged === true) add(id, `${at}.privileged`, "must not be privileged (restricted profile)");
            if ((sc.runAsNonRoot ?? podContext.runAsNonRoot) !== true)
                add(id, `${at}.runAsNonRoot`, "must be true (restricted profile)");
            if ((sc.runAsUser ?? podContext.runAsUser) === 0)
                add(id, `${at}.runAsUser`, "must not be 0 (restricted profile)");
            if (sc.allowPrivilegeEscalation !== false)
                add(id, `${at}.allowPrivilegeEscalation`, "must be false (restricted profile)");
            if (!(sc.capabilities?.drop ?? []).includes("ALL"))
                add(id, `${at}.capabilities.drop`, "must drop ALL (restricted profile)");
            const extra = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== "NET_BIND_SERVICE");
            if (extra.length > 0)
                add(id, `${at}.capabilities.add`, `${extra.join(", ")} not allowed (restricted profile)`);
            const seccomp = sc.seccompProfile?.type ?? podContext.seccompProfile?.type;
            if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
                add(id, `${at}.seccompProfile`, "must be RuntimeDefault or Localhost (restricted profile)");
        }
    }
    return findings;
}

/** What `resources.requests.storage` and `storageClassName` of a volumeClaimTemplate say. */
function claim(storage: K8sObject | undefined): { size?: string; storageClass?: string } {
    const spec = storage?.volumeClaimTemplate?.spec;
    return { size: spec?.resources?.requests?.storage, storageClass: spec?.storageClassName };
}

/** The Prometheus CR: what the stack file asks for, the Thanos sidecar wired to Secrets the stack declares, and where alerts go. */
export function checkPrometheusCr(render: ChartRender): Finding[] {
    const { findings, add } = finder(render);
    const { settings, plan, objects } = render;
    const crs = objects.filter((o) => o.kind === "Prometheus");
    if (crs.length !== 1) {
        add("Prometheus", "(count)", `the chart renders ${crs.length} Prometheus CRs; expected exactly 1`);
        return findings;
    }
    const cr = crs[0];
    const id = objectId(cr);
    const spec = cr.spec ?? {};
    const namespace = cr.metadata.namespace;
    const expect = (field: string, actual: unknown, expected: unknown, source: string) => {
        if (JSON.stringify(sorted(actual)) !== JSON.stringify(sorted(expected)))
            add(id, field, `is ${JSON.stringify(actual)}; ${source} asks for ${JSON.stringify(expected)}`);
    };
    const key = (k: string) => `the stack file's ${k}`;
    expect("spec.replicas", spec.replicas, settings.prometheus.replicas, key("prometheus.replicas"));
    expect("spec.retention", spec.retention, settings.prometheus.retention, key("prometheus.retention"));
    expect(
        "spec.retentionSize",
        spec.retentionSize,
        settings.prometheus.retentionSize,
        key("prometheus.retentionSize"),
    );
    expect(
        "spec.scrapeInterval",
        spec.scrapeInterval,
        settings.prometheus.scrapeInterval,
        key("prometheus.scrapeInterval"),
    );
    const storage = claim(spec.storage);
    expect("spec.storage...storage", storage.size, settings.prometheus.storageSize, key("prometheus.storageSize"));
    expect("spec.storage...storageClassName", storage.storageClass, settings.storageClass, key("storageClass"));
    const labels = { ...settings.prometheus.externalLabels, cluster: settings.clusterName };
    expect("spec.externalLabels", spec.externalLabels, labels, key("clusterName and prometheus.externalLabels"));
    expect(
        "spec.externalLabels",
        spec.externalLabels,
        plan.outputs.externalLabels,
        "the stack's output externalLabels",
    );
    // The operator adds this label, holding the pod name; Query deduplicates on the contract's replicaLabels.
    const replicaLabel = spec.replicaExternalLabelName ?? "prometheus_replica";
    if (!(plan.outputs.replicaLabels ?? []).includes(replicaLabel))
        add(
            id,
            "spec.replicaExternalLabelName",
            `${replicaLabel} is not among the output replicaLabels (${plan.outputs.replicaLabels}): Query would not deduplicate the replicas`,
        );

    // The Thanos sidecar: present, shipping with the objstore Secret the stack declares.
    const thanos = spec.thanos;
    if (thanos === undefined) {
        add(id, "spec.thanos", "no Thanos sidecar: nothing ships blocks or serves the StoreAPI");
        return findings;
    }
    const objstore = thanos.objectStorageConfig;
    const objstoreSecret =
        objstore === undefined ? undefined : find(plan.manifests, "Secret", namespace, objstore.name);
    if (objstore === undefined) add(id, "spec.thanos.objectStorageConfig", "missing: the sidecar uploads nothing");
    else if (objstoreSecret === undefined)
        add(
            id,
            "spec.thanos.objectStorageConfig",
            `names Secret ${namespace}/${objstore.name}, which the stack does not declare`,
        );
    else if (!(objstore.key in { ...(objstoreSecret.data ?? {}), ...(objstoreSecret.stringData ?? {}) }))
        add(id, "spec.thanos.objectStorageConfig.key", `Secret ${objstore.name} has no key ${objstore.key}`);

    // TLS on the sidecar, where one is configured: every file it reads is in a Secret of spec.secrets,
    // mounted into the sidecar. (Since contract 4 no stack sets it: an edge's Query serves the mTLS.)
    const tlsConfig = thanos.grpcServerTlsConfig;
    for (const field of ["caFile", "certFile", "keyFile"]) {
        const file: string | undefined = tlsConfig?.[field];
        if (file === undefined) {
            if (tlsConfig !== undefined) add(id, `spec.thanos.grpcServerTlsConfig.${field}`, "missing");
            continue;
        }
        const mount = (thanos.volumeMounts ?? []).find((m: K8sObject) => file.startsWith(`${m.mountPath}/`));
        if (mount === undefined) {
            add(
                id,
                `spec.thanos.grpcServerTlsConfig.${field}`,
                `${file} is under no mount of the sidecar (spec.thanos.volumeMounts): the sidecar fails to start`,
            );
            continue;
        }
        const secretName = (spec.secrets ?? []).find((s: string) => mount.name === `secret-${s}`);
        if (secretName === undefined) {
            add(
                id,
                "spec.thanos.volumeMounts",
                `volume ${mount.name} is none of the operator's secret-<name> volumes of spec.secrets (${spec.secrets ?? []})`,
            );
            continue;
        }
        const key = file.slice(mount.mountPath.length + 1);
        const secret = find(plan.manifests, "Secret", namespace, secretName);
        if (secret === undefined)
            add(
                id,
                "spec.secrets",
                `Secret ${namespace}/${secretName} is not declared by the stack: the pods never start`,
            );
        else if (!(key in { ...(secret.data ?? {}), ...(secret.stringData ?? {}) }))
            add(id, `spec.thanos.grpcServerTlsConfig.${field}`, `Secret ${secretName} has no key ${key}`);
    }

    // Alerts: edges send to every central Alertmanager replica; the central cluster to its own Alertmanager.
    if (settings.role === "edge") {
        const ref = spec.additionalAlertManagerConfigs;
        const secret = ref === undefined ? undefined : secretData(find(objects, "Secret", namespace, ref.name));
        if (ref === undefined)
            add(id, "spec.additionalAlertManagerConfigs", "missing: this edge sends its alerts nowhere");
        else if (secret?.[ref.key] === undefined)
            add(id, "spec.additionalAlertManagerConfigs", `Secret ${ref.name} with key ${ref.key} is not rendered`);
        else {
            const configs = (yaml.load(secret[ref.key]) as K8sObject[] | null) ?? [];
            const targets = configs.flatMap((c) => (c.static_configs ?? []).flatMap((s: K8sObject) => s.targets ?? []));
            expect(
                "spec.additionalAlertManagerConfigs",
                [...targets].sort(),
                [...settings.alerting.centralAlertmanagers].sort(),
                key("alerting.centralAlertmanagers"),
            );
        }
    } else {
        const alertmanagers: K8sObject[] = spec.alerting?.alertmanagers ?? [];
        if (alertmanagers.length === 0)
            add(id, "spec.alerting.alertmanagers", "empty: the central Prometheus sends its alerts nowhere");
        for (const [i, am] of alertmanagers.entries()) {
            const service = find(objects, "Service", am.namespace ?? namespace, am.name);
            if (service === undefined)
                add(id, `spec.alerting.alertmanagers[${i}]`, `Service ${am.namespace}/${am.name} is not rendered`);
            else if (!(service.spec?.ports ?? []).some((p: K8sObject) => p.name === am.port || p.port === am.port))
                add(id, `spec.alerting.alertmanagers[${i}].port`, `Service ${am.name} has no port ${am.port}`);
        }
    }
    return findings;
}

/** A selector pair of the Prometheus CR (objects and namespaces): nil namespace selector = the CR's own namespace only. */
function selectedBy(cr: K8sObject, kind: string, object: K8sObject, namespaces: K8sObject[]): boolean {
    const field = {
        PodMonitor: "podMonitor",
        ServiceMonitor: "serviceMonitor",
        PrometheusRule: "rule",
        Probe: "probe",
    }[kind];
    if (field === undefined) return true;
    const spec = cr.spec ?? {};
    if (!selects(spec[`${field}Selector`], object.metadata?.labels ?? {})) return false;
    const nsSelector = spec[`${field}NamespaceSelector`];
    const ns = object.metadata?.namespace;
    if (nsSelector === undefined || nsSelector === null) return ns === cr.metadata.namespace;
    const nsObject = namespaces.find((n) => n.metadata.name === ns);
    const nsLabels = { "kubernetes.io/metadata.name": ns, ...(nsObject?.metadata?.labels ?? {}) };
    return selects(nsSelector, nsLabels);
}

/** Every PodMonitor, ServiceMonitor and PrometheusRule the stack declares is picked up by the Prometheus the chart renders. */
export function checkMonitorSelection(render: ChartRender): Finding[] {
    const { findings, add } = finder(render);
    const cr = render.objects.find((o) => o.kind === "Prometheus");
    if (cr === undefined) return findings;
    const namespaces = render.plan.manifests.filter((o) => o.kind === "Namespace");
    for (const object of render.plan.manifests) {
        if (!["PodMonitor", "ServiceMonitor", "PrometheusRule", "Probe"].includes(object.kind)) continue;
        if (!selectedBy(cr, object.kind, object, namespaces))
            add(
                objectId(cr),
                "spec",
                `does not select ${objectId(object)} (its selectors or namespace selectors): it is silently ignored`,
            );
    }
    return findings;
}

/** Paths of every `*_file` value in an Alertmanager config. */
function configFiles(value: unknown, at = ""): { at: string; file: string }[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => configFiles(v, `${at}[${i}]`));
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([k, v]) =>
        k.endsWith("_file") && typeof v === "string" ? [{ at: `${at}.${k}`, file: v }] : configFiles(v, `${at}.${k}`),
    );
}

/** The central Alertmanager CR: its replicas, and the config the operator will read, with every file it names mounted. */
export function checkAlertmanagerCr(render: ChartRender): Finding[] {
    const { findings, add } = finder(render);
    const { settings, plan, objects } = render;
    const crs = objects.filter((o) => o.kind === "Alertmanager");
    if (settings.central === undefined) {
        for (const cr of crs)
            add(objectId(cr), "kind", "an edge runs no Alertmanager: its alerts go to the central one");
        return findings;
    }
    if (crs.length !== 1) {
        add("Alertmanager", "(count)", `the chart renders ${crs.length} Alertmanager CRs; expected exactly 1`);
        return findings;
    }
    const cr = crs[0];
    const id = objectId(cr);
    const spec = cr.spec ?? {};
    const namespace = cr.metadata.namespace;
    const wanted = settings.central.alertmanager;
    if (spec.replicas !== wanted.replicas)
        add(id, "spec.replicas", `is ${spec.replicas}; central.alertmanager.replicas asks for ${wanted.replicas}`);
    const storage = claim(spec.storage);
    if (storage.size !== wanted.storageSize)
        add(
            id,
            "spec.storage",
            `requests ${storage.size}; central.alertmanager.storageSize asks for ${wanted.storageSize}`,
        );
    if (storage.storageClass !== settings.storageClass)
        add(
            id,
            "spec.storage",
            `uses StorageClass ${storage.storageClass}; storageClass asks for ${settings.storageClass}`,
        );

    // The operator reads spec.configSecret, or by default the Secret alertmanager-<name>, key alertmanager.yaml.
    const secretName = spec.configSecret ?? `alertmanager-${cr.metadata.name}`;
    const rendered = secretData(find(objects, "Secret", namespace, secretName));
    const ours = find(plan.manifests, "Secret", namespace, secretName);
    const text = rendered?.["alertmanager.yaml"];
    if (text === undefined) {
        if (ours === undefined)
            add(
                id,
                "spec.configSecret",
                `the operator reads Secret ${namespace}/${secretName} (key alertmanager.yaml), which neither the chart nor the stack creates: Alertmanager runs the operator's empty config`,
            );
        return findings;
    }
    const config = yaml.load(text);
    const values = (render.release.values as K8sObject).alertmanager?.config;
    if (JSON.stringify(config) !== JSON.stringify(values))
        add(
            `Secret/${namespace}/${secretName}`,
            "data.alertmanager.yaml",
            "differs from the alertmanager.config the stack hands the chart",
        );
    const receivers = ((config as K8sObject)?.receivers ?? []).map((r: K8sObject) => r.name);
    for (const r of wanted.receivers)
        if (!receivers.includes(r.name))
            add(
                `Secret/${namespace}/${secretName}`,
                "receivers",
                `has no receiver ${r.name} (central.alertmanager.receivers)`,
            );
    // Each credential file is in a Secret of spec.secrets, which the operator mounts at /etc/alertmanager/secrets/<name>/.
    for (const { at, file } of configFiles(config)) {
        const match = new RegExp(`^${ALERTMANAGER_SECRETS_DIR}/([^/]+)/(.+)$`).exec(file);
        const secret =
            match && (spec.secrets ?? []).includes(match[1])
                ? find(plan.manifests, "Secret", namespace, match[1])
                : undefined;
        if (match === null || !(spec.secrets ?? []).includes(match[1]))
            add(id, "spec.secrets", `the config reads ${file} (${at.slice(1)}), which is in no Secret the CR mounts`);
        else if (secret === undefined)
            add(
                id,
                "spec.secrets",
                `Secret ${namespace}/${match[1]} is not declared by the stack: the pods never start`,
            );
        else if (!(match[2] in { ...(secret.data ?? {}), ...(secret.stringData ?? {}) }))
            add(
                `Secret/${namespace}/${match[1]}`,
                "data",
                `has no key ${match[2]}, which the config reads (${at.slice(1)})`,
            );
    }
    return findings;
}

/** `http://host:port/...` -> Service name, namespace and port, for in-cluster names (`<svc>.<ns>.svc[.<domain>]`). */
function serviceOfUrl(
    url: string,
    defaultNamespace: string,
): { name: string; namespace: string; port: number } | undefined {
    const parsed = /^https?:\/\/([^/:]+)(?::(\d+))?/.exec(url);
    if (parsed === null) return undefined;
    const parts = parsed[1].split(".");
    if (/^\d+$/.test(parts[0])) return undefined;
    const port = Number(parsed[2] ?? (url.startsWith("https") ? 443 : 80));
    return { name: parts[0], namespace: parts.length > 1 && parts[1] !== "svc" ? parts[1] : defaultNamespace, port };
}

/** Grafana (central): its datasources point at a Service the stack runs, its admin password comes from a Secret of the stack. */
export function checkGrafana(render: ChartRender): Finding[] {
    const { findings, add } = finder(render);
    const { settings, plan, objects } = render;
    const deployment = objects.find(
        (o) => o.kind === "Deployment" && o.metadata.labels?.["app.kubernetes.io/name"] === "grafana",
    );
    if (settings.central === undefined) {
        if (deployment !== undefined) add(objectId(deployment), "kind", "an edge runs no Grafana");
        return findings;
    }
    if (deployment === undefined) {
        add("Grafana", "(Deployment)", "the chart renders no Grafana Deployment");
        return findings;
    }
    const id = objectId(deployment);
    const namespace = deployment.metadata.namespace;
    const containers: K8sObject[] = deployment.spec.template.spec.containers ?? [];
    const grafana = containers.find((c) => c.name === "grafana");
    const env = (c: K8sObject | undefined, name: string) => (c?.env ?? []).find((e: K8sObject) => e.name === name);

    // The admin password: from a Secret the stack declares, never one the chart generates.
    const password = env(grafana, "GF_SECURITY_ADMIN_PASSWORD")?.valueFrom?.secretKeyRef;
    if (password === undefined)
        add(id, "containers.grafana.env", "GF_SECURITY_ADMIN_PASSWORD does not come from a Secret");
    else {
        const secret = find(plan.manifests, "Secret", namespace, password.name);
        if (secret === undefined)
            add(
                id,
                "containers.grafana.env",
                `GF_SECURITY_ADMIN_PASSWORD reads Secret ${password.name}, which the stack does not declare`,
            );
        else if (!(password.key in { ...(secret.data ?? {}), ...(secret.stringData ?? {}) }))
            add(id, "containers.grafana.env", `Secret ${password.name} has no key ${password.key}`);
    }
    for (const secret of objects.filter((o) => o.kind === "Secret"))
        if ("admin-password" in (secretData(secret) ?? {}))
            add(
                objectId(secret),
                "data.admin-password",
                "the chart generates an admin password: the stack's Secret must be the only one",
            );

    // Datasources: the ConfigMaps the datasource sidecar loads (its LABEL / LABEL_VALUE env).
    const sidecar = containers.find((c) => env(c, "FOLDER")?.value === "/etc/grafana/provisioning/datasources");
    const label = env(sidecar, "LABEL")?.value;
    const labelValue = env(sidecar, "LABEL_VALUE")?.value;
    if (sidecar === undefined || label === undefined) {
        add(id, "containers", "no datasource sidecar: no datasource is provisioned");
        return findings;
    }
    const datasources = objects
        .filter((o) => (o.kind === "ConfigMap" || o.kind === "Secret") && o.metadata.labels?.[label] !== undefined)
        .filter((o) => labelValue === undefined || o.metadata.labels[label] === labelValue)
        .flatMap((o) =>
            Object.values(o.kind === "Secret" ? (secretData(o) ?? {}) : (o.data ?? {})).flatMap(
                (text) => ((yaml.load(String(text)) as K8sObject | null)?.datasources ?? []) as K8sObject[],
            ),
        );
    const defaults = datasources.filter((d) => d.isDefault === true);
    if (defaults.length !== 1)
        add(
            id,
            "datasources",
            `${defaults.length} default datasources (${defaults.map((d) => d.name).join(", ")}); Grafana needs exactly one`,
        );
    for (const ds of datasources) {
        const target = typeof ds.url === "string" ? serviceOfUrl(ds.url, namespace) : undefined;
        if (target === undefined) {
            add(id, `datasources.${ds.name}.url`, `${ds.url} is no in-cluster Service URL`, "warning");
            continue;
        }
        const service = find([...plan.manifests, ...objects], "Service", target.namespace, target.name);
        if (service === undefined) {
            add(
                id,
                `datasources.${ds.name}.url`,
                `${ds.url}: no Service ${target.namespace}/${target.name} in the stack or the chart`,
            );
            continue;
        }
        if (!(service.spec?.ports ?? []).some((p: K8sObject) => p.port === target.port))
            add(id, `datasources.${ds.name}.url`, `${ds.url}: Service ${target.name} has no port ${target.port}`);
        if (ds.isDefault === true) {
            // The default datasource is the query-frontend: a workload of the stack running `thanos query-frontend`.
            const backend = plan.manifests.find(
                (o) =>
                    ["Deployment", "StatefulSet"].includes(o.kind) &&
                    o.metadata.namespace === target.namespace &&
                    selects({ matchLabels: service.spec?.selector ?? {} }, o.spec?.template?.metadata?.labels ?? {}),
            );
            const component = backend?.spec.template.spec.containers?.[0]?.args?.[0];
            if (component !== "query-frontend")
                add(
                    id,
                    `datasources.${ds.name}.url`,
                    `the default datasource reaches ${backend === undefined ? "no workload of the stack" : `${objectId(backend)} (thanos ${component})`}, not the Thanos query-frontend`,
                );
        }
    }
    // Our dashboards (ConfigMaps of *.json) name their datasource by uid: each must be provisioned.
    const dashboards = plan.manifests.filter(
        (o) => o.kind === "ConfigMap" && Object.keys(o.data ?? {}).some((k) => k.endsWith(".json")),
    );
    const uids = new Set(datasources.map((d) => d.uid));
    for (const cm of dashboards) {
        for (const text of Object.values(cm.data ?? {})) {
            const used = new Set<string>();
            JSON.stringify(JSON.parse(String(text)), (k, v) => {
                if (
                    k === "datasource" &&
                    v !== null &&
                    typeof v === "object" &&
                    typeof v.uid === "string" &&
                    !v.uid.startsWith("$")
                )
                    used.add(v.uid);
                return v;
            });
            for (const uid of used)
                if (!uids.has(uid))
                    add(
                        objectId(cm),
                        "datasource.uid",
                        `dashboards use datasource uid ${uid}, which Grafana is not provisioned with`,
                    );
        }
    }
    // Our dashboards are loaded by the dashboard sidecar: its label and namespace.
    const dashSidecar = containers.find((c) => env(c, "LABEL")?.value !== undefined && c !== sidecar);
    const dashLabel = env(dashSidecar, "LABEL")?.value;
    const dashValue = env(dashSidecar, "LABEL_VALUE")?.value;
    const dashNamespace = env(dashSidecar, "NAMESPACE")?.value;
    for (const cm of dashboards) {
        const labelOk =
            dashLabel !== undefined &&
            cm.metadata.labels?.[dashLabel] !== undefined &&
            (dashValue === undefined || cm.metadata.labels[dashLabel] === dashValue);
        const nsOk =
            dashNamespace === undefined ||
            dashNamespace === "ALL" ||
            dashNamespace.split(",").includes(cm.metadata.namespace);
        if (!labelOk || !nsOk)
            add(
                objectId(cm),
                "metadata",
                `the dashboard sidecar (label ${dashLabel}=${dashValue}, namespace ${dashNamespace}) does not load it`,
            );
    }
    return findings;
}
