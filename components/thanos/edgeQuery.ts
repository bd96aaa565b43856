// An edge's Thanos Query: what answers on the edge's pinned address. It reads the edge's own
// sidecars in-cluster and serves the StoreAPI (gRPC, mTLS) to the central Query and its HTTP API
// (the edge's own query UI) to people, both through ONE LoadBalancer Service. One Service means one
// Cilium L2 lease for the address, so any node may announce it and another takes over in about
// 10-20 s when that node fails (docs/architecture.md, "The edge's front door").

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { ClusterSettings } from "../../config";
import { EndpointSdConfig } from "../../schemas/thanos";
import { thanosImage } from "../images";
import { LBIPAM_IPS_ANNOTATION, assignedAddress } from "../lbipam";
import {
    MONITORING_NAMESPACE,
    QUERY_ENDPOINTS_CONFIGMAP,
    QUERY_ENDPOINTS_KEY,
    SIDECAR_GRPC_PORT,
    SIDECAR_TLS,
    prometheusPodName,
} from "../names";
import {
    POD_SECURITY_CONTEXT,
    THANOS_GRPC_PORT,
    oneAtATimeDisruptionBudget,
    preferSpreadAcrossNodes,
    thanosArgs,
    thanosContainer,
    thanosLabels,
    thanosSelector,
} from "../thanosWorkload";

/** The edge Query's component label, Deployment and in-cluster Service: the central Query's names, on another cluster. */
export const EDGE_QUERY_COMPONENT = "query";
export const EDGE_QUERY_NAME = "thanos-query";
/** The one LoadBalancer Service on the edge's pinned address. */
export const EDGE_QUERY_LB_SERVICE = "thanos-query-lb";
/** Query's HTTP port (API and UI), as on the central cluster. */
export const EDGE_QUERY_HTTP_PORT = 9090;
/** Two replicas, each able to answer alone: a drain or a node failure leaves one serving. */
export const EDGE_QUERY_REPLICAS = 2;

/** The operator's governing Service of every Prometheus StatefulSet: it gives each replica a DNS name. */
export const PROMETHEUS_GOVERNING_SERVICE = "prometheus-operated";

const ENDPOINTS_DIR = "/etc/thanos/endpoints";
export const EDGE_QUERY_ENDPOINTS_FILE = `${ENDPOINTS_DIR}/${QUERY_ENDPOINTS_KEY}`;
/** The gRPC server's TLS material: the Secret the sidecars served from until contract 4 (docs/pki.md). */
const SERVER_TLS_DIR = "/etc/thanos/grpc-server";
export const EDGE_QUERY_SERVER_TLS = {
    cert: `${SERVER_TLS_DIR}/${SIDECAR_TLS.cert}`,
    key: `${SERVER_TLS_DIR}/${SIDECAR_TLS.key}`,
    clientCa: `${SERVER_TLS_DIR}/${SIDECAR_TLS.ca}`,
};

/**
 * The sidecars the edge Query reads, one per Prometheus replica, by the per-pod DNS name the
 * operator's governing Service gives it. The name stops at `.svc`: the pod's resolver search list
 * completes it with the cluster's domain, whatever that is (as PROMETHEUS_URL does).
 */
export function edgeSidecarAddresses(prometheusReplicas: number): string[] {
    return Array.from(
        { length: prometheusReplicas },
        (_, i) =>
            `${prometheusPodName(i)}.${PROMETHEUS_GOVERNING_SERVICE}.${MONITORING_NAMESPACE}.svc:${SIDECAR_GRPC_PORT}`,
    );
}

/**
 * The edge Query's endpoint file: every sidecar, strict (a replica that cannot be reached stays in
 * the set and shows as a partial-response warning, passed up to the central Query, instead of
 * silently vanishing), plain gRPC inside the cluster (no `client_config`; docs/security.md says why
 * the hop keeps no TLS and what guards it).
 */
export function edgeEndpointSdConfig(prometheusReplicas: number): EndpointSdConfig {
    return { endpoints: edgeSidecarAddresses(prometheusReplicas).map((address) => ({ address, strict: true })) };
}

export function edgeEndpointFileYaml(prometheusReplicas: number): string {
    return yaml.dump(edgeEndpointSdConfig(prometheusReplicas), { lineWidth: -1, noRefs: true, sortKeys: false });
}

/**
 * The edge Query's flags. No `--query.replica-label`: the edge does not deduplicate; the central
 * Query deduplicates every cluster on prometheus_replica, and needs both replicas' series to do it.
 * `--query.partial-response` makes the edge's own HTTP API answer with what it has, as the central
 * one does; over gRPC the strategy travels with each request, so the central Query's choice holds
 * and an unreachable sidecar reaches it as a warning. With mTLS, the gRPC server serves the edge's
 * certificate and requires a client certificate of the deployment CA; its minimum TLS version is
 * Thanos' default, 1.3 (`--grpc-server-tls-min-version`).
 */
