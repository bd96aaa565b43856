import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, ClusterSettings } from "../config";
import { alertmanagerEdgePolicy } from "./alertmanagerEdgePolicy";
import {
    FRONT_DOOR_COMPONENT_LABEL,
    FRONT_DOOR_METRICS_PORT,
    FRONT_DOOR_POD_SELECTOR,
    frontDoorRoutes,
} from "./frontDoor";
import { GRAFANA_PORT } from "./kubePrometheusStack";
import {
    ALERTMANAGER_CLUSTER_PORT,
    ALERTMANAGER_POD_SELECTOR,
    ALERTMANAGER_PORT,
    GRAFANA_POD_SELECTOR,
    MANAGED_BY_LABEL,
    MONITORING_NAMESPACE,
    PART_OF_LABEL,
    PROMETHEUS_POD_SELECTOR,
    PROMETHEUS_PORT,
    SIDECAR_GRPC_PORT,
} from "./names";
import { QUERY_COMPONENT, QUERY_HTTP_PORT, QUERY_TIER_COMPONENT, tierGroups } from "./thanosQuery";
import { THANOS_GRPC_PORT, THANOS_HTTP_PORT, thanosSelector } from "./thanosWorkload";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicy & { metadata: { name: string } };
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** The config reloader's port in the Prometheus pod. */
const RELOADER_PORT = 8080;

/** Every pod of the namespace (edges: no front door runs there). */
const WHOLE_NAMESPACE: Peer = { podSelector: {} };
/**
 * Central: every pod of the namespace but the front door's routers: those reach only the ports they
 * forward to (ROUTER below), and Alertmanager's API only through its L7 rule (alertmanagerEdgePolicy),
 * which an L4 rule admitting them here would void.
 */
const NAMESPACE_BUT_ROUTERS: Peer = {
    podSelector: {
        matchExpressions: [
            { key: FRONT_DOOR_COMPONENT_LABEL[0], operator: "NotIn", values: [FRONT_DOOR_COMPONENT_LABEL[1]] },
        ],
    },
};
/** The central front door's router pods (components/frontDoor.ts). */
const ROUTER: Peer = { podSelector: { matchLabels: FRONT_DOOR_POD_SELECTOR } };
const QUERY_POD_SELECTOR = thanosSelector(QUERY_COMPONENT);
/** Query's pods: the central Query, or on an edge the edge Query (same labels, components/thanos/edgeQuery.ts). */
const QUERY_PODS: Peer = { podSelector: { matchLabels: QUERY_POD_SELECTOR } };

function cidrs(ranges: string[]): Peer[] {
    return ranges.map((cidr) => ({ ipBlock: { cidr } }));
}

function tcp(...ports: number[]) {
    return ports.map((port) => ({ protocol: "TCP", port }));
}

function udp(...ports: number[]) {
    return ports.map((port) => ({ protocol: "UDP", port }));
}

function policy(
    name: string,
    podSelector: Record<string, string>,
    ingress: k8s.types.input.networking.v1.NetworkPolicyIngressRule[],
): NetworkPolicySpec {
    return {
        metadata: { name, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL } },
        spec: { podSelector: { matchLabels: podSelector }, policyTypes: ["Ingress"], ingress },
    };
}

/** One HTTP rule of a Cilium L7 policy: method and path are regexes matched against the whole value. */
export interface CiliumHttpRule {
    method: string;
    path: string;
}

/** Ports of a Cilium ingress rule, with the HTTP requests allowed on them (none: any, at L4). */
export interface CiliumPortRule {
    ports: { port: string; protocol: "TCP" }[];
    rules?: { http: CiliumHttpRule[] };
}

/** An ingress rule: one kind of peer (entities, CIDRs or pods, never two in one rule) and its ports. */
export type CiliumIngressRule = (
    | { fromEntities: CiliumEntity[] }
    | { fromCIDR: string[] }
    | { fromEndpoints: { matchLabels: Record<string, string> }[] }
) & {
    toPorts: CiliumPortRule[];
};

/** A CiliumNetworkPolicy as we declare it (namespaced). */
export interface CiliumNetworkPolicySpec {
    apiVersion: "cilium.io/v2";
    kind: "CiliumNetworkPolicy";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: {
        endpointSelector: { matchLabels: Record<string, string> };
        ingress: CiliumIngressRule[];
    };
}

/**
 * Cilium's names for this cluster's nodes: `host` is the node the pod runs on, `remote-node` every
 * other node of the cluster. Load-balanced traffic forwarded from the node that took it to a pod on
 * another node arrives SNATed to that node's address, i.e. from `remote-node`.
 */
