// The reference list of metric names the deployed exporters expose (upstream-metrics.txt, generated
// from the pinned upstream sources by offline/metrics/generate.ts), and what the project reads
// checked against it: every rule, dashboard query and alert test case's input series.

import * as fs from "fs";
import * as path from "path";
import { metricNames } from "./promqlNames";

export const REFERENCE_FILE = path.join(__dirname, "upstream-metrics.txt");
/** The front door's HAProxy, read from the real binary (offline/metrics/haproxyMetrics.ts). */
export const HAPROXY_REFERENCE_FILE = path.join(__dirname, "haproxy-metrics.txt");

let cached: Map<string, string> | undefined;

/** name -> where upstream defines it. */
export function upstreamMetrics(): Map<string, string> {
    if (cached === undefined) {
        cached = new Map();
        for (const file of [REFERENCE_FILE, HAPROXY_REFERENCE_FILE])
            for (const line of fs.readFileSync(file, "utf8").split("\n")) {
                if (line === "" || line.startsWith("#")) continue;
                const [name, kind, source] = line.split("\t");
                cached.set(name, `${kind} ${source}`);
            }
    }
    return cached;
}

/** The name itself, if a deployed exporter exposes it; else an error naming the reference list. */
export function exposedMetric(name: string): string {
    if (!upstreamMetrics().has(name))
        throw new Error(
            `${name} is exposed by none of the deployed exporters (${path.basename(REFERENCE_FILE)}, offline/metrics/generate.ts)`,
        );
    return name;
}

/** A PromQL expression's reads that neither the reference list nor `recorded` (our own recording rules' names) has. */
export function unknownMetrics(expr: string, recorded: ReadonlySet<string> = new Set()): string[] {
    return metricNames(expr).filter((n) => !upstreamMetrics().has(n) && !recorded.has(n));
}
