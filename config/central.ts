// Settings of the central stack's Thanos control plane (the `central` config object), validated
// with the same rules engine as the rest of the stack config.

import { AlertRoutingSettings, readAlertRouting } from "./alertRouting";
import { Reader } from "./reader";
import { HOUR_MS, bucketNameProblem, isDns1123Label, parseIPv4Cidr, parsePrometheusSize } from "./units";

const DAY_MS = 24 * HOUR_MS;
/** The compactor downsamples raw blocks older than 40h to 5m, and 5m blocks older than 10d to 1h. */
const RAW_RETENTION_FLOOR_MS = 40 * HOUR_MS;
const FIVE_MINUTE_RETENTION_FLOOR_MS = 10 * DAY_MS;

export interface CentralSettings {
    /** Pulumi organization of the edge stacks (`<org>/thanos-multicluster/<stack>`). */
    organization: string;
    /** Edge stack names; each one's outputs wire its sidecars into Query. */
    edgeStacks: string[];
    /** Cluster DNS domain, for in-cluster SRV lookups. */
    clusterDomain: string;
    /** Source CIDRs allowed to reach Query (9090) and Grafana (3000) on the central LoadBalancer address. */
    uiSourceRanges: string[];
    query: {
        replicas: number;
        /** `--query.timeout`: the whole query. */
        timeout: string;
        /** `--store.response-timeout`: one store's silence before it is dropped from a (partial) answer. */
        storeResponseTimeout: string;
        /** `--query.max-concurrent`: queries evaluated at once per replica; more wait in line. */
        maxConcurrent: number;
        /** `--store.limits.request-series`: series one query may fetch from one store (0: no limit). */
        requestSeriesLimit: number;
        /** `--store.limits.request-samples`: samples one query may fetch from one store (0: no limit). */
        requestSamplesLimit: number;
    };
    queryFrontend: QueryFrontendSettings;
    storeGateway: {
        replicas: number;
        /** `--index-cache-size` (in-memory index cache). */
        indexCacheSize: string;
        /** `--chunk-pool-size`. */
        chunkPoolSize: string;
        /** In-memory caching bucket (`--store.caching-bucket.config`): chunks, object attributes and meta files. */
        cachingBucketSize: string;
        storageSize: string;
    };
    compactor: {
        retentionRaw: string;
        retention5m: string;
        retention1h: string;
        /** `--delete-delay`; the store gateway ignores deletion marks after half of it. */
        deleteDelay: string;
        /** Half of deleteDelay, as a duration in whole minutes. */
        ignoreDeletionMarksDelay: string;
        storageSize: string;
    };
    ruler: {
        replicas: number;
        evaluationInterval: string;
        /** Local TSDB retention of the Ruler's own blocks (it uploads them too). */
        retention: string;
        storageSize: string;
    };
    /** Alertmanager HA, and its routes and receivers (config/alertRouting.ts). */
    alertmanager: { replicas: number; storageSize: string } & AlertRoutingSettings;
    grafana: { storageSize: string };
    buckets: {
        /** Whether this stack creates the MinIO buckets (through @pulumi/aws). */
        manage: boolean;
        /** Region the S3 API is addressed with; MinIO answers to any, us-east-1 by default. */
        region: string;
        longhornBackups: string;
        opensearchLogs: string;
        /**
         * Buckets that already exist: adopted with Pulumi's import (and never deleted by this
         * program) instead of created. Must hold the metrics bucket while `manage` is true.
         */
        existing: string[];
    };
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

function formatMinutes(ms: number): string {
    const minutes = Math.floor(ms / 60000);
    return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

/** Reads the `central` object; only the central stack has one. */
export function readCentral(r: Reader, metricsBucket: string | undefined): CentralSettings {
    r.object("central");
    for (const section of [
        "query",
        "queryFrontend",
        "queryFrontend.memcached",
        "storeGateway",
        "compactor",
        "ruler",
        "alertmanager",
        "grafana",
        "buckets",
    ]) {
        r.object(`central.${section}`);
    }
    const organization =
        r.string(
            "central.organization",
            "name the Pulumi organization that holds the edge stacks, e.g. miribit; with a self-managed backend (`pulumi login s3://...` or `file://...`) it is the literal `organization`",
        ) ?? "";
    if (organization !== "" && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(organization)) {
        r.problem(
            "central.organization",
            `must be a Pulumi organization name (letters, digits, '-', '_', '.'; with a self-managed backend, the literal \`organization\`); got "${organization}"`,
        );
    }
    const edgeStacks = r.stringList(
        "central.edgeStacks",
        "list the edge stacks whose sidecars Query reads, e.g. [cluster-02, cluster-03]",
    );
    for (const [i, stack] of edgeStacks.entries()) {
        if (!isDns1123Label(stack))
            r.problem(`central.edgeStacks[${i}]`, `must be a stack name such as cluster-02; got "${stack}"`);
    }
    const duplicates = edgeStacks.filter((s, i) => edgeStacks.indexOf(s) !== i);
    if (duplicates.length > 0)
        r.problem(
            "central.edgeStacks",
            `lists ${[...new Set(duplicates)].join(", ")} more than once: Query would dial each of its sidecars twice`,
        );
    const clusterDomain = r.string("central.clusterDomain", "", "cluster.local");
    const uiSourceRanges = r.stringList(
        "central.uiSourceRanges",
        "list the CIDRs allowed to reach Query and Grafana, e.g. [192.168.101.0/24]",
    );
    for (const [i, cidr] of uiSourceRanges.entries()) {
        if (parseIPv4Cidr(cidr) === undefined)
            r.problem(`central.uiSourceRanges[${i}]`, `must be an IPv4 CIDR with no host bits set; got "${cidr}"`);
    }

    const replicas = (path: string, fallback: number, minimum: number, why: string) => {
        const n = r.integer(path, fallback);
        if (n < minimum) r.problem(path, `must be at least ${minimum} (got ${n}): ${why}`);
        return n;
    };

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

    const sizeSetting = (path: string, fallback: string) => {
        const text = r.string(path, "", fallback);
        if (parsePrometheusSize(text) === undefined)
            r.problem(path, `must be a size like ${fallback} (units B, KB, MB, GB; powers of 1024); got "${text}"`);
        return text;
    };
    const count = (path: string, fallback: number, minimum: number, maximum: number, why: string) => {
        const n = r.integer(path, fallback);
        if (n < minimum || n > maximum) r.problem(path, `must be from ${minimum} to ${maximum} (got ${n}): ${why}`);
        return n;
    };

    const maxConcurrent = count(
        "central.query.maxConcurrent",
        20,
        1,
        1000,
        "queries Query evaluates at once per replica; more wait in line",
    );
    const requestSeriesLimit = count(
        "central.query.requestSeriesLimit",
        100000,
        0,
        100000000,
        "series one query may fetch from one store (0: no limit)",
    );
    const requestSamplesLimit = count(
        "central.query.requestSamplesLimit",
        20000000,
        0,
        10000000000,
        "samples one query may fetch from one store (0: no limit)",
    );
    const worstCase = maxConcurrent * requestSamplesLimit * QUERY_BYTES_PER_SAMPLE;
    if (requestSamplesLimit === 0 || worstCase > QUERY_MEMORY_LIMIT_BYTES) {
        r.problem(
            "central.query.requestSamplesLimit",
            `(${requestSamplesLimit}) times central.query.maxConcurrent (${maxConcurrent}) times ${QUERY_BYTES_PER_SAMPLE} bytes a sample must fit Query's 2Gi memory limit, and 0 (no limit) does not: one heavy dashboard would get Query OOM-killed for everyone; lower either`,
        );
    }

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
            "central.queryFrontend.replicas",
            2,
            2,
            "Grafana must keep querying through a frontend restart",
        ),
        splitInterval: splitInterval.text,
        maxRetries: count(
            "central.queryFrontend.maxRetries",
            3,
            0,
            10,
            "retries of a failed (split) request before the error is returned",
        ),
        cache: cacheText === "memcached" ? "memcached" : "in-memory",
        resultsCacheSize: sizeSetting("central.queryFrontend.resultsCacheSize", "512MB"),
        labelsCacheSize: sizeSetting("central.queryFrontend.labelsCacheSize", "128MB"),
        memcached: {
            replicas: count(
                "central.queryFrontend.memcached.replicas",
                2,
                1,
                20,
                "memcached replicas the results are spread over",
            ),
            memory: sizeSetting("central.queryFrontend.memcached.memory", "1GB"),
        },
    };
    const memcachedMemory = parsePrometheusSize(queryFrontend.memcached.memory);
    if (memcachedMemory !== undefined && memcachedMemory < 64 * 1024 ** 2) {
        r.problem(
            "central.queryFrontend.memcached.memory",
            `(${queryFrontend.memcached.memory}) must be at least 64MB: memcached needs room for several 5MB items per slab class`,
        );
    }

