import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { CentralSettings, ClusterSettings } from "../config";
import { ClusterStackOutputs } from "../contract";
import { EndpointSdConfig } from "../schemas/thanos";
import { assignedAddress, lbipamAnnotations } from "./lbipam";
import { MONITORING_NAMESPACE, PROMETHEUS_REPLICA_LABEL, QUERY_ENDPOINTS_CONFIGMAP, QUERY_ENDPOINTS_KEY, SIDECAR_GRPC_PORT, prometheusPodName } from "./names";
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

export const QUERY_COMPONENT = "query";
export const QUERY_SERVICE = "thanos-query";
export const QUERY_HTTP_PORT = 9090;
/** The Ruler's replica label (kube-thanos' convention); Query deduplicates on it as on Prometheus'. */
export const RULER_REPLICA_LABEL = "rule_replica";
/** Sharing key of the central address: Query (9090) and Grafana (3000) share it. */
export const CENTRAL_SHARING_KEY = "thanos-central";

const QUERY_ENDPOINTS_DIR = "/etc/thanos/endpoints";
export const QUERY_ENDPOINTS_FILE = `${QUERY_ENDPOINTS_DIR}/${QUERY_ENDPOINTS_KEY}`;
/**
 * How often Query re-reads the endpoint file. The kubelet refreshes a mounted ConfigMap within
 * about a minute of a change, so a new edge is dialled a minute or two after `pulumi up`.
 */
export const QUERY_ENDPOINTS_RELOAD_INTERVAL = "30s";
/** The oldest TLS version the sidecars accept (their grpcServerTlsConfig serves TLS 1.3 only). */
const EDGE_TLS_MIN_VERSION = "1.3";

/** The operator's governing Service of every Prometheus StatefulSet: it gives each replica a DNS name. */
const PROMETHEUS_GOVERNING_SERVICE = "prometheus-operated";

/** An edge stack's contract outputs, as the central stack read and checked them. */
export interface EdgeCluster extends ClusterStackOutputs {
    /** Fully qualified name of the edge stack. */
    stack: string;
    /** Its short name (the stack file's), which names its TLS Secret in the central cluster. */
    stackName: string;
}

/** Where Query finds an edge's mTLS material: the edge's CA, and the client certificate and key it issued. */
export function edgeTlsSecretName(stackName: string): string {
    return `thanos-query-tls-${stackName}`;
}

export function edgeTlsMountPath(stackName: string): string {
    return `/etc/thanos/tls/${stackName}`;
}

export interface QueryEndpoint {
    /** host:port Query dials (gRPC, StoreAPI). */
    address: string;
    /**
     * Strict endpoints stay in Query's set when unhealthy, so their absence shows as a
     * partial-response warning instead of the cluster silently vanishing from results.
     */
    strict: boolean;
    /** What is behind the address, for people reading the plan. */
    source: string;
    /** mTLS to the endpoint: files in Query's pod, and the name to verify. */
    tls?: { caFile: string; certFile: string; keyFile: string; serverName: string };
}

export interface QueryEndpointInputs {
    clusterDomain: string;
    /** The central cluster's own name and Prometheus replica count. */
    centralCluster: string;
    localPrometheusReplicas: number;
    storeGatewayReplicas: number;
    rulerReplicas: number;
    edges: EdgeCluster[];
    /** Names of the Store Gateway's and Ruler's headless Services. */
    storeService: string;
    rulerService: string;
}

function podAddress(pod: string, service: string, domain: string, port: number): string {
    return `${pod}.${service}.${MONITORING_NAMESPACE}.svc.${domain}:${port}`;
}

/**
 * Every StoreAPI Query reads, one address per replica. Sidecars, local and remote, are strict: a
 * Prometheus replica that cannot be reached must be reported, not dropped. The Store Gateway's
 * and Ruler's replicas each hold the same data as their peers, so they are not strict: a rolling
 * restart must not turn every query into a partial response.
 */
export function queryEndpoints(inputs: QueryEndpointInputs): QueryEndpoint[] {
    const { clusterDomain: domain } = inputs;
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    return [
        ...range(inputs.localPrometheusReplicas).map((i) => ({
            address: podAddress(prometheusPodName(i), PROMETHEUS_GOVERNING_SERVICE, domain, SIDECAR_GRPC_PORT),
            strict: true,
            source: `${inputs.centralCluster} sidecar, Prometheus replica ${i}`,
        })),
        ...inputs.edges.flatMap((edge) =>
            edge.sidecarEndpoints.map((address, i) => {
                const dir = edgeTlsMountPath(edge.stackName);
                const tls = edge.grpcTls.enabled ? { caFile: `${dir}/ca.crt`, certFile: `${dir}/tls.crt`, keyFile: `${dir}/tls.key`, serverName: edge.grpcTls.serverName } : undefined;
                return { address, strict: true, source: `${edge.clusterName} sidecar, Prometheus replica ${i} (stack ${edge.stack})`, ...(tls ? { tls } : {}) };
            }),
        ),
        ...range(inputs.storeGatewayReplicas).map((i) => ({
            address: podAddress(`${inputs.storeService}-${i}`, inputs.storeService, domain, THANOS_GRPC_PORT),
            strict: false,
            source: `store gateway replica ${i}`,
        })),
        ...range(inputs.rulerReplicas).map((i) => ({
            address: podAddress(`${inputs.rulerService}-${i}`, inputs.rulerService, domain, THANOS_GRPC_PORT),
            strict: false,
            source: `ruler replica ${i}`,
        })),
    ];
}

