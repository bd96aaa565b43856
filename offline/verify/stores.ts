// Query's `/api/v1/stores`, in the shape Thanos v0.42.4 answers it, and the decision whether Query
// holds every endpoint it was given with no error.
//
// The shape (thanos-io/thanos v0.42.4): pkg/api/query/v1.go `stores` groups the endpoint statuses by
// component type (`sidecar`, `store`, `rule`, `query`, `receive`, ...) inside the usual
// `{ status, data }` envelope (pkg/api/api.go). Each status is pkg/query/endpointset.go
// `EndpointStatus`: `name` (the address as configured), `lastCheck` (RFC 3339), `lastError` (a
// string, or null after a successful Info call), `labelSets` (each a `{ name: value }` object),
// `minTime`, `maxTime` (milliseconds). An endpoint whose first Info call never succeeded has no
// component type and is left out of the answer altogether: absent means never reached.

import type { QueryEndpoint } from "../../components/thanosQuery/endpoints";
import { CheckResult, VerifyEdge, VerifyTarget, VerifyTier } from "./types";
import { RUNBOOKS } from "./runbooks";

export interface EndpointStatus {
    name: string;
    lastCheck: string;
    lastError: string | null;
    labelSets: Record<string, string>[];
    minTime: number;
    maxTime: number;
    /** The key it was listed under (`sidecar`, `store`, `rule`, ...). */
    componentType: string;
}

function fail(message: string): never {
    throw new Error(`/api/v1/stores: ${message}`);
}

/** Parses Query's answer; throws, naming the field, on anything not in the pinned shape. */
export function parseStoresResponse(body: unknown): EndpointStatus[] {
    const envelope = body as { status?: unknown; data?: unknown; error?: unknown };
    if (typeof envelope !== "object" || envelope === null) fail("the answer is not a JSON object");
    if (envelope.status !== "success")
        fail(`status is ${JSON.stringify(envelope.status)}${envelope.error ? `: ${String(envelope.error)}` : ""}`);
    const data = envelope.data;
    if (typeof data !== "object" || data === null || Array.isArray(data))
        fail("data is not an object of component types");
    const statuses: EndpointStatus[] = [];
    for (const [componentType, list] of Object.entries(data as Record<string, unknown>)) {
        if (!Array.isArray(list)) fail(`data.${componentType} is not a list`);
        for (const [i, raw] of list.entries()) {
            const at = `data.${componentType}[${i}]`;
            const s = raw as Record<string, unknown>;
            if (typeof s?.name !== "string") fail(`${at}.name is not a string`);
            if (s.lastError !== null && typeof s.lastError !== "string")
                fail(`${at}.lastError is neither null nor a string`);
            const labelSets = s.labelSets ?? [];
            if (!Array.isArray(labelSets)) fail(`${at}.labelSets is not a list`);
            for (const set of labelSets)
                if (typeof set !== "object" || set === null || Object.values(set).some((v) => typeof v !== "string"))
                    fail(`${at}.labelSets holds something other than { name: value } objects`);
            statuses.push({
                name: s.name,
                lastCheck: String(s.lastCheck ?? ""),
                lastError: s.lastError as string | null,
                labelSets: labelSets as Record<string, string>[],
                minTime: Number(s.minTime),
                maxTime: Number(s.maxTime),
                componentType,
            });
        }
    }
    return statuses;
}

/**
 * The name Query lists an endpoint under: its address, or for an HA group (a mid-tier pair)
 * `thanos:///<address>`, the target Thanos v0.42.4 dials a group by (cmd/thanos/endpointset.go
 * wraps a `group` entry's address in the `thanos:///` scheme of its gRPC resolver, and the endpoint
 * keeps that address as its name).
 */
export function storeName(endpoint: Pick<QueryEndpoint, "address" | "group">): string {
    return endpoint.group === true ? `thanos:///${endpoint.address}` : endpoint.address;
}

/** What verify needs of the target to judge Query's stores. */
export type StoresView = Pick<VerifyTarget, "centralCluster" | "edges" | "queryEndpoints" | "queryTiers">;

function clustersAnnounced(status: EndpointStatus): string[] {
    return [...new Set(status.labelSets.map((l) => l.cluster).filter((c) => c !== undefined))];
}

function problemOf(endpoint: QueryEndpoint, status: EndpointStatus | undefined, cluster: string): string | undefined {
    const what = `${endpoint.address} (${endpoint.source})`;
    if (status === undefined) return `${what}: not in Query's stores (Query never reached it)`;
    if (status.lastError !== null) return `${what}: ${status.lastError}`;
    // A sidecar announces its Prometheus' external labels, an edge's Query those of every sidecar it
    // reads: another cluster's means a wrong address.
    if (status.componentType === "sidecar" || status.componentType === "query") {
        const clusters = clustersAnnounced(status);
        if (!clusters.includes(cluster))
            return `${what}: announces cluster ${clusters.length > 0 ? clusters.join(", ") : "(none)"}, expected ${cluster}`;
    }
    return undefined;
}

function failing(check: string, problems: string[], total: number, runbook: string[]): CheckResult {
    return {
        status: "FAIL",
        check,
        detail: `${problems.length}/${total} endpoints failing: ${problems.join("; ")}`,
        runbook,
    };
}

/**
 * An edge read by a mid tier. Verify reaches only the top Query's API (a mid tier serves gRPC to the
 * top alone), whose stores list the group, not the edge: the group must be there without error and
 * announce the edge's cluster. A Query announces the label sets of every store it may query
 * (pkg/store/proxy.go LabelSet), kept from the store's last successful Info call: a missing cluster
 * means the mid tier has not reached the edge since it started. An edge that answered once and
 * went silent since still shows: the `up` line (its series through the top Query) says whether it
 * answers now.
 */
