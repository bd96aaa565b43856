// Turns a recorded stack run into the offline plan: Kubernetes manifests, Helm releases, the
// resource list and the outputs, with every secret replaced by "[secret]".

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { readChartArchive } from "../config/chartArchive";
import { SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER } from "./placeholders";
import { RecordedResource, StackRun, isSecretMarker, isUnknownValue } from "./runStack";

export { SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER };
const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/**
 * Deep copy with secrets as "[secret]" and values unknown until deployment as "[unknown]". A secret
 * map keeps its keys (a Secret's data keys are not secret), every value inside it is redacted.
 */
export function redact(value: unknown): unknown {
    if (typeof value !== "object" || value === null) return isUnknownValue(value) ? UNKNOWN_PLACEHOLDER : value;
    if (isSecretMarker(value)) return redactAll(value.value);
    if (isUnknownValue(value)) return UNKNOWN_PLACEHOLDER;
    if (Array.isArray(value)) return value.map(redact);
    return mapValues(value as Record<string, unknown>, redact);
}

/** A copy of an object with each own enumerable value mapped, keys in the same order (as Object.fromEntries makes it). */
function mapValues(value: Record<string, unknown>, map: (v: unknown) => unknown): Record<string, unknown> {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
        // A key "__proto__" (parsed from JSON) stays a key, as Object.fromEntries keeps it.
        if (key === "__proto__")
            Object.defineProperty(copy, key, {
                value: map(value[key]),
                enumerable: true,
                writable: true,
                configurable: true,
            });
        else copy[key] = map(value[key]);
    }
    return copy;
}

/** A resource's inputs redacted; writePlan passes one that redacts each resource once for all its files. */
type RedactedInputs = (resource: RecordedResource) => unknown;
const redactInputs: RedactedInputs = (r) => redact(r.inputs);

/** Kubernetes objects the stack declares itself (not what the Helm charts render). */
export function kubernetesObjects(run: StackRun, redacted: RedactedInputs = redactInputs): Record<string, unknown>[] {
    return run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE_TYPE)
        .map((r) => {
            const { apiVersion, kind, metadata, ...rest } = redacted(r) as Record<string, unknown>;
            return { apiVersion, kind, metadata, ...rest };
        });
}

function redactAll(value: unknown): unknown {
    // A secret not known until deployment shows as unknown: there is nothing in it to hide yet.
    if (isUnknownValue(value)) return UNKNOWN_PLACEHOLDER;
    if (Array.isArray(value)) return value.map(redactAll);
    if (typeof value === "object" && value !== null && !isSecretMarker(value)) {
        return mapValues(value as Record<string, unknown>, redactAll);
    }
    return SECRET_PLACEHOLDER;
}

export interface HelmReleasePlan {
    name: string;
    namespace: string;
    /** The chart's name (read from the chart file's Chart.yaml where the release installs a file). */
    chart: string;
    version: string;
    /** The chart repository; absent where the chart is a file. */
    repository: string;
    /** A packaged chart the operator provides (kubePrometheusStack.chartFile), relative to the project. */
    chartFile?: string;
    values: Record<string, unknown>;
}

export function helmReleases(run: StackRun, redacted: RedactedInputs = redactInputs): HelmReleasePlan[] {
    return run.resources
        .filter((r) => r.type === HELM_RELEASE_TYPE)
        .map((r) => {
            const inputs = redacted(r) as Record<string, any>;
            // A local chart file (the program checked it exists, relative to the project directory the render runs in).
            const chartFile =
                typeof inputs.chart === "string" && inputs.chart.endsWith(".tgz") ? inputs.chart : undefined;
            return {
                name: inputs.name,
                namespace: inputs.namespace,
                chart: chartFile !== undefined ? readChartArchive(path.resolve(chartFile)).name : inputs.chart,
                ...(chartFile !== undefined ? { chartFile } : {}),
                version: inputs.version,
                repository: inputs.repositoryOpts?.repo,
                values: inputs.values ?? {},
            };
        });
}

export function resourceList(
    run: StackRun,
    redacted: RedactedInputs = redactInputs,
): (Omit<RecordedResource, "inputs"> & { inputs: unknown })[] {
    return run.resources.map(
        ({
            dependencies: _dependencies,
            replacementTrigger: _trigger,
            aliases: _aliases,
            deleteBeforeReplace: _dbr,
            ...r
        }) => ({
            ...r,
            inputs: redacted(r),
        }),
    );
}

export interface WrittenPlan {
    dir: string;
    resources: number;
    objects: number;
    releases: number;
}

const dump = (value: unknown) => yaml.dump(value, { noRefs: true, lineWidth: -1, sortKeys: false });

/**
 * Most of an edge's objects are the same in every edge (at a thousand edges, the YAML of the same
 * few objects was written a thousand times, 4% of the render's CPU): each distinct object is dumped
 * once per process. The key is the object's JSON, which tells every value a redacted plan holds
 * apart (JSON alone would not tell NaN, the infinities or -0 from null or 0: they are marked).
 */
const dumpedManifests = new Map<string, string>();
const markNumbers = (_key: string, value: unknown) =>
    typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))
        ? { "\u0000number": Object.is(value, -0) ? "-0" : String(value) }
        : value;
function dumpManifest(object: Record<string, unknown>): string {
    const key = JSON.stringify(object, markNumbers);
    let text = dumpedManifests.get(key);
    if (text === undefined) {
        text = dump(object);
        // Bounded: a process rendering many different plans (the tests) starts over.
        if (dumpedManifests.size >= 4096) dumpedManifests.clear();
        dumpedManifests.set(key, text);
    }
    return text;
}

/** Writes out/<stack>/{manifests.yaml,helm-releases.yaml,resources.json,outputs.json}. */
export function writePlan(run: StackRun, outDir: string): WrittenPlan {
    const dir = path.join(outDir, run.stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    // Each resource's inputs redacted once for the three files that show them (nothing below changes them).
    const redactedByResource = new Map<RecordedResource, unknown>();
    const redacted: RedactedInputs = (r) => {
        if (!redactedByResource.has(r)) redactedByResource.set(r, redact(r.inputs));
        return redactedByResource.get(r);
    };
    const objects = kubernetesObjects(run, redacted);
    const releases = helmReleases(run, redacted);
    fs.writeFileSync(path.join(dir, "manifests.yaml"), objects.map((o) => "---\n" + dumpManifest(o)).join(""));
    fs.writeFileSync(path.join(dir, "helm-releases.yaml"), dump(releases));
    fs.writeFileSync(path.join(dir, "resources.json"), JSON.stringify(resourceList(run, redacted), null, 2) + "\n");
    fs.writeFileSync(
        path.join(dir, "outputs.json"),
        JSON.stringify({ outputs: redact(run.outputs), secretOutputNames: run.secretOutputNames }, null, 2) + "\n",
    );
    return { dir, resources: run.resources.length, objects: objects.length, releases: releases.length };
}
