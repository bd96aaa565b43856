// The metric names the central front door's HAProxy exposes (its built-in prometheus-exporter),
// read from the real haproxy of the router image's version: HAProxy is C, so
// offline/metrics/generate.ts (which reads Go sources) cannot list them. Writes
// offline/metrics/haproxy-metrics.txt, which reference.ts reads beside upstream-metrics.txt, and
// tests/frontDoor.live.test.ts checks that file against the real exporter. Run:
//
//     node -r ./offline/tsRegister.cjs offline/metrics/haproxyMetrics.ts   (haproxy on PATH or HAPROXY_BIN)

import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { IMAGES } from "../../components/images";
import { findBinary } from "../binaries";
import { freeLoopbackPort } from "../loopbackPort";

export const HAPROXY_METRICS_FILE = path.join(__dirname, "haproxy-metrics.txt");

function get(port: number, target: string): Promise<string | undefined> {
    return new Promise((resolve) => {
        const req = http.get({ host: "127.0.0.1", port, path: target }, (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve(res.statusCode === 200 ? text : undefined));
        });
        req.on("error", () => resolve(undefined));
        req.setTimeout(1000, () => req.destroy());
    });
}

/**
 * `<name>\t<type>` of every metric haproxy's exporter lists (its `# TYPE` lines), for a config with a
 * frontend, a backend with a checked server and the exporter: every scope the front door has.
 */
export async function haproxyExportedMetrics(binary: string): Promise<string[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-metrics-"));
    const [metrics, front, back] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
    const config = [
        "defaults",
        "    mode http",
        "    timeout connect 1s",
        "    timeout client 1s",
        "    timeout server 1s",
        "frontend metrics",
        `    bind 127.0.0.1:${metrics}`,
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "frontend front",
        `    bind 127.0.0.1:${front}`,
        "    default_backend back",
        "backend back",
        "    option httpchk",
        `    server one 127.0.0.1:${back} check`,
        "",
    ].join("\n");
    fs.writeFileSync(path.join(dir, "haproxy.cfg"), config);
    const child = spawn(binary, ["-db", "-f", path.join(dir, "haproxy.cfg")], { stdio: "ignore" });
    try {
        const deadline = Date.now() + 15_000;
        for (;;) {
            const text = await get(metrics, "/metrics");
            if (text !== undefined)
                return [
                    ...new Set(
                        text
                            .split("\n")
                            .map((l) => /^# TYPE (\S+) (\S+)$/.exec(l))
                            .filter((m): m is RegExpExecArray => m !== null)
                            .map((m) => `${m[1]}\t${m[2]}`),
                    ),
                ].sort();
            if (child.exitCode !== null || Date.now() > deadline)
                throw new Error(`haproxy (${binary}) did not serve /metrics`);
            await new Promise((r) => setTimeout(r, 100));
        }
    } finally {
        child.kill("SIGKILL");
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The reference file's text for these names. */
export function haproxyMetricsFile(entries: string[]): string {
    const version = IMAGES.haproxy.tag.replace(/-alpine$/, "");
    return [
        "# Metric names the central front door's HAProxy exposes (its prometheus-exporter service), read from the",
        `# real haproxy ${version} (the router image's version) by offline/metrics/haproxyMetrics.ts; do not edit.`,
        "# name<TAB>kind<TAB>where it is defined",
        ...entries.map((e) => `${e}\thaproxy@${version} prometheus-exporter`),
        "",
    ].join("\n");
}

if (require.main === module) {
    const binary = findBinary("haproxy");
    if (binary === undefined) {
        console.error("haproxy not found: set HAPROXY_BIN or put it on PATH (bash .ci/tools.sh)");
        process.exit(2);
    }
    haproxyExportedMetrics(binary).then(
        (entries) => {
            fs.writeFileSync(HAPROXY_METRICS_FILE, haproxyMetricsFile(entries));
            console.log(`${entries.length} names -> ${HAPROXY_METRICS_FILE}`);
        },
        (err) => {
            console.error(String(err));
            process.exit(1);
        },
    );
}