function decideTieredEdge(
    edge: VerifyEdge,
    tier: VerifyTier,
    view: StoresView,
    byName: Map<string, EndpointStatus>,
): CheckResult {
    const check = `stores ${edge.clusterName}`;
    const endpoint = view.queryEndpoints.find((e) => e.address === edge.queryEndpoint);
    const what = `${edge.queryEndpoint} (${endpoint?.source ?? `${edge.clusterName} Thanos Query, stack ${edge.stack}`}), read by mid-tier Query ${tier.name}`;
    const status = byName.get(storeName({ address: tier.address, group: true }));
    const problem =
        status === undefined
            ? `${tier.name} is not in Query's stores (the top Query never reached it)`
            : status.lastError !== null
              ? `${tier.name}: ${status.lastError}`
              : !clustersAnnounced(status).includes(edge.clusterName)
                ? `${tier.name} announces no cluster ${edge.clusterName} (it has not reached this edge's Query since it started)`
                : undefined;
    if (problem !== undefined)
        return failing(
            check,
            [`${what}: ${problem}`],
            1,
            status === undefined || status.lastError !== null ? RUNBOOKS.tier : RUNBOOKS.tieredEdge,
        );
    return {
        status: "PASS",
        check,
        detail: `announced by mid-tier Query ${tier.name}, which is healthy in Query (its series: the up line)`,
    };
}

/**
 * A mid tier as the top Query sees it: the group is in its stores without error and announces
 * only its own edges' clusters. An edge it does not announce fails that edge's line, not this one.
 */
function decideTier(tier: VerifyTier, view: StoresView, byName: Map<string, EndpointStatus>): CheckResult {
    const check = `stores ${tier.name}`;
    const name = storeName({ address: tier.address, group: true });
    const count = tier.endpoints.length;
    const what = `${name} (mid-tier Query of ${count} edge${count === 1 ? "" : "s"})`;
    const status = byName.get(name);
    if (status === undefined)
        return failing(check, [`${what}: not in Query's stores (the top Query never reached it)`], 1, RUNBOOKS.tier);
    if (status.lastError !== null) return failing(check, [`${what}: ${status.lastError}`], 1, RUNBOOKS.tier);
    // The edges verify knows (their outputs): with --outputs, perhaps not all of the group's.
    const edges = view.edges.filter((e) => tier.endpoints.includes(e.queryEndpoint));
    const announced = clustersAnnounced(status);
    const strangers = announced.filter((c) => !edges.some((e) => e.clusterName === c));
    if (edges.length === tier.endpoints.length && strangers.length > 0)
        return failing(
            check,
            [`${what}: announces cluster ${strangers.join(", ")}, not one of its edges'`],
            1,
            RUNBOOKS.tier,
        );
    const missing = edges.filter((e) => !announced.includes(e.clusterName)).map((e) => e.clusterName);
    return {
        status: "PASS",
        check,
        detail:
            `healthy in Query, announces ${edges.length - missing.length}/${edges.length} of its edges' clusters` +
            (missing.length > 0 ? ` (not ${missing.join(", ")}: see their stores lines)` : ""),
    };
}

/**
 * One result per cluster (central first, then each edge), then one per mid tier: every endpoint
 * the top Query was configured with is in its stores with no error. At two tiers an edge's line
 * judges it through its group (decideTieredEdge). An edge whose published Query is missing from
 * the central stack's `queryEndpoints` fails too: the central stack was not updated after it.
 * `only` (an edge's cluster) keeps that edge's line alone.
 */
export function decideStores(statuses: EndpointStatus[], view: StoresView, only?: string): CheckResult[] {
    const { centralCluster, edges, queryEndpoints: configured, queryTiers: tiers } = view;
    const byName = new Map(statuses.map((s) => [s.name, s]));
    const readByTiers = new Set(tiers.flatMap((t) => t.endpoints));
    const top = configured.filter((e) => !readByTiers.has(e.address));
    const clusters = [centralCluster, ...edges.map((e) => e.clusterName)].filter(
        (c) => only === undefined || c === only,
    );
    const lines = clusters.map((cluster) => {
        const edge = edges.find((e) => e.clusterName === cluster);
        const tier = edge && tiers.find((t) => t.endpoints.includes(edge.queryEndpoint));
        if (edge && tier) return decideTieredEdge(edge, tier, view, byName);
        // The central cluster's own StoreAPIs (its sidecars, Store Gateway, Ruler), or one edge's Query.
        const mine = top.filter((e) =>
            edge
                ? e.address === edge.queryEndpoint
                : e.group !== true && !edges.some((x) => x.queryEndpoint === e.address),
        );
        const unlisted = (edge ? [edge.queryEndpoint] : []).filter((a) => !configured.some((e) => e.address === a));
        const problems = [
            ...unlisted.map(
                (a) =>
                    `${a} (${cluster} Thanos Query, stack ${edge!.stack}): not in the central stack's queryEndpoints`,
            ),
            ...mine.flatMap((e) => problemOf(e, byName.get(storeName(e)), cluster) ?? []),
        ];
        const check = `stores ${cluster}`;
        if (mine.length === 0 && unlisted.length === 0)
            return {
                status: "FAIL" as const,
                check,
                detail: "no endpoint of this cluster is configured",
                runbook: RUNBOOKS.stores,
            };
        if (problems.length > 0)
            return failing(
                check,
                problems,
                mine.length + unlisted.length,
                unlisted.length > 0 ? RUNBOOKS.storesUnlisted : RUNBOOKS.stores,
            );
        return { status: "PASS" as const, check, detail: `${mine.length}/${mine.length} endpoints healthy in Query` };
    });
    return [...lines, ...(only === undefined ? tiers.map((t) => decideTier(t, view, byName)) : [])];
}
