import { expect } from "chai";
import { promtoolAvailable } from "../promtool";
import { checkRuleFiles, checkRunbookLinks } from "./rules";
import { expectFinding, loadCommittedPlans, manifest, plan, plans } from "../../tests/planFixtures";

describe("npm run validate", () => {
    before(loadCommittedPlans);

    describe("rule files", () => {
        it("warns, naming prometheus.runbookBaseUrl and the fix, when runbook links are no http(s) address, and not otherwise", () => {
            const all = plans();
            for (const p of all) {
                const [finding, ...more] = checkRunbookLinks(p);
                expect(more, p.stack).to.deep.equal([]);
                expect(finding, p.stack).to.include({ severity: "warning", field: "prometheus.runbookBaseUrl" });
                expect(finding.message).to.match(/under "docs\/runbooks\.md", not an http\(s\) address/);
                expect(finding.message).to.contain("Set thanos-multicluster:prometheus.runbookBaseUrl");
            }
            // What the CI workflows set: absolute links, no warning.
            const central = plan(all, "cluster-01");
            for (const o of central.manifests.filter((m) => m.kind === "PrometheusRule"))
                for (const g of o.spec.groups)
                    for (const r of g.rules)
                        if (r.annotations?.runbook_url?.startsWith("docs/"))
                            r.annotations.runbook_url = `https://github.com/o/r/blob/main/${r.annotations.runbook_url}`;
            const ruler = central.manifests.find(
                (m) => m.kind === "ConfigMap" && m.metadata.name === "thanos-ruler-rules",
            )!;
            for (const [k, v] of Object.entries(ruler.data as Record<string, string>))
                ruler.data[k] = v.replace(
                    /"docs\/runbooks\.md#/g,
                    '"https://github.com/o/r/blob/main/docs/runbooks.md#',
                );
            expect(checkRunbookLinks(central)).to.deep.equal([]);
        });

        it("accepts the rendered rule files, and reports a Thanos-only field in a PrometheusRule, an alert without runbook and a bad expression", function () {
            if (!promtoolAvailable()) this.skip();
            const all = plans();
            // An older promtool (outside CI) adds its own version warning; the rules themselves must be clean.
            const ruleFindings = (stackPlan: (typeof all)[number]) =>
                checkRuleFiles(stackPlan).filter((f) => !/ is older than 3: /.test(f.message));
            for (const p of all) expect(ruleFindings(p), p.stack).to.deep.equal([]);
            const central = plan(all, "cluster-01");
            const controlPlane = manifest(central, "PrometheusRule", "thanos-control-plane");
            controlPlane.spec.groups[0].partial_response_strategy = "warn";
            controlPlane.spec.groups[1].rules[0].expr = "sum(rate(x[5m]) >";
            delete controlPlane.spec.groups[2].rules[0].annotations.runbook_url;
            const findings = checkRuleFiles(central);
            expectFinding(findings, {
                object: "PrometheusRule/monitoring/thanos-control-plane",
                message: "partial_response_strategy is a Thanos Ruler field",
            });
            expectFinding(findings, {
                object: "PrometheusRule/monitoring/thanos-control-plane",
                message: "no runbook_url",
            });
            expectFinding(findings, {
                object: "PrometheusRule/monitoring/thanos-control-plane",
                message: "promtool check rules",
            });
            // The Ruler's file carries the field legitimately, and is checked without it.
            const ruler = central.manifests.find(
                (o) => o.kind === "ConfigMap" && o.metadata.name === "thanos-ruler-rules",
            )!;
            expect(Object.values(ruler.data as Record<string, string>)[0]).to.contain(
                '"partial_response_strategy": "warn"',
            );
            const key = Object.keys(ruler.data)[0];
            ruler.data[key] = ruler.data[key].replace("absent_over_time(", "absent_over_time((");
            expectFinding(checkRuleFiles(central), {
                object: `ConfigMap/monitoring/thanos-ruler-rules:${key}`,
                message: "promtool check rules",
            });
        });
    });
});