export function edgeQueryArgs(withTls: boolean): string[] {
    return thanosArgs("query", {
        "log.level": "info",
        "http-address": `0.0.0.0:${EDGE_QUERY_HTTP_PORT}`,
        "grpc-address": `0.0.0.0:${THANOS_GRPC_PORT}`,
        "grpc-server-tls-cert": withTls ? EDGE_QUERY_SERVER_TLS.cert : undefined,
        "grpc-server-tls-key": withTls ? EDGE_QUERY_SERVER_TLS.key : undefined,
        "grpc-server-tls-client-ca": withTls ? EDGE_QUERY_SERVER_TLS.clientCa : undefined,
        "endpoint.sd-config-file": EDGE_QUERY_ENDPOINTS_FILE,
        "endpoint.sd-config-reload-interval": "30s",
        "query.partial-response": true,
        "web.disable-cors": true,
    });
}

export function edgeQueryConfigMapSpec(prometheusReplicas: number): k8s.types.input.core.v1.ConfigMap {
    return {
        metadata: {
            name: QUERY_ENDPOINTS_CONFIGMAP,
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(EDGE_QUERY_COMPONENT),
        },
        data: { [QUERY_ENDPOINTS_KEY]: edgeEndpointFileYaml(prometheusReplicas) },
    };
}

/**
 * The Deployment. `tlsChecksum` (a hash of the server certificate and the client CA) rolls the
 * pods when either changes: Thanos reads its TLS files once, at start.
 */
export function edgeQueryDeploymentSpec(
    settings: ClusterSettings,
    tlsChecksum: pulumi.Input<string> | undefined,
): k8s.types.input.apps.v1.Deployment {
    const withTls = settings.grpcTls.enabled;
    return {
        metadata: {
            name: EDGE_QUERY_NAME,
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(EDGE_QUERY_COMPONENT),
        },
        spec: {
            replicas: EDGE_QUERY_REPLICAS,
            selector: { matchLabels: thanosSelector(EDGE_QUERY_COMPONENT) },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: {
                    labels: thanosLabels(EDGE_QUERY_COMPONENT),
                    ...(tlsChecksum !== undefined ? { annotations: { "checksum/grpc-server-tls": tlsChecksum } } : {}),
                },
                spec: {
                    securityContext: POD_SECURITY_CONTEXT,
                    affinity: preferSpreadAcrossNodes(EDGE_QUERY_COMPONENT),
                    automountServiceAccountToken: false,
                    volumes: [
                        { name: "endpoints", configMap: { name: QUERY_ENDPOINTS_CONFIGMAP } },
                        ...(withTls ? [{ name: "grpc-server-tls", secret: { secretName: SIDECAR_TLS.secret } }] : []),
                    ],
                    containers: [
                        thanosContainer({
                            image: thanosImage(settings.images),
                            args: edgeQueryArgs(withTls),
                            httpPort: EDGE_QUERY_HTTP_PORT,
                            grpcPort: THANOS_GRPC_PORT,
                            volumeMounts: [
                                { name: "endpoints", mountPath: ENDPOINTS_DIR, readOnly: true },
                                ...(withTls
                                    ? [{ name: "grpc-server-tls", mountPath: SERVER_TLS_DIR, readOnly: true }]
                                    : []),
                            ],
                            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
                        }),
                    ],
                },
            },
        },
    };
}

/** In-cluster Service (port-forwarding, in-cluster clients): the LoadBalancer is for the outside. */
export function edgeQueryServiceSpec(): k8s.types.input.core.v1.Service {
    return {
        metadata: {
            name: EDGE_QUERY_NAME,
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(EDGE_QUERY_COMPONENT),
        },
        spec: {
            selector: thanosSelector(EDGE_QUERY_COMPONENT),
            ports: [
                { name: "http", port: EDGE_QUERY_HTTP_PORT, targetPort: "http", protocol: "TCP" },
                { name: "grpc", port: THANOS_GRPC_PORT, targetPort: "grpc", protocol: "TCP" },
            ],
        },
    };
}

/**
 * Who may reach the LoadBalancer: the union of the gRPC clients (the central Query's egress) and
 * the HTTP API's users, since a Service has one loadBalancerSourceRanges for all its ports. The
 * NetworkPolicies narrow it per port where the source address survives (components/
 * networkPolicies.ts); docs/security.md says what the union opens and why mTLS covers it.
 */
export function edgeLoadBalancerSourceRanges(settings: ClusterSettings): string[] {
    return [...new Set([...settings.loadBalancer.grpcSourceRanges, ...settings.loadBalancer.httpSourceRanges])];
}

/**
 * The ONE LoadBalancer Service of an edge: the edge Query's gRPC (10901, the seed's port) and its
 * HTTP API (9090) on the pinned address. No sharing key: nothing else holds the address, so Cilium
 * runs one L2 lease for it. `externalTrafficPolicy: Cluster`: any node may take the traffic and
 * forward it to either replica (Local is incompatible with L2 announcements).
 */
