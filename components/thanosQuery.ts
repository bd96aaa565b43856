import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, ClusterSettings, ImageSettings } from "../config";
import { thanosImage } from "./images";
import {
    MONITORING_NAMESPACE,
    PROMETHEUS_REPLICA_LABEL,
    QUERY_ENDPOINTS_CONFIGMAP,
    QUERY_ENDPOINTS_KEY,
} from "./names";
import {
    POD_SECURITY_CONTEXT,
    THANOS_GRPC_PORT,
    oneAtATimeDisruptionBudget,
    preferSpreadAcrossNodes,
    thanosArgs,
    thanosContainer,
    thanosLabels,
    thanosSelector,
} from "./thanosWorkload";
import { EdgeCluster, endpointFileYaml } from "./thanosQuery/endpoints";
import {
    queryTierConfigMapSpec,
    queryTierDeploymentSpec,
    queryTierDisruptionBudget,
    queryTierServiceSpec,
} from "./thanosQuery/midTier";
import { QueryLayout, queryTierName, tierGroups } from "./thanosQuery/tiers";
import { edgeCaConfigMapName, edgeCaData, edgeTlsChecksum, queryTlsVolume } from "./thanosQuery/tls";

export { endpointFileYaml, endpointSdConfig, queryEndpoints } from "./thanosQuery/endpoints";
export type { EdgeCluster, QueryEndpoint, QueryEndpointInputs } from "./thanosQuery/endpoints";
export {
    QUERY_TIER_COMPONENT,
    QUERY_TIER_LABEL,
    queryLayout,
    queryTierAddress,
    queryTierEndpoint,
    queryTierName,
    tierGroups,
} from "./thanosQuery/tiers";
export type { QueryLayout, QueryTier } from "./thanosQuery/tiers";
export { QUERY_TIER_REPLICAS, queryTierArgs, queryTierEndpointsConfigMap } from "./thanosQuery/midTier";
export {
    QUERY_CLIENT_CERT_FILE,
    QUERY_CLIENT_KEY_FILE,
    QUERY_CLIENT_TLS_SECRET,
    QUERY_TLS_DIR,
    edgeCaConfigMapName,
    edgeCaData,
    edgeCaFile,
    edgeTlsChecksum,
    queryTlsVolume,
} from "./thanosQuery/tls";

export const QUERY_COMPONENT = "query";
export const QUERY_SERVICE = "thanos-query";
export const QUERY_HTTP_PORT = 9090;
/** The Ruler's replica label (kube-thanos' convention); Query deduplicates on it as on Prometheus'. */
export const RULER_REPLICA_LABEL = "rule_replica";

const QUERY_ENDPOINTS_DIR = "/etc/thanos/endpoints";
export const QUERY_ENDPOINTS_FILE = `${QUERY_ENDPOINTS_DIR}/${QUERY_ENDPOINTS_KEY}`;
/**
 * How often Query re-reads the endpoint file. The kubelet refreshes a mounted ConfigMap within
 * about a minute of a change, so a new edge is dialled a minute or two after `pulumi up`.
 */
export const QUERY_ENDPOINTS_RELOAD_INTERVAL = "30s";

/** Replica labels Query deduplicates on: Prometheus' (from every cluster's contract) and the Ruler's. */
export function queryReplicaLabels(edges: EdgeCluster[]): string[] {
    return [...new Set([PROMETHEUS_REPLICA_LABEL, ...edges.flatMap((e) => e.replicaLabels), RULER_REPLICA_LABEL])];
}

export function queryArgs(central: CentralSettings, replicaLabels: string[]): string[] {
    return thanosArgs("query", {
        "log.level": "info",
        "http-address": `0.0.0.0:${QUERY_HTTP_PORT}`,
        "grpc-address": `0.0.0.0:${THANOS_GRPC_PORT}`,
        // A file, not an argument: adding an edge changes the file, not the pod, and the list has no
        // argv size limit (one argument over 128 KiB cannot exec).
        "endpoint.sd-config-file": QUERY_ENDPOINTS_FILE,
        "endpoint.sd-config-reload-interval": QUERY_ENDPOINTS_RELOAD_INTERVAL,
        "query.replica-label": replicaLabels,
        "query.auto-downsampling": true,
        // Partial responses keep answering when one edge is unreachable; strict endpoints make it a visible warning.
        "query.partial-response": true,
        "query.timeout": central.query.timeout,
        "store.response-timeout": central.query.storeResponseTimeout,
        // One heavy dashboard cannot exhaust Query: queries beyond max-concurrent wait in line, and a
        // select fetching more series or samples than the limits, summed over every store it fans
        // out to (Thanos wraps its whole proxy in the limiter), fails alone.
        "query.max-concurrent": central.query.maxConcurrent,
        "store.limits.request-series": central.query.requestSeriesLimit,
        "store.limits.request-samples": central.query.requestSamplesLimit,
        // No Access-Control-Allow-Origin: *: a web page in a user's browser may not query every cluster's metrics.
        "web.disable-cors": true,
    });
}

