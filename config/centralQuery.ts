// Query and its query-frontend on the central cluster (`central.query`, `central.queryFrontend`):
// timeouts, the per-query limits that keep Query within its memory, and the frontend's results cache.

import { Reader } from "./reader";
import { count, replicas, sizeSetting } from "./quantities";
import { parsePrometheusSize } from "./units";

export interface QuerySettings {
    replicas: number;
    /** `--query.timeout`: the whole query. */
    timeout: string;
    /** `--store.response-timeout`: one store's silence before it is dropped from a (partial) answer. */
    storeResponseTimeout: string;
    /** `--query.max-concurrent`: queries evaluated at once per replica; more wait in line. */
    maxConcurrent: number;
    /**
     * `--store.limits.request-series`: series one select may fetch, summed over every store Query
     * fans out to (0: no limit). Thanos wraps its whole proxy in the limiter (cmd/thanos/query.go,
     * pkg/store/limiter.go): the bound is per select, not per store.
     */
    requestSeriesLimit: number;
    /** `--store.limits.request-samples`: samples one select may fetch, summed over every store (0: no limit). */
    requestSamplesLimit: number;
    /** Edges one Query reads at most; past it, edges are read through mid-tier Queries (docs/architecture.md). */
    maxEdgesPerQuery: number;
    /**
     * `--store.response-timeout` of the mid-tier Queries: half the top's, so a mid tier drops its
     * slow edge (a partial answer) before the top would drop the whole group.
     */
    tierStoreResponseTimeout: string;
}

/** The query-frontend in front of Query (Grafana's datasource). */
export interface QueryFrontendSettings {
    replicas: number;
    /** `--query-range.split-interval` and `--labels.split-interval`: range queries are split (and cached) by this. */
    splitInterval: string;
    /** `--query-range.max-retries-per-request` and `--labels.max-retries-per-request`. */
    maxRetries: number;
    /** Where results are cached: in each frontend's memory, or in a memcached the program deploys. */
    cache: "in-memory" | "memcached";
    /** In-memory results cache per replica (range queries), and the labels and series cache. */
    resultsCacheSize: string;
    labelsCacheSize: string;
    /** The memcached (cache: memcached): replicas and item memory per replica (`memcached -m`). */
    memcached: { replicas: number; memory: string };
}

/** Bytes Query may hold for one sample of a Series response (raw chunk bytes plus decoding), for the limits rule. */
export const QUERY_BYTES_PER_SAMPLE = 2;
/** Query's memory limit, in bytes (the limits rule keeps max-concurrent x request-samples within it). */
export const QUERY_MEMORY_LIMIT_BYTES = 2 * 1024 ** 3;

/** Edges one Query reads by default: past it, Query waits on a WAN fan-out it cannot bound (docs/architecture.md). */
export const DEFAULT_MAX_EDGES_PER_QUERY = 25;
/** The highest `central.query.maxEdgesPerQuery` accepted: beyond it a single Query is the problem the tiers solve. */
export const MAX_EDGES_PER_QUERY_CEILING = 200;

/** Half a duration, as Thanos' model.Duration reads it (whole seconds where it can, milliseconds otherwise). */
export function halfDuration(ms: number): string {
    const half = Math.max(1, Math.floor(ms / 2));
    return half % 1000 === 0 ? `${half / 1000}s` : `${half}ms`;
}

