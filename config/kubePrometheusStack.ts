// The kube-prometheus-stack Helm release (`kubePrometheusStack`): installed, or an existing one taken
// over (docs/existing-kube-prometheus-stack.md); its chart from the upstream repository, a mirror of
// it, or a packaged chart file the operator provides (docs/air-gapped.md).

import * as fs from "fs";
import * as path from "path";
import { KUBE_PROMETHEUS_STACK } from "../components/names";
import { readChartArchive } from "./chartArchive";
import { Reader } from "./reader";
import { isDns1123Label } from "./units";

/** Where Helm gets the chart: a chart repository (https index), or a packaged chart file. */
export type ChartSource =
    | { kind: "repository"; url: string }
    | {
          kind: "file";
          /** As configured: relative to the project directory (where `pulumi` runs and Helm resolves it). */
          path: string;
      };

export interface KubePrometheusStackSettings {
    /** Helm release name: ours by default, or the name of the existing release to take over. */
    releaseName: string;
    /**
     * Take over an existing release (and its namespace) in `monitoring` with Pulumi's import, instead
     * of installing. Stays true after the first deploy: the import is skipped once the release is in
     * the stack's state under the same id.
     */
    adopt: boolean;
    /** Where the pinned chart comes from. */
    chart: ChartSource;
}

/** Our release name when none is configured. */
export const DEFAULT_KPS_RELEASE = "kube-prometheus-stack";

export function readKubePrometheusStack(r: Reader): KubePrometheusStackSettings {
    r.object("kubePrometheusStack");
    const releaseName = r.string("kubePrometheusStack.releaseName", "", DEFAULT_KPS_RELEASE);
    // Helm's limit: a DNS-1123 label of at most 53 characters.
    if (!isDns1123Label(releaseName) || releaseName.length > 53) {
        r.problem(
            "kubePrometheusStack.releaseName",
            `must be a Helm release name (DNS-1123 label, at most 53 characters); got "${releaseName}"`,
        );
    }
    const adopt = r.boolean("kubePrometheusStack.adopt", false);
    return { releaseName, adopt, chart: readChartSource(r) };
}

function readChartSource(r: Reader): ChartSource {
    const repository = r.optionalString(
        "kubePrometheusStack.chartRepository",
        "the URL of a Helm chart repository mirroring prometheus-community (https://.../index.yaml's folder)",
    );
    const file = r.optionalString(
        "kubePrometheusStack.chartFile",
        `the path (relative to the project) of ${KUBE_PROMETHEUS_STACK.chart}-${KUBE_PROMETHEUS_STACK.version}.tgz`,
    );
    if (repository !== undefined && file !== undefined) {
        r.problem(
            "kubePrometheusStack.chartFile",
            "and thanos-multicluster:kubePrometheusStack.chartRepository are both set: Helm takes the chart from one place; keep the file (air-gapped) or the repository mirror",
        );
    }
    if (file !== undefined) {
        const problem = chartFilePathProblem(file);
        if (problem !== undefined) r.problem("kubePrometheusStack.chartFile", `${problem}; got "${file}"`);
        return { kind: "file", path: path.posix.normalize(file) };
    }
    if (repository !== undefined) {
        const problem = chartRepositoryProblem(repository);
        // Credentials in the URL are never echoed.
        const shown = repository.replace(/\/\/[^/@]*@/, "//***@");
        if (problem !== undefined) r.problem("kubePrometheusStack.chartRepository", `${problem}; got "${shown}"`);
        return { kind: "repository", url: repository.replace(/\/+$/, "") };
    }
    return { kind: "repository", url: KUBE_PROMETHEUS_STACK.repository };
}

/** Why a chart repository URL cannot serve Helm the chart, or undefined. */
export function chartRepositoryProblem(url: string): string | undefined {
    if (url.startsWith("oci://"))
        return `is an OCI registry, which Helm does not read as a chart repository: \`helm pull ${url}/${KUBE_PROMETHEUS_STACK.chart} --version ${KUBE_PROMETHEUS_STACK.version}\` and set kubePrometheusStack.chartFile to the file instead`;
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return "must be an http(s) URL of a Helm chart repository (the folder of its index.yaml)";
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
        return "must be an http(s) URL of a Helm chart repository (the folder of its index.yaml)";
    if (parsed.username !== "" || parsed.password !== "")
        return "must not hold credentials (they would be stored in clear in the stack file and the state)";
    if (parsed.pathname.endsWith("index.yaml")) return "is the folder of index.yaml, not the index file itself";
    return undefined;
}

/** Why a configured chart file path is unusable on every machine that runs the stack, or undefined. */
export function chartFilePathProblem(file: string): string | undefined {
    if (path.isAbsolute(file) || /^[a-zA-Z]:[\\/]/.test(file))
        return "must be relative to the project directory, so that every machine running the stack (CI too) finds it at the same place (an absolute path also differs in the state from one machine to the next)";
    if (path.posix.normalize(file).startsWith("../"))
        return "must lie inside the project directory (e.g. chart/, which .gitignore keeps out of the repository)";
    if (!file.endsWith(".tgz")) return "must be a packaged chart (.tgz, as `helm pull` or `helm package` writes it)";
    return undefined;
}

/**
 * The configured chart file against the disk: it exists under the project directory and is the
 * pinned chart and version (read from its own Chart.yaml). Checked where the program runs, before
 * any resource is registered.
 */
export function chartFileProblems(settings: KubePrometheusStackSettings, projectDir: string): string[] {
    if (settings.chart.kind !== "file") return [];
    const key = "thanos-multicluster:kubePrometheusStack.chartFile";
    const file = path.resolve(projectDir, settings.chart.path);
    const expected = `${KUBE_PROMETHEUS_STACK.chart} ${KUBE_PROMETHEUS_STACK.version}`;
    const fetch = `\`helm pull ${KUBE_PROMETHEUS_STACK.chart} --repo ${KUBE_PROMETHEUS_STACK.repository} --version ${KUBE_PROMETHEUS_STACK.version}\` on a connected machine, then copy it there (docs/air-gapped.md)`;
    if (!fs.existsSync(file) || !fs.statSync(file).isFile())
        return [`${key} is "${settings.chart.path}", but ${file} does not exist: get ${expected} with ${fetch}`];
    let chart;
    try {
        chart = readChartArchive(file);
    } catch (err) {
        return [`${key}: ${file} ${err instanceof Error ? err.message : String(err)}; get ${expected} with ${fetch}`];
    }
    if (chart.name !== KUBE_PROMETHEUS_STACK.chart || chart.version !== KUBE_PROMETHEUS_STACK.version)
        return [
            `${key}: ${file} is the chart ${chart.name} ${chart.version}, but this program pins ${expected} (its values are written and checked for that version): get it with ${fetch}`,
        ];
    return [];
}
