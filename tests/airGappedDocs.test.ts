// What docs/air-gapped.md and docs/existing-kube-prometheus-stack.md show, against the program:
// the config they show parses, the lists they show are what validate writes, the plugins they list
// are the ones package.json pins, the commands they give are the ones the program's messages give,
// and (where the chart and Helm are present) `helm show crds` prints the CRDs they rely on.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { chartFileProblems } from "../config";
import { chartFilePathProblem } from "../config/kubePrometheusStack";
import { loadPlans } from "../offline/checks/renderedPlan";
import { imagesFile, planPulls } from "../offline/checks/images";
import { findStackFiles } from "../offline/stackFiles";
import { PROJECT_ROOT } from "../offline/runStack";
import { findRealChart } from "./realChart";
import { shownOutput } from "./docBlocks";
import { renderTo } from "./renderedPlans";
import { problemsOf, projectConfig, stackFile } from "./helpers";

const AIR_GAPPED = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "air-gapped.md"), "utf8");
const EXISTING = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "existing-kube-prometheus-stack.md"), "utf8");
const DEPLOY = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "deploy.md"), "utf8");

/** The fenced blocks of a Markdown text, by info string ("" for none). */
function blocks(markdown: string, info: string): string[] {
    // A block inside a list item is indented like its fences: that indentation is not the block's.
    return [...markdown.matchAll(/^( *)```([a-z]*)\n([\s\S]*?)^\1```$/gm)]
        .filter((m) => m[2] === info)
        .map((m) => m[3].replace(new RegExp(`^${m[1]}`, "gm"), ""));
}

function edgeRaw(extra: Record<string, unknown>): Record<string, unknown> {
    return { ...projectConfig("cluster-03"), ...extra };
}

