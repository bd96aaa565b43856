import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, RawConfig, parseClusterSettings } from "../config/settings";
import { StackIdentity, crossStackProblems } from "../config/siblings";
import { StackRunError } from "../offline/runStack";
import { TEST_SECRETS, runCommittedStack, stackFile } from "./helpers";

/** A valid edge, written out by hand from the seed (not copied from any stack file or code output). */
function validEdge(): RawConfig {
    return {
        clusterName: "cluster-02",
        role: "edge",
        nodeIps: ["192.168.101.196"],
        storageClass: "longhorn",
        kubernetes: { context: "cluster-02" },
        loadBalancer: {
            ip: "192.168.101.211",
            manageCiliumIpam: true,
            pool: { start: "192.168.101.211", stop: "192.168.101.211" },
            grpcSourceRanges: ["192.168.101.194/32"],
            httpSourceRanges: ["192.168.101.0/24"],
        },
        objectStorage: {
            endpoint: "s3.minio.miribit.lab:80",
            bucket: "thanos-bucket",
            insecure: true,
            insecureSkipVerify: true,
            allowInsecureTransport: true,
        },
        prometheus: {
            replicas: 2,
            scrapeInterval: "30s",
            retention: "2d",
            objectStoreOutageToSurvive: "24h",
            storageSize: "50Gi",
        },
        alerting: { centralAlertmanagers: ["192.168.101.210:9093", "192.168.101.210:9094", "192.168.101.210:9095"] },
    };
}

/** Sets a dotted path in a copy of the raw config (undefined deletes it). */
function withSetting(path: string, value: unknown, base: RawConfig = validEdge()): RawConfig {
    const raw = JSON.parse(JSON.stringify(base)) as Record<string, any>;
    const parts = path.split(".");
    let target = raw;
    for (const part of parts.slice(0, -1)) target = target[part];
    if (value === undefined) delete target[parts[parts.length - 1]];
    else target[parts[parts.length - 1]] = value;
    return raw;
}

