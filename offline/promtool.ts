// Prometheus' own rule checker. Debian's `prometheus` package ships it; CI installs it (.ci/run).

import { spawnSync } from "child_process";

const available = new Map<string, boolean>();

/** Whether `command` runs here; asked once per PATH in a process (every stack's checks ask). */
export function commandAvailable(command: string): boolean {
    const key = `${command}\0${process.env.PATH ?? ""}`;
    let found = available.get(key);
    if (found === undefined) {
        found = spawnSync(command, ["--version"]).error === undefined;
        available.set(key, found);
    }
    return found;
}

export function promtoolAvailable(): boolean {
    return commandAvailable("promtool");
}

/** Runs promtool in `cwd`; status 0 means success. */
export function promtool(args: string[], cwd: string): { status: number | null; output: string } {
    const run = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    if (run.error !== undefined) throw run.error;
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