describe("docs/air-gapped.md", () => {
    it("is linked from docs/deploy.md's decisions, before the steps", () => {
        const decisions = DEPLOY.slice(DEPLOY.indexOf("## Decisions before step 1"), DEPLOY.indexOf("## Steps"));
        expect(decisions).to.contain("(air-gapped.md)");
        expect(decisions).to.contain("(existing-kube-prometheus-stack.md)");
    });

    it("shows an images section the program accepts", () => {
        const [snippet] = blocks(AIR_GAPPED, "yaml");
        const config = yaml.load(snippet) as Record<string, unknown>;
        const images = config["thanos-multicluster:images"];
        expect(images).to.deep.equal({ registry: "registry.lab:5000/mirror" });
        expect(problemsOf(edgeRaw({ images }))).to.deep.equal([]);
    });

    it("shows lines of the images.txt validate writes for an edge with that mirror, and the central cluster's four more images", async () => {
        const stackFiles = findStackFiles().map((s) => ({
            ...s,
            config: { ...s.config, "thanos-multicluster:images": { registry: "registry.lab:5000/mirror" } },
        }));
        const dir = await renderTo("mirror", stackFiles);
        try {
            const plans = loadPlans(dir);
            const edge = imagesFile(planPulls(plans.find((p) => p.stack === "cluster-02")!)).split("\n");
            const shown = shownOutput(AIR_GAPPED, "images.txt of an edge with a mirror").trim().split("\n");
            expect(shown.length).to.be.greaterThan(1);
            for (const line of shown) expect(edge, line).to.include(line);
            const central = planPulls(plans.find((p) => p.stack === "cluster-01")!).images.map((i) => i.upstream);
            const edgeUpstream = planPulls(plans.find((p) => p.stack === "cluster-02")!).images.map((i) => i.upstream);
            expect(central.filter((i) => !edgeUpstream.includes(i)).sort()).to.deep.equal([
                "docker.io/grafana/grafana:13.2.0",
                "docker.io/library/haproxy:3.2.26-alpine",
                "quay.io/kiwigrid/k8s-sidecar:2.10.1",
                "quay.io/prometheus/alertmanager:v0.34.0",
            ]);
            expect(AIR_GAPPED).to.contain(
                "(Alertmanager, Grafana and Grafana's sidecar, and HAProxy for its front door:\n`docker.io/library/haproxy:3.2.26-alpine`)",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("fetches the chart with the command the program's chartFile message gives, to a path it accepts and git ignores", () => {
        const [message] = chartFileProblems(
            { releaseName: "kube-prometheus-stack", adopt: false, chart: { kind: "file", path: "chart/x.tgz" } },
            PROJECT_ROOT,
        );
        const command = /`(helm pull [^`]+)`/.exec(message)![1];
        const [commands] = blocks(AIR_GAPPED, "sh").filter((b) => b.includes("helm pull"));
        expect(commands.split("\n")).to.include(command);
        const setting = /pulumi config set --path kubePrometheusStack\.chartFile (\S+)/.exec(commands)![1];
        expect(chartFilePathProblem(setting)).to.equal(undefined);
        expect(setting).to.match(/^chart\//);
        expect(fs.readFileSync(path.join(PROJECT_ROOT, ".gitignore"), "utf8").split("\n")).to.include("chart/");
    });

    it("installs exactly the provider plugins of the pinned @pulumi packages, at their versions", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
        const expected = Object.keys(pkg.dependencies)
            .map((name) =>
                JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", name, "package.json"), "utf8")),
            )
            .filter((p) => p.pulumi?.resource === true)
            .map((p) => `${p.pulumi.name} ${p.pulumi.version}`)
            .sort();
        expect(expected.length).to.equal(5);
        const [plugins] = blocks(AIR_GAPPED, "sh").filter((b) => b.includes("pulumi plugin install"));
        const shown = [
            ...plugins.matchAll(
                /^pulumi plugin install resource (\S+) (\S+) --file pulumi-resource-\1-v\2-linux-amd64\.tar\.gz$/gm,
            ),
        ].map((m) => `${m[1]} ${m[2]}`);
        expect(shown.sort()).to.deep.equal(expected);
    });
});

describe("docs/existing-kube-prometheus-stack.md", () => {
    it("shows the section every committed stack file holds", () => {
        const [snippet] = blocks(EXISTING, "yaml");
        const shown = (yaml.load(snippet) as Record<string, unknown>)["thanos-multicluster:kubePrometheusStack"];
        for (const stack of ["cluster-01", "cluster-02", "cluster-03", "cluster-04"])
            expect(stackFile(stack).config["thanos-multicluster:kubePrometheusStack"], stack).to.deep.equal(shown);
    });

    it("reads the CRD version from the annotation the pinned CRDs carry (where ../shared/reference exists)", function () {
        const crd = path.join(
            PROJECT_ROOT,
            "..",
            "shared",
            "reference",
            "prometheus-operator-crds-v0.93",
            "crd-prometheuses.yaml",
        );
        if (!fs.existsSync(crd)) this.skip();
        const doc = yaml.load(fs.readFileSync(crd, "utf8")) as any;
        expect(doc.metadata.name).to.equal("prometheuses.monitoring.coreos.com");
        expect(doc.metadata.annotations["operator.prometheus.io/version"]).to.equal("0.93.1");
        expect(EXISTING).to.contain(
            "kubectl get crd prometheuses.monitoring.coreos.com -o jsonpath='{.metadata.annotations.operator\\.prometheus\\.io/version}'",
        );
    });

    it("applies 88.5.3's CRDs with `helm show crds` (where the chart and Helm are present)", function () {
        const found = findRealChart();
        if (found === undefined) return this.skip();
        const { chart, helm } = found;
        expect(EXISTING).to.contain("helm show crds chart/kube-prometheus-stack-88.5.3.tgz | kubectl apply");
        const shown = spawnSync(helm, ["show", "crds", chart], { encoding: "utf8", maxBuffer: 1 << 28 });
        expect(shown.status, shown.stderr).to.equal(0);
        const crds = (yaml.loadAll(shown.stdout) as any[]).filter((d) => d?.kind === "CustomResourceDefinition");
        expect(crds.map((c) => c.metadata.name)).to.include.members([
            "prometheuses.monitoring.coreos.com",
            "alertmanagers.monitoring.coreos.com",
            "podmonitors.monitoring.coreos.com",
            "servicemonitors.monitoring.coreos.com",
            "prometheusrules.monitoring.coreos.com",
        ]);
        for (const c of crds)
            expect(c.metadata.annotations["operator.prometheus.io/version"], c.metadata.name).to.equal("0.93.1");
    });
});