export type CiliumEntity = "host" | "remote-node";
export const CLUSTER_NODES: CiliumEntity[] = ["host", "remote-node"];

/**
 * Ingress from the cluster's own nodes, on the ports reached through the LoadBalancer. Plain
 * NetworkPolicy cannot say this under Cilium: Cilium matches an `ipBlock` against node addresses
 * only with `policy-cidr-match-mode=nodes`, so a node's address in an ipBlock silently drops
 * forwarded traffic; entities match every node, however many the cluster has, with no address list.
 * Cilium adds these rules to the NetworkPolicies selecting the same pods (policies are additive).
 */
function fromClusterNodes(name: string, podSelector: Record<string, string>, ports: number[]): CiliumNetworkPolicySpec {
    return {
        apiVersion: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: { name, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL } },
        spec: {
            endpointSelector: { matchLabels: podSelector },
            ingress: [
                {
                    fromEntities: CLUSTER_NODES,
                    toPorts: [{ ports: ports.map((port) => ({ port: String(port), protocol: "TCP" as const })) }],
                },
            ],
        },
    };
}

/**
 * What the NetworkPolicies cannot express. Edges: the LoadBalancer ports reached by load-balanced
 * traffic SNATed by a node (the edge Query's gRPC and HTTP). Central: nothing arrives SNATed (the
 * front door's Service keeps the client's address, externalTrafficPolicy Local), but Alertmanager's
 * API takes the front door's forwarded requests only through an L7 rule.
 */
export function nodeSourcedPolicies(settings: ClusterSettings): CiliumNetworkPolicySpec[] {
    if (settings.central !== undefined) return [alertmanagerEdgePolicy()];
    return settings.exposeEdgeQuery
        ? [fromClusterNodes("thanos-query-from-nodes", QUERY_POD_SELECTOR, [THANOS_GRPC_PORT, QUERY_HTTP_PORT])]
        : [];
}

/**
 * The control plane's node-sourced rules: none. Query's HTTP reaches the central address through
 * the front door, whose router pods the NetworkPolicy admits (they keep the client's address, so
 * no node forwards anything SNATed).
 */
export function controlPlaneNodeSourcedPolicies(): CiliumNetworkPolicySpec[] {
    return [];
}

/**
 * The base's policies. A sidecar's gRPC (the StoreAPI: all of the cluster's metrics, in plain gRPC
 * on edges too) is reachable only by the cluster's own Query pods: the central Query, or on an edge
 * the edge Query. Everything else in the Prometheus pod (web UI/API, reloader, the sidecar's HTTP
 * metrics) answers only within the monitoring namespace.
 *
 * On an edge, the edge Query's ports are narrowed one by one: its gRPC (mTLS) to the gRPC source
 * ranges, its HTTP API to the HTTP source ranges and the namespace (Prometheus scrapes it). The
 * LoadBalancer admits the union of both lists on both ports (one loadBalancerSourceRanges per
 * Service); these rules keep each port to its own list where the client's address reaches the pod.
 * Traffic SNATed by a node on its way to the pod is let in by nodeSourcedPolicies: for it the
 * LoadBalancer's union is the filter, and mTLS keeps the gRPC port to the central Query.
 */
