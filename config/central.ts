// Settings of the central stack's Thanos control plane (the `central` config object), validated
// with the same rules engine as the rest of the stack config.

import { AlertRoutingSettings, readAlertRouting } from "./alertRouting";
import { AlertmanagerLimits, readAlertmanagerLimits } from "./alertmanagerLimits";
import { CompactorSettings, readCompactorRetention } from "./centralCompactor";
import { QueryFrontendSettings, QuerySettings, readQueryFrontend, readQueryLimits } from "./centralQuery";
import { Reader } from "./reader";
import { replicas, sizeSetting } from "./quantities";
import { bucketNameProblem, isDns1123Label, parseDuration, parseIPv4Cidr } from "./units";
import { BucketVersioningSettings, readBucketVersioning } from "./bucketVersioning";
import { ObjstoreIdentities } from "./objectStorage";

export type { QueryFrontendSettings };
export { QUERY_BYTES_PER_SAMPLE, QUERY_MEMORY_LIMIT_BYTES } from "./centralQuery";

export interface CentralSettings {
    /**
     * Pulumi organization of the edge stacks (`<org>/thanos-multicluster/<stack>`); unset, the
     * central stack's own (`pulumi.getOrganization()`, `organization` on a self-managed backend).
     */
    organization?: string;
    /** Edge stack names; each one's outputs wire its sidecars into Query. */
    edgeStacks: string[];
    /**
     * Edge stacks (of edgeStacks) whose sidecars Query may dial in plaintext, because that edge runs
     * without grpcTls. Any other edge exporting `grpcTls.enabled: false` fails the central stack.
     */
    plaintextEdges: string[];
    /** Cluster DNS domain, for in-cluster SRV lookups. */
    clusterDomain: string;
    /** Source CIDRs allowed to reach Query (9090) and Grafana (3000) on the central LoadBalancer address. */
    uiSourceRanges: string[];
    query: QuerySettings;
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
    compactor: CompactorSettings;
    ruler: {
        replicas: number;
        evaluationInterval: string;
        /** Local TSDB retention of the Ruler's own blocks (it uploads them too). */
        retention: string;
        storageSize: string;
    };
    /** Alertmanager HA, and its routes and receivers (config/alertRouting.ts). */
    alertmanager: { replicas: number; storageSize: string; limits: AlertmanagerLimits } & AlertRoutingSettings;
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
    } & BucketVersioningSettings;
}

