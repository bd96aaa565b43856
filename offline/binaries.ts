// Where the checks and the live tests find the real servers and tools: an environment variable naming
// the binary, then PATH. Nothing is hard-coded to /usr/bin, so CI puts the builds nearest to what the
// clusters run (Debian sid's Prometheus 3 and Alertmanager 0.3x, unpacked by .ci/tools.sh) first on
// PATH, or names them explicitly.

import * as fs from "fs";
import * as path from "path";
import { runTool } from "./toolRun";

/** Each server or tool: the variable that may name it, and its names on PATH. */
export const LIVE_BINARIES = {
    prometheus: { env: "PROMETHEUS_BIN", names: ["prometheus"] },
    alertmanager: { env: "ALERTMANAGER_BIN", names: ["alertmanager", "prometheus-alertmanager"] },
    promtool: { env: "PROMTOOL_BIN", names: ["promtool"] },
    amtool: { env: "AMTOOL_BIN", names: ["amtool"] },
    // The central front door's router (.ci/tools.sh puts sid's, the image's version, on PATH).
    haproxy: { env: "HAPROXY_BIN", names: ["haproxy"] },
} as const;

export type LiveBinary = keyof typeof LIVE_BINARIES;

function executable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

/** The executable `name` on PATH, as the shell finds it (undefined where there is none). */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
        const candidate = path.join(dir, name);
        if (executable(candidate)) return candidate;
    }
    return undefined;
}

/** The binary's path, or undefined when neither its variable nor PATH has it. */
export function findBinary(binary: LiveBinary, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const spec = LIVE_BINARIES[binary];
    const named = env[spec.env];
    if (named !== undefined && named !== "") return executable(named) ? named : undefined;
    for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean))
        for (const name of spec.names) {
            const candidate = path.join(dir, name);
            if (executable(candidate)) return candidate;
        }
    return undefined;
}

/** What to say when a binary is missing (CI fails on it; elsewhere the check or test is skipped). */
export function missingBinaryMessage(binary: LiveBinary): string {
    const spec = LIVE_BINARIES[binary];
    return `${spec.names.join(" or ")} not found: set ${spec.env} or put it on PATH (.ci/tools.sh installs it)`;
}

/** A release version, [major, minor, patch]. */
export type Version = [number, number, number];

const versions = new Map<string, Version | undefined>();

/**
 * The version a Prometheus-project binary reports ("promtool, version 3.5.3+ds1 (branch: ...)"), asked
 * once per path in a process; undefined when it reports none.
 */
export function binaryVersion(file: string): Version | undefined {
    if (!versions.has(file)) {
        // Kept by the binary's identity across processes too (offline/toolRun.ts): every mocha worker asks.
        let output = "";
        try {
            const run = runTool(file, ["--version"], { inputs: [], timeoutMs: 30_000 });
            output = `${run.stdout}${run.stderr}`;
        } catch {
            // A binary that does not run reports no version.
        }
        const match = /version (\d+)\.(\d+)\.(\d+)/.exec(output);
        versions.set(file, match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])]);
    }
    return versions.get(file);
}

/** Whether `version` is at least `minimum`. */
export function atLeast(version: Version, minimum: Version): boolean {
    for (let i = 0; i < 3; i++) if (version[i] !== minimum[i]) return version[i] > minimum[i];
    return true;
}
