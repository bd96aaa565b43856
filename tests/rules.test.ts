// Every rule file we emit, checked by Prometheus' own promtool: syntax (`check rules`) and
// behaviour (`test rules`: for every alert, hand-written series that make it fire with hand-written
// labels, and series that leave it silent; tests/alertCases.ts). In CI promtool must be installed
// (.ci/tools.sh installs Debian sid's promtool 3); elsewhere these tests are skipped without it.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    AlertingRule,
    PROJECT_ALERT_NAMES,
    alertmanagerRuleGroups,
    frontDoorRuleGroups,
    RuleGroup,
    certificateExpiries,
    certificateRuleGroups,
    clusterRuleGroups,
    controlPlaneRuleGroups,
    globalRuleGroups,
    isAlertingRule,
    ruleFile,
    sidecarRuleGroups,
    withoutAlerts,
    withoutThanosFields,
} from "../components/alertRules";
import { prometheusRuleSpec } from "../components/thanosAlertRules";
import { promtool, promtoolAvailable } from "../offline/promtool";
import { PROJECT_ROOT } from "../offline/runStack";
import { ALERT_CASES, AlertCase, RuleFileName, WATCHDOG } from "./alertCases";
import { committedEdgeOutputs, runCommittedStack, stackFile } from "./helpers";
import { findStep, resolveEnv } from "./workflowSteps";

const LINKS = { baseUrl: "docs/runbooks.md" };
// An edge's: its CA and server certificate, and the deployment CA it trusts; the central stack's.
const CERTIFICATES = [
    { certificate: "sidecar-ca", notAfterSeconds: 2082585600 },
    { certificate: "sidecar-server", notAfterSeconds: 1798761600 },
    { certificate: "sidecar-client-ca", notAfterSeconds: 2111702400 },
];
const CENTRAL_CERTIFICATES = [
    { certificate: "deployment-ca", notAfterSeconds: 2082585600 },
    { certificate: "query-client", notAfterSeconds: 1798761600 },
];

const GROUPS: Record<RuleFileName, RuleGroup[]> = {
    cluster: [...sidecarRuleGroups(LINKS), ...clusterRuleGroups(LINKS, CERTIFICATES)],
    "control-plane": [
        ...controlPlaneRuleGroups(LINKS),
        ...alertmanagerRuleGroups(LINKS),
        ...frontDoorRuleGroups(LINKS),
        ...certificateRuleGroups(CENTRAL_CERTIFICATES),
    ],
    ruler: globalRuleGroups(LINKS, ["cluster-02", "cluster-03"]),
};

/** The Thanos mixin's alerts (v0.42.4) for sidecar, query, store, compact and rule, written out here. */
const MIXIN_ALERTS_WE_RUN = [
    "ThanosCompactMultipleRunning",
    "ThanosCompactHalted",
    "ThanosCompactHighCompactionFailures",
    "ThanosCompactBucketHighOperationFailures",
    "ThanosCompactHasNotRun",
    "ThanosQueryHttpRequestQueryErrorRateHigh",
    "ThanosQueryHttpRequestQueryRangeErrorRateHigh",
    "ThanosQueryGrpcServerErrorRate",
    "ThanosQueryGrpcClientErrorRate",
    "ThanosQueryHighDNSFailures",
    "ThanosQueryInstantLatencyHigh",
    "ThanosQueryRangeLatencyHigh",
    "ThanosQueryOverload",
    "ThanosSidecarBucketOperationsFailed",
    "ThanosSidecarNoConnectionToStartedPrometheus",
    "ThanosStoreGrpcErrorRate",
    "ThanosStoreSeriesGateLatencyHigh",
    "ThanosStoreBucketHighOperationFailures",
    "ThanosStoreObjstoreOperationLatencyHigh",
    "ThanosRuleQueueIsDroppingAlerts",
    "ThanosRuleSenderIsFailingAlerts",
    "ThanosRuleHighRuleEvaluationFailures",
    "ThanosRuleHighRuleEvaluationWarnings",
    "ThanosRuleRuleEvaluationLatencyHigh",
    "ThanosRuleGrpcErrorRate",
    "ThanosRuleConfigReloadFailure",
    "ThanosRuleQueryHighDNSFailures",
    "ThanosRuleAlertmanagerHighDNSFailures",
    "ThanosRuleNoEvaluationFor10Intervals",
    "ThanosNoRuleEvaluations",
    "ThanosCompactIsDown",
    "ThanosQueryIsDown",
    "ThanosRuleIsDown",
    "ThanosSidecarIsDown",
    "ThanosStoreIsDown",
];
const OUR_ALERTS = [
    "ClusterUnreachableFromQuery",
    "ClusterPartialResponse",
    "ClusterBlocksNotUploaded",
    "ClusterMetricsMissing",
    "CrossClusterCertificateExpiring",
    "ThanosRulerWatchdog",
    "AlertmanagerAlertsDropped",
    "FrontDoorBackendDown",
];

