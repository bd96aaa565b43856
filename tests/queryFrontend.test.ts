// The query-frontend in front of Query, the caches of the frontend and the Store Gateway, and
// Query's limits. Expected values from the issue and the Thanos v0.42.4 docs; every cache config
// document is checked against the pinned version's schema (schemas/thanos).

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseClusterSettings } from "../config";
import { renderStacks } from "../offline/render";
import { StackRun } from "../offline/runStack";
import { findStackFiles } from "../offline/stackFiles";
import { loadPlans } from "../offline/checks/renderedPlan";
import { formatFindings, validatePlans } from "../offline/validate";
import { StackOutputsByName } from "../offline/mockEngine";
import { thanosConfigProblems } from "../schemas/thanos";
import { TEST_SECRETS, byType, committedEdgeOutputs, k8sObject, runCommittedStack, stackFile } from "./helpers";

const CENTRAL = "thanos-multicluster:central";

function flag(args: string[], name: string): string[] {
    return args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
}

function container(run: StackRun, kind: string, name: string, index = 0): Record<string, any> {
    return k8sObject(run, kind, name).spec.template.spec.containers[index];
}

/** The committed central stack's `central` object with some settings replaced. */
function centralWith(changes: Record<string, Record<string, unknown>>): Record<string, unknown> {
    const central = JSON.parse(JSON.stringify(stackFile("cluster-01").config[CENTRAL])) as Record<string, any>;
    for (const [section, values] of Object.entries(changes))
        central[section] = { ...(central[section] ?? {}), ...values };
    return central;
}

