// Query's tiers. Query buffers every store's answer and waits for the slowest, so one Query reading
// hundreds of edges over the WAN is as slow as its worst edge and holds every answer at once. Up to
// `central.query.maxEdgesPerQuery` edges the top Query reads them directly (one tier, the four
// committed stacks' layout). Past it the edges are split into groups of at most that many, each read
// by a mid-tier Query pair in the central cluster, and the top Query reads the groups instead (as
// Thanos' docs/components/query.md describes stacking Queriers). The layout is a pure function of the
// edges and the order of `central.edgeStacks`.

import { MONITORING_NAMESPACE } from "../names";
import { THANOS_GRPC_PORT } from "../thanosWorkload";
import { EdgeCluster, QueryEndpoint, QueryEndpointInputs, queryEndpoints } from "./endpoints";

/** The component label of the mid-tier Queries (the top Query keeps `query`: its Service must not select them). */
export const QUERY_TIER_COMPONENT = "query-tier";
/** The label telling one mid-tier group's pods from another's (its Service, PDB and spread select on it). */
export const QUERY_TIER_LABEL = "thanos-multicluster.miribit.lab/query-tier";

/** One mid-tier group: its name (Deployment, Service, PDB), its edges and the endpoints it reads. */
export interface QueryTier {
    /** thanos-query-tier-<n>, n from 1: the n-th block of maxEdgesPerQuery edges in central.edgeStacks. */
    name: string;
    /** The short stack names of its edges, in central.edgeStacks order. */
    stacks: string[];
    /** Its endpoint file's entries: every entry of each of its edges, nothing else. */
    endpoints: QueryEndpoint[];
}

/** What every Query of the central cluster reads. */
export interface QueryLayout {
    /** The top Query's endpoints: edges directly (one tier), or the mid-tier groups (two tiers). */
    top: QueryEndpoint[];
    /** The mid-tier groups; empty in the one-tier layout. */
    tiers: QueryTier[];
}

export function queryTierName(index: number): string {
    return `thanos-query-tier-${index + 1}`;
}

/**
 * The edges of each mid-tier group, or none while one Query may read them all. Groups are
 * consecutive blocks of `maxEdgesPerQuery` stacks in `order` (central.edgeStacks): the n-th block
 * is group n, so appending an edge fills the last group or opens a new one and leaves every
 * existing group as it was. Removing or reordering stacks moves the stacks after the change.
 */
export function tierGroups(order: string[], maxEdgesPerQuery: number): string[][] {
    if (!Number.isInteger(maxEdgesPerQuery) || maxEdgesPerQuery < 1)
        throw new Error(`maxEdgesPerQuery must be a whole number above 0; got ${maxEdgesPerQuery}`);
    if (order.length <= maxEdgesPerQuery) return [];
    const groups: string[][] = [];
    for (let i = 0; i < order.length; i += maxEdgesPerQuery) groups.push(order.slice(i, i + maxEdgesPerQuery));
    return groups;
}

/** A mid-tier group's in-cluster gRPC address: its ClusterIP Service. */
export function queryTierAddress(name: string, clusterDomain: string): string {
    return `${name}.${MONITORING_NAMESPACE}.svc.${clusterDomain}:${THANOS_GRPC_PORT}`;
}

/**
 * The top Query's entry for one group: `group: true` makes Thanos dial the name as one HA group
 * (round robin, retried on UNAVAILABLE: pkg/extgrpc EndpointGroupGRPCOpts) instead of fanning out to
 * both replicas, and `strict: true` keeps the group in Query's set while it is down, so its edges
 * show as a partial-response warning instead of vanishing. Thanos v0.42.4 refuses strict on a
 * `dns+`/`dnssrv+` address (validateEndpointConfig), hence the Service's plain name.
 */
export function queryTierEndpoint(tier: Pick<QueryTier, "name" | "stacks">, clusterDomain: string): QueryEndpoint {
    return {
        address: queryTierAddress(tier.name, clusterDomain),
        strict: true,
        group: true,
        source: `mid-tier Query ${tier.name} (edges ${tier.stacks.join(", ")})`,
    };
}

/**
 * Who reads what. `order` is central.edgeStacks (short names); `inputs.edges` the edges read from
 * their stacks, in any order. One tier: the top reads everything, as queryEndpoints lists it. Two
 * tiers: the top reads the central cluster's own sidecars, one entry per group, the Store Gateway
 * and the Ruler; each group reads its edges' entries, as queryEndpoints writes them.
 */
export function queryLayout(inputs: QueryEndpointInputs, order: string[], maxEdgesPerQuery: number): QueryLayout {
    const groups = tierGroups(order, maxEdgesPerQuery);
    if (groups.length === 0) return { top: queryEndpoints(inputs), tiers: [] };
    const byStack = new Map(inputs.edges.map((e) => [e.stackName, e]));
    const unordered = inputs.edges.filter((e) => !order.includes(e.stackName));
    if (unordered.length > 0)
        throw new Error(`edges ${unordered.map((e) => e.stackName).join(", ")} are not in central.edgeStacks`);
    const edgesOf = (stacks: string[]): EdgeCluster[] =>
        stacks.flatMap((stack) => {
            const edge = byStack.get(stack);
            return edge === undefined ? [] : [edge];
        });
    const tiers = groups.map((stacks, i) => ({
        name: queryTierName(i),
        stacks,
        endpoints: queryEndpoints({
            ...inputs,
            localPrometheusReplicas: 0,
            storeGatewayReplicas: 0,
            rulerReplicas: 0,
            edges: edgesOf(stacks),
        }),
    }));
    const local = queryEndpoints({ ...inputs, edges: [] });
    const localSidecars = inputs.localPrometheusReplicas;
    return {
        top: [
            ...local.slice(0, localSidecars),
            ...tiers.map((t) => queryTierEndpoint(t, inputs.clusterDomain)),
            ...local.slice(localSidecars),
        ],
        tiers,
    };
}

/** A mid-tier group as the central stack publishes it (output `queryTiers`): how `npm run verify` finds each edge's group. */
export interface PublishedQueryTier {
    /** thanos-query-tier-<n>. */
    name: string;
    /** Where the top Query dials it: its `group: true` entry in queryEndpoints. */
    address: string;
    /** Its edges' short stack names, in central.edgeStacks order. */
    stacks: string[];
    /** The addresses it reads: its edges' Queries, as queryEndpoints lists them. */
    endpoints: string[];
}

/** The mid-tier groups of a layout, as published; empty in the one-tier layout. */
export function publishedQueryTiers(layout: QueryLayout, clusterDomain: string): PublishedQueryTier[] {
    return layout.tiers.map((tier) => ({
        name: tier.name,
        address: queryTierAddress(tier.name, clusterDomain),
        stacks: tier.stacks,
        endpoints: tier.endpoints.map((e) => e.address),
    }));
}