function alertsIn(groups: RuleGroup[]): AlertingRule[] {
    return groups.flatMap((g) => g.rules.filter(isAlertingRule));
}

describe("alert rules", () => {
    it("define every mixin alert for the components we run, and ours, once each", () => {
        expect([...PROJECT_ALERT_NAMES].sort()).to.deep.equal([...MIXIN_ALERTS_WE_RUN, ...OUR_ALERTS].sort());
    });

    it("match the mixin's alert names of the pinned release (where ../shared/reference exists)", function () {
        // ../shared/reference next to the project, as the other upstream tests look for it.
        const file = path.join(PROJECT_ROOT, "..", "shared", "reference", "thanos-v0.42.4", "mixin-alert-names.txt");
        if (!fs.existsSync(file)) this.skip();
        const upstream = fs
            .readFileSync(file, "utf8")
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l !== "");
        // Receive and bucket replicate are not deployed; there is no query-frontend alert in v0.42.4.
        const deployed = upstream.filter(
            (n) => !n.startsWith("ThanosReceive") && !n.startsWith("ThanosBucketReplicate"),
        );
        expect([...deployed].sort()).to.deep.equal([...MIXIN_ALERTS_WE_RUN].sort());
    });

    it("have a fire and a silent promtool case for every alert (the watchdog only fires)", () => {
        expect(ALERT_CASES.map((c) => c.alert).sort()).to.deep.equal(
            PROJECT_ALERT_NAMES.filter((n) => n !== WATCHDOG).sort(),
        );
    });

    it("link every alert to its runbook in docs/runbooks.md, which has one section per alert and none other", () => {
        const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbooks.md"), "utf8");
        // GitHub's anchor of a heading: lower-cased, punctuation dropped, spaces as dashes.
        const headings = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
        const anchors = headings.map((h) =>
            h
                .toLowerCase()
                .replace(/[^a-z0-9 -]/g, "")
                .replace(/ /g, "-"),
        );
        const alerts = alertsIn(Object.values(GROUPS).flat());
        for (const rule of alerts) {
            const [file, anchor] = rule.annotations.runbook_url.split("#");
            expect(file, rule.alert).to.equal("docs/runbooks.md");
            expect(anchors, `docs/runbooks.md has no heading for ${rule.alert}`).to.include(anchor);
            expect(headings, rule.alert).to.include(rule.alert);
        }
        expect([...headings].sort(), "a runbook for an alert no rule file has").to.deep.equal(
            [...new Set(alerts.map((r) => r.alert))].sort(),
        );
    });

    it("the committed stacks link every alert they deploy to docs/runbooks.md, wherever it is served", async function () {
        this.timeout(60_000);
        for (const stack of ["cluster-02", "cluster-01"]) {
            const run = await runCommittedStack(stack, {}, stack === "cluster-01" ? await committedEdgeOutputs() : {});
            const base =
                (stackFile(stack).config["thanos-multicluster:prometheus"] as { runbookBaseUrl?: string })
                    .runbookBaseUrl ?? "docs/runbooks.md";
            expect(base, stack).to.match(/(^|\/)docs\/runbooks\.md$/);
            const urls = run.resources
                .filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
                .flatMap((r) => (r.inputs as any).spec.groups.flatMap((g: any) => g.rules))
                .filter((rule: any) => rule.alert !== undefined)
                .map((rule: any) => rule.annotations.runbook_url as string);
            expect(urls.length, stack).to.be.greaterThan(3);
            for (const url of urls)
                expect(url, stack).to.match(new RegExp(`^${base.replace(/[.]/g, "\\.")}#[a-z0-9]+$`));
        }
    });

    it("under the base the CI workflows set (pulumi-stack.yml), link every deployed alert to an existing heading of docs/runbooks.md", async function () {
        this.timeout(60_000);
        const step = findStep("pulumi-stack.yml", "pulumi", "Runbook links");
        const github = {
            server_url: "https://github.com",
            repository: "miribit/thanos-multicluster",
            event: { repository: { default_branch: "main" } },
        };
        const { RUNBOOK_BASE_URL: base } = resolveEnv(step.env, {}, {}, { github });
        expect(base).to.equal("https://github.com/miribit/thanos-multicluster/blob/main/docs/runbooks.md");
        const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbooks.md"), "utf8");
        const anchors = new Set(
            [...doc.matchAll(/^## (.+)$/gm)].map((m) =>
                m[1]
                    .toLowerCase()
                    .replace(/[^a-z0-9 -]/g, "")
                    .replace(/ /g, "-"),
            ),
        );
        const edges = await committedEdgeOutputs();
        for (const stack of ["cluster-02", "cluster-01"]) {
            const prometheus = stackFile(stack).config["thanos-multicluster:prometheus"] as Record<string, unknown>;
            const run = await runCommittedStack(
                stack,
                { "thanos-multicluster:prometheus": { ...prometheus, runbookBaseUrl: base } },
                stack === "cluster-01" ? edges : {},
            );
            // The PrometheusRules, and on the central cluster the Ruler's rule file.
            const groups = run.resources.flatMap((r): any[] => {
                const inputs = r.inputs as any;
                if (r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule") return inputs.spec.groups;
                if (r.type === "kubernetes:core/v1:ConfigMap" && inputs.metadata?.name === "thanos-ruler-rules")
                    return Object.values(inputs.data as Record<string, string>).flatMap(
                        (text) => (yaml.load(text) as { groups: any[] }).groups,
                    );
                return [];
            });
            const urls = groups
                .flatMap((g) => g.rules)
                .filter((rule: any) => rule.alert !== undefined && rule.annotations.runbook_url.includes("#"))
                .map((rule: any) => [rule.alert, rule.annotations.runbook_url] as [string, string]);
            expect(urls.length, stack).to.be.greaterThan(3);
            for (const [alert, url] of urls) {
                if (/^https:\/\/runbooks\.prometheus-operator\.dev\//.test(url)) continue;
                const [at, anchor] = url.split("#");
                expect(at, `${stack} ${alert}`).to.equal(base);
                expect(anchors.has(anchor), `${stack} ${alert}: docs/runbooks.md has no heading #${anchor}`).to.equal(
                    true,
                );
            }
        }
    });

    it("run cross-cluster groups in the Ruler with partial responses allowed, and nothing Thanos-only in PrometheusRules", () => {
        const clusters = GROUPS.ruler.find((g) => g.name === "thanos-multicluster.clusters")!;
        expect(clusters.partial_response_strategy).to.equal("warn");
        expect(clusters.rules.filter(isAlertingRule).map((r) => r.alert)).to.include.members([
            "ClusterMetricsMissing",
            "CrossClusterCertificateExpiring",
        ]);
        expect(() => prometheusRuleSpec("x", GROUPS.ruler)).to.throw(/partial_response_strategy/);
        expect(prometheusRuleSpec("x", GROUPS.cluster).spec.groups).to.have.length(3);
    });

    it("leave out disabled alerts and keep recording rules", () => {
        const left = withoutAlerts(GROUPS.cluster, ["ThanosSidecarIsDown", "ClusterBlocksNotUploaded"]);
        expect(alertsIn(left).map((r) => r.alert)).to.deep.equal([
            "ThanosSidecarBucketOperationsFailed",
            "ThanosSidecarNoConnectionToStartedPrometheus",
            "ClusterPartialResponse",
            "ClusterUnreachableFromQuery",
        ]);
        expect(left.find((g) => g.name === "thanos-multicluster.certificates")?.rules).to.have.length(3);
    });

    it("record each certificate once, and nothing without certificates", () => {
        expect(certificateRuleGroups([])).to.deep.equal([]);
        expect(clusterRuleGroups(LINKS).map((g) => g.name)).to.deep.equal(["thanos-multicluster.cluster"]);
        expect(() =>
            certificateRuleGroups([
                { certificate: "sidecar-ca", notAfterSeconds: 1 },
                { certificate: "sidecar-ca", notAfterSeconds: 2 },
            ]),
        ).to.throw("certificate sidecar-ca is recorded twice");
    });

    it("read the provider's validityEndTime (RFC 3339) as Unix seconds", () => {
        // 2027-01-01T00:00:00Z is 1798761600 (`date -u -d 2027-01-01 +%s`); the provider writes local offsets too.
        expect(
            certificateExpiries({
                "query-client": "2027-01-01T00:00:00Z",
                "deployment-ca": "2027-01-01T09:00:00.5+09:00",
            }),
        ).to.deep.equal([
            { certificate: "query-client", notAfterSeconds: 1798761600 },
            { certificate: "deployment-ca", notAfterSeconds: 1798761600 },
        ]);
        expect(() => certificateExpiries({ "query-client": "next year" })).to.throw(
            'certificate query-client: validityEndTime "next year" is not an RFC 3339 time',
        );
    });
});

describe("alert rules under promtool", () => {
    let dir: string;

    before(function () {
        if (!promtoolAvailable()) {
            if (process.env.CI === "true")
                throw new Error("promtool is missing: .ci/run must install it (bash .ci/tools.sh)");
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-rules-"));
        for (const [name, groups] of Object.entries(GROUPS)) {
            // promtool is Prometheus' parser, which rejects the Ruler's partial_response_strategy:
            // it checks everything else, and the field is checked by the test above.
            fs.writeFileSync(path.join(dir, `${name}.yaml`), ruleFile(withoutThanosFields(groups)));
        }
        fs.writeFileSync(path.join(dir, "ruler-as-deployed.yaml"), ruleFile(GROUPS.ruler));
    });

    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("pass promtool check rules", () => {
        for (const name of Object.keys(GROUPS)) {
            const result = promtool(["check", "rules", `${name}.yaml`], dir);
            expect(result.status, result.output).to.equal(0);
            expect(result.output).to.contain("SUCCESS");
        }
    });

    it("keep the Ruler's partial_response_strategy out of Prometheus: promtool rejects the Ruler file as deployed", () => {
        const result = promtool(["check", "rules", "ruler-as-deployed.yaml"], dir);
        expect(result.status).to.not.equal(0);
        expect(result.output).to.contain("partial_response_strategy");
    });

    it("record each certificate's expiry as a series, on an edge and on the central cluster", () => {
        const recorded = (file: RuleFileName, samples: Record<string, number>) => ({
            rule_files: [`${file}.yaml`],
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "1m",
                    input_series: [],
                    promql_expr_test: [
                        {
                            expr: "thanos_multicluster_certificate_expiry_timestamp_seconds",
                            eval_time: "2m",
                            exp_samples: Object.entries(samples).map(([certificate, value]) => ({
                                labels: `thanos_multicluster_certificate_expiry_timestamp_seconds{certificate="${certificate}"}`,
                                value,
                            })),
                        },
                    ],
                },
            ],
        });
        for (const [file, samples] of [
            ["cluster", { "sidecar-ca": 2082585600, "sidecar-server": 1798761600, "sidecar-client-ca": 2111702400 }],
            ["control-plane", { "deployment-ca": 2082585600, "query-client": 1798761600 }],
        ] as const) {
            fs.writeFileSync(path.join(dir, `recording-${file}.test.yaml`), yaml.dump(recorded(file, samples)));
            const result = promtool(["test", "rules", `recording-${file}.test.yaml`], dir);
            expect(result.status, result.output).to.equal(0);
        }
    });

    it("fire the watchdog always", () => {
        const watchdog = alertsIn(GROUPS.ruler).find((r) => r.alert === WATCHDOG)!;
        const tests = {
            rule_files: ["ruler.yaml"],
            evaluation_interval: "1m",
            tests: [
                {
                    interval: "1m",
                    input_series: [],
                    alert_rule_test: [
                        {
                            eval_time: "5m",
                            alertname: WATCHDOG,
                            exp_alerts: [{ exp_labels: { severity: "none" }, exp_annotations: watchdog.annotations }],
                        },
                    ],
                },
            ],
        };
        fs.writeFileSync(path.join(dir, "watchdog.test.yaml"), yaml.dump(tests));
        const result = promtool(["test", "rules", "watchdog.test.yaml"], dir);
        expect(result.status, result.output).to.equal(0);
    });

    // promtool evaluates every rule of a test file's rule files at every step of every test, so a
    // batch of all a file's cases over the whole file grows as cases x rules. Each case gets a rule
    // file of its own alert (with the recording rules beside it, which alerts may read), and one
    // promtool process runs all of a file's cases: promtool starts once, each rule is evaluated
    // only for its own cases. Each alert's test then looks for its own failure in the output.
    const runs = new Map<RuleFileName, { status: number | null; output: string }>();
    function runFor(file: RuleFileName): { status: number | null; output: string } {
        if (!runs.has(file)) {
            const testFiles = ALERT_CASES.filter((c) => c.file === file).map((c) => {
                const groups = withoutThanosFields(GROUPS[file])
                    .map((g) => ({ ...g, rules: g.rules.filter((r) => !isAlertingRule(r) || r.alert === c.alert) }))
                    .filter((g) => g.rules.length > 0);
                fs.writeFileSync(path.join(dir, `${c.alert}.rules.yaml`), ruleFile(groups));
                const tests = { ...promtoolTests(c), rule_files: [`${c.alert}.rules.yaml`] };
                fs.writeFileSync(path.join(dir, `${c.alert}.test.yaml`), yaml.dump(tests, { lineWidth: -1 }));
                return `${c.alert}.test.yaml`;
            });
            runs.set(file, promtool(["test", "rules", ...testFiles], dir));
        }
        return runs.get(file)!;
    }

    for (const c of ALERT_CASES) {
        it(`fire ${c.alert} and keep it silent when it should be`, () => {
            const result = runFor(c.file);
            expect(result.output, result.output).to.not.match(new RegExp(`alertname: ${c.alert},`));
        });
    }

    it("fire each edge's own Query alerts and keep them silent, on the rule file the edge renders (its Prometheus adds its cluster label)", async function () {
        this.timeout(60_000);
        for (const stack of ["cluster-02", "cluster-03", "cluster-04"]) {
            const run = await runCommittedStack(stack);
            const groups = (
                run.resources.find(
                    (r) =>
                        r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule" &&
                        (r.inputs as any).metadata.name === "thanos-multicluster-cluster",
                )!.inputs as any
            ).spec.groups as RuleGroup[];
            const queryAlerts = alertsIn(groups)
                .map((r) => r.alert)
                .filter((a) => a.startsWith("ThanosQuery"));
            expect(queryAlerts.length, stack).to.be.greaterThan(5);
            const cases = ALERT_CASES.filter((c) => queryAlerts.includes(c.alert));
            expect(cases.map((c) => c.alert).sort(), `${stack}: a case per Query alert`).to.deep.equal(
                [...queryAlerts].sort(),
            );
            const files = cases.map((c) => {
                const own = withoutThanosFields(groups)
                    .map((g) => ({ ...g, rules: g.rules.filter((r) => !isAlertingRule(r) || r.alert === c.alert) }))
                    .filter((g) => g.rules.length > 0);
                const name = `${stack}-${c.alert}`;
                fs.writeFileSync(path.join(dir, `${name}.rules.yaml`), ruleFile(own));
                const tests = { ...promtoolTests(c, groups), rule_files: [`${name}.rules.yaml`] };
                fs.writeFileSync(path.join(dir, `${name}.test.yaml`), yaml.dump(tests, { lineWidth: -1 }));
                return `${name}.test.yaml`;
            });
            const result = promtool(["test", "rules", ...files], dir);
            expect(result.status, `${stack}: ${result.output}`).to.equal(0);
        }
    });

    it("pass every case (promtool test rules exits 0 for each rule file's cases)", () => {
        for (const file of Object.keys(GROUPS) as RuleFileName[]) {
            if (!ALERT_CASES.some((c) => c.file === file)) continue;
            const result = runFor(file);
            expect(result.status, result.output).to.equal(0);
        }
    });
});

/**
 * What promtool must see: the rule's static annotations, and for each templated one the text the
 * case wrote by hand (a template left unchecked is an error).
 */
function expectedAnnotations(
    c: AlertCase,
    rule: AlertingRule,
    rendered: Record<string, string> | undefined,
): Record<string, string> {
    const expected: Record<string, string> = { ...rule.annotations, ...(rendered ?? {}) };
    for (const [name, text] of Object.entries(rule.annotations)) {
        if (text.includes("{{") && rendered?.[name] === undefined)
            throw new Error(`${c.alert}: annotation ${name} is a template; the case must give its rendered text`);
    }
    return expected;
}

/**
 * The promtool test file of one case. Annotations are the rule's own static text, or for templates
 * the case's hand-written rendering: promtool compares them too.
 */
function promtoolTests(
    c: AlertCase,
    /** The rule file the case runs against; the case's own file by default. */
    groups: RuleGroup[] = GROUPS[c.file],
): {
    rule_files: string[];
    evaluation_interval: string;
    tests: Record<string, unknown>[];
} {
    // An alert defined once per cluster (ClusterMetricsMissing) has one rule per cluster label.
    const ruleFor = (labels: Record<string, string>) => {
        const rule = alertsIn(groups).find(
            (r) =>
                r.alert === c.alert && Object.entries(r.labels).every(([k, v]) => k === "severity" || labels[k] === v),
        );
        if (rule === undefined)
            throw new Error(`${c.alert} with labels ${JSON.stringify(labels)} is not in the ${c.file} rule file`);
        return rule;
    };
    const interval = c.interval ?? "1m";
    return {
        rule_files: [`${c.file}.yaml`],
        evaluation_interval: c.evaluationInterval ?? "1m",
        tests: [
            {
                interval,
                input_series: c.fire.series,
                alert_rule_test: [
                    {
                        eval_time: c.fire.at,
                        alertname: c.alert,
                        exp_alerts: c.fire.expect.map((labels, i) => ({
                            exp_labels: labels,
                            exp_annotations: expectedAnnotations(c, ruleFor(labels), c.fire.annotations?.[i]),
                        })),
                    },
                ],
            },
            {
                interval,
                input_series: c.silent.series,
                alert_rule_test: [{ eval_time: c.silent.at, alertname: c.alert, exp_alerts: [] }],
            },
        ],
    };
}
