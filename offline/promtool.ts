// Prometheus' own rule checker. Debian's `prometheus` package ships it; CI installs it (.ci/run).

import { spawnSync } from "child_process";

export function promtoolAvailable(): boolean {
    return spawnSync("promtool", ["--version"]).error === undefined;
}

/** Runs promtool in `cwd`; status 0 means success. */
export function promtool(args: string[], cwd: string): { status: number | null; output: string } {
    const run = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    if (run.error !== undefined) throw run.error;
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
