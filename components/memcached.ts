import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, ImageSettings } from "../config";
import { IMAGES, imageReference } from "./images";
import { parsePrometheusSize } from "../config/units";
import { MANAGED_BY_LABEL, MONITORING_NAMESPACE, PART_OF_LABEL } from "./names";
import { CONTAINER_SECURITY_CONTEXT, preferSpreadPodsAcrossNodes } from "./thanosWorkload";

export const MEMCACHED_NAME = "thanos-query-frontend-memcached";
export const MEMCACHED_COMPONENT = "query-frontend-memcached";
export const MEMCACHED_PORT = 11211;
export const MEMCACHED_EXPORTER_PORT = 9150;
/** memcached's largest item (-I) and the Thanos client's max_item_size: one day of a range query's result. */
export const MEMCACHED_MAX_ITEM_SIZE = "5MB";
const MEMCACHED_MAX_ITEM_FLAG = "5m";
/** memcached's own memory beyond its item memory: connections, hash table, slab headroom. */
const MEMCACHED_OVERHEAD_MIB = 128;
/** The memcached image's user (memcache). */
const MEMCACHED_UID = 11211;

export function memcachedLabels(): Record<string, string> {
    return {
        "app.kubernetes.io/name": "memcached",
        "app.kubernetes.io/component": MEMCACHED_COMPONENT,
        ...PART_OF_LABEL,
        ...MANAGED_BY_LABEL,
    };
}

export function memcachedSelector(): Record<string, string> {
    return {
        "app.kubernetes.io/name": "memcached",
        "app.kubernetes.io/component": MEMCACHED_COMPONENT,
        ...PART_OF_LABEL,
    };
}

/** Thanos' address for every replica: a DNS SRV lookup of the headless Service's named port. */
export function memcachedAddress(clusterDomain: string): string {
    return `dnssrv+_memcached._tcp.${MEMCACHED_NAME}.${MONITORING_NAMESPACE}.svc.${clusterDomain}`;
}

/** Item memory per replica (memcached -m), in MiB. */
export function memcachedItemMemoryMi(central: CentralSettings): number {
    return Math.ceil((parsePrometheusSize(central.queryFrontend.memcached.memory) ?? 0) / 1024 ** 2);
}

export function memcachedDeploymentSpec(
    central: CentralSettings,
    images: ImageSettings,
): k8s.types.input.apps.v1.Deployment {
    const itemMi = memcachedItemMemoryMi(central);
    const limitMi = itemMi + MEMCACHED_OVERHEAD_MIB;
    return {
        metadata: { name: MEMCACHED_NAME, namespace: MONITORING_NAMESPACE, labels: memcachedLabels() },
        spec: {
            replicas: central.queryFrontend.memcached.replicas,
            selector: { matchLabels: memcachedSelector() },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
            template: {
                metadata: { labels: memcachedLabels() },
                spec: {
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: MEMCACHED_UID,
                        runAsGroup: MEMCACHED_UID,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    affinity: preferSpreadPodsAcrossNodes(memcachedSelector()),
                    automountServiceAccountToken: false,
                    containers: [
                        {
                            name: "memcached",
                            image: imageReference(IMAGES.memcached, images),
                            imagePullPolicy: "IfNotPresent",
                            args: [
                                "-m",
                                String(itemMi),
                                "-I",
                                MEMCACHED_MAX_ITEM_FLAG,
                                "-c",
                                "1024",
                                "-p",
                                String(MEMCACHED_PORT),
                            ],
                            ports: [{ name: "memcached", containerPort: MEMCACHED_PORT, protocol: "TCP" }],
                            resources: {
                                requests: { cpu: "100m", memory: `${limitMi}Mi` },
                                limits: { memory: `${limitMi}Mi` },
                            },
                            securityContext: CONTAINER_SECURITY_CONTEXT,
                            livenessProbe: {
                                tcpSocket: { port: "memcached" },
                                periodSeconds: 30,
                                failureThreshold: 4,
                                timeoutSeconds: 5,
                            },
                            readinessProbe: {
                                tcpSocket: { port: "memcached" },
                                periodSeconds: 5,
                                failureThreshold: 3,
                                timeoutSeconds: 5,
                            },
                            terminationMessagePolicy: "FallbackToLogsOnError",
                        },
                        {
                            name: "exporter",
                            image: imageReference(IMAGES.memcachedExporter, images),
                            imagePullPolicy: "IfNotPresent",
                            args: [
                                `--memcached.address=localhost:${MEMCACHED_PORT}`,
                                `--web.listen-address=:${MEMCACHED_EXPORTER_PORT}`,
                            ],
                            ports: [{ name: "metrics", containerPort: MEMCACHED_EXPORTER_PORT, protocol: "TCP" }],
                            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
                            securityContext: { ...CONTAINER_SECURITY_CONTEXT, runAsUser: 65534, runAsGroup: 65534 },
                            livenessProbe: {
                                httpGet: { path: "/metrics", port: "metrics" },
                                periodSeconds: 30,
                                failureThreshold: 4,
                                timeoutSeconds: 5,
                            },
                            terminationMessagePolicy: "FallbackToLogsOnError",
                        },
                    ],
                },
            },
        },
    };
}