    const retentionRaw = r.duration("central.compactor.retentionRaw", "30d", "30d");
    const retention5m = r.duration("central.compactor.retention5m", "90d", "90d");
    const retention1h = r.duration("central.compactor.retention1h", "1y", "1y");
    // 0d keeps a resolution forever.
    const forever = (ms: number | undefined) => (ms === 0 ? Infinity : ms);
    const raw = forever(retentionRaw.ms);
    const fiveMinutes = forever(retention5m.ms);
    const oneHour = forever(retention1h.ms);
    if (raw !== undefined && raw < RAW_RETENTION_FLOOR_MS) {
        r.problem(
            "central.compactor.retentionRaw",
            `(${retentionRaw.text}) must be at least 40h: the compactor downsamples raw blocks only once they are 40h old, so a shorter raw retention deletes them before any 5m data exists`,
        );
    }
    if (fiveMinutes !== undefined && fiveMinutes < FIVE_MINUTE_RETENTION_FLOOR_MS) {
        r.problem(
            "central.compactor.retention5m",
            `(${retention5m.text}) must be at least 10d: 5m blocks are downsampled to 1h only once they are 10 days old`,
        );
    }
    if (raw !== undefined && fiveMinutes !== undefined && fiveMinutes < raw) {
        r.problem(
            "central.compactor.retention5m",
            `(${retention5m.text}) must not be shorter than central.compactor.retentionRaw (${retentionRaw.text}): zoomed-out queries would find less history than zoomed-in ones`,
        );
    }
    if (fiveMinutes !== undefined && oneHour !== undefined && oneHour < fiveMinutes) {
        r.problem(
            "central.compactor.retention1h",
            `(${retention1h.text}) must not be shorter than central.compactor.retention5m (${retention5m.text})`,
        );
    }
    const deleteDelay = r.duration("central.compactor.deleteDelay", "48h", "48h");
    if (deleteDelay.ms !== undefined && deleteDelay.ms < 2 * HOUR_MS) {
        r.problem(
            "central.compactor.deleteDelay",
            `(${deleteDelay.text}) must be at least 2h: store gateways and queriers still read a block for a while after the compactor marks it deleted`,
        );
    }

