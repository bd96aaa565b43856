// Caches of the Thanos components, as rendered: the Store Gateway's and the query-frontend's memory
// limits must cover the caches they hold in memory, and every cache config document must be one
// Thanos reads (checked against the pinned version's schemas).

import { parsePrometheusSize, parseStorageQuantity } from "../../config/units";
import { Finding, RenderedPlan, thanosContainers } from "./renderedPlan";

type Flags = Map<string, (string | undefined)[]>;

/** Thanos sizes (250MB, 2GB, 1GiB, or a byte count): powers of 1024 either way. */
function thanosBytes(size: unknown): number | undefined {
    if (typeof size === "number") return size;
    if (typeof size !== "string") return undefined;
    return /^[0-9]+$/.test(size) ? Number(size) : parsePrometheusSize(size.replace(/iB$/, "B"));
}

function jsonFlag(flags: Flags, name: string): Record<string, any> | undefined {
    const value = flags.get(name)?.[0];
    if (value === undefined) return undefined;
    try {
        return JSON.parse(value) as Record<string, any>;
    } catch {
        return undefined;
    }
}

/** Bytes an in-memory cache config may hold (0 for a cache held elsewhere, e.g. memcached). */
function inMemoryBytes(doc: Record<string, any> | undefined, fallback: number): number {
    if (doc === undefined) return 0;
    if (String(doc.type).toUpperCase() !== "IN-MEMORY") return 0;
    return thanosBytes(doc.config?.max_size) ?? fallback;
}

/** What the caches of one Thanos container may hold in memory, by cache, from its flags. */
export function inMemoryCaches(component: string, flags: Flags): Record<string, number> {
    const MB = 1024 ** 2;
    if (component === "store") {
        const indexConfig = jsonFlag(flags, "index-cache.config");
        return {
            // --index-cache-size is ignored once --index-cache.config is given (Thanos' help); its default is 250MB.
            "index cache":
                indexConfig !== undefined
                    ? inMemoryBytes(indexConfig, 250 * MB)
                    : (thanosBytes(flags.get("index-cache-size")?.[0]) ?? 250 * MB),
            "chunk pool": thanosBytes(flags.get("chunk-pool-size")?.[0]) ?? 2048 * MB,
            "caching bucket": inMemoryBytes(jsonFlag(flags, "store.caching-bucket.config"), 1024 * MB),
        };
    }
    if (component === "query-frontend") {
        // The in-memory response cache's default max_size is 100MB (pkg/queryfrontend/config.go).
        return {
            "results cache": inMemoryBytes(jsonFlag(flags, "query-range.response-cache-config"), 100 * MB),
            "labels cache": inMemoryBytes(jsonFlag(flags, "labels.response-cache-config"), 100 * MB),
        };
    }
    return {};
}

/** The Store Gateway's and query-frontend's memory limit must exceed everything their caches may hold. */
export function checkCacheMemory(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    for (const { object, container, component, flags } of thanosContainers(plan)) {
        const caches = inMemoryCaches(component, flags);
        const names = Object.keys(caches);
        if (names.length === 0) continue;
        const total = Object.values(caches).reduce((a, b) => a + b, 0);
        const limit = parseStorageQuantity(container.resources?.limits?.memory ?? "");
        if (limit === undefined || limit <= total) {
            findings.push({
                severity: "error",
                stack: plan.stack,
                object: `${object.kind}/${object.metadata?.namespace}/${object.metadata?.name}`,
                field: "spec.template.spec.containers[0].resources.limits.memory",
                message: `must exceed its in-memory caches (${names.join(", ")}: ${Math.ceil(total / 1024 ** 2)}Mi together), or it is OOM-killed once they fill`,
            });
        }
    }
    return findings;
}