/** Problems of the committed central stack's settings with the `central` object replaced. */
function problemsWith(central: Record<string, unknown>): string[] {
    const raw = Object.fromEntries(
        Object.entries({ ...stackFile("cluster-01").config, [CENTRAL]: central })
            .filter(([key]) => key.startsWith("thanos-multicluster:"))
            .map(([key, value]) => [key.slice("thanos-multicluster:".length), value]),
    );
    try {
        parseClusterSettings(raw, { kubeconfig: false });
        return [];
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
}

describe("query-frontend and caches", () => {
    let edges: StackOutputsByName;
    let central: StackRun;
    let memcached: StackRun;

    before(async () => {
        edges = await committedEdgeOutputs();
        central = await runCommittedStack("cluster-01", {}, edges);
        memcached = await runCommittedStack(
            "cluster-01",
            { [CENTRAL]: centralWith({ queryFrontend: { cache: "memcached" } }) },
            edges,
        );
    });

    describe("the frontend (in-memory cache by default)", () => {
        it("runs 2 replicas of thanos query-frontend, spread, with a disruption budget", () => {
            const deployment = k8sObject(central, "Deployment", "thanos-query-frontend");
            expect(deployment.spec.replicas).to.equal(2);
            expect(container(central, "Deployment", "thanos-query-frontend").args[0]).to.equal("query-frontend");
            expect(deployment.spec.template.spec.affinity.podAntiAffinity).to.not.equal(undefined);
            const budget = k8sObject(central, "PodDisruptionBudget", "thanos-query-frontend");
            expect(deployment.spec.template.metadata.labels).to.include(budget.spec.selector.matchLabels);
        });

        it("splits range and labels queries by day, retries, and sends them to Query's Service", () => {
            const args = container(central, "Deployment", "thanos-query-frontend").args;
            expect(flag(args, "query-range.split-interval")).to.deep.equal(["24h"]);
            expect(flag(args, "labels.split-interval")).to.deep.equal(["24h"]);
            expect(flag(args, "query-range.max-retries-per-request")).to.deep.equal(["3"]);
            expect(flag(args, "labels.max-retries-per-request")).to.deep.equal(["3"]);
            expect(flag(args, "query-frontend.downstream-url")).to.deep.equal([
                "http://thanos-query.monitoring.svc.cluster.local:9090",
            ]);
            // The downstream is the Query Service this stack declares, on a port it serves.
            const service = k8sObject(central, "Service", "thanos-query");
            expect(service.spec.ports.map((p: any) => p.port)).to.include(9090);
        });

        it("caches results and labels in memory, in documents Thanos v0.42.4 accepts, within its memory limit", () => {
            const c = container(central, "Deployment", "thanos-query-frontend");
            const results = JSON.parse(flag(c.args, "query-range.response-cache-config")[0]);
            const labels = JSON.parse(flag(c.args, "labels.response-cache-config")[0]);
            expect(results).to.deep.equal({ type: "IN-MEMORY", config: { max_size: "512MB" } });
            expect(labels).to.deep.equal({ type: "IN-MEMORY", config: { max_size: "128MB" } });
            expect(thanosConfigProblems("query-frontend-response-cache", results)).to.deep.equal([]);
            expect(thanosConfigProblems("query-frontend-response-cache", labels)).to.deep.equal([]);
            // 512MB + 128MB of caches, plus the process.
            expect(Number(/^([0-9]+)Mi$/.exec(c.resources.limits.memory)![1])).to.be.greaterThan(640);
        });

        it("the schema rejects a misspelt cache key (the check can fail)", () => {
            expect(
                thanosConfigProblems("query-frontend-response-cache", {
                    type: "IN-MEMORY",
                    config: { maxSize: "512MB" },
                }).join(),
            ).to.contain("maxSize");
            expect(
                thanosConfigProblems("query-frontend-response-cache", { type: "MEMCACHED", config: {} }).join(),
            ).to.contain("addresses");
        });

        it("answers only in-namespace, is scraped as thanos-query-frontend, and deploys no memcached", () => {
            const policy = k8sObject(central, "NetworkPolicy", "thanos-query-frontend");
            expect(policy.spec.ingress).to.deep.equal([
                { from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 9090 }] },
            ]);
            const monitors = byType(central, "kubernetes:monitoring.coreos.com/v1:PodMonitor").map(
                (r) => r.inputs as any,
            );
            const frontendMonitor = monitors.find(
                (m) => m.spec.selector.matchLabels["app.kubernetes.io/component"] === "query-frontend",
            );
            expect(frontendMonitor.spec.podMetricsEndpoints[0].relabelings).to.deep.equal([
                { targetLabel: "job", replacement: "thanos-query-frontend" },
            ]);
            expect(
                central.resources.filter((r) => (r.inputs as any).metadata?.name === "thanos-query-frontend-memcached"),
            ).to.deep.equal([]);
        });
    });

    describe("with central.queryFrontend.cache: memcached", () => {
        it("deploys memcached with limits, a headless Service Thanos resolves by SRV, a PodMonitor and a policy", () => {
            const deployment = k8sObject(memcached, "Deployment", "thanos-query-frontend-memcached");
            expect(deployment.spec.replicas).to.equal(2);
            const [server, exporter] = deployment.spec.template.spec.containers;
            // 1GB of item memory (-m, in MB), items up to 5 MiB (-I).
            expect(server.args).to.include.members(["-m", "1024", "-I", "5m"]);
            expect(server.resources.limits.memory).to.match(/^[0-9]+Mi$/);
            expect(Number(server.resources.limits.memory.slice(0, -2))).to.be.greaterThan(1024);
            expect(exporter.resources.limits.memory).to.equal("64Mi");
            const service = k8sObject(memcached, "Service", "thanos-query-frontend-memcached");
            expect(service.spec.clusterIP).to.equal("None");
            expect(service.spec.ports.find((p: any) => p.name === "memcached").port).to.equal(11211);
            const monitor = byType(memcached, "kubernetes:monitoring.coreos.com/v1:PodMonitor")
                .map((r) => r.inputs as any)
                .find((m) => m.kind === "PodMonitor" && m.metadata.name === "thanos-query-frontend-memcached");
            expect(monitor.spec.podMetricsEndpoints[0].port).to.equal("metrics");
            expect(exporter.ports[0].name).to.equal("metrics");
            const policy = k8sObject(memcached, "NetworkPolicy", "thanos-query-frontend-memcached");
            expect(policy.spec.ingress[0].from).to.deep.equal([
                {
                    podSelector: {
                        matchLabels: k8sObject(memcached, "Deployment", "thanos-query-frontend").spec.selector
                            .matchLabels,
                    },
                },
            ]);
        });

        it("points both caches at every memcached replica, in a document Thanos v0.42.4 accepts", () => {
            const c = container(memcached, "Deployment", "thanos-query-frontend");
            for (const name of ["query-range.response-cache-config", "labels.response-cache-config"]) {
                const doc = JSON.parse(flag(c.args, name)[0]);
                expect(doc.type).to.equal("MEMCACHED");
                // SRV name of the headless Service's port named memcached.
                expect(doc.config.addresses).to.deep.equal([
                    "dnssrv+_memcached._tcp.thanos-query-frontend-memcached.monitoring.svc.cluster.local",
                ]);
                // The client never sends an item memcached (-I 5m) would refuse.
                expect(doc.config.max_item_size).to.equal("5MB");
                expect(thanosConfigProblems("query-frontend-response-cache", doc)).to.deep.equal([]);
            }
            // No cache in the frontend's own memory any more.
            expect(c.resources.limits.memory).to.equal("512Mi");
        });

        it("renders a plan `npm run validate` passes (schemas, pod security, caches, network)", async () => {
            const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-memcached-"));
            try {
                const stackFiles = findStackFiles().map((s) =>
                    s.role === "central"
                        ? {
                              ...s,
                              config: {
                                  ...s.config,
                                  [CENTRAL]: centralWith({ queryFrontend: { cache: "memcached" } }),
                              },
                          }
                        : s,
                );
                await renderStacks({ outDir, stackFiles, secrets: TEST_SECRETS, log: () => undefined });
                const errors = (await validatePlans(loadPlans(outDir))).filter((f) => f.severity === "error");
                expect(errors, formatFindings(errors)).to.deep.equal([]);
                expect(fs.readFileSync(path.join(outDir, "cluster-01", "manifests.yaml"), "utf8")).to.contain(
                    "name: thanos-query-frontend-memcached",
                );
            } finally {
                fs.rmSync(outDir, { recursive: true, force: true });
            }
        });
    });

    describe("Store Gateway caches and Query limits", () => {
        it("gives the Store Gateway an in-memory index cache and caching bucket Thanos v0.42.4 accepts", () => {
            const args = container(central, "StatefulSet", "thanos-store").args;
            const index = JSON.parse(flag(args, "index-cache.config")[0]);
            const bucket = JSON.parse(flag(args, "store.caching-bucket.config")[0]);
            expect(index).to.deep.equal({ type: "IN-MEMORY", config: { max_size: "1GB" } });
            expect(bucket.type).to.equal("IN-MEMORY");
            expect(bucket.config).to.deep.equal({ max_size: "512MB" });
            expect(thanosConfigProblems("store-index-cache", index)).to.deep.equal([]);
            expect(thanosConfigProblems("store-caching-bucket", bucket)).to.deep.equal([]);
            expect(thanosConfigProblems("store-caching-bucket", { ...bucket, chunk_subrange: 1 }).join()).to.contain(
                "chunk_subrange",
            );
        });

        it("limits Query's concurrent queries and each query's series and samples per store, from config", async () => {
            expect(flag(container(central, "Deployment", "thanos-query").args, "query.max-concurrent")).to.deep.equal([
                "20",
            ]);
            expect(
                flag(container(central, "Deployment", "thanos-query").args, "store.limits.request-series"),
            ).to.deep.equal(["100000"]);
            expect(
                flag(container(central, "Deployment", "thanos-query").args, "store.limits.request-samples"),
            ).to.deep.equal(["20000000"]);
            const tuned = await runCommittedStack(
                "cluster-01",
                {
                    [CENTRAL]: centralWith({
                        query: { maxConcurrent: 10, requestSeriesLimit: 50000, requestSamplesLimit: 40000000 },
                    }),
                },
                edges,
            );
            const args = container(tuned, "Deployment", "thanos-query").args;
            expect([
                flag(args, "query.max-concurrent"),
                flag(args, "store.limits.request-series"),
                flag(args, "store.limits.request-samples"),
            ]).to.deep.equal([["10"], ["50000"], ["40000000"]]);
        });
    });

    describe("config rules", () => {
        it("accepts the committed central settings", () => {
            expect(problemsWith(centralWith({}))).to.deep.equal([]);
        });

        it("rejects an unknown cache, one frontend replica and a zero split interval, naming the key", () => {
            const one = (central: Record<string, unknown>) => {
                const problems = problemsWith(central);
                expect(problems, JSON.stringify(problems)).to.have.lengthOf(1);
                return problems[0];
            };
            expect(one(centralWith({ queryFrontend: { cache: "redis" } }))).to.match(
                /thanos-multicluster:central\.queryFrontend\.cache must be in-memory .* or memcached/,
            );
            expect(one(centralWith({ queryFrontend: { replicas: 1 } }))).to.contain(
                "thanos-multicluster:central.queryFrontend.replicas must be at least 2",
            );
            expect(one(centralWith({ queryFrontend: { splitInterval: "0s" } }))).to.contain(
                "thanos-multicluster:central.queryFrontend.splitInterval must not be 0",
            );
            expect(one(centralWith({ queryFrontend: { memcached: { memory: "32MB" } } }))).to.contain(
                "thanos-multicluster:central.queryFrontend.memcached.memory",
            );
            expect(one(centralWith({ storeGateway: { cachingBucketSize: "lots" } }))).to.contain(
                "thanos-multicluster:central.storeGateway.cachingBucketSize must be a size",
            );
        });

        it("rejects per-query limits that would not fit Query's memory, or no limit at all", () => {
            // 20 concurrent x 100M samples x 2 bytes = 4 GB > 2Gi.
            const tooBig = problemsWith(centralWith({ query: { requestSamplesLimit: 100000000 } }));
            expect(tooBig).to.have.lengthOf(1);
            expect(tooBig[0]).to.contain("thanos-multicluster:central.query.requestSamplesLimit");
            expect(tooBig[0]).to.contain("central.query.maxConcurrent");
            expect(problemsWith(centralWith({ query: { requestSamplesLimit: 0 } }))[0]).to.contain(
                "0 (no limit) does not",
            );
            // Fewer concurrent queries make room for bigger ones: 5 x 100M x 2 bytes = 1 GB.
            expect(
                problemsWith(centralWith({ query: { requestSamplesLimit: 100000000, maxConcurrent: 5 } })),
            ).to.deep.equal([]);
        });
    });
});
