// The Ruler's rule file, checked by Prometheus' own promtool: syntax (`check rules`) and
// behaviour (`test rules`, with series written here). In CI promtool must be installed
// (.ci/run installs Debian's prometheus package); elsewhere these tests are skipped without it.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { globalRuleGroups, ruleFile, withoutThanosFields } from "../components/alertRules";

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
    const run = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    if (run.error !== undefined) throw run.error;
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const available = spawnSync("promtool", ["--version"]).error === undefined;

describe("the Ruler's rules under promtool", () => {
    let dir: string;

    before(function () {
        if (!available) {
            if (process.env.CI === "true") throw new Error("promtool is missing: .ci/run must install Debian's prometheus package");
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-rules-"));
        fs.writeFileSync(path.join(dir, "rules.yaml"), ruleFile(withoutThanosFields(globalRuleGroups({ baseUrl: "README.md" }, ["cluster-02", "cluster-03"]))));
    });

    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("pass promtool check rules", () => {
        const result = promtool(["check", "rules", "rules.yaml"], dir);
        expect(result.status, result.output).to.equal(0);
        expect(result.output).to.contain("SUCCESS: 3 rules found");
    });

    it("fire ClusterMetricsMissing for a cluster whose series stopped, and keep the watchdog firing", () => {
        const tests = {
            rule_files: ["rules.yaml"],
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "1m",
                    // cluster-02 reports throughout; cluster-03 stops after 10 minutes.
                    input_series: [
                        { series: 'up{cluster="cluster-02", job="node"}', values: "1x30" },
                        { series: 'up{cluster="cluster-03", job="node"}', values: "1x10 _x20" },
                    ],
                    alert_rule_test: [
                        { eval_time: "12m", alertname: "ClusterMetricsMissing", exp_alerts: [] },
                        {
                            eval_time: "25m",
                            alertname: "ClusterMetricsMissing",
                            exp_alerts: [
                                {
                                    exp_labels: { severity: "critical", cluster: "cluster-03" },
                                    exp_annotations: {
                                        summary: "No metrics from cluster-03 have reached Thanos Query for 10 minutes.",
                                        description: 'Query has no `up` series with cluster="cluster-03": its Prometheus, its sidecars or the path from the central cluster to them is down.',
                                    },
                                },
                            ],
                        },
                        { eval_time: "25m", alertname: "ThanosRulerWatchdog", exp_alerts: [{ exp_labels: { severity: "none" }, exp_annotations: { summary: "Always firing: if it stops arriving, the Ruler, Query or the Alertmanager path is broken." } }] },
                    ],
                },
            ],
        };
        fs.writeFileSync(path.join(dir, "tests.yaml"), yaml.dump(tests));
        const result = promtool(["test", "rules", "tests.yaml"], dir);
        expect(result.status, result.output).to.equal(0);
        expect(result.output).to.contain("SUCCESS");
    });
});
