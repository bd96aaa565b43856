import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY_LABEL, MONITORING_NAMESPACE, NODE_EXPORTER_NAMESPACE, PART_OF_LABEL } from "./names";

type PodSecurityLevel = "privileged" | "baseline" | "restricted";

function podSecurityLabels(enforce: PodSecurityLevel, warnAndAudit: PodSecurityLevel): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": warnAndAudit,
        "pod-security.kubernetes.io/warn-version": "latest",
        "pod-security.kubernetes.io/audit": warnAndAudit,
        "pod-security.kubernetes.io/audit-version": "latest",
    };
}

/**
 * The namespaces' specs. Everything in `monitoring` states the restricted profile (our Thanos pods,
 * and the chart's pods through the values we set; `npm run validate` checks both), so it enforces
 * restricted. The node exporter reads the host's /proc, /sys and root filesystem with host
 * networking and PID: it gets a namespace of its own that honestly says privileged, so nothing
 * else can borrow that.
 */
export function monitoringNamespaceSpecs(): { metadata: { name: string; labels: Record<string, string> } }[] {
    const common = { ...PART_OF_LABEL, ...MANAGED_BY_LABEL };
    return [
        {
            metadata: {
                name: MONITORING_NAMESPACE,
                labels: { ...common, ...podSecurityLabels("restricted", "restricted") },
            },
        },
        {
            metadata: {
                name: NODE_EXPORTER_NAMESPACE,
                labels: { ...common, ...podSecurityLabels("privileged", "privileged") },
            },
        },
    ];
}

/**
 * A namespace's resource options. `monitoring` holds every PVC of the stack (Prometheus' TSDB with
 * the blocks not yet uploaded, Alertmanager's silences, Grafana's database, the Thanos caches):
 * deleting it deletes them. It is protected (`pulumi destroy` and a replacing `up` stop on it) and
 * retained (once unprotected, a destroy forgets it and leaves it in the cluster), see
 * docs/data-safety.md. The node exporter's namespace holds nothing to lose.
 */
export function namespaceResourceOptions(
    namespace: string,
    adoptMonitoring: boolean,
): { protect?: true; retainOnDelete?: true; import?: string } {
    if (namespace !== MONITORING_NAMESPACE) return {};
    return {
        protect: true,
        retainOnDelete: true,
        ...(adoptMonitoring ? adoptedNamespaceOptions(MONITORING_NAMESPACE) : {}),
    };
}

export interface MonitoringNamespacesArgs {
    /** Provider of the cluster the namespaces live in. */
    provider: k8s.Provider;
    /** `monitoring` exists already (an adopted kube-prometheus-stack lives in it): import it. */
    adoptMonitoring?: boolean;
}

/**
 * Resource options of an existing namespace taken over: imported by its name (once: later updates
 * find it in the state under that id), and left in place by `pulumi destroy`, which would otherwise
 * delete everything in it, what this program never created included (the old release's volumes).
 */
export function adoptedNamespaceOptions(name: string): { import: string; retainOnDelete: true } {
    return { import: name, retainOnDelete: true };
}

/** The namespaces of the monitoring base. */
export class MonitoringNamespaces extends pulumi.ComponentResource {
    /** The namespace of Prometheus, the sidecar Services and the objstore Secret. */
    public readonly monitoring: k8s.core.v1.Namespace;
    /** The privileged namespace of the node exporter. */
    public readonly nodeExporter: k8s.core.v1.Namespace;

    constructor(name: string, args: MonitoringNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:monitoring:MonitoringNamespaces", name, {}, opts);
        const [monitoring, nodeExporter] = monitoringNamespaceSpecs().map(
            (spec) =>
                new k8s.core.v1.Namespace(`${name}-${spec.metadata.name}`, spec, {
                    parent: this,
                    provider: args.provider,
                    ...namespaceResourceOptions(spec.metadata.name, args.adoptMonitoring ?? false),
                }),
        );
        this.monitoring = monitoring;
        this.nodeExporter = nodeExporter;
        this.registerOutputs({ monitoring: monitoring.metadata.name, nodeExporter: nodeExporter.metadata.name });
    }
}
