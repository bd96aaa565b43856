// What Query reads: every StoreAPI endpoint (local sidecars, one per replica; each edge's Thanos
// Query, one per edge; Store Gateway and Ruler replicas), and the endpoint file
// (`--endpoint.sd-config-file`) that lists them.

import * as yaml from "js-yaml";
import { ClusterStackOutputs } from "../../contract";
import { EndpointSdConfig } from "../../schemas/thanos";
import { MONITORING_NAMESPACE, SIDECAR_GRPC_PORT, prometheusPodName } from "../names";
import { THANOS_GRPC_PORT } from "../thanosWorkload";
import { QUERY_CLIENT_CERT_FILE, QUERY_CLIENT_KEY_FILE, edgeCaFile } from "./tls";

/** The oldest TLS version an edge Query accepts (Thanos' default for --grpc-server-tls-min-version: 1.3). */
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

export interface QueryEndpoint {
    /** host:port Query dials (gRPC, StoreAPI). */
    address: string;
    /**
     * Strict endpoints stay in Query's set when unhealthy, so their absence shows as a
     * partial-response warning instead of the cluster silently vanishing from results.
     */
    strict: boolean;
    /** An HA group (a mid-tier Query pair): one logical store, dialled round robin (see tiers.ts). */
    group?: boolean;
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
 * An edge's one entry: its Thanos Query on the edge's pinned address, strict (an unreachable edge
 * is a partial-response warning, not a cluster silently missing), over mTLS where the edge serves
 * it. The edge Query does not deduplicate: both replicas' series come through, and this Query
 * deduplicates them on prometheus_replica with every other cluster's.
 */
export function edgeQueryEndpoint(edge: EdgeCluster): QueryEndpoint {
    const tls = edge.grpcTls.enabled
        ? {
              caFile: edgeCaFile(edge.stackName),
              certFile: QUERY_CLIENT_CERT_FILE,
              keyFile: QUERY_CLIENT_KEY_FILE,
              serverName: edge.grpcTls.serverName,
          }
        : undefined;
    return {
        address: edge.queryEndpoint,
        strict: true,
        source: `${edge.clusterName} Thanos Query (stack ${edge.stack})`,
        ...(tls ? { tls } : {}),
    };
}

/**
 * Every StoreAPI Query reads: one address per local replica, one per edge. Local sidecars and
 * edges are strict: a Prometheus replica or an edge that cannot be reached must be reported, not dropped. The Store Gateway's
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
        ...inputs.edges.map((edge) => edgeQueryEndpoint(edge)),
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
        endpoints: endpoints.map(({ address, strict, group, tls }) => ({
            address,
            strict,
            ...(group === true ? { group } : {}),
            ...(tls
                ? {
                      client_config: {
                          server_name: tls.serverName,
                          tls_config: {
                              enabled: true,
                              ca_file: tls.caFile,
                              cert_file: tls.certFile,
                              key_file: tls.keyFile,
                              min_version: EDGE_TLS_MIN_VERSION,
                          },
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
