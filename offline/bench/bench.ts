// `npm run bench -- --edges N[,M...]`: how the offline render scales. Each measurement runs in its
// own Node.js process (same runner as `npm run render`), so its wall time includes loading the SDKs
// and compiling the program, and its peak memory is its own:
//   floor        the four committed stack files rendered with a program that only loads the SDKs
//                and registers one resource of each (floorProgram.ts);
//   four stacks  the committed stack files rendered with the real program;
//   N edges      a generated deployment of N edges plus the central stack, in a temporary folder.
// Then, per render, the central Queries as rendered (tierStats.ts): edge endpoints per Query at each
// tier, the largest fan-out, WAN TLS connections, Query pods one edge's CA change rolls, the largest
// ConfigMap; and validate's checks on the plan (every edge through exactly one Query, none over
// central.query.maxEdgesPerQuery, no argument over 128 KiB, no ConfigMap or Secret near 1 MiB).
// A benchmark, not a test: it prints numbers and the targets they are held against.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeGeneratedDeployment } from "../generatedDeployment";
import { renderStacks } from "../render";
import { PROJECT_ROOT } from "../projectRoot";
import { findStackFiles } from "../stackFiles";
import { TIER_TABLE_HEADER, TierStats, tierRow } from "./tierStats";

export interface Measurement {
    label: string;
    stacks: number;
    /** Process start to end, in seconds. */
    wallSeconds: number;
    /** Time spent in renderStacks alone. */
    renderSeconds: number;
    /** CPU time of the process (user + system), in seconds: less disturbed by other processes than wall time. */
    cpuSeconds: number;
    /** validate's wiring, config-document and scale errors in the rendered plan (after the measurement). */
    errors?: string[];
    /** The central Queries as rendered (after the measurement). */
    tiers?: TierStats;
    perStackSeconds: { stack: string; seconds: number }[];
    peakRssMb: number;
}

/** In the child: renders the stack files of `dir` with `program` and prints one Measurement as JSON. */
async function child(label: string, dir: string, program: string | undefined): Promise<void> {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-bench-out-"));
    // The program reads its sibling stack files from the working directory, as under `pulumi up`.
    process.chdir(dir);
    const started = performance.now();
    try {
        const rendered = await renderStacks({ outDir, stackFiles: findStackFiles(dir), program, log: () => undefined });
        const measurement: Measurement = {
            label,
            stacks: rendered.length,
            wallSeconds: performance.now() / 1000,
            renderSeconds: (performance.now() - started) / 1000,
            perStackSeconds: rendered.map((r) => ({ stack: r.stack, seconds: r.seconds })),
            cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
            peakRssMb: process.resourceUsage().maxRSS / 1024,
        };
        if (program === undefined) {
            // The checks are loaded only now, after the measurement: the floor and the real render
            // load exactly the same runner, and nothing else.
            /* eslint-disable @typescript-eslint/no-require-imports */
            const { checkScale } = require("../checks/scale") as typeof import("../checks/scale");
            const { checkThanosConfigs } =
                require("../checks/thanosConfigs") as typeof import("../checks/thanosConfigs");
            const { checkInvariants } = require("../checks/crossStack") as typeof import("../checks/crossStack");
            const { loadPlans } = require("../checks/renderedPlan") as typeof import("../checks/renderedPlan");
            const { tierStats } = require("./tierStats") as typeof import("./tierStats");
            /* eslint-enable @typescript-eslint/no-require-imports */
            const plans = loadPlans(outDir, dir);
            const findings = [
                ...plans.flatMap((p) => [...checkScale(p), ...checkThanosConfigs(p)]),
                ...checkInvariants(plans),
            ];
            measurement.errors = findings
                .filter((f) => f.severity === "error")
                .map((f) => `${f.stack} | ${f.object} | ${f.field} | ${f.message}`);
            measurement.tiers = tierStats(plans);
        }
        process.stdout.write(`${JSON.stringify(measurement)}\n`);
    } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
    }
}

/** Renders `dir` in a child process and returns its Measurement (with the checks and tier stats unless `program`). */
export function measure(label: string, dir: string, program?: string): Measurement {
    const args = [
        "-r",
        path.join(PROJECT_ROOT, "offline", "tsRegister.cjs"),
        __filename,
        "--child",
        label,
        dir,
        ...(program ? [program] : []),
    ];
    const run = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`${label}: the render failed (exit ${run.status}):\n${run.stderr}`);
    const line = run.stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(line) as Measurement;
}

