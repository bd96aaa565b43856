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
import { CheckResult, VerifyEdge } from "./types";
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

/** The cluster each configured endpoint belongs to: edges by their published Query address. */
function clusterOf(endpoint: QueryEndpoint, edges: VerifyEdge[], centralCluster: string): string {
    const edge = edges.find((e) => e.queryEndpoint === endpoint.address);
    if (edge) return edge.clusterName;
    // The central cluster's own StoreAPIs (its sidecars, Store Gateway, Ruler).
    return centralCluster;
}

function problemOf(endpoint: QueryEndpoint, status: EndpointStatus | undefined, cluster: string): string | undefined {
    const what = `${endpoint.address} (${endpoint.source})`;
    if (status === undefined) return `${what}: not in Query's stores (Query never reached it)`;
    if (status.lastError !== null) return `${what}: ${status.lastError}`;
    // A sidecar announces its Prometheus' external labels, an edge's Query those of every sidecar it
    // reads: another cluster's means a wrong address.
    if (status.componentType === "sidecar" || status.componentType === "query") {
        const clusters = [...new Set(status.labelSets.map((l) => l.cluster).filter((c) => c !== undefined))];
        if (!clusters.includes(cluster))
            return `${what}: announces cluster ${clusters.length > 0 ? clusters.join(", ") : "(none)"}, expected ${cluster}`;
    }
    return undefined;
}

/**
 * One result per cluster (central first, then each edge): every configured endpoint of that
 * cluster is in Query's stores with no error. An edge whose published Query is missing from the
 * central stack's `queryEndpoints` fails too: the central stack was not updated after it.
 */
export function decideStores(
    statuses: EndpointStatus[],
    configured: QueryEndpoint[],
    edges: VerifyEdge[],
    centralCluster: string,
    only?: string,
): CheckResult[] {
    const byName = new Map(statuses.map((s) => [s.name, s]));
    const clusters = [centralCluster, ...edges.map((e) => e.clusterName)].filter(
        (c) => only === undefined || c === only,
    );
    return clusters.map((cluster) => {
        const mine = configured.filter((e) => clusterOf(e, edges, centralCluster) === cluster);
        const edge = edges.find((e) => e.clusterName === cluster);
        const unlisted = (edge ? [edge.queryEndpoint] : []).filter((a) => !configured.some((e) => e.address === a));
        const problems = [
            ...unlisted.map(
                (a) =>
                    `${a} (${cluster} Thanos Query, stack ${edge!.stack}): not in the central stack's queryEndpoints`,
            ),
            ...mine.flatMap((e) => problemOf(e, byName.get(e.address), cluster) ?? []),
        ];
        const check = `stores ${cluster}`;
        if (mine.length === 0 && unlisted.length === 0)
            return {
                status: "FAIL",
                check,
                detail: "no endpoint of this cluster is configured",
                runbook: RUNBOOKS.stores,
            };
        if (problems.length > 0)
            return {
                status: "FAIL",
                check,
                detail: `${problems.length}/${mine.length + unlisted.length} endpoints failing: ${problems.join("; ")}`,
                runbook: unlisted.length > 0 ? RUNBOOKS.storesUnlisted : RUNBOOKS.stores,
            };
        return { status: "PASS", check, detail: `${mine.length}/${mine.length} endpoints healthy in Query` };
    });
}
