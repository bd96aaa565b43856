// `npm run verify` at one tier and at two, against fake servers replaying what the real ones answer:
// the top Query (its /api/v1/stores in the shape Thanos v0.42.4 writes it, tests/fixtures/
// thanosStoresResponse.ts, and instant vectors in its `{ status, data: { resultType, result,
// analysis }, warnings }` envelope, pkg/api/query/v1.go queryData and pkg/api/api.go response),
// three Alertmanager replicas (api/v2 status and alerts) and Grafana. The deployments are the
// committed stacks' outputs: as committed (one tier), and with central.query.maxEdgesPerQuery 2
// (thanos-query-tier-1 reads cluster-02 and cluster-03, thanos-query-tier-2 cluster-04).
// tests/verify.live.test.ts runs the one-tier case over a real Prometheus and real Alertmanagers.

import { expect } from "chai";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { main } from "../offline/verify";
import { uploadQueries } from "../offline/verify/run";
import { storeName } from "../offline/verify/stores";
import {
    THANOS_V0_42_4_STORES_RESPONSE,
    THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE,
} from "./fixtures/thanosStoresResponse";
import { committedEdgeOutputs, runCommittedStack, stackFile } from "./helpers";
import {
    PublishedAddresses,
    asCliOutputs,
    comparable,
    docExample,
    grafanaStandIn,
    listen,
    publishedAddresses,
    writeEdgeOutputFiles,
} from "./live/verifyStandIns";

const CLUSTERS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];
const GRAFANA_PASSWORD = "verify-tiers-test-password";
/** Scrape targets per cluster, as `count by (cluster) (up)` counts them. */
const TARGETS: Record<string, number> = { "cluster-01": 48, "cluster-02": 17, "cluster-03": 17, "cluster-04": 17 };

/** What the fake servers answer: the top Query's stores, the clusters whose series reach it, its warnings. */
interface Scenario {
    stores: string;
    /** Clusters with series in Query (and a Watchdog on every replica). */
    answering: string[];
    /** Query's warnings on every PromQL answer (a partial response). */
    warnings: string[];
}

/**
 * The warning a mid tier's proxy sends for an edge it cannot reach, passed on by the top
 * (pkg/store/proxy_merge.go: "fetch series for <store labels> <store>", the store printed as
 * pkg/query/endpointset.go endpointRef.String). A strict edge never reached has no label sets,
 * which pkg/store/proxy.go storeInfo names "Store Gateway", and the full time range.
 */
function unreachableEdgeWarning(address: string): string {
    return (
        `fetch series for Store Gateway Addr: ${address} MinTime: -9223372036854775808 MaxTime: 9223372036854775807: ` +
        `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${address}: connect: connection refused"`
    );
}

/** Query's instant vector for a query verify sends; undefined for any other (answered 400, as Query does for bad input). */
function vectorAnswer(query: string, scenario: Scenario, now: number): unknown {
    const queries = uploadQueries();
    const value = (cluster: string): number | undefined =>
        query === "count by (cluster) (up)"
            ? TARGETS[cluster]
            : query === queries.lastUpload
              ? now - 2460
              : query === queries.oldestSidecar
                ? 5 * 3600
                : undefined;
    if (value("cluster-01") === undefined) return undefined;
    return {
        status: "success",
        data: {
            resultType: "vector",
            result: scenario.answering.map((cluster) => ({
                metric: { cluster },
                value: [now, String(value(cluster))],
            })),
            analysis: {},
        },
        ...(scenario.warnings.length > 0 ? { warnings: scenario.warnings } : {}),
    };
}

/** The top Query's HTTP API: /api/v1/stores and /api/v1/query. */
function fakeQuery(scenario: () => Scenario): http.Server {
    return http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://query");
        const json = (status: number, body: unknown): void => {
            res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
        };
        if (url.pathname === "/api/v1/stores") {
            res.writeHead(200, { "Content-Type": "application/json" }).end(scenario().stores);
            return;
        }
        if (url.pathname === "/api/v1/query") {
            const answer = vectorAnswer(url.searchParams.get("query") ?? "", scenario(), Date.now() / 1000);
            if (answer === undefined)
                json(400, { status: "error", errorType: "bad_data", error: "not a query this test replays" });
            else json(200, answer);
            return;
        }
        json(404, { status: "error", errorType: "not_found", error: "not found" });
    });
}

