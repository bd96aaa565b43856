// `npm run verify`'s pure parts, on hand-written inputs: reading Query's /api/v1/stores in the
// shape Thanos v0.42.4 answers it (tests/fixtures/thanosStoresResponse.ts), each check's decision,
// the printed lines and the runbook anchors they name.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { GRAFANA_ADMIN_USER } from "../components/grafanaAdminSecret";
import { clusterRuleGroups } from "../components/alertRules/multicluster";
import { KUBE_PROMETHEUS_STACK_ALERTS } from "../config/kubePrometheusStackAlerts";
import { PROJECT_ROOT } from "../offline/projectRoot";
import {
    GettableAlert,
    InstantVector,
    decideAlertmanagerPeers,
    decideAlertsDelivered,
    decideDatasourceHealth,
    decideGrafanaHealth,
    decideTestAlert,
    decideUp,
    decideUploads,
    formatResult,
    parseInstantVector,
    summarize,
} from "../offline/verify/checks";
import { RUNBOOKS } from "../offline/verify/runbooks";
import {
    DEFAULT_GRAFANA_USER,
    DEFAULT_WATCHDOG,
    LAST_UPLOAD_METRIC,
    TEST_ALERT_NAME,
    grafanaAuthorization,
    testAlertPayload,
} from "../offline/verify/run";
import { EndpointStatus, StoresView, decideStores, parseStoresResponse } from "../offline/verify/stores";
import {
    COMMITTED_EDGES as EDGES,
    THANOS_V0_42_4_STORES_RESPONSE,
    THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE,
} from "./fixtures/thanosStoresResponse";
import { committedEdgeOutputs, runCommittedStack } from "./helpers";

const sidecar = (address: string, source: string) => ({ address, strict: true, source });
const CONFIGURED = [
    sidecar(
        "prometheus-kps-prometheus-0.prometheus-operated.monitoring.svc.cluster.local:10901",
        "cluster-01 sidecar, Prometheus replica 0",
    ),
    sidecar(
        "prometheus-kps-prometheus-1.prometheus-operated.monitoring.svc.cluster.local:10901",
        "cluster-01 sidecar, Prometheus replica 1",
    ),
    ...EDGES.map((e) => sidecar(e.queryEndpoint, `${e.clusterName} Thanos Query (stack ${e.stack})`)),
    ...[0, 1].map((i) => ({
        address: `thanos-store-${i}.thanos-store.monitoring.svc.cluster.local:10901`,
        strict: false,
        source: `store gateway replica ${i}`,
    })),
    ...[0, 1].map((i) => ({
        address: `thanos-ruler-${i}.thanos-ruler.monitoring.svc.cluster.local:10901`,
        strict: false,
        source: `ruler replica ${i}`,
    })),
];

/** The committed deployment as verify sees it: one tier, the top Query reading every edge. */
const ONE_TIER: StoresView = { centralCluster: "cluster-01", edges: EDGES, queryEndpoints: CONFIGURED, queryTiers: [] };

function fixture(): EndpointStatus[] {
    return parseStoresResponse(JSON.parse(THANOS_V0_42_4_STORES_RESPONSE));
}

function vector(values: Record<string, number>, time?: number, warnings: string[] = []): InstantVector {
    return { values: new Map(Object.entries(values)), warnings, time };
}