/** Reads the `central` object; only the central stack has one. */
export function readCentral(
    r: Reader,
    metricsBucket: string | undefined,
    identities: ObjstoreIdentities = "shared",
): CentralSettings {
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
    // Unset: the central stack's own organization, where the edges are created beside it.
    const organization = r.string("central.organization", "", "");
    if (organization !== "" && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(organization)) {
        r.problem(
            "central.organization",
            `must be a Pulumi organization name (letters, digits, '-', '_', '.'; with a self-managed backend, the literal \`organization\`), or be left out for this stack's own organization; got "${organization}"`,
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
    const plaintextEdges = r.stringList("central.plaintextEdges", "", []);
    for (const [i, stack] of plaintextEdges.entries()) {
        if (!edgeStacks.includes(stack))
            r.problem(
                `central.plaintextEdges[${i}]`,
                `("${stack}") is not in central.edgeStacks (${edgeStacks.join(", ")}): list only edges this stack reads`,
            );
    }
    if (new Set(plaintextEdges).size !== plaintextEdges.length)
        r.problem("central.plaintextEdges", "lists an edge more than once");
    const clusterDomain = r.string("central.clusterDomain", "", "cluster.local");
    const uiSourceRanges = r.stringList(
        "central.uiSourceRanges",
        "list the CIDRs allowed to reach Query and Grafana, e.g. [192.168.101.0/24]",
    );
    if (uiSourceRanges.length === 0 && r.problems.every((p) => !p.includes("central.uiSourceRanges")))
        r.problem(
            "central.uiSourceRanges",
            "must not be empty: a LoadBalancer with no source range admits every client, and Query's API and Grafana would be open to anyone who can reach the address; list the CIDRs of their users, e.g. [192.168.101.0/24]",
        );
    for (const [i, cidr] of uiSourceRanges.entries()) {
        if (parseIPv4Cidr(cidr) === undefined)
            r.problem(`central.uiSourceRanges[${i}]`, `must be an IPv4 CIDR with no host bits set; got "${cidr}"`);
    }

    const queryLimits = readQueryLimits(r);
    const queryFrontend = readQueryFrontend(r);
    const compactorRetention = readCompactorRetention(r);

    const manageBuckets = r.boolean("central.buckets.manage", true);
    // Per-role identities are MinIO users this stack creates with the admin key it holds only while it manages the buckets.
    if (identities === "perRole" && !manageBuckets)
        r.problem(
            "objectStorage.identities",
            `is "perRole" while central.buckets.manage is false: this stack creates the MinIO users and the metrics bucket's versioning only while it manages the buckets; set central.buckets.manage to true (with minioAdminAccessKey/minioAdminSecretKey), or set objectStorage.identities to "shared" on every stack`,
        );
    const versioning = readBucketVersioning(r, parseDuration(compactorRetention.deleteDelay));
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
    const repeated = existing.filter((b, i) => existing.indexOf(b) !== i);
    if (repeated.length > 0)
        r.problem(
            "central.buckets.existing",
            `lists ${[...new Set(repeated)].join(", ")} more than once: list each bucket to adopt once`,
        );
    if (manageBuckets && metricsBucket !== undefined && !existing.includes(metricsBucket)) {
        r.problem(
            "central.buckets.existing",
            `must list the metrics bucket ${metricsBucket} while central.buckets.manage is true: the edges deploy before this stack and their sidecars upload to it, and an edge has no key that could create it; create it first (\`mc mb --ignore-existing <alias>/${metricsBucket}\`) and add it here so this stack adopts it`,
        );
    }

    return {
        organization: organization === "" ? undefined : organization,
        edgeStacks,
        plaintextEdges,
        clusterDomain,
        uiSourceRanges,
        query: {
            replicas: replicas(
                r,
                "central.query.replicas",
                2,
                2,
                "Grafana and the Ruler must keep querying through a Query restart",
            ),
            ...queryLimits,
        },
        queryFrontend,
        storeGateway: {
            replicas: replicas(
                r,
                "central.storeGateway.replicas",
                2,
                2,
                "history older than local retention must stay queryable through a restart",
            ),
            indexCacheSize: sizeSetting(r, "central.storeGateway.indexCacheSize", "1GB"),
            chunkPoolSize: sizeSetting(r, "central.storeGateway.chunkPoolSize", "2GB"),
            cachingBucketSize: sizeSetting(r, "central.storeGateway.cachingBucketSize", "512MB"),
            storageSize: r.storageSize("central.storeGateway.storageSize", "20Gi"),
        },
        compactor: {
            ...compactorRetention,
            storageSize: r.storageSize("central.compactor.storageSize", "50Gi"),
        },
        ruler: {
            replicas: replicas(r, "central.ruler.replicas", 2, 2, "alerts must keep firing through a Ruler restart"),
            evaluationInterval: r.duration("central.ruler.evaluationInterval", "30s", "30s").text,
            retention: r.duration("central.ruler.retention", "2d", "2d").text,
            storageSize: r.storageSize("central.ruler.storageSize", "10Gi"),
        },
        alertmanager: {
            replicas: replicas(
                r,
                "central.alertmanager.replicas",
                3,
                3,
                "the gossip cluster must still be a pair after losing one replica",
            ),
            storageSize: r.storageSize("central.alertmanager.storageSize", "2Gi"),
            limits: readAlertmanagerLimits(r),
            ...readAlertRouting(r),
        },
        grafana: { storageSize: r.storageSize("central.grafana.storageSize", "10Gi") },
        buckets: {
            manage: manageBuckets,
            region: r.string("central.buckets.region", "", "us-east-1"),
            longhornBackups,
            opensearchLogs,
            existing,
            ...versioning,
        },
    };
}
