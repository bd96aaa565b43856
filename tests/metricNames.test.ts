// Every metric name the project reads is one the deployed versions expose: each rule, alert, alert
// test case's input series and dashboard query against the reference list generated from the pinned
// upstream sources (offline/metrics/upstream-metrics.txt, offline/metrics/generate.ts).

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dashboardConfigMapSpecs } from "../components/thanosDashboards";
import { dashboardQueries, substituteGrafanaVariables } from "../offline/checks/dashboardQueries";
import { REFERENCE_FILE, exposedMetric, unknownMetrics, upstreamMetrics } from "../offline/metrics/reference";
import { metricNames } from "../offline/metrics/promqlNames";
import { SOURCES } from "../offline/metrics/generate";
import { PROJECT_ROOT } from "../offline/projectRoot";
import { ALERT_CASES, RECORDED_INPUTS } from "./alertCases";
import { allRuleGroups } from "./allRuleGroups";

function recorded(): Set<string> {
    return new Set(allRuleGroups().flatMap((g) => g.rules.flatMap((r) => ("record" in r ? [r.record] : []))));
}

describe("metric names: what the PromQL reads", () => {
    it("takes series names, not functions, labels, strings, durations or keywords", () => {
        expect(
            metricNames(
                'sum by (job, le) (rate(a_bucket{job="x", le!="+Inf"}[5m])) / on (job) group_left (pod) b_total offset 5m > bool 0 and c unless absent(d{__name__="e"})',
            ),
        ).to.deep.equal(["a_bucket", "b_total", "c", "d", "e"]);
        expect(metricNames('label_replace(up, "a", "$1", "b", "(.*)")')).to.deep.equal(["up"]);
        expect(metricNames("time() - process_start_time_seconds > 300")).to.deep.equal(["process_start_time_seconds"]);
    });
});

describe("metric names: every name read is one the deployed versions expose", () => {
    const known = recorded();

    it("the reference list is generated from every pinned source, and holds their names", () => {
        const text = fs.readFileSync(REFERENCE_FILE, "utf8");
        for (const s of SOURCES) expect(text, s.repo).to.contain(`# source: ${s.repo}@${s.rev}`);
        for (const name of [
            "up",
            "ALERTS",
            "thanos_bucket_store_series_gate_queries_duration_seconds_bucket",
            "thanos_query_concurrent_gate_queries_max",
            "thanos_objstore_bucket_operations_total",
            "grpc_server_handled_total",
            "prometheus_rule_evaluation_failures_total",
            "alertmanager_notifications_failed_total",
            "kube_pod_info",
            "node_cpu_seconds_total",
        ])
            expect(upstreamMetrics().has(name), name).to.equal(true);
    });

    it("every rule and alert (recording rules' own outputs aside)", () => {
        const unknown = allRuleGroups().flatMap((g) =>
            g.rules.flatMap((r) =>
                unknownMetrics(r.expr, known).map((n) => `${g.name}/${"alert" in r ? r.alert : r.record}: ${n}`),
            ),
        );
        expect(unknown).to.deep.equal([]);
    });

    it("every dashboard panel and variable query", () => {
        const unknown = dashboardConfigMapSpecs().flatMap((cm) =>
            Object.entries(cm.data as Record<string, string>).flatMap(([key, text]) =>
                dashboardQueries({ where: key, json: JSON.parse(text) }).flatMap((q) =>
                    unknownMetrics(substituteGrafanaVariables(q.expr), known).map((n) => `${q.where}: ${n}`),
                ),
            ),
        );
        expect(unknown).to.deep.equal([]);
    });

    it("every alert test case's input series (ours only where a recording rule of ours writes it)", () => {
        for (const name of RECORDED_INPUTS) expect(known.has(name), `${name} is recorded by our rules`).to.equal(true);
        const unknown = ALERT_CASES.flatMap((c) =>
            [...c.fire.series, ...c.silent.series]
                .map((s) => s.series.replace(/\{.*$/, ""))
                .filter((n) => !upstreamMetrics().has(n) && !RECORDED_INPUTS.has(n))
                .map((n) => `${c.alert}: ${n}`),
        );
        expect(unknown).to.deep.equal([]);
    });

    it("fails on a name no deployed version exposes (the series gate's pre-v0.42 name)", () => {
        const old = "thanos_bucket_store_series_gate_duration_seconds";
        expect(unknownMetrics(`histogram_quantile(0.99, rate(${old}_bucket[5m]))`)).to.deep.equal([`${old}_bucket`]);
        expect(() => exposedMetric(old)).to.throw("exposed by none of the deployed exporters");
        const gate = allRuleGroups()
            .flatMap((g) => g.rules)
            .find((r) => "alert" in r && r.alert === "ThanosStoreSeriesGateLatencyHigh")!;
        expect(metricNames(gate.expr)).to.include("thanos_bucket_store_series_gate_queries_duration_seconds_bucket");
    });

    it("is what the generator reads from the pinned sources (where UPSTREAM_MIRRORS names the mirrors)", function () {
        const mirrors = process.env.UPSTREAM_MIRRORS;
        if (mirrors === undefined || !fs.existsSync(mirrors)) this.skip();
        this.timeout(120_000);
        // docs/metric-names.md's command, writing elsewhere: the committed file must come out byte for byte.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "metric-names-"));
        try {
            const out = path.join(dir, "upstream-metrics.txt");
            const run = spawnSync(
                process.execPath,
                ["-r", "./offline/tsRegister.cjs", "offline/metrics/generate.ts", mirrors!, "--out", out],
                { cwd: PROJECT_ROOT, encoding: "utf8" },
            );
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.match(/^\d+ metric names -> /);
            expect(fs.readFileSync(out, "utf8")).to.equal(fs.readFileSync(REFERENCE_FILE, "utf8"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