/** `central.query` but its replicas (read with the other components' replica counts): timeouts and limits. */
export function readQueryLimits(r: Reader): Omit<QuerySettings, "replicas"> {
    const queryTimeout = r.duration("central.query.timeout", "2m", "2m");
    const storeResponseTimeout = r.duration("central.query.storeResponseTimeout", "1m", "1m");
    if (
        queryTimeout.ms !== undefined &&
        storeResponseTimeout.ms !== undefined &&
        queryTimeout.ms <= storeResponseTimeout.ms
    ) {
        r.problem(
            "central.query.timeout",
            `(${queryTimeout.text}) must be above central.query.storeResponseTimeout (${storeResponseTimeout.text}): otherwise a slow edge times the whole query out instead of being dropped from a partial answer`,
        );
    }
    if (storeResponseTimeout.ms === 0) {
        r.problem(
            "central.query.storeResponseTimeout",
            "must not be 0 (no timeout): one unreachable edge would hang every query until central.query.timeout",
        );
    }

    const maxConcurrent = count(
        r,
        "central.query.maxConcurrent",
        20,
        1,
        1000,
        "queries Query evaluates at once per replica; more wait in line",
    );
    const requestSeriesLimit = count(
        r,
        "central.query.requestSeriesLimit",
        100000,
        0,
        100000000,
        "series one select may fetch, summed over every store Query reads (0: no limit)",
    );
    const requestSamplesLimit = count(
        r,
        "central.query.requestSamplesLimit",
        20000000,
        0,
        10000000000,
        "samples one select may fetch, summed over every store Query reads (0: no limit)",
    );
    const worstCase = maxConcurrent * requestSamplesLimit * QUERY_BYTES_PER_SAMPLE;
    if (requestSamplesLimit === 0 || worstCase > QUERY_MEMORY_LIMIT_BYTES) {
        r.problem(
            "central.query.requestSamplesLimit",
            `(${requestSamplesLimit}) times central.query.maxConcurrent (${maxConcurrent}) times ${QUERY_BYTES_PER_SAMPLE} bytes a sample must fit Query's 2Gi memory limit, and 0 (no limit) does not: one heavy dashboard would get Query OOM-killed for everyone; lower either`,
        );
    }
    const maxEdgesPerQuery = count(
        r,
        "central.query.maxEdgesPerQuery",
        DEFAULT_MAX_EDGES_PER_QUERY,
        2,
        MAX_EDGES_PER_QUERY_CEILING,
        "edges one Query reads directly; past it the edges are grouped under mid-tier Queries of at most this many edges each",
    );
    return {
        timeout: queryTimeout.text,
        storeResponseTimeout: storeResponseTimeout.text,
        maxConcurrent,
        requestSeriesLimit,
        requestSamplesLimit,
        maxEdgesPerQuery,
        tierStoreResponseTimeout: halfDuration(storeResponseTimeout.ms ?? 60000),
    };
}

/** `central.queryFrontend`. */
export function readQueryFrontend(r: Reader): QueryFrontendSettings {
    const cacheText = r.string("central.queryFrontend.cache", "", "in-memory");
    if (cacheText !== "in-memory" && cacheText !== "memcached") {
        r.problem(
            "central.queryFrontend.cache",
            `must be in-memory (each frontend replica caches results itself) or memcached (a shared cache this stack deploys); got "${cacheText}"`,
        );
    }
    const splitInterval = r.duration("central.queryFrontend.splitInterval", "24h", "24h");
    if (splitInterval.ms === 0)
        r.problem(
            "central.queryFrontend.splitInterval",
            "must not be 0: Thanos requires a split interval for the results cache to be used",
        );
    const queryFrontend: QueryFrontendSettings = {
        replicas: replicas(
            r,
            "central.queryFrontend.replicas",
            2,
            2,
            "Grafana must keep querying through a frontend restart",
        ),
        splitInterval: splitInterval.text,
        maxRetries: count(
            r,
            "central.queryFrontend.maxRetries",
            3,
            0,
            10,
            "retries of a failed (split) request before the error is returned",
        ),
        cache: cacheText === "memcached" ? "memcached" : "in-memory",
        resultsCacheSize: sizeSetting(r, "central.queryFrontend.resultsCacheSize", "512MB"),
        labelsCacheSize: sizeSetting(r, "central.queryFrontend.labelsCacheSize", "128MB"),
        memcached: {
            replicas: count(
                r,
                "central.queryFrontend.memcached.replicas",
                2,
                1,
                20,
                "memcached replicas the results are spread over",
            ),
            memory: sizeSetting(r, "central.queryFrontend.memcached.memory", "1GB"),
        },
    };
    const memcachedMemory = parsePrometheusSize(queryFrontend.memcached.memory);
    if (memcachedMemory !== undefined && memcachedMemory < 64 * 1024 ** 2) {
        r.problem(
            "central.queryFrontend.memcached.memory",
            `(${queryFrontend.memcached.memory}) must be at least 64MB: memcached needs room for several 5MB items per slab class`,
        );
    }
    return queryFrontend;
}