function problemsOf(raw: RawConfig, kubeconfigSecret = false): string[] {
    try {
        parseClusterSettings(raw, { kubeconfig: kubeconfigSecret });
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

/** Asserts exactly one problem, that it names the key, and that it says something about the fix. */
function expectProblem(raw: RawConfig, key: string, ...phrases: string[]): void {
    const problems = problemsOf(raw);
    expect(problems, `problems: ${JSON.stringify(problems)}`).to.have.lengthOf(1);
    expect(problems[0]).to.contain(`thanos-multicluster:${key}`);
    for (const phrase of phrases) expect(problems[0]).to.contain(phrase);
}

describe("config rules", () => {
    it("accepts the seed's edge settings and fills in the documented defaults", () => {
        const settings = parseClusterSettings(validEdge(), { kubeconfig: false });
        expect(settings.role).to.equal("edge");
        expect(settings.exposeEdgeQuery).to.equal(true);
        // 80% of a 50Gi PVC, in Prometheus' base-2 units.
        expect(settings.prometheus.retentionSize).to.equal("40GB");
        expect(settings.loadBalancer.ciliumIpPoolApiVersion).to.equal("cilium.io/v2alpha1");
    });

    it("role must be central or edge", () => {
        expectProblem(withSetting("role", "leaf"), "role", "central or edge", '"leaf"');
    });

    it("a missing required key is named with how to set it", () => {
        expectProblem(withSetting("clusterName", undefined), "clusterName", "is required", "cluster-02");
    });

    it("cluster name must be a DNS-1123 label", () => {
        expectProblem(withSetting("clusterName", "Cluster_02"), "clusterName", "DNS-1123 label");
        expectProblem(withSetting("clusterName", "a".repeat(64)), "clusterName", "DNS-1123 label");
    });

    it("node IPs must be IPv4", () => {
        expectProblem(withSetting("nodeIps", ["192.168.101.300"]), "nodeIps[0]", "IPv4 address");
        expectProblem(withSetting("nodeIps", ["192.168.101.196", "192.168.101"]), "nodeIps[1]", "IPv4 address");
        expectProblem(withSetting("nodeIps", []), "nodeIps", "at least one");
        expectProblem(withSetting("nodeIps", ["192.168.101.196", "192.168.101.196"]), "nodeIps", "more than once");
    });

    it("the single nodeIp of older stack files still reads as a one-node list, but not next to nodeIps", () => {
        const legacy = withSetting("nodeIp", "192.168.101.196", withSetting("nodeIps", undefined));
        expect(parseClusterSettings(legacy, { kubeconfig: false }).nodeIps).to.deep.equal(["192.168.101.196"]);
        expectProblem(withSetting("nodeIp", "192.168.101"), "nodeIp", "keep only nodeIps");
        expectProblem(
            withSetting("nodeIp", "192.168.101.300", withSetting("nodeIps", undefined)),
            "nodeIp",
            "IPv4 address",
        );
        expectProblem(withSetting("nodeIps", undefined), "nodeIps", "is required");
    });

    it("an edge on several nodes needs no announcer node, and refuses one, naming the key and the fix", () => {
        const twoNodes = withSetting("nodeIps", ["192.168.101.196", "192.168.101.201"]);
        expect(problemsOf(twoNodes)).to.deep.equal([]);
        expect(parseClusterSettings(twoNodes, { kubeconfig: false }).loadBalancer).not.to.have.property(
            "l2AnnouncerNode",
        );
        for (const base of [twoNodes, validEdge()])
            expectProblem(
                withSetting("loadBalancer.l2AnnouncerNode", "worker-1", base),
                "loadBalancer.l2AnnouncerNode",
                "is no longer used: one LoadBalancer Service holds 192.168.101.211 (the edge's Thanos Query)",
                "pulumi config rm --path loadBalancer.l2AnnouncerNode",
            );
    });

    it("the old loadBalancer.sidecarSourceRanges is refused with its new name", () => {
        expectProblem(
            withSetting("loadBalancer.sidecarSourceRanges", ["192.168.101.194/32"]),
            "loadBalancer.sidecarSourceRanges",
            "was renamed loadBalancer.grpcSourceRanges",
        );
    });

    it("an edge's HTTP API needs its own source ranges, IPv4 CIDRs", () => {
        expectProblem(
            withSetting("loadBalancer.httpSourceRanges", []),
            "loadBalancer.httpSourceRanges",
            "must not be empty",
        );
        expectProblem(
            withSetting("loadBalancer.httpSourceRanges", undefined),
            "loadBalancer.httpSourceRanges",
            "is required",
        );
        expectProblem(
            withSetting("loadBalancer.httpSourceRanges", ["192.168.101.1/24"]),
            "loadBalancer.httpSourceRanges[0]",
            "no host bits",
        );
    });

    it("the LoadBalancer IP must be IPv4", () => {
        expectProblem(withSetting("loadBalancer.ip", "192.168.101.2111"), "loadBalancer.ip", "IPv4 address");
    });

    it("the sidecar IP must lie inside the LB pool", () => {
        expectProblem(
            withSetting("loadBalancer.ip", "192.168.101.212"),
            "loadBalancer.ip",
            "outside the pool",
            "192.168.101.211-192.168.101.211",
        );
    });

    it("the sidecar IP must not be reserved", () => {
        const broadcast = withSetting(
            "loadBalancer.pool",
            { start: "192.168.101.250", stop: "192.168.101.255" },
            withSetting("loadBalancer.ip", "192.168.101.255"),
        );
        expectProblem(broadcast, "loadBalancer.ip", "broadcast");
        const network = withSetting(
            "loadBalancer.pool",
            { start: "192.168.102.0", stop: "192.168.102.9" },
            withSetting("loadBalancer.ip", "192.168.102.0"),
        );
        expectProblem(network, "loadBalancer.ip", "network address");
        const loopback = withSetting(
            "loadBalancer.pool",
            { start: "127.0.0.1", stop: "127.0.0.9" },
            withSetting("loadBalancer.ip", "127.0.0.2"),
        );
        expectProblem(loopback, "loadBalancer.ip", "loopback");
    });

    it("the sidecar IP must not be a node's own address", () => {
        const raw = withSetting(
            "loadBalancer.pool",
            { start: "192.168.101.190", stop: "192.168.101.199" },
            withSetting("loadBalancer.ip", "192.168.101.196"),
        );
        expectProblem(raw, "loadBalancer.ip", "is a node's address");
        const second = withSetting("nodeIps", ["192.168.101.191", "192.168.101.196"], raw);
        expectProblem(second, "loadBalancer.ip", "is a node's address");
    });

    it("the pool must run upwards", () => {
        const raw = withSetting("loadBalancer.pool", { start: "192.168.101.213", stop: "192.168.101.210" });
        const problems = problemsOf(raw);
        expect(
            problems.some((p) => p.includes("thanos-multicluster:loadBalancer.pool.start") && p.includes("swap")),
        ).to.equal(true);
    });

    it("an edge must restrict who reaches its sidecars, with valid CIDRs", () => {
        expectProblem(
            withSetting("loadBalancer.grpcSourceRanges", []),
            "loadBalancer.grpcSourceRanges",
            "must not be empty",
        );
        expectProblem(
            withSetting("loadBalancer.grpcSourceRanges", undefined),
            "loadBalancer.grpcSourceRanges",
            "is required",
        );
        expectProblem(
            withSetting("loadBalancer.grpcSourceRanges", ["192.168.101.194/24"]),
            "loadBalancer.grpcSourceRanges[0]",
            "no host bits",
        );
        expectProblem(
            withSetting("loadBalancer.grpcSourceRanges", ["192.168.101.194"]),
            "loadBalancer.grpcSourceRanges[0]",
            "CIDR",
        );
    });

    it("the central cluster needs no sidecar source ranges", () => {
        const central = withSetting(
            "central",
            {
                organization: "miribit",
                edgeStacks: [],
                uiSourceRanges: ["192.168.101.0/24"],
                buckets: { existing: ["thanos-bucket"] },
                alertmanager: {
                    receivers: [{ name: "oncall", webhook: {} }],
                    edgeSourceRanges: ["192.168.101.196/32"],
                },
            },
            withSetting(
                "role",
                "central",
                withSetting(
                    "alerting",
                    undefined,
                    withSetting(
                        "loadBalancer.grpcSourceRanges",
                        undefined,
                        withSetting("loadBalancer.httpSourceRanges", undefined),
                    ),
                ),
            ),
        );
        const settings = parseClusterSettings(central, { kubeconfig: false });
        expect(settings.exposeEdgeQuery).to.equal(false);
    });

    it("the MinIO endpoint is host:port with no scheme", () => {
        expectProblem(
            withSetting("objectStorage.endpoint", "http://s3.minio.miribit.lab:80"),
            "objectStorage.endpoint",
            "must not have a scheme",
            "host:port",
        );
        expectProblem(
            withSetting("objectStorage.endpoint", "s3.minio.miribit.lab"),
            "objectStorage.endpoint",
            "host:port",
        );
        expectProblem(
            withSetting("objectStorage.endpoint", "s3.minio.miribit.lab:80/thanos"),
            "objectStorage.endpoint",
            "no path",
        );
        expectProblem(
            withSetting("objectStorage.endpoint", "s3.minio.miribit.lab:99999"),
            "objectStorage.endpoint",
            "outside 1-65535",
        );
        expectProblem(
            withSetting("objectStorage.endpoint", "s3_minio.lab:80"),
            "objectStorage.endpoint",
            "invalid host",
        );
    });

    it("the bucket name must be a valid S3 bucket name", () => {
        expectProblem(withSetting("objectStorage.bucket", "Thanos_Bucket"), "objectStorage.bucket", "lower-case");
        expectProblem(withSetting("objectStorage.bucket", "tb"), "objectStorage.bucket", "3-63 characters");
        expectProblem(withSetting("objectStorage.bucket", "192.168.1.10"), "objectStorage.bucket", "IP address");
    });

    it("plain http needs the explicit opt-in key", () => {
        const raw = withSetting(
            "objectStorage.insecureSkipVerify",
            false,
            withSetting("objectStorage.allowInsecureTransport", undefined),
        );
        expectProblem(raw, "objectStorage.allowInsecureTransport", "objectStorage.insecure", "plain http", "opt in");
    });

    it("skipping TLS verification needs the explicit opt-in key", () => {
        const raw = withSetting(
            "objectStorage.insecure",
            false,
            withSetting("objectStorage.allowInsecureTransport", false),
        );
        expectProblem(raw, "objectStorage.allowInsecureTransport", "objectStorage.insecureSkipVerify");
    });

    it("https with verification needs no opt-in", () => {
        const raw = withSetting(
            "objectStorage.insecure",
            false,
            withSetting(
                "objectStorage.insecureSkipVerify",
                false,
                withSetting("objectStorage.allowInsecureTransport", undefined),
            ),
        );
        expect(problemsOf(raw)).to.deep.equal([]);
    });

    it("retention is at least 6h (3x the 2h block duration)", () => {
        const raw = withSetting(
            "prometheus.objectStoreOutageToSurvive",
            "1h",
            withSetting("prometheus.retention", "4h"),
        );
        expectProblem(raw, "prometheus.retention", "at least 6h");
    });

    it("the seed's 2h retention is rejected, naming the stricter of the two floors", () => {
        expectProblem(
            withSetting("prometheus.objectStoreOutageToSurvive", "1h", withSetting("prometheus.retention", "2h")),
            "prometheus.retention",
            "at least 6h",
        );
        expectProblem(withSetting("prometheus.retention", "2h"), "prometheus.retention", "at least 28h");
    });

    it("retention must outlast the object-store outage to survive", () => {
        expectProblem(
            withSetting("prometheus.retention", "24h"),
            "prometheus.retention",
            "28h",
            "24h",
            "objectStoreOutageToSurvive",
        );
        // 24h outage + two 2h blocks = 28h is the least that passes.
        expect(problemsOf(withSetting("prometheus.retention", "28h"))).to.deep.equal([]);
        expect(problemsOf(withSetting("prometheus.retention", "27h"))).to.have.lengthOf(1);
    });

    it("durations must be Prometheus durations", () => {
        expectProblem(
            withSetting("prometheus.scrapeInterval", "30 seconds"),
            "prometheus.scrapeInterval",
            "Prometheus duration",
        );
        expectProblem(
            withSetting("prometheus.objectStoreOutageToSurvive", "1 day"),
            "prometheus.objectStoreOutageToSurvive",
            "Prometheus duration",
        );
    });

    it("replicas must be at least 2", () => {
        expectProblem(withSetting("prometheus.replicas", 1), "prometheus.replicas", "at least 2");
        expectProblem(withSetting("prometheus.replicas", "two"), "prometheus.replicas", "whole number");
    });

    it("retentionSize must stay below the PVC size", () => {
        expectProblem(
            withSetting("prometheus.retentionSize", "50GB"),
            "prometheus.retentionSize",
            "at most 90%",
            "50Gi",
        );
        expectProblem(withSetting("prometheus.retentionSize", "40GiB"), "prometheus.retentionSize", "Prometheus size");
        expect(problemsOf(withSetting("prometheus.retentionSize", "45GB"))).to.deep.equal([]);
        expectProblem(withSetting("prometheus.storageSize", "fifty"), "prometheus.storageSize", "storage quantity");
    });

    it("the kube context is required unless a kubeconfig secret is given", () => {
        const raw = withSetting("kubernetes", undefined);
        expectProblem(raw, "kubernetes.context", "pulumi config set");
        expect(problemsOf(raw, true)).to.deep.equal([]);
    });

    it("a section that is not an object is named", () => {
        const problems = problemsOf(withSetting("prometheus", "2 replicas"));
        expect(problems[0]).to.contain("thanos-multicluster:prometheus must be an object");
    });

    it("reports every problem at once", () => {
        const raw = withSetting(
            "role",
            "hub",
            withSetting("prometheus.replicas", 1, withSetting("objectStorage.bucket", "X")),
        );
        const problems = problemsOf(raw);
        expect(problems).to.have.lengthOf(3);
        expect(problems.map((p) => p.split(" ")[0])).to.have.members([
            "thanos-multicluster:role",
            "thanos-multicluster:prometheus.replicas",
            "thanos-multicluster:objectStorage.bucket",
        ]);
    });
});

describe("config through the program", () => {
    async function failure(run: Promise<unknown>): Promise<StackRunError> {
        try {
            await run;
        } catch (err) {
            expect(err).to.be.instanceOf(StackRunError);
            return err as StackRunError;
        }
        throw new Error("expected the stack run to fail");
    }

    it("bad config fails before any resource is registered", async () => {
        const err = await failure(
            runCommittedStack("cluster-02", { "thanos-multicluster:prometheus": { replicas: 1 } }),
        );
        // The program's modules are loaded fresh per run, so compare the class by name.
        expect((err.error as Error).name).to.equal("ConfigError");
        expect(err.message).to.contain("thanos-multicluster:prometheus.replicas");
        expect(err.resources).to.deep.equal([]);
    });

    it("a missing secret is named with the command that sets it", async () => {
        const err = await failure(
            runCommittedStack(
                "cluster-03",
                {
                    "thanos-multicluster:objectStorage": {
                        ...(stackFile("cluster-03").config["thanos-multicluster:objectStorage"] as object),
                        identities: "shared",
                    },
                },
                {},
                { objectStorageAccessKey: TEST_SECRETS.objectStorageAccessKey },
            ),
        );
        expect(err.message).to.contain(
            'thanos-multicluster:objectStorageSecretKey is required while thanos-multicluster:objectStorage.identities is "shared": run `pulumi config set --secret objectStorageSecretKey`',
        );
        expect(err.resources).to.deep.equal([]);
    });

    it("a secret stored in clear is rejected", async () => {
        const err = await failure(
            runCommittedStack(
                "cluster-04",
                { "thanos-multicluster:objectStorageSecretKey": "in-clear" },
                {},
                { objectStorageAccessKey: TEST_SECRETS.objectStorageAccessKey },
            ),
        );
        expect(err.message).to.contain("thanos-multicluster:objectStorageSecretKey is stored in clear");
        expect(err.resources).to.deep.equal([]);
    });

    it("an unknown key (a typo) is rejected", async () => {
        const err = await failure(
            runCommittedStack("cluster-02", { "thanos-multicluster:prometheusRetention": "30d" }),
        );
        expect(err.message).to.contain("thanos-multicluster:prometheusRetention is not a setting of this program");
    });
});

describe("central config rules", () => {
    function validCentral(): RawConfig {
        return withSetting(
            "central",
            {
                organization: "miribit",
                edgeStacks: ["cluster-02", "cluster-03", "cluster-04"],
                uiSourceRanges: ["192.168.101.0/24"],
                query: { timeout: "2m", storeResponseTimeout: "1m" },
                compactor: { retentionRaw: "30d", retention5m: "90d", retention1h: "1y", deleteDelay: "48h" },
                buckets: { existing: ["thanos-bucket"] },
                alertmanager: {
                    receivers: [{ name: "oncall", webhook: {} }],
                    edgeSourceRanges: ["192.168.101.196/32"],
                },
            },
            withSetting(
                "role",
                "central",
                withSetting(
                    "alerting",
                    undefined,
                    withSetting(
                        "loadBalancer.grpcSourceRanges",
                        undefined,
                        withSetting("loadBalancer.httpSourceRanges", undefined),
                    ),
                ),
            ),
        );
    }

    it("accepts the seed's central settings, with the documented defaults", () => {
        const settings = parseClusterSettings(validCentral(), { kubeconfig: false });
        expect(settings.central!.alertmanager.replicas).to.equal(3);
        expect(settings.central!.query.replicas).to.equal(2);
        expect(settings.central!.compactor.ignoreDeletionMarksDelay).to.equal("24h");
        expect(settings.central!.buckets).to.include({
            manage: true,
            longhornBackups: "longhorn-backups",
            opensearchLogs: "opensearch-logs",
        });
    });

    it("the central stack must say where the edge stacks are", () => {
        expectProblem(
            withSetting("central.edgeStacks", undefined, validCentral()),
            "central.edgeStacks",
            "is required",
        );
        expectProblem(
            withSetting("central.edgeStacks", ["cluster-02", "cluster-02"], validCentral()),
            "central.edgeStacks",
            "more than once",
        );
        expectProblem(
            withSetting("central.edgeStacks", ["Cluster 2"], validCentral()),
            "central.edgeStacks[0]",
            "stack name",
        );
    });

    it("an edge stack cannot carry central settings", () => {
        expectProblem(withSetting("central", { organization: "miribit" }), "central", "edge stack");
    });

    it("Query's timeout must be above the store response timeout", () => {
        expectProblem(
            withSetting("central.query.timeout", "1m", validCentral()),
            "central.query.timeout",
            "above central.query.storeResponseTimeout",
        );
        expectProblem(
            withSetting("central.query.storeResponseTimeout", "0s", validCentral()),
            "central.query.storeResponseTimeout",
            "must not be 0",
        );
    });

    it("raw retention is at least 40h and 5m retention at least 10d", () => {
        expectProblem(
            withSetting("central.compactor.retentionRaw", "39h", validCentral()),
            "central.compactor.retentionRaw",
            "at least 40h",
        );
        expectProblem(
            withSetting(
                "central.compactor.retention5m",
                "9d",
                withSetting("central.compactor.retentionRaw", "2d", validCentral()),
            ),
            "central.compactor.retention5m",
            "at least 10d",
        );
        // 0d keeps a resolution forever.
        const forever = withSetting(
            "central.compactor.retention1h",
            "0d",
            withSetting("central.compactor.retention5m", "0d", validCentral()),
        );
        expect(problemsOf(forever)).to.deep.equal([]);
    });

    it("coarser resolutions are kept at least as long as finer ones", () => {
        expectProblem(
            withSetting("central.compactor.retention5m", "20d", validCentral()),
            "central.compactor.retention5m",
            "must not be shorter than central.compactor.retentionRaw",
        );
        expectProblem(
            withSetting("central.compactor.retention1h", "60d", validCentral()),
            "central.compactor.retention1h",
            "must not be shorter than central.compactor.retention5m",
        );
    });

    it("Alertmanager runs at least 3 replicas, Query, Store Gateway and Ruler at least 2", () => {
        expectProblem(
            withSetting("central.alertmanager.replicas", 2, validCentral()),
            "central.alertmanager.replicas",
            "at least 3",
        );
        expectProblem(withSetting("central.query.replicas", 1, validCentral()), "central.query.replicas", "at least 2");
        expectProblem(
            withSetting("central.storeGateway", { replicas: 1 }, validCentral()),
            "central.storeGateway.replicas",
            "at least 2",
        );
        expectProblem(
            withSetting("central.ruler", { replicas: 1 }, validCentral()),
            "central.ruler.replicas",
            "at least 2",
        );
    });

    it("the three buckets stay apart", () => {
        expectProblem(
            withSetting(
                "central.buckets",
                { opensearchLogs: "thanos-bucket", existing: ["thanos-bucket"] },
                validCentral(),
            ),
            "central.buckets",
            "three different buckets",
        );
        expectProblem(
            withSetting(
                "central.buckets",
                { longhornBackups: "Longhorn_Backups", existing: ["thanos-bucket"] },
                validCentral(),
            ),
            "central.buckets.longhornBackups",
            "lower-case",
        );
    });

    it("the metrics bucket is adopted, never created, while the stack manages the buckets; only our buckets can be adopted", () => {
        const created = withSetting("central.buckets", { existing: [] }, validCentral());
        expectProblem(
            created,
            "central.buckets.existing",
            "must list the metrics bucket thanos-bucket",
            "edges deploy before this stack",
            "mc mb",
        );
        expect(
            problemsOf(
                withSetting(
                    "central.buckets",
                    { manage: false },
                    withSetting("objectStorage.identities", "shared", validCentral()),
                ),
            ),
        ).to.deep.equal([]);
        expectProblem(
            withSetting("central.buckets.existing", ["thanos-bucket", "loki-chunks"], validCentral()),
            "central.buckets.existing[1]",
            "not one of this program's buckets",
        );
        expectProblem(
            withSetting("central.buckets.existing", ["thanos-bucket", "thanos-bucket"], validCentral()),
            "central.buckets.existing",
            "more than once",
        );
        const adopted = parseClusterSettings(
            withSetting("central.buckets.existing", ["thanos-bucket", "longhorn-backups"], validCentral()),
            { kubeconfig: false },
        );
        expect(adopted.central!.buckets.existing).to.deep.equal(["thanos-bucket", "longhorn-backups"]);
    });

    it("sizes and UI source ranges are checked", () => {
        expectProblem(
            withSetting("central.storeGateway", { indexCacheSize: "1 gig" }, validCentral()),
            "central.storeGateway.indexCacheSize",
            "size like",
        );
        expectProblem(
            withSetting("central.uiSourceRanges", ["192.168.101.1/24"], validCentral()),
            "central.uiSourceRanges[0]",
            "CIDR",
        );
        expectProblem(
            withSetting("central.compactor.deleteDelay", "1h", validCentral()),
            "central.compactor.deleteDelay",
            "at least 2h",
        );
    });

    it("managing the buckets needs the MinIO admin secrets", async () => {
        const { minioAdminSecretKey: _dropped, ...secrets } = TEST_SECRETS;
        try {
            await runCommittedStack("cluster-01", {}, {}, secrets);
        } catch (err) {
            expect((err as Error).message).to.contain(
                "thanos-multicluster:minioAdminSecretKey is required while thanos-multicluster:central.buckets.manage is true",
            );
            expect((err as StackRunError).resources).to.deep.equal([]);
            return;
        }
        throw new Error("expected the central stack to fail");
    });
});

describe("config rules across stacks and secrets", () => {
    const id = (stack: string, over: Partial<StackIdentity> = {}): StackIdentity => ({
        stack,
        clusterName: stack,
        role: "edge",
        kubeContext: stack,
        lbIp: "192.168.101.211",
        pool: { start: "192.168.101.211", stop: "192.168.101.211" },
        ...over,
    });

    it("two stacks may not share a cluster name, a kube context, an address or pool, or the central role", () => {
        const problems = crossStackProblems(
            id("cluster-05", { clusterName: "cluster-02", kubeContext: "cluster-02", role: "central" }),
            [id("cluster-02", { role: "central" })],
        );
        expect(problems.map((p) => p.split(" ")[0])).to.deep.equal([
            "thanos-multicluster:clusterName",
            "thanos-multicluster:kubernetes.context",
            "thanos-multicluster:loadBalancer.ip",
            "thanos-multicluster:loadBalancer.pool",
            "thanos-multicluster:role",
        ]);
        for (const p of problems) expect(p).to.contain("Pulumi.cluster-02.yaml");
        const apart = id("cluster-05", {
            lbIp: "192.168.101.214",
            pool: { start: "192.168.101.214", stop: "192.168.101.214" },
        });
        expect(crossStackProblems(apart, [id("cluster-02")])).to.deep.equal([]);
        const overlapping = id("cluster-05", {
            lbIp: "192.168.101.215",
            pool: { start: "192.168.101.200", stop: "192.168.101.215" },
        });
        expect(crossStackProblems(overlapping, [id("cluster-02")])[0]).to.contain(
            "overlaps the pool of stack cluster-02",
        );
    });

    it("a copied stack file that still names another cluster fails before any resource", async () => {
        try {
            await runCommittedStack("cluster-04", { "thanos-multicluster:kubernetes": { context: "cluster-03" } });
        } catch (err) {
            expect((err as Error).message).to.contain(
                'thanos-multicluster:kubernetes.context "cluster-03" (in the default kubeconfig) is also the context of stack cluster-03 (Pulumi.cluster-03.yaml)',
            );
            expect((err as StackRunError).resources).to.deep.equal([]);
            return;
        }
        throw new Error("expected the stack to fail");
    });

    it("a short or well-known MinIO secret is rejected", async () => {
        for (const [value, phrase] of [
            ["sh0rt7", "too short"],
            ["minioadmin", "well-known default"],
        ]) {
            try {
                await runCommittedStack("cluster-02", {}, {}, { ...TEST_SECRETS, objectStorageSecretKey: value });
            } catch (err) {
                expect((err as Error).message).to.contain(
                    `thanos-multicluster:objectStorageSecretKey is ${phrase === "too short" ? "too short" : "a well-known default"}`,
                );
                // The message names the key, never the value.
                expect((err as Error).message).not.to.contain(value);
                continue;
            }
            throw new Error(`expected ${phrase} to fail`);
        }
    });

    it("extra external labels are valid label names and never a replica label or cluster", () => {
        expectProblem(
            withSetting("prometheus.externalLabels", { "bad-label": "x" }),
            "prometheus.externalLabels.bad-label",
            "not a label name",
        );
        expectProblem(
            withSetting("prometheus.externalLabels", { __meta: "x" }),
            "prometheus.externalLabels.__meta",
            "not a label name",
        );
        expectProblem(
            withSetting("prometheus.externalLabels", { prometheus_replica: "x" }),
            "prometheus.externalLabels.prometheus_replica",
            "replica label",
        );
        expectProblem(
            withSetting("prometheus.externalLabels", { cluster: "x" }),
            "prometheus.externalLabels.cluster",
            "set by the program",
        );
        expectProblem(
            withSetting("prometheus.externalLabels", { region: 5 }),
            "prometheus.externalLabels.region",
            "non-empty string",
        );
        const settings = parseClusterSettings(withSetting("prometheus.externalLabels", { region: "lab" }), {
            kubeconfig: false,
        });
        expect(settings.prometheus.externalLabels).to.deep.equal({ region: "lab" });
    });
});

describe("object storage CA bundle", () => {
    // A real certificate: objectStorage.caBundle must parse as X.509.
    const PEM = fs.readFileSync(path.join(__dirname, "fixtures", "certs", "deployment-ca-until-2036.pem"), "utf8");
    const https = (extra: Record<string, unknown>) =>
        withSetting("objectStorage", { endpoint: "s3.minio.miribit.lab:443", bucket: "thanos-bucket", ...extra });

    it("https with a CA bundle needs no opt-in", () => {
        expect(problemsOf(https({ caBundle: PEM }))).to.deep.equal([]);
    });

    it("the bundle must be PEM, and is pointless with plain http or skip-verify", () => {
        expectProblem(https({ caBundle: "not a certificate" }), "objectStorage.caBundle", "PEM");
        const problems = problemsOf(https({ caBundle: PEM, insecure: true, allowInsecureTransport: true }));
        expect(problems).to.have.lengthOf(1);
        expect(problems[0]).to.contain("objectStorage.caBundle is set while objectStorage.insecure is true");
    });
});

describe("mTLS config", () => {
    it("certificates renew before they expire, under a CA that outlives them; only edges enable it", () => {
        // CrossClusterCertificateExpiring fires 30 days before expiry: renewal must come earlier, so
        // that a routine `pulumi up` renews first, and `pulumi up` renews what the alert names.
        for (const renewBeforeDays of [30, 1, 365])
            expectProblem(
                withSetting("grpcTls", { enabled: true, validityDays: 365, renewBeforeDays }),
                "grpcTls.renewBeforeDays",
                "between 31 and grpcTls.validityDays - 1",
            );
        expect(
            parseClusterSettings(withSetting("grpcTls", { enabled: true, validityDays: 32, renewBeforeDays: 31 }), {
                kubeconfig: false,
            }).grpcTls.renewBeforeDays,
        ).to.equal(31);
        expectProblem(
            withSetting("grpcTls", { enabled: true, validityDays: 365, caValidityDays: 365 }),
            "grpcTls.caValidityDays",
            "outlive",
        );
        expectProblem(
            withSetting("grpcTls", { enabled: true, validityDays: 31, renewBeforeDays: 1 }),
            "grpcTls.validityDays",
            "at least 32",
        );
        const central = withSetting(
            "central",
            {
                organization: "miribit",
                edgeStacks: [],
                uiSourceRanges: ["192.168.101.0/24"],
                buckets: { existing: ["thanos-bucket"] },
                alertmanager: {
                    receivers: [{ name: "oncall", webhook: {} }],
                    edgeSourceRanges: ["192.168.101.196/32"],
                },
            },
            withSetting(
                "role",
                "central",
                withSetting(
                    "alerting",
                    undefined,
                    withSetting(
                        "loadBalancer.grpcSourceRanges",
                        undefined,
                        withSetting("loadBalancer.httpSourceRanges", undefined),
                    ),
                ),
            ),
        );
        expectProblem(withSetting("grpcTls", { enabled: true }, central), "grpcTls.enabled", "is for edges");
        expect(
            parseClusterSettings(withSetting("grpcTls", { enabled: true }), { kubeconfig: false }).grpcTls,
        ).to.deep.equal({
            enabled: true,
            validityDays: 365,
            renewBeforeDays: 45,
            caValidityDays: 3650,
            caGeneration: 1,
        });
    });
});