    const manageBuckets = r.boolean("central.buckets.manage", true);
    const longhornBackups = r.string("central.buckets.longhornBackups", "", "longhorn-backups");
    const opensearchLogs = r.string("central.buckets.opensearchLogs", "", "opensearch-logs");
    for (const [key, bucket] of [
        ["central.buckets.longhornBackups", longhornBackups],
        ["central.buckets.opensearchLogs", opensearchLogs],
    ]) {
        const problem = bucketNameProblem(bucket);
        if (problem !== undefined) r.problem(key, problem);
    }
    const buckets = [metricsBucket, longhornBackups, opensearchLogs].filter((b): b is string => b !== undefined);
    if (new Set(buckets).size !== buckets.length) {
        r.problem(
            "central.buckets",
            `metrics (${metricsBucket}), Longhorn backups (${longhornBackups}) and OpenSearch logs (${opensearchLogs}) must be three different buckets: the compactor deletes whatever it does not recognise as a block`,
        );
    }
    const existing = r.stringList("central.buckets.existing", "", []);
    for (const [i, bucket] of existing.entries()) {
        if (!buckets.includes(bucket))
            r.problem(
                `central.buckets.existing[${i}]`,
                `("${bucket}") is not one of this program's buckets (${buckets.join(", ")}): list only those to adopt`,
            );
    }
    if (new Set(existing).size !== existing.length)
        r.problem("central.buckets.existing", "lists a bucket more than once");
    if (manageBuckets && metricsBucket !== undefined && !existing.includes(metricsBucket)) {
        r.problem(
            "central.buckets.existing",
            `must list the metrics bucket ${metricsBucket} while central.buckets.manage is true: the edges deploy before this stack and their sidecars upload to it, and an edge has no key that could create it; create it first (\`mc mb --ignore-existing <alias>/${metricsBucket}\`) and add it here so this stack adopts it`,
        );
    }

