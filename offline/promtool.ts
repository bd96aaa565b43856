// Prometheus' own rule checker, found through PROMTOOL_BIN or PATH (offline/binaries.ts). CI puts
// Debian sid's promtool 3.x first on PATH (.ci/tools.sh): the clusters run Prometheus 3, whose range
// selectors are left-open and whose `le`/`quantile` labels are floats, and promtool 2.x would check
// the rules and unit tests as Prometheus 2 reads them.

import { binaryVersion, findBinary, Version } from "./binaries";
import { runTool } from "./toolRun";

/** The promtool the checks run, or undefined where there is none. */
export function promtoolPath(): string | undefined {
    return findBinary("promtool");
}

export function promtoolAvailable(): boolean {
    return promtoolPath() !== undefined;
}

/** The version of the promtool the checks run (undefined without one). */
export function promtoolVersion(): Version | undefined {
    const file = promtoolPath();
    return file === undefined ? undefined : binaryVersion(file);
}

/**
 * Runs promtool in `cwd`, a directory made for the run that holds every file promtool reads (the
 * answer is kept by their content: offline/toolRun.ts); status 0 means success.
 */
export function promtool(args: string[], cwd: string): { status: number | null; output: string } {
    const file = promtoolPath();
    if (file === undefined) throw new Error("promtool not found: set PROMTOOL_BIN or put it on PATH");
    const run = runTool(file, args, { cwd, inputs: [cwd] });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
