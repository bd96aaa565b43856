// Where the live tests find the real servers and tools: an environment variable naming the binary,
// then PATH. Nothing is hard-coded to /usr/bin, so CI can put newer builds (Debian sid's Prometheus 3
// and Alertmanager 0.3x, unpacked into a tools folder) first on PATH or name them explicitly.

import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/** Each server or tool the live tests run: the variable that may name it, and its names on PATH. */
export const LIVE_BINARIES = {
    prometheus: { env: "PROMETHEUS_BIN", names: ["prometheus"] },
    alertmanager: { env: "ALERTMANAGER_BIN", names: ["alertmanager", "prometheus-alertmanager"] },
    promtool: { env: "PROMTOOL_BIN", names: ["promtool"] },
    amtool: { env: "AMTOOL_BIN", names: ["amtool"] },
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

/** What to say when a live test cannot find a binary (CI fails on it; elsewhere the test is skipped). */
export function missingBinaryMessage(binary: LiveBinary): string {
    const spec = LIVE_BINARIES[binary];
    return `${spec.names.join(" or ")} not found: set ${spec.env} or put it on PATH (.ci/run installs it)`;
}

/** A free TCP port on loopback (live tests run side by side: never a fixed port). */
export async function freeLoopbackPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}