/** Headless: the Thanos client resolves every replica by SRV and shards keys across them. */
export function memcachedServiceSpec(): k8s.types.input.core.v1.Service {
    return {
        metadata: { name: MEMCACHED_NAME, namespace: MONITORING_NAMESPACE, labels: memcachedLabels() },
        spec: {
            clusterIP: "None",
            selector: memcachedSelector(),
            ports: [
                { name: "memcached", port: MEMCACHED_PORT, targetPort: "memcached", protocol: "TCP" },
                { name: "metrics", port: MEMCACHED_EXPORTER_PORT, targetPort: "metrics", protocol: "TCP" },
            ],
        },
    };
}

/** memcached has no authentication: only the query-frontend pods may reach it; metrics in-namespace. */
export function memcachedNetworkPolicy(
    frontendSelector: Record<string, string>,
): k8s.types.input.networking.v1.NetworkPolicy {
    return {
        metadata: { name: MEMCACHED_NAME, namespace: MONITORING_NAMESPACE, labels: memcachedLabels() },
        spec: {
            podSelector: { matchLabels: memcachedSelector() },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [{ podSelector: { matchLabels: frontendSelector } }],
                    ports: [{ protocol: "TCP", port: MEMCACHED_PORT }],
                },
                { from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: MEMCACHED_EXPORTER_PORT }] },
            ],
        },
    };
}

/** The exporter's metrics, under the job name memcached dashboards and alerts expect. */
export function memcachedPodMonitor(): {
    apiVersion: "monitoring.coreos.com/v1";
    kind: "PodMonitor";
    metadata: Record<string, unknown>;
    spec: Record<string, unknown>;
} {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: {
            name: MEMCACHED_NAME,
            namespace: MONITORING_NAMESPACE,
            labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL },
        },
        spec: {
            selector: { matchLabels: memcachedSelector() },
            namespaceSelector: { matchNames: [MONITORING_NAMESPACE] },
            podMetricsEndpoints: [{ port: "metrics", relabelings: [{ targetLabel: "job", replacement: "memcached" }] }],
        },
    };
}

export interface MemcachedResultsCacheArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    /** The central settings (queryFrontend.memcached, the cluster domain). */
    central: CentralSettings;
    /** Where images come from (images.registry: the mirror). */
    images: ImageSettings;
    /** Selector of the pods allowed to use the cache (the query-frontend's). */
    clientSelector: Record<string, string>;
    /** Resources to wait for: the namespace, and the release that installs the PodMonitor CRD. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** memcached for the query-frontend's results and labels caches, shared by every frontend replica. */
export class MemcachedResultsCache extends pulumi.ComponentResource {
    /** The address Thanos' memcached client is given. */
    public readonly address: string;

    constructor(name: string, args: MemcachedResultsCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:MemcachedResultsCache", name, {}, opts);
        const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        new k8s.core.v1.Service(name, memcachedServiceSpec(), child);
        new k8s.apps.v1.Deployment(name, memcachedDeploymentSpec(args.central, args.images), child);
        if (args.central.queryFrontend.memcached.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                name,
                {
                    metadata: { name: MEMCACHED_NAME, namespace: MONITORING_NAMESPACE, labels: memcachedLabels() },
                    spec: { maxUnavailable: 1, selector: { matchLabels: memcachedSelector() } },
                },
                child,
            );
        }
        new k8s.networking.v1.NetworkPolicy(name, memcachedNetworkPolicy(args.clientSelector), child);
        new k8s.apiextensions.CustomResource(`${name}-pod-monitor`, memcachedPodMonitor(), child);
        this.address = memcachedAddress(args.central.clusterDomain);
        this.registerOutputs({ address: this.address });
    }
}