export function edgeCaConfigMapSpec(
    stackName: string,
    data: pulumi.Input<Record<string, string>>,
): k8s.types.input.core.v1.ConfigMap {
    return {
        metadata: {
            name: edgeCaConfigMapName(stackName),
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(QUERY_COMPONENT),
        },
        data,
    };
}

export function queryConfigMapSpec(endpointFile: pulumi.Input<string>): k8s.types.input.core.v1.ConfigMap {
    return {
        metadata: {
            name: QUERY_ENDPOINTS_CONFIGMAP,
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(QUERY_COMPONENT),
        },
        data: { [QUERY_ENDPOINTS_KEY]: endpointFile },
    };
}

/**
 * The top Query. `edgeTls` is set where it reads the edges itself (one tier): their CAs are mounted
 * and their checksum rolls it. Reading mid tiers (in-cluster, plain gRPC like the Store Gateway), it
 * holds no edge TLS material, and no edge's certificate change rolls it.
 */
export function queryDeploymentSpec(
    central: CentralSettings,
    args: pulumi.Input<string[]>,
    edgeTls: { stacks: string[]; checksum: pulumi.Input<string> } | undefined,
    images: ImageSettings,
): k8s.types.input.apps.v1.Deployment {
    const tlsVolume = edgeTls === undefined ? undefined : queryTlsVolume(edgeTls.stacks);
    return {
        metadata: { name: QUERY_SERVICE, namespace: MONITORING_NAMESPACE, labels: thanosLabels(QUERY_COMPONENT) },
        spec: {
            replicas: central.query.replicas,
            selector: { matchLabels: thanosSelector(QUERY_COMPONENT) },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                // The endpoint file is re-read in place; TLS material is not (see edgeTlsChecksum).
                metadata: {
                    labels: thanosLabels(QUERY_COMPONENT),
                    ...(edgeTls === undefined ? {} : { annotations: { "checksum/edge-tls": edgeTls.checksum } }),
                },
                spec: {
                    securityContext: POD_SECURITY_CONTEXT,
                    affinity: preferSpreadAcrossNodes(QUERY_COMPONENT),
                    automountServiceAccountToken: false,
                    volumes: [
                        { name: "endpoints", configMap: { name: QUERY_ENDPOINTS_CONFIGMAP } },
                        ...(tlsVolume ? [tlsVolume.volume] : []),
                    ],
                    containers: [
                        thanosContainer({
                            image: thanosImage(images),
                            args,
                            httpPort: QUERY_HTTP_PORT,
                            grpcPort: THANOS_GRPC_PORT,
                            volumeMounts: [
                                { name: "endpoints", mountPath: QUERY_ENDPOINTS_DIR, readOnly: true },
                                ...(tlsVolume ? [tlsVolume.mount] : []),
                            ],
                            resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "2Gi" } },
                        }),
                    ],
                },
            },
        },
    };
}

/** Query's in-cluster URL (Grafana's datasource, the Ruler's query target). */
export function queryInClusterUrl(clusterDomain: string): string {
    return `http://${QUERY_SERVICE}.${MONITORING_NAMESPACE}.svc.${clusterDomain}:${QUERY_HTTP_PORT}`;
}

/** In-cluster Service: Grafana, the Ruler and people port-forwarding use it. */
export function queryServiceSpec(): k8s.types.input.core.v1.Service {
    return {
        metadata: { name: QUERY_SERVICE, namespace: MONITORING_NAMESPACE, labels: thanosLabels(QUERY_COMPONENT) },
        spec: {
            selector: thanosSelector(QUERY_COMPONENT),
            ports: [
                { name: "http", port: QUERY_HTTP_PORT, targetPort: "http", protocol: "TCP" },
                { name: "grpc", port: THANOS_GRPC_PORT, targetPort: "grpc", protocol: "TCP" },
            ],
        },
    };
}

export interface ThanosQueryArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    /** The central stack's settings. */
    settings: ClusterSettings;
    central: CentralSettings;
    /** What the top Query and each mid-tier group read (queryLayout over the edges' outputs). */
    layout: pulumi.Output<QueryLayout>;
    /** Replica labels to deduplicate on. */
    replicaLabels: pulumi.Input<string[]>;
    /** The edges, for the checksum of their TLS material on the pod template. */
    edges: pulumi.Input<EdgeCluster[]>;
    /** Per edge stack name: that edge alone (read from its own StackReference), for its CA ConfigMap. */
    edgeByStack: Record<string, pulumi.Output<EdgeCluster>>;
    /** Query's client certificate (for the checksum) and the Secret holding it and its key. */
    clientTls: { clientCertificate: pulumi.Output<string>; secret: pulumi.Resource };
    /** Resources to wait for (the namespace, the LB pool). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Thanos Query: one PromQL endpoint over every cluster, replicas deduplicated. */
