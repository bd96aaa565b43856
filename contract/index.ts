// The stack outputs other teams and the central stack consume. Bump CONTRACT_VERSION on any
// change a consumer could notice (a renamed or re-shaped output), so the central stack refuses an
// edge it would misread instead of wiring it wrong.

import { Role } from "../config/settings";

export const CONTRACT_VERSION = 4;

/** The outputs every cluster stack exports (the README's outputs table documents each). */
export interface ClusterStackOutputs {
    contractVersion: number;
    clusterName: string;
    role: Role;
    /** External labels of this cluster's Prometheus: `cluster` is unique across stacks. */
    externalLabels: Record<string, string>;
    /** Labels that differ only between replicas of one series; Query deduplicates on them. */
    replicaLabels: string[];
    /**
     * host:port of the edge's Thanos Query gRPC (StoreAPI) on its pinned address: the one endpoint
     * the central Query dials for this cluster (contract 4; contract 3 listed every sidecar instead).
     * "" on the central cluster.
     */
    queryEndpoint: string;
    /** Where this cluster's sidecars upload blocks. */
    objstore: { bucket: string; endpoint: string };
    /** In-cluster URL of this cluster's Prometheus. */
    prometheusUrl: string;
    /**
     * mTLS of the edge Query's gRPC. When enabled: the name to verify, the edge's own server CA (PEM),
     * and the client CA it trusts (PEM: the central stack's deployment CA, or "" while none is
     * configured and no client is accepted). All public: no edge output is secret (contract 3).
     */
    grpcTls:
        { enabled: false } | { enabled: true; serverName: string; caCertificate: string; clientCaCertificate: string };
}

/** The keys of ClusterStackOutputs, for consumers that read them one by one (StackReference.requireOutput). */
export const CLUSTER_OUTPUT_KEYS: (keyof ClusterStackOutputs)[] = [
    "contractVersion",
    "clusterName",
    "role",
    "externalLabels",
    "replicaLabels",
    "queryEndpoint",
    "objstore",
    "prometheusUrl",
    "grpcTls",
];