export function edgeQueryLoadBalancerSpec(settings: ClusterSettings): k8s.types.input.core.v1.Service {
    return {
        metadata: {
            name: EDGE_QUERY_LB_SERVICE,
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(EDGE_QUERY_COMPONENT),
            annotations: { [LBIPAM_IPS_ANNOTATION]: settings.loadBalancer.ip },
        },
        spec: {
            type: "LoadBalancer",
            selector: thanosSelector(EDGE_QUERY_COMPONENT),
            ports: [
                { name: "grpc", port: THANOS_GRPC_PORT, targetPort: "grpc", protocol: "TCP" },
                { name: "http", port: EDGE_QUERY_HTTP_PORT, targetPort: "http", protocol: "TCP" },
            ],
            loadBalancerSourceRanges: edgeLoadBalancerSourceRanges(settings),
            externalTrafficPolicy: "Cluster",
            // No NodePorts: they would bypass the source ranges.
            allocateLoadBalancerNodePorts: false,
        },
    };
}

/** The old per-replica sidecar Services' URNs, under the component that declared them (contract 3). */
export interface SidecarServiceAliases {
    /** URN of the removed SidecarLoadBalancer component (`<base>-sidecar-lb`). */
    parentUrn: pulumi.Input<string>;
    /** Its Services' resource names, in replica order (`<base>-sidecar-lb-<i>`). */
    names: string[];
}

export interface EdgeQueryArgs {
    /** Provider of the edge cluster. */
    provider: k8s.Provider;
    /** The edge's validated settings (Prometheus replicas, pinned address, source ranges, grpcTls). */
    settings: ClusterSettings;
    /** Hash of the gRPC server's TLS material, where mTLS is on (rolls the pods on a renewal). */
    tlsChecksum?: pulumi.Input<string>;
    /** The Services of contract 3 this component's Services take over (docs/operations.md, migration). */
    replaces: SidecarServiceAliases;
    /** Resources the workload and Services wait for (the namespace, the release, the IP pool, the TLS Secret). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The edge's Thanos Query, its disruption budget and its Services. */
export class EdgeQuery extends pulumi.ComponentResource {
    /** host:port the central Query dials: the pinned address, as the LoadBalancer was assigned it, and 10901. */
    public readonly grpcEndpoint: pulumi.Output<string>;
    /** http://<pinned address>:9090: the edge's own query API and UI. */
    public readonly httpUrl: pulumi.Output<string>;

    constructor(name: string, args: EdgeQueryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:EdgeQuery", name, {}, opts);
        const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const prometheusReplicas = args.settings.prometheus.replicas;
        const endpoints = new k8s.core.v1.ConfigMap(
            `${name}-endpoints`,
            edgeQueryConfigMapSpec(prometheusReplicas),
            child,
        );
        new k8s.apps.v1.Deployment(name, edgeQueryDeploymentSpec(args.settings, args.tlsChecksum), {
            ...child,
            dependsOn: [...(args.dependsOn ?? []), endpoints],
        });
        new k8s.policy.v1.PodDisruptionBudget(
            name,
            oneAtATimeDisruptionBudget(EDGE_QUERY_NAME, MONITORING_NAMESPACE, EDGE_QUERY_COMPONENT),
            child,
        );
        // Migration from contract 3, where one Service per Prometheus replica held the pinned address
        // with a sharing key. The new LoadBalancer cannot take the address while either old Service
        // holds it, and Pulumi deletes removed resources only at the end of an update: so each old
        // Service is taken over (alias) by a new one that replaces it deleting first. The in-cluster
        // Service replaces replica 1's, the LoadBalancer replica 0's, and the LoadBalancer is created
        // after the in-cluster Service, i.e. once neither old Service exists. (A third replica's
        // Service has no successor to take it over: docs/operations.md says to delete it first.)
        const alias = (i: number) =>
            args.replaces.names[i] !== undefined
                ? [{ name: args.replaces.names[i], parent: args.replaces.parentUrn }]
                : [];
        const inCluster = new k8s.core.v1.Service(name, edgeQueryServiceSpec(), {
            ...child,
            aliases: alias(1),
            deleteBeforeReplace: true,
        });
        const lb = new k8s.core.v1.Service(`${name}-lb`, edgeQueryLoadBalancerSpec(args.settings), {
            ...child,
            dependsOn: [...(args.dependsOn ?? []), inCluster],
            aliases: alias(0),
            deleteBeforeReplace: true,
        });
        const address = lb.status.apply((status) =>
            assignedAddress(status, `${MONITORING_NAMESPACE}/${EDGE_QUERY_LB_SERVICE}`, args.settings.loadBalancer.ip),
        );
        this.grpcEndpoint = pulumi.interpolate`${address}:${THANOS_GRPC_PORT}`;
        this.httpUrl = pulumi.interpolate`http://${address}:${EDGE_QUERY_HTTP_PORT}`;
        this.registerOutputs({ grpcEndpoint: this.grpcEndpoint, httpUrl: this.httpUrl });
    }
}