describe("verify: Query's /api/v1/stores (Thanos v0.42.4)", () => {
    it("parses the pinned shape: every endpoint, its component type, labels and error", () => {
        const statuses = fixture();
        expect(statuses).to.have.lengthOf(9);
        expect(statuses.map((s) => s.componentType).filter((t, i, all) => all.indexOf(t) === i)).to.deep.equal([
            "query",
            "rule",
            "sidecar",
            "store",
        ]);
        // An edge's Query announces the label sets of both sidecars it reads: nothing deduplicated.
        const edge = statuses.find((s) => s.name === "192.168.101.212:10901")!;
        expect(edge.lastError).to.equal(null);
        expect(edge.labelSets.map((l) => [l.cluster, l.prometheus_replica])).to.deep.equal([
            ["cluster-03", "prometheus-kps-prometheus-0"],
            ["cluster-03", "prometheus-kps-prometheus-1"],
        ]);
    });

    it("names the committed stacks' queryEndpoints, so the live test's Query holds what the central stack configures", async () => {
        const central = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
        const configured = (central.outputs.queryEndpoints as { address: string }[]).map((e) => e.address).sort();
        expect(
            fixture()
                .map((s) => s.name)
                .sort(),
            "update tests/fixtures/thanosStoresResponse.ts",
        ).to.deep.equal(configured);
    });

    it("rejects what is not that shape, naming the field", () => {
        expect(() => parseStoresResponse({ status: "error", error: "boom" })).to.throw(/status is "error": boom/);
        expect(() => parseStoresResponse({ status: "success", data: [] })).to.throw(/data is not an object/);
        expect(() =>
            parseStoresResponse({ status: "success", data: { sidecar: [{ name: "a", lastError: 3 }] } }),
        ).to.throw(/data.sidecar\[0\].lastError/);
        expect(() =>
            parseStoresResponse({
                status: "success",
                data: { sidecar: [{ name: "a", lastError: null, labelSets: [["cluster", "x"]] }] },
            }),
        ).to.not.throw();
        expect(() =>
            parseStoresResponse({
                status: "success",
                data: { sidecar: [{ name: "a", lastError: null, labelSets: [{ cluster: 1 }] }] },
            }),
        ).to.throw(/labelSets/);
    });

    it("passes every cluster when every configured endpoint is there without error", () => {
        const results = decideStores(fixture(), ONE_TIER);
        expect(results.map((r) => [r.status, r.check])).to.deep.equal([
            ["PASS", "stores cluster-01"],
            ["PASS", "stores cluster-02"],
            ["PASS", "stores cluster-03"],
            ["PASS", "stores cluster-04"],
        ]);
        expect(results[0].detail).to.equal("6/6 endpoints healthy in Query");
        expect(results[2].detail).to.equal("1/1 endpoints healthy in Query");
    });

    it("fails the edge Query never reached (absent from the answer), naming each address", () => {
        const statuses = fixture().filter((s) => !s.name.startsWith("192.168.101.212:"));
        const [central, c2, c3, c4] = decideStores(statuses, ONE_TIER);
        expect([central.status, c2.status, c4.status]).to.deep.equal(["PASS", "PASS", "PASS"]);
        expect(c3.status).to.equal("FAIL");
        expect(c3.detail).to.equal(
            "1/1 endpoints failing: 192.168.101.212:10901 (cluster-03 Thanos Query (stack cluster-03)): not in Query's stores (Query never reached it)",
        );
        expect(c3.runbook).to.deep.equal(["docs/runbooks.md#clusterunreachablefromquery", "docs/verify.md#stores"]);
    });

    it("fails an endpoint with a last error, and one announcing another cluster", () => {
        const statuses = fixture().map((s) =>
            s.name === "192.168.101.213:10901"
                ? { ...s, lastError: "rpc error: code = DeadlineExceeded desc = context deadline exceeded" }
                : s.name === "192.168.101.211:10901"
                  ? { ...s, labelSets: [{ cluster: "cluster-03" }] }
                  : s,
        );
        const results = decideStores(statuses, ONE_TIER);
        expect(results[1].detail).to.equal(
            "1/1 endpoints failing: 192.168.101.211:10901 (cluster-02 Thanos Query (stack cluster-02)): announces cluster cluster-03, expected cluster-02",
        );
        expect(results[3].detail).to.match(/192.168.101.213:10901 .*: rpc error: code = DeadlineExceeded/);
        // The Store Gateway going down fails the central cluster's line, naming the replica.
        const store = fixture().map((s) =>
            s.name.startsWith("thanos-store-1") ? { ...s, lastError: "connection refused" } : s,
        );
        expect(decideStores(store, ONE_TIER)[0].detail).to.match(/store gateway replica 1\): connection refused/);
    });

    it("fails an edge whose published Query the central stack does not configure (not updated after the edge)", () => {
        const fifth = { stack: "cluster-05", clusterName: "cluster-05", queryEndpoint: "192.168.101.214:10901" };
        const results = decideStores(fixture(), { ...ONE_TIER, edges: [...EDGES, fifth] });
        expect(results[4]).to.deep.equal({
            status: "FAIL",
            check: "stores cluster-05",
            detail: "1/1 endpoints failing: 192.168.101.214:10901 (cluster-05 Thanos Query, stack cluster-05): not in the central stack's queryEndpoints",
            runbook: ["docs/verify.md#stores"],
        });
    });

    it("at two tiers: judges each edge through its group, and a group announcing a cluster none of its edges is", () => {
        const tier = (n: number, edges: typeof EDGES) => ({
            name: `thanos-query-tier-${n}`,
            address: `thanos-query-tier-${n}.monitoring.svc.cluster.local:10901`,
            endpoints: edges.map((e) => e.queryEndpoint),
        });
        const tiers = [tier(1, EDGES.slice(0, 2)), tier(2, EDGES.slice(2))];
        const groupEntries = tiers.map((t) => ({ address: t.address, strict: true, group: true, source: t.name }));
        const view: StoresView = {
            centralCluster: "cluster-01",
            edges: EDGES,
            queryEndpoints: [
                ...CONFIGURED.filter((e) => !e.address.startsWith("192.168.")),
                ...groupEntries,
                ...CONFIGURED.filter((e) => e.address.startsWith("192.168.")),
            ],
            queryTiers: tiers,
        };
        const statuses = parseStoresResponse(JSON.parse(THANOS_V0_42_4_TWO_TIER_STORES_RESPONSE));
        expect(decideStores(statuses, view).map((r) => [r.status, r.check])).to.deep.equal([
            ["PASS", "stores cluster-01"],
            ["PASS", "stores cluster-02"],
            ["PASS", "stores cluster-03"],
            ["PASS", "stores cluster-04"],
            ["PASS", "stores thanos-query-tier-1"],
            ["PASS", "stores thanos-query-tier-2"],
        ]);
        // Group 2 reaches cluster-03's address: it announces cluster-03, not cluster-04.
        const crossed = statuses.map((s) =>
            s.name.includes("tier-2") ? { ...s, labelSets: [{ cluster: "cluster-03" }] } : s,
        );
        const results = decideStores(crossed, view);
        expect(results.find((r) => r.check === "stores thanos-query-tier-2")!.detail).to.equal(
            "1/1 endpoints failing: thanos:///thanos-query-tier-2.monitoring.svc.cluster.local:10901 (mid-tier Query of 1 edge): announces cluster cluster-03, not one of its edges'",
        );
        expect(results.find((r) => r.check === "stores cluster-04")!.detail).to.match(
            /read by mid-tier Query thanos-query-tier-2: thanos-query-tier-2 announces no cluster cluster-04/,
        );
        // With only some edges' outputs given, a group's other clusters are not strangers.
        const partial = decideStores(statuses, { ...view, edges: EDGES.slice(0, 1) });
        expect(partial.find((r) => r.check === "stores thanos-query-tier-1")).to.deep.include({ status: "PASS" });
        // One edge alone: its line, not the groups'.
        expect(decideStores(statuses, view, "cluster-04").map((r) => r.check)).to.deep.equal(["stores cluster-04"]);
    });

    it("checks one edge alone when asked", () => {
        expect(decideStores(fixture(), ONE_TIER, "cluster-04").map((r) => r.check)).to.deep.equal([
            "stores cluster-04",
        ]);
    });
});

