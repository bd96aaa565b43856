// Where Helm gets kube-prometheus-stack: the upstream repository, a mirror of it
// (kubePrometheusStack.chartRepository), or a packaged chart the operator provides
// (kubePrometheusStack.chartFile, never committed), checked to be the pinned chart and version.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { chartFileProblems } from "../config";
import { readChartArchive } from "../config/chartArchive";
import { releaseChartArgs } from "../components/kubePrometheusStack";
import { helmReleases } from "../offline/plan";
import { PROJECT_ROOT } from "../offline/runStack";
import { REFERENCE_CHART } from "../offline/chartSource";
import { byType, problemsOf, runCommittedStack, projectConfig } from "./helpers";

const KEY = "thanos-multicluster:kubePrometheusStack.chartFile";
const REPO_KEY = "thanos-multicluster:kubePrometheusStack.chartRepository";

function edgeRaw(kubePrometheusStack: Record<string, unknown>): Record<string, unknown> {
    const raw = projectConfig("cluster-03");
    return { ...raw, kubePrometheusStack };
}

/** A packaged chart as `helm package` lays it out: <name>/Chart.yaml (and a dependency's under charts/). */
function packagedChart(dir: string, file: string, name: string, version: string): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "chart-src-"));
    try {
        fs.mkdirSync(path.join(root, name, "charts", "grafana"), { recursive: true });
        // A dependency's Chart.yaml comes first in the archive: only the chart's own counts.
        fs.writeFileSync(path.join(root, name, "charts", "grafana", "Chart.yaml"), "name: grafana\nversion: 12.11.1\n");
        fs.writeFileSync(path.join(root, name, "Chart.yaml"), yaml.dump({ apiVersion: "v2", name, version }));
        const target = path.join(dir, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        const tar = spawnSync(
            "tar",
            ["-czf", target, "-C", root, `${name}/charts/grafana/Chart.yaml`, `${name}/Chart.yaml`],
            { encoding: "utf8" },
        );
        expect(tar.status, tar.stderr).to.equal(0);
        return target;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

describe("kube-prometheus-stack's chart source", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "project-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("rejects a chart from two places, an OCI registry, credentials in the URL, and a path outside the project", () => {
        expect(problemsOf(edgeRaw({ chartRepository: "https://charts.lab/prometheus-community" }))).to.deep.equal([]);
        expect(problemsOf(edgeRaw({ chartFile: "chart/kube-prometheus-stack-88.5.3.tgz" }))).to.deep.equal([]);
        const cases: [Record<string, unknown>, string][] = [
            [
                { chartFile: "chart/kube-prometheus-stack-88.5.3.tgz", chartRepository: "https://charts.lab/x" },
                `${KEY} and ${REPO_KEY} are both set`,
            ],
            [
                { chartRepository: "oci://harbor.lab/charts" },
                `${REPO_KEY} is an OCI registry, which Helm does not read as a chart repository: \`helm pull oci://harbor.lab/charts/kube-prometheus-stack --version 88.5.3\``,
            ],
            [{ chartRepository: "https://user:pw@charts.lab/x" }, `${REPO_KEY} must not hold credentials`],
            [{ chartRepository: "charts.lab/x" }, `${REPO_KEY} must be an http(s) URL`],
            [{ chartRepository: "https://charts.lab/x/index.yaml" }, `${REPO_KEY} is the folder of index.yaml`],
            [{ chartFile: "/srv/charts/kps.tgz" }, `${KEY} must be relative to the project directory`],
            [{ chartFile: "../charts/kps.tgz" }, `${KEY} must lie inside the project directory`],
            [{ chartFile: "chart/kube-prometheus-stack" }, `${KEY} must be a packaged chart (.tgz`],
        ];
        for (const [section, message] of cases) {
            const problems = problemsOf(edgeRaw(section));
            expect(problems, JSON.stringify(section)).to.have.lengthOf(1);
            expect(problems[0], JSON.stringify(section)).to.contain(message);
        }
        // The password never appears in the message.
        const [credentials] = problemsOf(edgeRaw({ chartRepository: "https://user:s3cr3t@charts.lab/x" }));
        expect(credentials).to.contain('got "https://***@charts.lab/x"');
        expect(credentials).not.to.contain("s3cr3t");
    });

    it("checks the chart file on disk: present, a packaged chart, and kube-prometheus-stack 88.5.3 by its own Chart.yaml", () => {
        const settings = (chartFile: string) => ({
            releaseName: "kube-prometheus-stack",
            adopt: false,
            chart: { kind: "file" as const, path: chartFile },
        });
        const missing = chartFileProblems(settings("chart/kube-prometheus-stack-88.5.3.tgz"), dir);
        expect(missing).to.have.lengthOf(1);
        expect(missing[0]).to.contain(`${KEY} is "chart/kube-prometheus-stack-88.5.3.tgz", but`);
        expect(missing[0]).to.contain(
            "does not exist: get kube-prometheus-stack 88.5.3 with `helm pull kube-prometheus-stack --repo https://prometheus-community.github.io/helm-charts --version 88.5.3`",
        );

        fs.mkdirSync(path.join(dir, "chart"));
        fs.writeFileSync(path.join(dir, "chart", "notes.tgz"), "not a chart");
        expect(chartFileProblems(settings("chart/notes.tgz"), dir)[0]).to.contain(
            "is not a gzip-compressed chart archive",
        );

        packagedChart(dir, "chart/old.tgz", "kube-prometheus-stack", "45.7.1");
        expect(chartFileProblems(settings("chart/old.tgz"), dir)).to.deep.equal([
            `${KEY}: ${path.join(dir, "chart", "old.tgz")} is the chart kube-prometheus-stack 45.7.1, but this program pins kube-prometheus-stack 88.5.3 (its values are written and checked for that version): get it with \`helm pull kube-prometheus-stack --repo https://prometheus-community.github.io/helm-charts --version 88.5.3\` on a connected machine, then copy it there (docs/air-gapped.md)`,
        ]);
        packagedChart(dir, "chart/other.tgz", "prometheus", "88.5.3");
        expect(chartFileProblems(settings("chart/other.tgz"), dir)[0]).to.contain("is the chart prometheus 88.5.3");

        packagedChart(dir, "chart/kube-prometheus-stack-88.5.3.tgz", "kube-prometheus-stack", "88.5.3");
        expect(chartFileProblems(settings("chart/kube-prometheus-stack-88.5.3.tgz"), dir)).to.deep.equal([]);
    });

    it("reads the pinned chart's own Chart.yaml from the real package (where ../shared/reference exists)", function () {
        const reference = REFERENCE_CHART;
        // KPS_CHART_DIR may name the packaged chart itself (tests/images.test.ts takes either).
        const file = process.env.KPS_CHART_DIR?.endsWith(".tgz") ? process.env.KPS_CHART_DIR : reference;
        if (!fs.existsSync(file)) this.skip();
        expect(readChartArchive(file)).to.deep.equal({ name: "kube-prometheus-stack", version: "88.5.3" });
    });

    it("builds the Release's chart arguments: by name and version from a repository, or the file's path", () => {
        expect(
            releaseChartArgs({ kind: "repository", url: "https://prometheus-community.github.io/helm-charts" }),
        ).to.deep.equal({
            chart: "kube-prometheus-stack",
            version: "88.5.3",
            repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
        });
        expect(releaseChartArgs({ kind: "file", path: "chart/kube-prometheus-stack-88.5.3.tgz" })).to.deep.equal({
            chart: "chart/kube-prometheus-stack-88.5.3.tgz",
            version: "88.5.3",
        });
    });

    it("a repository mirror replaces the upstream repository in the release", async () => {
        const run = await runCommittedStack("cluster-02", {
            "thanos-multicluster:kubePrometheusStack": {
                adopt: true,
                chartRepository: "https://charts.lab/prometheus-community/",
            },
        });
        const inputs = byType(run, "kubernetes:helm.sh/v3:Release")[0].inputs as any;
        expect([inputs.chart, inputs.version, inputs.repositoryOpts]).to.deep.equal([
            "kube-prometheus-stack",
            "88.5.3",
            { repo: "https://charts.lab/prometheus-community" },
        ]);
    });

    it("a chart file goes to the release by its path in the project, and the plan names the chart it holds", async () => {
        const previous = process.cwd();
        // The program resolves the file from the project directory it runs in.
        for (const file of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\..*yaml$/.test(f)))
            fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
        packagedChart(dir, "chart/kube-prometheus-stack-88.5.3.tgz", "kube-prometheus-stack", "88.5.3");
        process.chdir(dir);
        try {
            const run = await runCommittedStack("cluster-02", {
                "thanos-multicluster:kubePrometheusStack": {
                    adopt: true,
                    chartFile: "./chart/kube-prometheus-stack-88.5.3.tgz",
                },
            });
            const inputs = byType(run, "kubernetes:helm.sh/v3:Release")[0].inputs as any;
            expect([inputs.chart, inputs.version, inputs.repositoryOpts]).to.deep.equal([
                "chart/kube-prometheus-stack-88.5.3.tgz",
                "88.5.3",
                undefined,
            ]);
            const [release] = helmReleases(run);
            expect([release.chart, release.chartFile, release.repository]).to.deep.equal([
                "kube-prometheus-stack",
                "chart/kube-prometheus-stack-88.5.3.tgz",
                undefined,
            ]);

            packagedChart(dir, "chart/kube-prometheus-stack-88.5.3.tgz", "kube-prometheus-stack", "88.4.0");
            let error: unknown;
            await runCommittedStack("cluster-02", {
                "thanos-multicluster:kubePrometheusStack": { chartFile: "chart/kube-prometheus-stack-88.5.3.tgz" },
            }).catch((err: unknown) => (error = err));
            expect(String(error)).to.contain(`${KEY}: `);
            expect(String(error)).to.contain("is the chart kube-prometheus-stack 88.4.0, but this program pins");
        } finally {
            process.chdir(previous);
        }
    });
});
