// The central cluster's Queries as a tree (components/thanosQuery/tiers.ts): the top Query (pods
// labelled component=query) and the mid-tier Queries it reads as HA groups through their Services.
// What must hold at any number of edges: every edge reachable exactly once through the tiers, no
// Query reading more edges than central.query.maxEdgesPerQuery, each group read by the top as one
// strict group, and a mid tier giving up on a silent edge before the top gives up on the group.

import { DEFAULT_MAX_EDGES_PER_QUERY } from "../../config/centralQuery";
import { parseDuration } from "../../config/units";
import { Finding, RenderedPlan, objectName, setting, thanosContainers } from "./renderedPlan";
import { readDocument } from "./thanosConfigs";

type Manifest = Record<string, any>;

/** One Query of a plan and the endpoint file it reads. */
export interface QueryReader {
    object: Manifest;
    container: Manifest;
    flags: Map<string, (string | undefined)[]>;
    /** Deployment/monitoring/thanos-query, ... */
    name: string;
    /** The top Query: the one whose pods carry app.kubernetes.io/component=query. */
    top: boolean;
    /** Where its endpoint file comes from, for findings. */
    where: string;
    endpoints: Manifest[];
}

/** Every Query of the plan, the top first. */
export function queryReaders(plan: RenderedPlan): QueryReader[] {
    const readers = thanosContainers(plan)
        .filter((t) => t.component === "query")
        .map(({ object, container, flags }) => {
            const file = readDocument(plan, object, container, flags, "endpoint.sd-config");
            const labels: Record<string, string> = object.spec?.template?.metadata?.labels ?? {};
            return {
                object,
                container,
                flags,
                name: objectName(object),
                top: labels["app.kubernetes.io/component"] === "query",
                where: file?.where ?? "--endpoint.sd-config-file",
                endpoints: ((file?.document as { endpoints?: Manifest[] } | undefined)?.endpoints ?? []).filter(
                    (e) => e !== null && typeof e === "object",
                ),
            };
        });
    // A plan without the label (hand-made fixtures) keeps its first Query as the top.
    if (readers.length > 0 && !readers.some((r) => r.top)) readers[0].top = true;
    return [...readers.filter((r) => r.top), ...readers.filter((r) => !r.top)];
}

/** The edge addresses of each edge plan, by stack (what the edge publishes for the central Queries). */
export function edgeAddresses(plans: RenderedPlan[]): Map<string, string[]> {
    return new Map(
        plans
            .filter((p) => p.outputs.role === "edge" && typeof p.outputs.queryEndpoint === "string")
            .map((p) => [p.stack, [p.outputs.queryEndpoint as string]]),
    );
}

/** The mid-tier Query a Service name resolves to: the Query whose pods its selector picks. */
function readerBehind(plan: RenderedPlan, address: string, readers: QueryReader[]): QueryReader | undefined {
    const host = address.replace(/:\d+$/, "");
    const [serviceName, namespace] = host.split(".");
    const service = plan.manifests.find(
        (o) => o.kind === "Service" && o.metadata?.name === serviceName && o.metadata?.namespace === namespace,
    );
    const selector: Record<string, string> | undefined = service?.spec?.selector;
    if (selector === undefined) return undefined;
    return readers.find((r) => {
        const labels: Record<string, string> = r.object.spec?.template?.metadata?.labels ?? {};
        return Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
}

function ms(duration: string | undefined): number | undefined {
    return duration === undefined ? undefined : parseDuration(duration);
}

export function checkQueryTiers(central: RenderedPlan, plans: RenderedPlan[]): Finding[] {
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string) =>
        findings.push({ severity: "error", stack: central.stack, object, field, message });
    const readers = queryReaders(central);
    const top = readers.find((r) => r.top);
    if (top === undefined) return findings;
    const max = setting(central, "central")?.query?.maxEdgesPerQuery ?? DEFAULT_MAX_EDGES_PER_QUERY;

    // Each edge through exactly one Query; each Query within the maximum.
    const edges = edgeAddresses(plans);
    const stackOf = new Map([...edges].flatMap(([stack, addresses]) => addresses.map((a) => [a, stack] as const)));
    const readersOf = new Map<string, string[]>();
    for (const reader of readers) {
        const read = new Set<string>();
        for (const endpoint of reader.endpoints) {
            const stack = stackOf.get(endpoint.address);
            if (stack === undefined) continue;
            read.add(stack);
            readersOf.set(endpoint.address, [...(readersOf.get(endpoint.address) ?? []), reader.name]);
        }
        if (read.size > max)
            add(
                reader.name,
                reader.where,
                `reads ${read.size} edges, over central.query.maxEdgesPerQuery (${max}): Query waits for the slowest of them on every query`,
            );
    }
    for (const [stack, addresses] of edges) {
        for (const address of addresses) {
            const by = readersOf.get(address) ?? [];
            if (by.length > 1)
                add(
                    by[1],
                    "--endpoint.sd-config-file",
                    `${stack}'s ${address} is read by ${by.join(" and ")}: the top would fetch it twice`,
                );
        }
    }

    // The top reads every mid tier once, as a strict group; a mid tier is read only by the top.
    const mids = readers.filter((r) => !r.top);
    const readMids = new Map<QueryReader, number>();
    for (const endpoint of top.endpoints.filter((e) => e.group === true)) {
        const mid = readerBehind(central, String(endpoint.address), mids);
        if (mid === undefined) {
            add(top.name, top.where, `group ${endpoint.address} is no mid-tier Query's Service in this stack`);
            continue;
        }
        readMids.set(mid, (readMids.get(mid) ?? 0) + 1);
        if (endpoint.strict !== true)
            add(
                top.name,
                top.where,
                `group ${endpoint.address} must be strict, or a mid tier that is down silently removes its edges from results`,
            );
    }
    const topTimeout = ms(top.flags.get("store.response-timeout")?.[0]);
    for (const mid of mids) {
        const times = readMids.get(mid) ?? 0;
        if (times !== 1)
            add(
                mid.name,
                "(reader)",
                times === 0
                    ? "no Query reads this mid tier: its edges are unreachable"
                    : `the top Query reads it ${times} times`,
            );
        const midTimeout = ms(mid.flags.get("store.response-timeout")?.[0]);
        if (midTimeout === undefined || topTimeout === undefined || midTimeout === 0 || midTimeout >= topTimeout)
            add(
                mid.name,
                "--store.response-timeout",
                `must be non-zero and below the top Query's (${top.flags.get("store.response-timeout")?.[0]}): the mid tier must drop a silent edge before the top drops the whole group`,
            );
    }
    return findings;
}