/** One Alertmanager replica's api/v2 (v0.34.0's openapi): a ready gossip cluster of `peers`, each answering cluster's Watchdog held. */
function fakeAlertmanager(peers: string[], scenario: () => Scenario): http.Server {
    return http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://alertmanager");
        const json = (body: unknown): void => {
            res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
        };
        if (url.pathname === "/api/v2/status") {
            json({
                cluster: {
                    name: "01KBTEST0000000000000000",
                    status: "ready",
                    peers: peers.map((address, i) => ({ name: `01KBPEER${i}`, address })),
                },
                versionInfo: { version: "0.34.0", branch: "HEAD", revision: "test", goVersion: "go1.25.5" },
                config: { original: "route:\n  receiver: default\n" },
                uptime: "2026-12-06T12:00:00.000Z",
            });
            return;
        }
        if (url.pathname === "/api/v2/alerts" && url.searchParams.get("filter") === 'alertname="Watchdog"') {
            json(
                scenario().answering.map((cluster) => ({
                    labels: { alertname: "Watchdog", cluster, severity: "none" },
                    annotations: { summary: "An alert that should always be firing." },
                    receivers: [{ name: "null" }],
                    startsAt: "2026-12-06T12:00:00.000Z",
                    endsAt: new Date(Date.now() + 240_000).toISOString(),
                    updatedAt: new Date().toISOString(),
                    fingerprint: `w${cluster}`,
                    status: { state: "active", silencedBy: [], inhibitedBy: [] },
                })),
            );
            return;
        }
        res.writeHead(404).end();
    });
}

const stackName = (line: string) => line.split(/\s{2,}/)[1];
const failing = (lines: string[]) => lines.filter((l) => l.startsWith("FAIL")).map(stackName);
const checked = (lines: string[]) => lines.filter((l) => /^(PASS|FAIL|SKIP) /.test(l)).map(stackName);

