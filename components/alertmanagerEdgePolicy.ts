// What reaches the central Alertmanager's API (9093) from outside the monitoring namespace: the
// edges, through the central front door, may post alerts, nothing else. Kept apart from networkPolicies.ts, which holds the L4 rules.

import {
    ALERTMANAGER_POD_SELECTOR,
    ALERTMANAGER_PORT,
    MANAGED_BY_LABEL,
    MONITORING_NAMESPACE,
    PART_OF_LABEL,
} from "./names";
import type { CiliumHttpRule, CiliumNetworkPolicySpec, CiliumPortRule } from "./networkPolicies";
import { FRONT_DOOR_POD_SELECTOR } from "./frontDoor";

/** The edges' Prometheus sending alerts (api_version v2, no path prefix: POST /api/v2/alerts, no query). */
export const EDGE_ALERT_POST: CiliumHttpRule = { method: "POST", path: "/api/v2/alerts" };

/**
 * What `npm run verify` reads through the same addresses (its runner must be inside the edge source
 * ranges, docs/ci.md): the cluster status, and alerts by filter. Reads only: no silence, no UI.
 */
export const VERIFY_READS: CiliumHttpRule[] = [
    { method: "GET", path: "/api/v2/status" },
    // Cilium matches the whole `:path`, query string included: verify filters with ?filter=...
    { method: "GET", path: "/api/v2/alerts(\\?.*)?" },
];

/** Every request the edge sources may make; anything else gets Cilium's 403. */
export const EDGE_HTTP_RULES: CiliumHttpRule[] = [EDGE_ALERT_POST, ...VERIFY_READS];

const API_PORT = { port: String(ALERTMANAGER_PORT), protocol: "TCP" as const };

/** The front door's health check of each replica (components/frontDoor.ts); nothing else it adds. */
export const ROUTER_HEALTH_CHECK: CiliumHttpRule = { method: "GET", path: "/-/ready" };

/**
 * The CiliumNetworkPolicy for Alertmanager's API from outside the namespace. The edges reach it
 * only through the central front door: its router pods (which already admit only the edges' ranges
 * on 9093-9095 and pass only EDGE_HTTP_RULES) forward each replica's port here, and Cilium sends
 * their connections through its Envoy proxy, which answers a request no rule matches with 403
 * "Access denied": the edges' one request (and verify's reads), enforced a second time, plus the
 * router's health check. The peers:
 * - the router pods (`fromEndpoints`), with the L7 rule;
 * - `host`, L4 only: kubelet's probes (GET /-/ready on 9093). Under Cilium's default
 *   allow-localhost the host is let in anyway, and an L7 rule naming the host is turned into
 *   allow-all for it; with allow-localhost=policy this rule keeps the probes working.
 * No L4-only rule may name the router pods on 9093 (not here, not in the NetworkPolicy, whose
 * namespace peer leaves them out): Cilium would let them make any request, the L7 rule having no effect.
 */
export function alertmanagerEdgePolicy(): CiliumNetworkPolicySpec {
    const api: CiliumPortRule = { ports: [API_PORT], rules: { http: [...EDGE_HTTP_RULES, ROUTER_HEALTH_CHECK] } };
    return {
        apiVersion: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: {
            name: "alertmanager-edge-api",
            namespace: MONITORING_NAMESPACE,
            labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL },
        },
        spec: {
            endpointSelector: { matchLabels: ALERTMANAGER_POD_SELECTOR },
            ingress: [
                { fromEndpoints: [{ matchLabels: FRONT_DOOR_POD_SELECTOR }], toPorts: [api] },
                { fromEntities: ["host"], toPorts: [{ ports: [API_PORT] }] },
            ],
        },
    };
}
