import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { diffPlans, formatMarkdown, formatText, main } from "../offline/diff";
import { diffLines, valueLines } from "../offline/planDiff/lines";
import { findStackFiles } from "../offline/stackFiles";
import { FIFTH_EDGE, withFifthEdge, withStackFiles } from "./helpers";
import { committedPlan, renderTo } from "./renderedPlans";
import { linesInOrder, shownOutput } from "./docBlocks";
import { PROJECT_ROOT } from "../offline/runStack";

const DEVELOPMENT = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "development.md"), "utf8");

function withConfig(stack: string, key: string, change: (value: any) => any) {
    return findStackFiles().map((f) =>
        f.stack === stack ? { ...f, config: { ...f.config, [key]: change(structuredClone(f.config[key])) } } : f,
    );
}

describe("npm run diff", function () {
    this.timeout(240000);

    // The renders below also show the render is repeatable: every untouched stack compares equal.
    it("reports no change between two identical plans", async () => {
        const base = await committedPlan();
        const again = fs.mkdtempSync(path.join(os.tmpdir(), "plan-again-"));
        fs.cpSync(base, again, { recursive: true });
        const diffs = diffPlans(base, again);
        expect(diffs.map((d) => `${d.stack}:${d.status}`)).to.deep.equal([
            "cluster-02:unchanged",
            "cluster-03:unchanged",
            "cluster-04:unchanged",
            "cluster-01:unchanged",
        ]);
        expect(main([base, again])).to.equal(
            "cluster-02 (edge): no changes\ncluster-03 (edge): no changes\ncluster-04 (edge): no changes\ncluster-01 (central): no changes\n",
        );
        expect(main([base, again, "--markdown"])).to.contain("No changes on any stack.");
    });

    it("names the one edge whose scrape interval changed, with the field and the new value, and blames no other stack", async () => {
        const base = await committedPlan();
        const head = await renderTo(
            "scrape",
            withConfig("cluster-03", "thanos-multicluster:prometheus", (p) => ({ ...p, scrapeInterval: "15s" })),
        );
        const diffs = diffPlans(base, head);
        expect(diffs.filter((d) => d.status !== "unchanged").map((d) => d.stack)).to.deep.equal(["cluster-03"]);
        const edge = diffs.find((d) => d.stack === "cluster-03")!;
        expect(edge.objects.map((o) => `${o.change} ${o.key}`)).to.deep.equal([
            "changed HelmRelease monitoring/kube-prometheus-stack",
        ]);
        expect(edge.objects[0].fields).to.deep.include({
            path: "values.prometheus.prometheusSpec.scrapeInterval",
            before: "30s",
            after: "15s",
        });
        const text = formatText(diffs);
        expect(text).to.contain("cluster-03 (edge): 1 changed\n  ~ HelmRelease monitoring/kube-prometheus-stack\n");
        expect(text).to.contain("\n      values.prometheus.prometheusSpec.scrapeInterval: 30s -> 15s\n");
        expect(text).to.contain("cluster-01 (central): no changes");
        expect(text.trimEnd(), "docs/development.md's example").to.equal(
            shownOutput(DEVELOPMENT, "diff scrapeInterval"),
        );
        const markdown = formatMarkdown(diffs);
        expect(markdown).to.contain("Changes on **cluster-03**.");
        expect(markdown).to.contain("- `values.prometheus.prometheusSpec.scrapeInterval`: `30s` → `15s`");
    });

    it("shows a new edge on the central stack as new Query endpoints (changed lines only) and a new edge CA ConfigMap, values masked", async () => {
        const base = await committedPlan();
        const files = withConfig("cluster-01", "thanos-multicluster:central", (c) => withFifthEdge(c));
        const template = files.find((f) => f.stack === "cluster-04")!;
        const fifth = {
            ...template,
            stack: "cluster-05",
            file: path.join(path.dirname(template.file), "Pulumi.cluster-05.yaml"),
            config: {
                ...template.config,
                ...FIFTH_EDGE,
                "thanos-multicluster:loadBalancer": {
                    ...(template.config["thanos-multicluster:loadBalancer"] as object),
                    ...(FIFTH_EDGE["thanos-multicluster:loadBalancer"] as object),
                },
            },
        };
        // The central stack checks its edges' stack files at config time: they must sit next to its own.
        const head = await withStackFiles({ "cluster-05": fifth.config, "cluster-01": files[3].config }, (dir) =>
            renderTo("fifth", findStackFiles(dir)),
        );
        const diffs = diffPlans(base, head);
        expect(diffs.map((d) => `${d.stack}:${d.status}`)).to.deep.equal([
            "cluster-02:unchanged",
            "cluster-03:unchanged",
            "cluster-04:unchanged",
            "cluster-05:added",
            "cluster-01:changed",
        ]);
        const central = diffs.find((d) => d.stack === "cluster-01")!;
        expect(central.objects.filter((o) => o.change === "added").map((o) => o.key)).to.include(
            "ConfigMap monitoring/thanos-query-edge-ca-cluster-05",
        );
        // Wherever Query's endpoints live (a flag, a ConfigMap file), the new ones show as added lines only.
        const lines = central.objects
            .filter((o) => o.key !== "stack outputs")
            .flatMap((o) =>
                o.fields.filter((f) => f.lines && f.lines.some((l) => l.includes("192.168.101.214:10901"))),
            );
        expect(lines, "a field whose changed lines hold the new endpoint").to.have.lengthOf.at.least(1);
        for (const field of lines) {
            const added = field.lines!.filter((l) => l.startsWith("+ ")).join("\n");
            expect(added).to.contain("192.168.101.214:10901").and.to.contain("thanos-sidecar.cluster-05");
            expect(
                field.lines!.filter((l) => l.startsWith("- ")),
                field.path,
            ).to.deep.equal([]);
            // Only the new endpoints and their context, not the whole endpoint file.
            expect(field.lines!.length, field.path).to.be.below(40);
        }
        // The stack outputs' endpoint list is matched by address, not shifted by position.
        const outputs = central.objects.find((o) => o.key === "stack outputs")!;
        expect(outputs.fields.map((f) => f.path)).to.include.members(["queryEndpoints[192.168.101.214:10901]"]);
        expect(
            outputs.fields.every((f) => f.before === undefined && (f.lines ?? []).every((l) => !l.startsWith("- "))),
        ).to.equal(true);
        const text = formatText(diffs);
        expect(text).to.contain("cluster-05 (edge): new stack:");
        // docs/development.md shows an excerpt: its lines, in order, are the real output's.
        expect(linesInOrder(shownOutput(DEVELOPMENT, "diff fifth edge (excerpt)"), text)).to.deep.equal([]);
        expect(text).not.to.match(/BEGIN (EC )?PRIVATE KEY|offline-placeholder/);
    });

    it("keeps every Secret value [secret] and compares plans it never rendered", () => {
        const dir = (name: string, objects: object[]) => {
            const root = fs.mkdtempSync(path.join(os.tmpdir(), `diff-${name}-`));
            fs.mkdirSync(path.join(root, "edge-a"));
            fs.writeFileSync(
                path.join(root, "edge-a", "manifests.yaml"),
                objects.map((o) => "---\n" + yaml.dump(o)).join(""),
            );
            return root;
        };
        const secret = (value: string) => ({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "s", namespace: "m" },
            stringData: { key: value },
        });
        const text = main([
            dir("a", [secret("clear-1")]),
            dir("b", [secret("clear-2"), { kind: "ConfigMap", metadata: { name: "c" }, data: { k: "v" } }]),
        ]);
        expect(text).to.equal("edge-a (?): 1 added\n  + ConfigMap c\n");
        // The Secret's values differ in clear but are compared (and would be printed) masked only.
        expect(text).not.to.contain("clear-");
        expect(() => main(["only-one"])).to.throw(/usage: npm run diff -- BASE_OUT_DIR HEAD_OUT_DIR/);
        expect(() => main(["/nonexistent/a", "/nonexistent/b"])).to.throw(/not a rendered plan folder/);
    });

    it("diffs long values line by line: JSON after a flag is pretty-printed, unchanged lines are elided", () => {
        expect(valueLines('--endpoint.sd-config={"endpoints":[{"address":"a:1"}]}')).to.deep.equal([
            "--endpoint.sd-config={",
            '  "endpoints": [',
            "    {",
            '      "address": "a:1"',
            "    }",
            "  ]",
            "}",
        ]);
        const before = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        const after = ["a", "b", "c", "d", "E", "f", "g", "h", "i"];
        expect(diffLines(before, after)).to.deep.equal(["  c", "  d", "- e", "+ E", "  f", "  g"]);
        expect(
            diffLines(["x", "1", "2", "3", "4", "5", "6", "y"], ["X", "1", "2", "3", "4", "5", "6", "Y"]),
        ).to.deep.equal(["- x", "+ X", "  1", "  2", "...", "  5", "  6", "- y", "+ Y"]);
        expect(diffLines(["same"], ["same"])).to.deep.equal([]);
    });
});
