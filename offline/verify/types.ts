// What `npm run verify` checks and what it reports: the deployment as its stack outputs publish it,
// and one result per check.

import type { QueryEndpoint } from "../../components/thanosQuery/endpoints";

export type CheckStatus = "PASS" | "FAIL" | "SKIP";

export interface CheckResult {
    status: CheckStatus;
    /** What was checked, short and stable: `stores cluster-02`, `alertmanager 192.168.101.210:9094`. */
    check: string;
    /** What was found; on a failure, what failed by name (edge, replica, cluster). */
    detail: string;
    /** Where to read on a failure: a docs/runbooks.md anchor and the verify doc's section. */
    runbook?: string[];
}

/** One edge, from its own stack outputs. */
export interface VerifyEdge {
    /** The edge's stack (as `npm run stacks` names it, or the outputs file it came from). */
    stack: string;
    clusterName: string;
    /** host:port of the edge's Thanos Query (gRPC), as the edge publishes it. */
    queryEndpoint: string;
}

/** A mid-tier Query group of the central cluster, from the central stack's `queryTiers` output. */
export interface VerifyTier {
    /** thanos-query-tier-<n>. */
    name: string;
    /** Where the top Query dials it (in-cluster): its `group: true` entry of queryEndpoints. */
    address: string;
    /** The edge Query addresses it reads. */
    endpoints: string[];
}

/** Everything verify reaches, from the central stack's outputs (and the edges'), after any override. */
export interface VerifyTarget {
    centralCluster: string;
    edges: VerifyEdge[];
    /** Query's HTTP API (`queryUrl`). */
    queryUrl: string;
    /** Grafana (`grafanaUrl`). */
    grafanaUrl: string;
    /** One base URL per Alertmanager replica (`alertmanagerEdgeEndpoints`, each replica on its own port). */
    alertmanagers: string[];
    /** Every StoreAPI a central Query was configured with (`queryEndpoints`): the top's, then each mid tier's. */
    queryEndpoints: QueryEndpoint[];
    /** The mid-tier groups (`queryTiers`); empty at one tier, where the top Query reads every edge. */
    queryTiers: VerifyTier[];
}

/** Which part of the deployment to verify: all of it, or one edge alone. */
export type VerifyScope = { kind: "all" } | { kind: "edge"; clusterName: string };