describe("npm run verify at one tier and at two (fake Query, Alertmanagers and Grafana)", function () {
    this.timeout(120_000);
    const servers: http.Server[] = [];
    let dir: string;
    let scenario: Scenario;
    let flags: (central: string) => string[];
    const published: PublishedAddresses = { queryUrl: "", grafanaUrl: "", alertmanagers: [] };
    let loopback: { query: string; grafana: string; alertmanagers: string[] };
    let twoTierOutputs: Record<string, any>;

    async function verify(central: string, extra: string[] = []) {
        const lines: string[] = [];
        const exitCode = await main([...flags(central), ...extra], { GRAFANA_ADMIN_PASSWORD: GRAFANA_PASSWORD }, (l) =>
            lines.push(l),
        );
        return { exitCode, lines };
    }

    /** loopback -> published address, for comparing verify's lines with docs/verify.md. */
    function addresses(): [string, string][] {
        return [
            [loopback.query, published.queryUrl],
            [loopback.grafana, published.grafanaUrl],
            ...loopback.alertmanagers.map((a, i): [string, string] => [a, published.alertmanagers[i]]),
        ];
    }

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-tiers-"));
        const edges = await committedEdgeOutputs();
        const committed = stackFile("cluster-01").config["thanos-multicluster:central"] as Record<string, any>;
        const oneTier = await runCommittedStack("cluster-01", {}, edges);
        const twoTiers = await runCommittedStack(
            "cluster-01",
            { "thanos-multicluster:central": { ...committed, query: { ...committed.query, maxEdgesPerQuery: 2 } } },
            edges,
        );
        twoTierOutputs = twoTiers.outputs;
        fs.writeFileSync(path.join(dir, "one-tier.json"), JSON.stringify(asCliOutputs(oneTier.outputs)));
        fs.writeFileSync(path.join(dir, "two-tiers.json"), JSON.stringify(asCliOutputs(twoTiers.outputs)));
        // An older central stack's outputs: groups in queryEndpoints, no queryTiers.
        const { queryTiers: _gone, ...older } = asCliOutputs(twoTiers.outputs);
        fs.writeFileSync(path.join(dir, "no-tiers-output.json"), JSON.stringify(older));
        Object.assign(published, publishedAddresses(oneTier.outputs));
        const edgeFiles = writeEdgeOutputFiles(dir, edges);

        const query = fakeQuery(() => scenario);
        const grafana = grafanaStandIn(GRAFANA_PASSWORD);
        // The replicas' gossip addresses (pod IP, port 9094), as each lists its peers.
        const peers = ["10.42.0.17:9094", "10.42.1.23:9094", "10.42.2.9:9094"];
        const alertmanagers = peers.map(() => fakeAlertmanager(peers, () => scenario));
        servers.push(query, grafana, ...alertmanagers);
        const amPorts = await Promise.all(alertmanagers.map(listen));
        loopback = {
            query: `http://127.0.0.1:${await listen(query)}`,
            grafana: `http://127.0.0.1:${await listen(grafana)}`,
            alertmanagers: amPorts.map((p) => `127.0.0.1:${p}`),
        };
        flags = (central) => [
            "--outputs",
            path.join(dir, `${central}.json`),
            ...edgeFiles.flatMap((f) => ["--edge-outputs", f]),
            "--query-url",
            loopback.query,
            "--grafana-url",
            loopback.grafana,
            ...loopback.alertmanagers.flatMap((a) => ["--alertmanager", a]),
            "--timeout",
            "5",
        ];
    });

    beforeEach(() => {
        scenario = { stores: THANOS_V0_42_4_STORES_RESPONSE, answering: CLUSTERS, warnings: [] };
    });

    after(async () => {
        await Promise.all(servers.filter((s) => s.listening).map((s) => new Promise((r) => s.close(r))));
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("one tier: every edge is a store of the top Query; all passes, as docs/verify.md shows", async () => {
        const { exitCode, lines } = await verify("one-tier");
        expect(exitCode, lines.join("\n")).to.equal(0);
        expect(lines[0]).to.not.contain("mid-tier");
        expect(checked(lines).filter((c) => c.startsWith("stores "))).to.deep.equal(CLUSTERS.map((c) => `stores ${c}`));
        expect(comparable(lines, addresses())).to.deep.equal(comparable(docExample("all-good")));
    });

    it("one tier: the two-tier answer (groups, no edges) fails every edge by address", async () => {
        scenario.stores = THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE;
        const { exitCode, lines } = await verify("one-tier");
        expect(exitCode).to.equal(1);
        expect(failing(lines)).to.deep.equal(["stores cluster-02", "stores cluster-03", "stores cluster-04"]);
    });

    it("two tiers: the fixture lists what the top Query of the two-tier stack dials, groups by their thanos:/// name", () => {
        const tiers = twoTierOutputs.queryTiers as {
            name: string;
            address: string;
            stacks: string[];
            endpoints: string[];
        }[];
        expect(tiers.map((t) => [t.name, t.stacks])).to.deep.equal([
            ["thanos-query-tier-1", ["cluster-02", "cluster-03"]],
            ["thanos-query-tier-2", ["cluster-04"]],
        ]);
        const readByTiers = new Set(tiers.flatMap((t) => t.endpoints));
        const top = (twoTierOutputs.queryEndpoints as { address: string; group?: boolean }[]).filter(
            (e) => !readByTiers.has(e.address),
        );
        expect(top.filter((e) => e.group === true).map((e) => e.address)).to.deep.equal(tiers.map((t) => t.address));
        const listed = JSON.parse(THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE).data as Record<string, { name: string }[]>;
        expect(
            Object.values(listed)
                .flat()
                .map((s) => s.name)
                .sort(),
            "update tests/fixtures/thanosStoresResponse.ts",
        ).to.deep.equal(top.map(storeName).sort());
    });

    it("two tiers: each edge answers through its group and the groups are the top's stores; all passes", async () => {
        scenario.stores = THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE;
        const { exitCode, lines } = await verify("two-tiers");
        expect(exitCode, lines.join("\n")).to.equal(0);
        expect(lines[0]).to.contain("(over 2 mid-tier Queries)");
        expect(checked(lines).filter((c) => c.startsWith("stores "))).to.deep.equal([
            ...CLUSTERS.map((c) => `stores ${c}`),
            "stores thanos-query-tier-1",
            "stores thanos-query-tier-2",
        ]);
        const detail = (check: string) => lines.find((l) => stackName(l) === check)!.split(/\s{2,}/)[2];
        expect(detail("stores cluster-01")).to.equal("6/6 endpoints healthy in Query");
        expect(detail("stores cluster-03")).to.equal(
            "announced by mid-tier Query thanos-query-tier-1, which is healthy in Query (its series: the up line)",
        );
        expect(detail("stores thanos-query-tier-1")).to.equal("healthy in Query, announces 2/2 of its edges' clusters");
        // The doc shows the first line and the stores lines; the rest reads as at one tier.
        const shown = lines.filter((l, i) => i === 0 || stackName(l)?.startsWith("stores "));
        expect(comparable(shown, addresses())).to.deep.equal(comparable(docExample("two-tiers-good")));
    });

    it("two tiers: an edge its group never reached fails by edge and group, in stores and in the clusters through the top", async () => {
        const doc = JSON.parse(THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE);
        // thanos-query-tier-2 started while cluster-04 was down: it announces nothing of it.
        doc.data.query[1].labelSets = [];
        scenario = {
            stores: JSON.stringify(doc),
            answering: CLUSTERS.filter((c) => c !== "cluster-04"),
            warnings: [unreachableEdgeWarning("192.168.101.213:10901")],
        };
        const { exitCode, lines } = await verify("two-tiers");
        expect(exitCode).to.equal(1);
        expect(failing(lines)).to.deep.equal([
            "stores cluster-04",
            "up cluster-04",
            "uploads cluster-04",
            "alerts cluster-04",
        ]);
        const shown = [...lines.filter((l) => l.startsWith("FAIL")), lines.at(-1)!];
        expect(comparable(shown, addresses())).to.deep.equal(comparable(docExample("two-tiers-edge-missing")));
        expect(lines.find((l) => stackName(l) === "stores thanos-query-tier-2")).to.match(
            /^PASS .*announces 0\/1 of its edges' clusters \(not cluster-04: see their stores lines\)$/,
        );
        // One edge alone: its lines only, the group named.
        const alone = await verify("two-tiers", ["--stack", "cluster-04"]);
        expect(checked(alone.lines)).to.deep.equal([
            "stores cluster-04",
            "up cluster-04",
            "uploads cluster-04",
            "alerts cluster-04",
            "test-alert",
        ]);
        expect(alone.lines[0]).to.match(/^verify: edge cluster-04 alone, through Query .* \(over 2 mid-tier Queries\)/);
    });

    it("two tiers: an edge silent since its group reached it passes stores (label sets are kept) and fails up, naming the group", async () => {
        scenario = {
            stores: THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE,
            answering: CLUSTERS.filter((c) => c !== "cluster-02"),
            warnings: [unreachableEdgeWarning("192.168.101.211:10901")],
        };
        const { exitCode, lines } = await verify("two-tiers");
        expect(exitCode).to.equal(1);
        expect(failing(lines)).to.deep.equal(["up cluster-02", "uploads cluster-02", "alerts cluster-02"]);
        expect(lines.find((l) => stackName(l) === "up cluster-02")).to.contain(
            "no series of cluster cluster-02 in Query (count by (cluster) (up) has no cluster-02), read through mid-tier Query thanos-query-tier-1 (Query warned: fetch series for Store Gateway Addr: 192.168.101.211:10901",
        );
    });

    it("two tiers: a group the top Query never reached fails the group and each of its edges", async () => {
        const doc = JSON.parse(THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE);
        doc.data.query = doc.data.query.slice(1);
        scenario = { stores: JSON.stringify(doc), answering: ["cluster-01", "cluster-04"], warnings: [] };
        const { exitCode, lines } = await verify("two-tiers");
        expect(exitCode).to.equal(1);
        expect(failing(lines).filter((c) => c.startsWith("stores "))).to.deep.equal([
            "stores cluster-02",
            "stores cluster-03",
            "stores thanos-query-tier-1",
        ]);
        expect(lines.find((l) => stackName(l) === "stores cluster-02")).to.contain(
            "1/1 endpoints failing: 192.168.101.211:10901 (cluster-02 Thanos Query (stack miribit/thanos-multicluster/cluster-02)), read by mid-tier Query thanos-query-tier-1: thanos-query-tier-1 is not in Query's stores (the top Query never reached it) -> see docs/verify.md#stores-at-two-tiers",
        );
        expect(lines.find((l) => stackName(l) === "stores thanos-query-tier-1")).to.contain(
            "thanos:///thanos-query-tier-1.monitoring.svc.cluster.local:10901 (mid-tier Query of 2 edges): not in Query's stores",
        );
        // A group with an error (its last Info call failed) names the error.
        const errored = JSON.parse(THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE);
        errored.data.query[0].lastError = "rpc error: code = DeadlineExceeded desc = context deadline exceeded";
        scenario.stores = JSON.stringify(errored);
        const again = await verify("two-tiers");
        expect(again.lines.find((l) => stackName(l) === "stores cluster-03")).to.contain(
            "read by mid-tier Query thanos-query-tier-1: thanos-query-tier-1: rpc error: code = DeadlineExceeded",
        );
    });

    it("refuses a central stack whose queryEndpoints has groups but no queryTiers output, naming it", async () => {
        scenario.stores = THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE;
        const { exitCode, lines } = await verify("no-tiers-output");
        expect(exitCode).to.equal(2);
        expect(lines[0]).to.match(/no-tiers-output\.json: no output queryTiers/);
    });
});