export function monitoringBasePolicies(settings: ClusterSettings): NetworkPolicySpec[] {
    const SAME_NAMESPACE = settings.central !== undefined ? NAMESPACE_BUT_ROUTERS : WHOLE_NAMESPACE;
    const policies = [
        policy("prometheus", PROMETHEUS_POD_SELECTOR, [
            { from: [QUERY_PODS], ports: tcp(SIDECAR_GRPC_PORT) },
            { from: [SAME_NAMESPACE], ports: tcp(PROMETHEUS_PORT, RELOADER_PORT, THANOS_HTTP_PORT) },
        ]),
    ];
    if (settings.exposeEdgeQuery) {
        policies.push(
            policy("thanos-query", QUERY_POD_SELECTOR, [
                { from: cidrs(settings.loadBalancer.grpcSourceRanges), ports: tcp(THANOS_GRPC_PORT) },
                {
                    from: [...cidrs(settings.loadBalancer.httpSourceRanges), SAME_NAMESPACE],
                    ports: tcp(QUERY_HTTP_PORT),
                },
            ]),
        );
    }
    if (settings.central !== undefined) {
        policies.push(
            // Each port of the central address, only from its own ranges: the router sees the client's
            // address (externalTrafficPolicy Local). Its metrics, from the namespace (Prometheus).
            policy("frontdoor", FRONT_DOOR_POD_SELECTOR, [
                ...frontDoorRoutes(settings.central).map((route) => ({
                    from: cidrs(route.sourceRanges),
                    ports: tcp(route.port),
                })),
                { from: [SAME_NAMESPACE], ports: tcp(FRONT_DOOR_METRICS_PORT) },
            ]),
            // Operators reach Grafana through the front door (its routers), the namespace directly.
            policy("grafana", GRAFANA_POD_SELECTOR, [{ from: [ROUTER, SAME_NAMESPACE], ports: tcp(GRAFANA_PORT) }]),
            // The API answers the namespace in full (Prometheus, the Ruler, Grafana); the edges come in
            // through the front door's routers, admitted by alertmanagerEdgePolicy alone, whose L7 rule
            // an L4 rule here for the routers would void. Gossip and the reloader answer only in the namespace.
            policy("alertmanager", ALERTMANAGER_POD_SELECTOR, [
                { from: [SAME_NAMESPACE], ports: tcp(ALERTMANAGER_PORT) },
                {
                    from: [SAME_NAMESPACE],
                    ports: [...tcp(ALERTMANAGER_CLUSTER_PORT, RELOADER_PORT), ...udp(ALERTMANAGER_CLUSTER_PORT)],
                },
            ]),
        );
    }
    return policies;
}

/**
 * The control plane's policies: Query's HTTP from the front door's routers (operators, on the
 * central address's port 9090, central.uiSourceRanges) and in-namespace (Grafana, the Ruler), its
 * gRPC from nobody outside the namespace; the Store Gateway's and Ruler's gRPC from Query only;
 * every component's HTTP metrics within the namespace.
 */
export function controlPlanePolicies(central: CentralSettings): NetworkPolicySpec[] {
    const SAME_NAMESPACE = NAMESPACE_BUT_ROUTERS;
    const uiPeers = [ROUTER, SAME_NAMESPACE];
    return [
        policy("thanos-query", thanosSelector(QUERY_COMPONENT), [
            { from: uiPeers, ports: tcp(QUERY_HTTP_PORT) },
            { from: [SAME_NAMESPACE], ports: tcp(THANOS_GRPC_PORT) },
        ]),
        ...(["store-gateway", "ruler"] as const).map((component) =>
            policy(`thanos-${component}`, thanosSelector(component), [
                { from: [QUERY_PODS], ports: tcp(THANOS_GRPC_PORT) },
                { from: [SAME_NAMESPACE], ports: tcp(THANOS_HTTP_PORT) },
            ]),
        ),
        policy("thanos-compactor", thanosSelector("compactor"), [
            { from: [SAME_NAMESPACE], ports: tcp(THANOS_HTTP_PORT) },
        ]),
        // Mid-tier Queries (past central.query.maxEdgesPerQuery edges): their gRPC from the top Query only.
        ...(tierGroups(central.edgeStacks, central.query.maxEdgesPerQuery).length > 0
            ? [
                  policy("thanos-query-tier", thanosSelector(QUERY_TIER_COMPONENT), [
                      { from: [QUERY_PODS], ports: tcp(THANOS_GRPC_PORT) },
                      { from: [SAME_NAMESPACE], ports: tcp(THANOS_HTTP_PORT) },
                  ]),
              ]
            : []),
    ];
}

export interface NetworkPoliciesArgs {
    /** Provider of the cluster the policies apply in. */
    provider: k8s.Provider;
    /** The policies, from monitoringBasePolicies or controlPlanePolicies. */
    policies: NetworkPolicySpec[];
    /** The Cilium policies for node-sourced traffic, from nodeSourcedPolicies or controlPlaneNodeSourcedPolicies. */
    ciliumPolicies: CiliumNetworkPolicySpec[];
    /** Resources to wait for (the namespace). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Ingress NetworkPolicies (and CiliumNetworkPolicies) of the monitoring namespace. */
export class NetworkPolicies extends pulumi.ComponentResource {
    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:network:NetworkPolicies", name, {}, opts);
        for (const spec of args.policies) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${spec.metadata.name}`, spec, {
                parent: this,
                provider: args.provider,
                dependsOn: args.dependsOn,
            });
        }
        for (const spec of args.ciliumPolicies) {
            new k8s.apiextensions.CustomResource(`${name}-cilium-${spec.metadata.name}`, spec, {
                parent: this,
                provider: args.provider,
                dependsOn: args.dependsOn,
            });
        }
        this.registerOutputs({});
    }
}