function perStack(m: Measurement): { first: number; median: number; central: number } {
    const seconds = m.perStackSeconds.map((s) => s.seconds);
    const rest = seconds.slice(1, -1).sort((a, b) => a - b);
    return {
        first: seconds[0],
        median: rest.length > 0 ? rest[Math.floor(rest.length / 2)] : NaN,
        central: seconds[seconds.length - 1],
    };
}

function row(m: Measurement): string {
    const s = perStack(m);
    return `| ${m.label} | ${m.stacks} | ${m.wallSeconds.toFixed(2)} s | ${m.cpuSeconds.toFixed(2)} s | ${m.renderSeconds.toFixed(2)} s | ${s.first.toFixed(2)} / ${Number.isNaN(s.median) ? "-" : s.median.toFixed(3)} / ${s.central.toFixed(2)} s | ${Math.round(m.peakRssMb)} MB |`;
}

/** The sizes of `--edges N[,M...]` (default 3,30,100); throws on anything but whole numbers above 0. */
export function parseEdges(argv: string[]): number[] {
    const unknown = argv.filter((a, i) => a.startsWith("-") && a !== "--edges" && argv[i - 1] !== "--edges");
    if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(" ")}: the bench takes --edges N[,M...]`);
    const at = argv.indexOf("--edges");
    const value = at >= 0 ? argv[at + 1] : undefined;
    if (at >= 0 && value === undefined) throw new Error("--edges needs a value, e.g. --edges 3,30,100");
    if (value === undefined) return [3, 30, 100];
    const edges = value.split(",").map((n) => (n.trim() === "" ? NaN : Number(n)));
    for (const n of edges)
        if (!Number.isInteger(n) || n < 1)
            throw new Error(
                `--edges takes whole numbers above 0, comma-separated (e.g. --edges 3,30,100); got "${value}"`,
            );
    return edges;
}

async function main(argv: string[]): Promise<void> {
    if (argv[0] === "--child") {
        await child(argv[1], argv[2], argv[3]);
        return;
    }
    const edges = parseEdges(argv);
    const header = [
        `bench on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), Node.js ${process.version}, load average ${os
            .loadavg()
            .map((l) => l.toFixed(1))
            .join(" ")}`,
        "| render | stacks | wall (process) | CPU (process) | render only (wall) | per stack: first / median / central | peak RSS |",
        "|---|---|---|---|---|---|---|",
    ];
    for (const line of header) console.log(line);
    const floor = measure("floor", PROJECT_ROOT, path.join(__dirname, "floorProgram.ts"));
    console.log(row(floor));
    const four = measure("four stacks", PROJECT_ROOT);
    console.log(row(four));
    const generated: Measurement[] = [];
    for (const n of edges) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `thanos-bench-${n}-`));
        try {
            writeGeneratedDeployment(dir, n);
            const m = measure(`${n} edges`, dir);
            generated.push(m);
            console.log(row(m));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    console.log("");
    const ratio = (a: Measurement, b: Measurement) =>
        `${(a.wallSeconds / b.wallSeconds).toFixed(2)}x wall, ${(a.cpuSeconds / b.cpuSeconds).toFixed(2)}x CPU`;
    console.log(`four stacks / floor: ${ratio(four, floor)} (target <= 1.5x)`);
    console.log("");
    for (const line of TIER_TABLE_HEADER) console.log(line);
    for (const m of [four, ...generated]) if (m.tiers !== undefined) console.log(tierRow(m.label, m.tiers));
    console.log("");
    for (const m of [four, ...generated]) {
        const errors = m.errors ?? [];
        console.log(
            `${m.label}: ${errors.length === 0 ? "wiring, config documents and scale limits hold (every edge through exactly one Query, none over central.query.maxEdgesPerQuery, no argument over 128 KiB, no ConfigMap or Secret near 1 MiB)" : `${errors.length} errors:\n  ${errors.join("\n  ")}`}`,
        );
    }
    for (const m of generated) {
        const n = Number(m.label.split(" ")[0]);
        const notes = [
            `${ratio(m, four)} the four stacks${n === 100 ? " (target <= 6x)" : n === 1000 ? " (target <= 15x)" : ""}`,
        ];
        if (n === 300) notes.push(`peak ${Math.round(m.peakRssMb)} MB (target < 600 MB)`);
        if (n === 1000) notes.push(`peak ${Math.round(m.peakRssMb)} MB (target < 1000 MB)`);
        console.log(`${m.label}: ${notes.join(", ")}`);
    }
    if (generated.some((m) => (m.errors ?? []).length > 0) || (four.errors ?? []).length > 0) process.exitCode = 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((err: unknown) => {
        console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
}
