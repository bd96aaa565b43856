// What reaches the central Alertmanager's API (9093) from outside the monitoring namespace: the
// edges may post alerts, nothing else. Kept apart from networkPolicies.ts, which holds the L4 rules.

import { CentralSettings } from "../config";
import {
    ALERTMANAGER_POD_SELECTOR,
    ALERTMANAGER_PORT,
    MANAGED_BY_LABEL,
    MONITORING_NAMESPACE,
    PART_OF_LABEL,
} from "./names";
import type { CiliumHttpRule, CiliumNetworkPolicySpec, CiliumPortRule } from "./networkPolicies";

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

/**
 * The CiliumNetworkPolicy for Alertmanager's API from outside the namespace. Cilium sends these
 * peers' connections to 9093 through its Envoy proxy, which answers a request no rule matches with
 * 403 "Access denied". The peers:
 * - the edges' source ranges (`fromCIDR`): an alert whose LoadBalancer node is the pod's own arrives
 *   with the edge node's address;
 * - `remote-node`: one forwarded from another node arrives SNATed to that node's address;
 * - `host`, L4 only: kubelet's probes (GET /-/ready on 9093). Under Cilium's default
 *   allow-localhost the host is let in anyway, and an L7 rule naming the host is turned into
 *   allow-all for it; with allow-localhost=policy this rule keeps the probes working.
 * No L4-only rule may name the edge peers on 9093 (not here, not in the NetworkPolicy): Cilium would
 * let those peers make any request, the L7 rule having no effect. CIDRs and entities sit in separate
 * rules (older Cilium refuses to combine them in one).
 */
export function alertmanagerEdgePolicy(central: CentralSettings): CiliumNetworkPolicySpec {
    const api: CiliumPortRule = { ports: [API_PORT], rules: { http: EDGE_HTTP_RULES } };
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
                { fromCIDR: [...central.alertmanager.edgeSourceRanges], toPorts: [api] },
                { fromEntities: ["remote-node"], toPorts: [api] },
                { fromEntities: ["host"], toPorts: [{ ports: [API_PORT] }] },
            ],
        },
    };
}
