// Checks our typed tables against the upstream releases we pin: the Thanos flag table against
// v0.42.4's flag lists, the Helm values we set against kube-prometheus-stack 88.5.3's (and its
// Grafana subchart's) values. The upstream files are reference data next to the repository
// (../shared/reference) in this project's workplace and CI; elsewhere these tests are skipped.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { HARDENING_THANOS_FLAGS, HIDDEN_THANOS_FLAGS, THANOS_FLAGS } from "../components/thanosFlags";
import { PROJECT_ROOT } from "../offline/runStack";
import { committedEdgeOutputs, runCommittedStack } from "./helpers";

const REFERENCE = path.join(PROJECT_ROOT, "..", "shared", "reference");

function reference(file: string): string | undefined {
    const full = path.join(REFERENCE, file);
    return fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
}

/**
 * Dotted paths of `ours` that the chart's values do not have. A key is known if the chart's values
 * have it, or if an ancestor in the chart's values is free-form (an empty map or list, or null):
 * there the chart passes our keys through (to the CR, whose schema `npm run validate` checks).
 */
function unknownKeys(ours: unknown, chart: unknown, at = ""): string[] {
    if (ours === null || typeof ours !== "object" || Array.isArray(ours)) return [];
    if (
        chart === null ||
        chart === undefined ||
        (typeof chart === "object" && Object.keys(chart as object).length === 0)
    )
        return [];
    if (typeof chart !== "object" || Array.isArray(chart)) return [];
    return Object.entries(ours as Record<string, unknown>).flatMap(([key, value]) => {
        const where = at === "" ? key : `${at}.${key}`;
        if (!(key in (chart as Record<string, unknown>))) return [where];
        return unknownKeys(value, (chart as Record<string, unknown>)[key], where);
    });
}

/**
 * Grafana subchart keys its templates read that its values.yaml names only in a comment, each with
 * that comment. `rbac.useExistingRole`: templates/role.yaml renders no Role and rolebinding.yaml binds
 * to the named one (tests/chartRbac.test.ts runs the real chart).
 */
const COMMENTED_GRAFANA_KEYS: Record<string, string> = {
    "rbac.useExistingRole": "# useExistingRole: name-of-some-role",
};

describe("upstream reference (skipped where ../shared/reference is absent)", () => {
    it("every flag of the typed table is a flag of Thanos v0.42.4", function () {
        const files: Record<string, string> = {
            query: "query.txt",
            "query-frontend": "query-frontend.txt",
            store: "store.txt",
            compact: "compact.txt",
            rule: "rule.txt",
        };
        if (reference(`thanos-v0.42.4/flags/${files.query}`) === undefined) this.skip();
        for (const [component, flags] of Object.entries(THANOS_FLAGS)) {
            const known = new Set(
                reference(`thanos-v0.42.4/flags/${files[component]}`)!
                    .split("\n")
                    .map((l) => l.trim()),
            );
            const hidden = (HIDDEN_THANOS_FLAGS as Record<string, Record<string, string> | undefined>)[component] ?? {};
            for (const flag of Object.keys(flags)) {
                // A hidden flag (named with its source in the table) is not in the documented list; once it is, it is an ordinary flag.
                expect(
                    known.has(`--${flag}`),
                    `thanos ${component} --${flag}${flag in hidden ? " (listed as hidden, but documented)" : ""}`,
                ).to.equal(!(flag in hidden));
            }
        }
    });

    it("every hardening flag is a boolean flag of its component in Thanos v0.42.4's --help", function () {
        if (reference("thanos-v0.42.4/flags/help/query.help.txt") === undefined) this.skip();
        for (const [component, flags] of Object.entries(HARDENING_THANOS_FLAGS)) {
            const help = reference(`thanos-v0.42.4/flags/help/${component}.help.txt`)!;
            for (const flag of Object.keys(flags)) {
                // kingpin prints a boolean flag as --[no-]name: it takes no value, as thanosArgs writes it.
                expect(help.split(/\s+/), `thanos ${component} --${flag}`).to.include(`--[no-]${flag}`);
                expect((THANOS_FLAGS as Record<string, Record<string, string>>)[component][flag]).to.equal("bool");
            }
        }
        // What the two flags guard against, as the help text states it.
        expect(reference("thanos-v0.42.4/flags/help/store.help.txt")).to.match(
            /Disable UI\/API admin operations like marking\s+blocks for deletion/,
        );
        expect(reference("thanos-v0.42.4/flags/help/query.help.txt")).to.match(
            /By default Thanos sets CORS headers to\s+be allowed by all/,
        );
    });

    it("the typed table would catch a flag v0.42.4 does not have", function () {
        const query = reference("thanos-v0.42.4/flags/query.txt");
        if (query === undefined) this.skip();
        expect(query!.split("\n")).not.to.include("--query.max-concurrent-selects");
    });

    it("every Helm value we set is a key of kube-prometheus-stack 88.5.3 (or its Grafana subchart)", async function () {
        const kpsText = reference("kube-prometheus-stack-88.5.3/values.yaml");
        const grafanaText = reference("kube-prometheus-stack-88.5.3/grafana-subchart-12.11.1-values.yaml");
        if (kpsText === undefined || grafanaText === undefined) this.skip();
        const kps = yaml.load(kpsText!) as Record<string, any>;
        const grafana = yaml.load(grafanaText!) as Record<string, any>;
        const edges = await committedEdgeOutputs();
        for (const stack of ["cluster-01", "cluster-02"]) {
            const run = await runCommittedStack(stack, {}, edges);
            const values = (run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any)
                .values;
            // kube-state-metrics' own values are not in the reference; the subchart's chart (not checked
            // here) takes `resources` and `containerSecurityContext` at its top level.
            const { grafana: ourGrafana, "kube-state-metrics": _ksm, ...rest } = values;
            expect(unknownKeys(rest, kps), stack).to.deep.equal([]);
            // Grafana's keys are the subchart's, plus those the parent chart adds under `grafana:`.
            const inParent = new Set(unknownKeys(ourGrafana, kps.grafana));
            expect(
                unknownKeys(ourGrafana, grafana).filter((key) => inParent.has(key) && !(key in COMMENTED_GRAFANA_KEYS)),
                `${stack} grafana`,
            ).to.deep.equal([]);
            // Keys the subchart documents only as a comment: still documented there.
            for (const [key, comment] of Object.entries(COMMENTED_GRAFANA_KEYS))
                expect(grafanaText, `grafana subchart values document ${key}`).to.include(comment);
        }
    });

    it("the values check catches a misspelt key", function () {
        const kpsText = reference("kube-prometheus-stack-88.5.3/values.yaml");
        if (kpsText === undefined) this.skip();
        const kps = yaml.load(kpsText!) as Record<string, any>;
        expect(unknownKeys({ prometheus: { thanosServiceExternl: { enabled: false } } }, kps)).to.deep.equal([
            "prometheus.thanosServiceExternl",
        ]);
    });
});
