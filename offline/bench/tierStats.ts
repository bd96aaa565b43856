// What the benchmark reports of the central Queries at each size, read from the rendered plans:
// how many edge endpoints each Query reads (top and mid tiers), the largest fan-out, the TLS
// connections over the WAN, the Query pods one edge's CA change rolls, and the largest ConfigMap.

import { configObjectBytes } from "../checks/scale";
import { RenderedPlan, objectName } from "../checks/renderedPlan";
import { edgeAddresses, queryReaders } from "../checks/queryTiers";

export interface TierStats {
    /** Mid-tier groups (0: one tier). */
    groups: number;
    /** Edge endpoints the top Query reads directly. */
    topEdgeEndpoints: number;
    /** Edge endpoints per mid-tier Query: fewest and most. */
    midEdgeEndpoints: { min: number; max: number } | undefined;
    /** The most endpoints any one Query reads (edges, groups, local stores). */
    largestFanOut: number;
    /** TLS connections from the central cluster to the edges: each replica of a Query dials each of its TLS endpoints. */
    wanTlsConnections: number;
    /** Query pods that mount one edge's CA (their checksum covers it): rolled when it changes. Most over all edges. */
    podsRolledByOneEdgeCa: number;
    /** The largest ConfigMap of every plan, and its size. */
    largestConfigMap: { name: string; stack: string; bytes: number };
}

function replicasOf(object: Record<string, any>): number {
    return object.spec?.replicas ?? 1;
}

/** Stack names whose CA ConfigMaps (thanos-query-edge-ca-<stack>) a Query's pods mount. */
function mountedEdgeCas(object: Record<string, any>): string[] {
    const volumes: Record<string, any>[] = object.spec?.template?.spec?.volumes ?? [];
    return volumes.flatMap((v) =>
        ((v.projected?.sources ?? []) as Record<string, any>[]).flatMap((s) => {
            const name: string | undefined = s.configMap?.name;
            return name?.startsWith("thanos-query-edge-ca-") ? [name.slice("thanos-query-edge-ca-".length)] : [];
        }),
    );
}

export function tierStats(plans: RenderedPlan[]): TierStats {
    const central = plans.find((p) => p.outputs.role === "central");
    if (central === undefined) throw new Error("no central stack among the rendered plans");
    const readers = queryReaders(central);
    const edgeSet = new Set([...edgeAddresses(plans).values()].flat());
    const edgeCount = (r: (typeof readers)[number]) => r.endpoints.filter((e) => edgeSet.has(e.address)).length;
    const mids = readers.filter((r) => !r.top).map(edgeCount);
    const rolled = new Map<string, number>();
    for (const reader of readers) {
        const hashed = reader.object.spec?.template?.metadata?.annotations?.["checksum/edge-tls"] !== undefined;
        if (!hashed) continue;
        for (const stack of mountedEdgeCas(reader.object))
            rolled.set(stack, (rolled.get(stack) ?? 0) + replicasOf(reader.object));
    }
    let largest = { name: "(none)", stack: "", bytes: 0 };
    for (const plan of plans)
        for (const object of plan.manifests.filter((o) => o.kind === "ConfigMap")) {
            const bytes = configObjectBytes(object);
            if (bytes > largest.bytes) largest = { name: objectName(object), stack: plan.stack, bytes };
        }
    return {
        groups: mids.length,
        topEdgeEndpoints: readers.filter((r) => r.top).reduce((n, r) => n + edgeCount(r), 0),
        midEdgeEndpoints: mids.length > 0 ? { min: Math.min(...mids), max: Math.max(...mids) } : undefined,
        largestFanOut: Math.max(0, ...readers.map((r) => r.endpoints.length)),
        wanTlsConnections: readers.reduce(
            (n, r) =>
                n +
                replicasOf(r.object) *
                    r.endpoints.filter((e) => edgeSet.has(e.address) && e.client_config?.tls_config?.enabled === true)
                        .length,
            0,
        ),
        podsRolledByOneEdgeCa: Math.max(0, ...rolled.values()),
        largestConfigMap: largest,
    };
}

/** One line of the benchmark's tier table. */
export function tierRow(label: string, s: TierStats): string {
    const mid = s.midEdgeEndpoints === undefined ? "-" : `${s.midEdgeEndpoints.min}-${s.midEdgeEndpoints.max}`;
    return `| ${label} | ${s.groups === 0 ? "1" : `2 (${s.groups} mid-tier pairs)`} | ${s.topEdgeEndpoints} | ${mid} | ${s.largestFanOut} | ${s.wanTlsConnections} | ${s.podsRolledByOneEdgeCa} | ${s.largestConfigMap.name} (${s.largestConfigMap.stack}), ${(s.largestConfigMap.bytes / 1024).toFixed(1)} KiB |`;
}

export const TIER_TABLE_HEADER = [
    "| render | Query tiers | edge endpoints, top Query | edge endpoints per mid-tier Query | largest fan-out | WAN TLS connections | Query pods rolled by one edge CA | largest ConfigMap |",
    "|---|---|---|---|---|---|---|---|",
];