export class ThanosQuery extends pulumi.ComponentResource {
    /** In-cluster HTTP URL (Grafana's datasource, the Ruler's query target). */
    public readonly inClusterUrl: string;

    constructor(name: string, args: ThanosQueryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:ThanosQuery", name, {}, opts);
        const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const endpointFile = args.layout.apply((layout) => endpointFileYaml(layout.top));
        const endpointsConfigMap = new k8s.core.v1.ConfigMap(
            `${name}-endpoints`,
            queryConfigMapSpec(endpointFile),
            child,
        );
        // Each ConfigMap depends only on the StackReference of its own edge.
        const edgeCas = new Map(
            Object.entries(args.edgeByStack).map(([stack, edge]) => [
                stack,
                new k8s.core.v1.ConfigMap(
                    `${name}-edge-ca-${stack}`,
                    edgeCaConfigMapSpec(stack, edge.apply(edgeCaData)),
                    child,
                ),
            ]),
        );
        const groups = tierGroups(args.central.edgeStacks, args.central.query.maxEdgesPerQuery);
        const tierResources = groups.flatMap((stacks, i) =>
            this.midTier(`${name}-tier-${i + 1}`, queryTierName(i), i, stacks, args, edgeCas, child),
        );
        const containerArgs = pulumi.output(args.replicaLabels).apply((labels) => queryArgs(args.central, labels));
        const edgeTls =
            groups.length > 0
                ? undefined
                : {
                      stacks: args.central.edgeStacks,
                      checksum: pulumi
                          .all([args.edges, args.clientTls.clientCertificate])
                          .apply(([edges, clientCertificate]) => edgeTlsChecksum(edges, clientCertificate)),
                  };
        new k8s.apps.v1.Deployment(
            name,
            queryDeploymentSpec(args.central, containerArgs, edgeTls, args.settings.images),
            {
                ...child,
                dependsOn: [
                    ...(args.dependsOn ?? []),
                    endpointsConfigMap,
                    ...(edgeTls ? [args.clientTls.secret, ...edgeCas.values()] : tierResources),
                ],
            },
        );
        new k8s.core.v1.Service(name, queryServiceSpec(), child);
        new k8s.policy.v1.PodDisruptionBudget(
            name,
            oneAtATimeDisruptionBudget(QUERY_SERVICE, MONITORING_NAMESPACE, QUERY_COMPONENT),
            child,
        );
        this.inClusterUrl = queryInClusterUrl(args.central.clusterDomain);
        this.registerOutputs({ inClusterUrl: this.inClusterUrl });
    }

    /** One mid-tier group: its endpoint file, Deployment, Service and disruption budget. */
    private midTier(
        resourceName: string,
        tier: string,
        index: number,
        stacks: string[],
        args: ThanosQueryArgs,
        edgeCas: Map<string, pulumi.Resource>,
        child: pulumi.CustomResourceOptions,
    ): pulumi.Resource[] {
        const endpoints = new k8s.core.v1.ConfigMap(
            `${resourceName}-endpoints`,
            queryTierConfigMapSpec(
                tier,
                args.layout.apply((layout) => endpointFileYaml(layout.tiers[index].endpoints)),
            ),
            child,
        );
        // Only this group's edges: another edge's certificate change leaves this group's pods alone.
        const checksum = pulumi
            .all([pulumi.all(stacks.map((stack) => args.edgeByStack[stack])), args.clientTls.clientCertificate])
            .apply(([edges, clientCertificate]) => edgeTlsChecksum(edges, clientCertificate));
        const deployment = new k8s.apps.v1.Deployment(
            resourceName,
            queryTierDeploymentSpec(tier, stacks, args.central, checksum, args.settings.images),
            {
                ...child,
                dependsOn: [
                    ...(args.dependsOn ?? []),
                    endpoints,
                    args.clientTls.secret,
                    ...stacks.flatMap((stack) => edgeCas.get(stack) ?? []),
                ],
            },
        );
        const service = new k8s.core.v1.Service(resourceName, queryTierServiceSpec(tier), child);
        new k8s.policy.v1.PodDisruptionBudget(resourceName, queryTierDisruptionBudget(tier), child);
        return [deployment, service];
    }
}
