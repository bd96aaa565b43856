// The kube-prometheus-stack chart `npm run helm-template` and npm test run: a chart folder, or a
// packaged chart (.tgz, unpacked once into node_modules/.cache/charts/ by its checksum). The chart is
// not vendored; the project's workplace and CI have it packaged with its dependencies beside the
// repository (../shared/reference), checked against its published checksum.

import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./projectRoot";

/** The packaged chart beside the repository, where the workplace and CI have it. */
export const REFERENCE_CHART = path.join(
    PROJECT_ROOT,
    "..",
    "shared",
    "reference",
    "kube-prometheus-stack-88.5.3",
    "kube-prometheus-stack-88.5.3.tgz",
);

/** Its sha256, from the reference folder's README. */
export const REFERENCE_CHART_SHA256 = "9be274ce301653b0fc6f2917d543a065ca1812c523020bd32caceff73576b1a7";

export function sha256(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The chart folder of `chart`: itself if it is one, else the packaged chart unpacked (cached by checksum). */
export function chartDirectory(chart: string, root: string = PROJECT_ROOT): string {
    if (fs.statSync(chart).isDirectory()) {
        if (!fs.existsSync(path.join(chart, "Chart.yaml"))) throw new Error(`${chart} has no Chart.yaml: not a chart`);
        return chart;
    }
    const digest = sha256(chart);
    const target = path.join(root, "node_modules", ".cache", "charts", digest);
    if (!fs.existsSync(target)) {
        const partial = `${target}.${process.pid}.partial`;
        fs.rmSync(partial, { recursive: true, force: true });
        fs.mkdirSync(partial, { recursive: true });
        const run = spawnSync("tar", ["-xzf", chart, "-C", partial], { encoding: "utf8" });
        if (run.error !== undefined || run.status !== 0)
            throw new Error(`cannot unpack ${chart}: ${run.error?.message ?? run.stderr.trim()}`);
        try {
            fs.renameSync(partial, target);
        } catch (err) {
            // Another process unpacked it first.
            fs.rmSync(partial, { recursive: true, force: true });
            if (!fs.existsSync(target)) throw err;
        }
    }
    const charts = fs.readdirSync(target).filter((d) => fs.existsSync(path.join(target, d, "Chart.yaml")));
    if (charts.length !== 1) throw new Error(`${chart} holds ${charts.length} charts, not one`);
    return path.join(target, charts[0]);
}

/**
 * The reference chart's folder, its checksum checked; undefined where it is absent. A file that is
 * there with another checksum is an error, not an absence.
 */
export function referenceChart(file: string = REFERENCE_CHART): string | undefined {
    if (!fs.existsSync(file)) return undefined;
    const digest = sha256(file);
    if (digest !== REFERENCE_CHART_SHA256)
        throw new Error(`${file}: sha256 ${digest}, expected ${REFERENCE_CHART_SHA256}: not the pinned chart`);
    return chartDirectory(file);
}