    return {
        organization,
        edgeStacks,
        clusterDomain,
        uiSourceRanges,
        query: {
            replicas: replicas(
                "central.query.replicas",
                2,
                2,
                "Grafana and the Ruler must keep querying through a Query restart",
            ),
            timeout: queryTimeout.text,
            storeResponseTimeout: storeResponseTimeout.text,
            maxConcurrent,
            requestSeriesLimit,
            requestSamplesLimit,
        },
        queryFrontend,
        storeGateway: {
            replicas: replicas(
                "central.storeGateway.replicas",
                2,
                2,
                "history older than local retention must stay queryable through a restart",
            ),
            indexCacheSize: sizeSetting("central.storeGateway.indexCacheSize", "1GB"),
            chunkPoolSize: sizeSetting("central.storeGateway.chunkPoolSize", "2GB"),
            cachingBucketSize: sizeSetting("central.storeGateway.cachingBucketSize", "512MB"),
            storageSize: r.storageSize("central.storeGateway.storageSize", "20Gi"),
        },
        compactor: {
            retentionRaw: retentionRaw.text,
            retention5m: retention5m.text,
            retention1h: retention1h.text,
            deleteDelay: deleteDelay.text,
            ignoreDeletionMarksDelay: deleteDelay.ms === undefined ? "24h" : formatMinutes(deleteDelay.ms / 2),
            storageSize: r.storageSize("central.compactor.storageSize", "50Gi"),
        },
        ruler: {
            replicas: replicas("central.ruler.replicas", 2, 2, "alerts must keep firing through a Ruler restart"),
            evaluationInterval: r.duration("central.ruler.evaluationInterval", "30s", "30s").text,
            retention: r.duration("central.ruler.retention", "2d", "2d").text,
            storageSize: r.storageSize("central.ruler.storageSize", "10Gi"),
        },
        alertmanager: {
            replicas: replicas(
                "central.alertmanager.replicas",
                3,
                3,
                "the gossip cluster must still be a pair after losing one replica",
            ),
            storageSize: r.storageSize("central.alertmanager.storageSize", "2Gi"),
            ...readAlertRouting(r),
        },
        grafana: { storageSize: r.storageSize("central.grafana.storageSize", "10Gi") },
        buckets: {
            manage: manageBuckets,
            region: r.string("central.buckets.region", "", "us-east-1"),
            longhornBackups,
            opensearchLogs,
            existing,
        },
    };
}