/**
 * The endpoint file (`--endpoint.sd-config-file`), in the shape Thanos v0.42.4 reads
 * (cmd/thanos/endpointset.go): per-endpoint TLS under `client_config`. Endpoints without TLS use
 * Query's global client settings (plain gRPC, in-cluster).
 */
export function endpointSdConfig(endpoints: QueryEndpoint[]): EndpointSdConfig {
    return {
        endpoints: endpoints.map(({ address, strict, tls }) => ({
            address,
            strict,
            ...(tls
                ? {
                      client_config: {
                          server_name: tls.serverName,
                          tls_config: { enabled: true, ca_file: tls.caFile, cert_file: tls.certFile, key_file: tls.keyFile, min_version: EDGE_TLS_MIN_VERSION },
                      },
                  }
                : {}),
        })),
    };
}

/** The endpoint file's text: YAML, one line per field, so a change shows as a readable diff. */
export function endpointFileYaml(endpoints: QueryEndpoint[]): string {
    return yaml.dump(endpointSdConfig(endpoints), { lineWidth: -1, noRefs: true, sortKeys: false });
}

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
        // query fetching more series or samples from one store than the limits fails alone.
        "query.max-concurrent": central.query.maxConcurrent,
        "store.limits.request-series": central.query.requestSeriesLimit,
        "store.limits.request-samples": central.query.requestSamplesLimit,
    });
}

/** Every edge's TLS Secret, mounted whether or not the edge enables mTLS (it is empty where it does not). */
export function queryTlsVolumes(edgeStacks: string[]): { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] } {
    return {
        volumes: edgeStacks.map((stack) => ({ name: `tls-${stack}`, secret: { secretName: edgeTlsSecretName(stack) } })),
        mounts: edgeStacks.map((stack) => ({ name: `tls-${stack}`, mountPath: edgeTlsMountPath(stack), readOnly: true })),
    };
}

/**
 * Hash of every edge's TLS material Query holds (the edge's CA and the client certificate it
 * issued). Thanos reads a CA file once, at dial setup: the pod template carries this hash so that a
 * renewed certificate or a rotated CA rolls Query.
 */
export function edgeTlsChecksum(edges: EdgeCluster[]): string {
    const material = edges
        .filter((edge) => edge.grpcTls.enabled)
        .map((edge) => (edge.grpcTls.enabled ? [edge.stackName, edge.grpcTls.caCertificate, edge.grpcTls.clientCertificate].join("\n") : ""))
        .sort();
    return crypto.createHash("sha256").update(material.join("\n")).digest("hex");
}

export function queryConfigMapSpec(endpointFile: pulumi.Input<string>): k8s.types.input.core.v1.ConfigMap {
    return {
        metadata: { name: QUERY_ENDPOINTS_CONFIGMAP, namespace: MONITORING_NAMESPACE, labels: thanosLabels(QUERY_COMPONENT) },
        data: { [QUERY_ENDPOINTS_KEY]: endpointFile },
    };
}