describe("verify: series, uploads, Alertmanager, Grafana", () => {
    it("reads a PromQL vector by label, with Query's warnings and the evaluation time", () => {
        const parsed = parseInstantVector(
            {
                status: "success",
                data: {
                    resultType: "vector",
                    result: [{ metric: { cluster: "cluster-02" }, value: [1765039200.5, "7"] }],
                },
                warnings: ["receive series from 192.168.101.212:10901: rpc error"],
            },
            "cluster",
        );
        expect([...parsed.values]).to.deep.equal([["cluster-02", 7]]);
        expect(parsed.time).to.equal(1765039200.5);
        expect(parsed.warnings).to.have.lengthOf(1);
        expect(() => parseInstantVector({ status: "error", error: "bad query" }, "cluster")).to.throw(/bad query/);
        expect(() =>
            parseInstantVector({ status: "success", data: { resultType: "matrix", result: [] } }, "cluster"),
        ).to.throw(/vector/);
    });

    it("fails each cluster missing from count by (cluster) (up), by name", () => {
        const results = decideUp(vector({ "cluster-01": 40, "cluster-02": 12 }, 1, ["partial response"]), [
            "cluster-01",
            "cluster-02",
            "cluster-03",
        ]);
        expect(results.map((r) => r.status)).to.deep.equal(["PASS", "PASS", "FAIL"]);
        expect(results[0].detail).to.equal("40 targets in Query (Query warned: partial response)");
        expect(results[2].detail).to.match(/^no series of cluster cluster-03 in Query/);
        expect(results[2].runbook).to.deep.equal(RUNBOOKS.up);
    });

    it("passes an upload within the window, fails a stale or missing one, skips a sidecar too young to have uploaded", () => {
        const now = 1_765_039_200;
        const results = decideUploads(
            vector({ a: now - 600, b: now - 4 * 3600, c: 0, d: 0 }),
            vector({ a: 86400, b: 86400, c: 1800, d: 5 * 3600 }),
            ["a", "b", "c", "d", "e"],
            now,
            3,
        );
        expect(results.map((r) => [r.status, r.detail])).to.deep.equal([
            ["PASS", "last block uploaded 10m ago"],
            ["FAIL", "cluster b last uploaded a block 4.0h ago (more than 3h)"],
            [
                "SKIP",
                "no upload yet; the oldest sidecar started 30m ago and the first block comes about 2h after start: run verify again later",
            ],
            ["FAIL", "no block uploaded by cluster d in 3h"],
            ["FAIL", "Query has no sidecar metrics of cluster e (thanos_objstore_bucket_last_successful_upload_time)"],
        ]);
    });

    it("reads the upload metric ClusterBlocksNotUploaded reads", () => {
        const rules = clusterRuleGroups({ baseUrl: "docs/runbooks.md" }).flatMap((g) => g.rules) as {
            alert?: string;
            expr: string;
        }[];
        expect(rules.find((r) => r.alert === "ClusterBlocksNotUploaded")!.expr).to.contain(`${LAST_UPLOAD_METRIC}{`);
    });

    it("fails a replica that is unreachable, settling, or missing peers", () => {
        const peers = (n: number) =>
            Array.from({ length: n }, (_, i) => ({ name: `p${i}`, address: `10.0.0.${i}:9094` }));
        const results = decideAlertmanagerPeers([
            {
                replica: "am:9093",
                answer: { cluster: { status: "ready", peers: peers(3) }, versionInfo: { version: "0.34.0" } },
            },
            { replica: "am:9094", answer: { cluster: { status: "settling", peers: peers(3) } } },
            { replica: "am:9095", answer: { cluster: { status: "ready", peers: peers(2) } } },
            { replica: "am:9096", error: "ECONNREFUSED connecting to am:9096" },
        ]);
        expect(results.map((r) => [r.status, r.check, r.detail])).to.deep.equal([
            [
                "FAIL",
                "alertmanager am:9093",
                "cluster ready with 3/4 peers (10.0.0.0:9094, 10.0.0.1:9094, 10.0.0.2:9094)",
            ],
            [
                "FAIL",
                "alertmanager am:9094",
                "cluster settling with 3/4 peers (10.0.0.0:9094, 10.0.0.1:9094, 10.0.0.2:9094)",
            ],
            ["FAIL", "alertmanager am:9095", "cluster ready with 2/4 peers (10.0.0.0:9094, 10.0.0.1:9094)"],
            ["FAIL", "alertmanager am:9096", "replica unreachable: ECONNREFUSED connecting to am:9096"],
        ]);
        const ok = decideAlertmanagerPeers([
            {
                replica: "am:9093",
                answer: { cluster: { status: "ready", peers: peers(2) }, versionInfo: { version: "0.34.0" } },
            },
            { replica: "am:9094", answer: { cluster: { status: "ready", peers: peers(2) } } },
        ]);
        expect(ok.map((r) => [r.status, r.detail])).to.deep.equal([
            ["PASS", "cluster ready, 2/2 peers, v0.34.0"],
            ["PASS", "cluster ready, 2/2 peers"],
        ]);
    });

    it("names each replica missing a cluster's watchdog", () => {
        const alert = (cluster: string): GettableAlert => ({
            labels: { alertname: "Watchdog", cluster, severity: "none" },
            receivers: [{ name: "null" }],
            endsAt: "2026-12-06T17:00:00Z",
            status: { state: "active" },
        });
        const results = decideAlertsDelivered(
            [
                { replica: "am:9093", answer: [alert("cluster-01"), alert("cluster-02")] },
                { replica: "am:9094", answer: [alert("cluster-01")] },
                { replica: "am:9095", error: "no answer from am:9095 within 10s" },
            ],
            ["cluster-01", "cluster-02"],
            "Watchdog",
        );
        expect(results.map((r) => [r.status, r.check, r.detail])).to.deep.equal([
            [
                "FAIL",
                "alerts cluster-01",
                "Watchdog of cluster-01 missing on 1/3 replicas: am:9095 (unreachable: no answer from am:9095 within 10s)",
            ],
            [
                "FAIL",
                "alerts cluster-02",
                'Watchdog of cluster-02 missing on 2/3 replicas: am:9094 (no Watchdog{cluster="cluster-02"}); am:9095 (unreachable: no answer from am:9095 within 10s)',
            ],
        ]);
    });

    it("confirms the test alert's receiver on every replica, and names a wrong route", () => {
        const routed = (name: string): GettableAlert[] => [
            { labels: { alertname: TEST_ALERT_NAME }, receivers: [{ name }], endsAt: "x", status: { state: "active" } },
        ];
        expect(decideTestAlert([{ replica: "a", answer: routed("oncall") }], "oncall", "T").detail).to.equal(
            "routed to oncall on 1/1 replicas; resolves itself at T",
        );
        const wrong = decideTestAlert(
            [
                { replica: "a", answer: routed("oncall") },
                { replica: "b", answer: [] },
            ],
            "critical",
            "T",
        );
        expect([wrong.status, wrong.detail]).to.deep.equal([
            "FAIL",
            "a: routed to oncall, not critical; b: the test alert is not there",
        ]);
    });

    it("labels the test alert as a test that resolves itself, with the operator's routing labels", () => {
        const now = new Date("2026-12-06T17:00:00Z");
        const payload = testAlertPayload("cluster-01", { severity: "critical" }, "abc", now);
        expect(payload.labels).to.deep.equal({
            alertname: "ThanosMulticlusterVerifyTest",
            severity: "critical",
            cluster: "cluster-01",
            verify_run: "abc",
        });
        expect(payload.endsAt).to.equal("2026-12-06T17:05:00.000Z");
        expect(payload.annotations.summary).to.match(/^Test alert sent by `npm run verify/);
    });

    it("uses kube-prometheus-stack's Watchdog by default (an alert of the pinned chart)", () => {
        expect(DEFAULT_WATCHDOG).to.equal("Watchdog");
        expect(KUBE_PROMETHEUS_STACK_ALERTS).to.include(DEFAULT_WATCHDOG);
    });

    it("checks Grafana's health and datasource, skipping the datasource without credentials", () => {
        expect(decideGrafanaHealth({ status: 200, body: { database: "ok", version: "12.3.1" } }).detail).to.equal(
            "healthy, version 12.3.1",
        );
        expect(decideGrafanaHealth({ status: 503, body: { database: "failing" } }).status).to.equal("FAIL");
        expect(decideGrafanaHealth({ error: "ETIMEDOUT" }).detail).to.equal("unreachable: ETIMEDOUT");
        expect(decideDatasourceHealth("thanos", { skipped: "no credentials" })).to.deep.equal({
            status: "SKIP",
            check: "grafana datasource thanos",
            detail: "no credentials",
        });
        expect(decideDatasourceHealth("thanos", { status: 401, body: {} }).detail).to.equal(
            "Grafana refused the credentials (HTTP 401)",
        );
        expect(
            decideDatasourceHealth("thanos", {
                status: 400,
                body: { status: "ERROR", message: 'Post "http://q": dial tcp' },
            }).detail,
        ).to.equal('HTTP 400: Post "http://q": dial tcp');
        expect(
            decideDatasourceHealth("thanos", {
                status: 200,
                body: { status: "OK", message: "Successfully queried the Prometheus API." },
            }).status,
        ).to.equal("PASS");
    });

    it("takes Grafana credentials from the environment: a token, or the admin password", () => {
        expect(grafanaAuthorization({ GRAFANA_TOKEN: "glsa_x" })).to.deep.equal({ header: "Bearer glsa_x" });
        expect(grafanaAuthorization({ GRAFANA_ADMIN_PASSWORD: "pw" })).to.deep.equal({
            header: `Basic ${Buffer.from("admin:pw").toString("base64")}`,
        });
        expect(grafanaAuthorization({})).to.have.property("missing");
        expect(DEFAULT_GRAFANA_USER).to.equal(GRAFANA_ADMIN_USER);
    });

    it("prints one line per check, the runbooks on a failure, and exits non-zero only on a failure", () => {
        const fail = { status: "FAIL" as const, check: "up cluster-03", detail: "no series", runbook: RUNBOOKS.up };
        expect(formatResult(fail)).to.equal(
            `FAIL  ${"up cluster-03".padEnd(34)} no series -> see docs/runbooks.md#clustermetricsmissing, docs/verify.md#up`,
        );
        const skip = { status: "SKIP" as const, check: "test-alert", detail: "not sent" };
        expect(summarize([skip])).to.deep.equal({ line: "verify: 0 passed, 0 failed, 1 skipped", exitCode: 0 });
        expect(summarize([skip, fail])).to.deep.equal({
            line: "verify: 0 passed, 1 failed, 1 skipped (failed: up cluster-03)",
            exitCode: 1,
        });
    });

    it("links only runbook sections that exist", () => {
        const anchors = (file: string) =>
            fs
                .readFileSync(path.join(PROJECT_ROOT, file), "utf8")
                .split("\n")
                .filter((l) => /^#+ /.test(l))
                .map((l) =>
                    l
                        .replace(/^#+ /, "")
                        .toLowerCase()
                        .replace(/[^a-z0-9 -]/g, "")
                        .replace(/ /g, "-"),
                );
        for (const link of Object.values(RUNBOOKS).flat()) {
            const [file, anchor] = link.split("#");
            expect(anchors(file), link).to.include(anchor);
        }
    });
});