export function queryDeploymentSpec(central: CentralSettings, args: pulumi.Input<string[]>, edgeTlsHash: pulumi.Input<string>): k8s.types.input.apps.v1.Deployment {
    const tlsVolumes = queryTlsVolumes(central.edgeStacks);
    return {
        metadata: { name: QUERY_SERVICE, namespace: MONITORING_NAMESPACE, labels: thanosLabels(QUERY_COMPONENT) },
        spec: {
            replicas: central.query.replicas,
            selector: { matchLabels: thanosSelector(QUERY_COMPONENT) },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                // The endpoint file is re-read in place; TLS material is not (see edgeTlsChecksum).
                metadata: { labels: thanosLabels(QUERY_COMPONENT), annotations: { "checksum/edge-tls": edgeTlsHash } },
                spec: {
                    securityContext: POD_SECURITY_CONTEXT,
                    affinity: preferSpreadAcrossNodes(QUERY_COMPONENT),
                    automountServiceAccountToken: false,
                    volumes: [{ name: "endpoints", configMap: { name: QUERY_ENDPOINTS_CONFIGMAP } }, ...tlsVolumes.volumes],
                    containers: [
                        thanosContainer({
                            args,
                            httpPort: QUERY_HTTP_PORT,
                            grpcPort: THANOS_GRPC_PORT,
                            volumeMounts: [{ name: "endpoints", mountPath: QUERY_ENDPOINTS_DIR, readOnly: true }, ...tlsVolumes.mounts],
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

/** Query's HTTP API and UI on the central cluster's pinned address, port 9090 (nothing else). */
export function queryLoadBalancerSpec(settings: ClusterSettings, central: CentralSettings): k8s.types.input.core.v1.Service {
    return {
        metadata: {
            name: `${QUERY_SERVICE}-lb`,
            namespace: MONITORING_NAMESPACE,
            labels: thanosLabels(QUERY_COMPONENT),
            annotations: lbipamAnnotations(settings.loadBalancer.ip, CENTRAL_SHARING_KEY),
        },
        spec: {
            type: "LoadBalancer",
            selector: thanosSelector(QUERY_COMPONENT),
            ports: [{ name: "http", port: QUERY_HTTP_PORT, targetPort: "http", protocol: "TCP" }],
            loadBalancerSourceRanges: central.uiSourceRanges,
            externalTrafficPolicy: "Cluster",
            allocateLoadBalancerNodePorts: false,
        },
    };
}

export interface ThanosQueryArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    /** The central stack's settings. */
    settings: ClusterSettings;
    central: CentralSettings;
    /** Every StoreAPI to read, from the edges' outputs and the local components. */
    endpoints: pulumi.Input<QueryEndpoint[]>;
    /** Replica labels to deduplicate on. */
    replicaLabels: pulumi.Input<string[]>;
    /** The edges, for the checksum of their TLS material on the pod template. */
    edges: pulumi.Input<EdgeCluster[]>;
    /** Per edge stack name: its checked outputs' TLS part and the client key (secret), for the edge TLS Secrets. */
    edgeTls: Record<string, { edge: pulumi.Output<EdgeCluster | undefined>; clientKey: pulumi.Output<string> }>;
    /** Resources to wait for (the namespace, the LB pool). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Thanos Query: one PromQL endpoint over every cluster, replicas deduplicated. */
export class ThanosQuery extends pulumi.ComponentResource {
    /** In-cluster HTTP URL (Grafana's datasource, the Ruler's query target). */
    public readonly inClusterUrl: string;
    /** http://<central address>:9090, from the address the LoadBalancer was assigned. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: ThanosQueryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:ThanosQuery", name, {}, opts);
        const child = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const endpointFile = pulumi.output(args.endpoints).apply(endpointFileYaml);
        const endpointsConfigMap = new k8s.core.v1.ConfigMap(`${name}-endpoints`, queryConfigMapSpec(endpointFile), child);
        const secrets = Object.entries(args.edgeTls).map(
            ([stack, { edge, clientKey }]) =>
                new k8s.core.v1.Secret(
                    `${name}-tls-${stack}`,
                    {
                        metadata: { name: edgeTlsSecretName(stack), namespace: MONITORING_NAMESPACE, labels: thanosLabels(QUERY_COMPONENT) },
                        type: "Opaque",
                        stringData: pulumi.secret(
                            pulumi.all([edge, clientKey]).apply(([e, key]): Record<string, string> =>
                                e?.grpcTls.enabled ? { "ca.crt": e.grpcTls.caCertificate, "tls.crt": e.grpcTls.clientCertificate, "tls.key": key } : {},
                            ),
                        ),
                    },
                    child,
                ),
        );
        const containerArgs = pulumi.output(args.replicaLabels).apply((labels) => queryArgs(args.central, labels));
        new k8s.apps.v1.Deployment(
            name,
            queryDeploymentSpec(args.central, containerArgs, pulumi.output(args.edges).apply(edgeTlsChecksum)),
            { ...child, dependsOn: [...(args.dependsOn ?? []), endpointsConfigMap, ...secrets] },
        );
        new k8s.core.v1.Service(name, queryServiceSpec(), child);
        new k8s.policy.v1.PodDisruptionBudget(name, oneAtATimeDisruptionBudget(QUERY_SERVICE, MONITORING_NAMESPACE, QUERY_COMPONENT), child);
        const lb = new k8s.core.v1.Service(`${name}-lb`, queryLoadBalancerSpec(args.settings, args.central), child);
        this.inClusterUrl = queryInClusterUrl(args.central.clusterDomain);
        this.url = lb.status.apply(
            (status) => `http://${assignedAddress(status, `${MONITORING_NAMESPACE}/${QUERY_SERVICE}-lb`, args.settings.loadBalancer.ip)}:${QUERY_HTTP_PORT}`,
        );
        this.registerOutputs({ url: this.url, inClusterUrl: this.inClusterUrl });
    }
}
