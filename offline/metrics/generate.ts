// Regenerates offline/metrics/upstream-metrics.txt: the metric names the deployed exporters expose,
// read from their pinned upstream sources (Git mirrors of the repositories below, at the versions
// kube-prometheus-stack 88.5.3 deploys and Thanos v0.42.4 pins). Run:
//
//     node -r ./offline/tsRegister.cjs offline/metrics/generate.ts <mirrors dir> [--out FILE]
//
// where <mirrors dir>/<owner>+<name>/repo is a Git directory of github.com/<owner>/<name> (for
// example `git clone --bare`), holding the revisions named in SOURCES.
//
// What is read from the Go sources (non-test files of the listed folders):
// - client_golang option literals (CounterOpts, GaugeOpts, HistogramOpts, SummaryOpts): Namespace,
//   Subsystem and Name joined with "_", each a string literal, a string constant of the package, or
//   fmt.Sprintf of a literal with %s, expanded with the constants of the argument's declared type
//   (gate's OperationName: queries, selects, ...) or, for a type of another package, Thanos'
//   component names (pkg/component); comments are left out (their examples define nothing);
//   histograms also give <name>_bucket, _count and _sum, summaries _count and _sum;
// - NewDesc(...) names: a literal, BuildFQName(namespace, subsystem, name), or literals joined with +;
// - constants named ...MetricName (Prometheus' synthetic series: up, ALERTS, ...);
// - for kube-state-metrics, which builds its names in generator calls, every string literal of the
//   store package that starts with "kube_";
// - Thanos' registerer prefixes: `extprom.WrapRegistererWithPrefix("<prefix>", ...)` passed to a call
//   of another package (gate.New, objstore.WrapWithMetrics, dns.NewProvider, ...) prefixes that
//   package's names (thanos_bucket_store_series_ + gate_queries_duration_seconds).
// The list errs on the side of holding too much: a name registered only under some flags, or a
// package's names under every component name a %s may take, even where no component registers it.
// It holds no name the sources cannot produce: a name outside it is a name nothing deployed exposes.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { MetricSource, SOURCES } from "./sources";

export { SOURCES };

export interface MetricEntry {
    name: string;
    type: string;
    source: string;
}

interface GoFile {
    path: string;
    text: string;
}

function git(repoDir: string, args: string[], input?: string): Buffer {
    const run = spawnSync("git", ["-C", repoDir, ...args], { input, maxBuffer: 1 << 30 });
    if (run.error !== undefined) throw run.error;
    if (run.status !== 0) throw new Error(`git ${args.join(" ")} in ${repoDir}: ${run.stderr.toString().trim()}`);
    return run.stdout;
}

/** The non-test Go files of the source's folders at its revision. */
export function readGoFiles(repoDir: string, source: MetricSource): GoFile[] {
    const listed = git(repoDir, ["ls-tree", "-r", "--name-only", source.rev])
        .toString()
        .split("\n")
        .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
        .filter((f) => !/(^|\/)(vendor|testdata|examples?)\//.test(f))
        .filter((f) => source.dirs.some((d) => d === "" || f.startsWith(`${d}/`)))
        .filter((f) => !(source.skip ?? []).some((d) => f.startsWith(`${d}/`)));
    // One `git cat-file --batch` for all files: "<sha> blob <size>\n<content>\n" each.
    const out = git(repoDir, ["cat-file", "--batch"], listed.map((f) => `${source.rev}:${f}`).join("\n") + "\n");
    const files: GoFile[] = [];
    let at = 0;
    for (const file of listed) {
        const headerEnd = out.indexOf(10, at);
        const header = out.toString("utf8", at, headerEnd).split(" ");
        const size = Number(header[2]);
        // Comment lines and blocks dropped: examples in doc comments define nothing.
        const text = out
            .toString("utf8", headerEnd + 1, headerEnd + 1 + size)
            .replace(/\/\*[\s\S]*?\*\//g, "")
            .replace(/^\s*\/\/.*$/gm, "");
        files.push({ path: file, text });
        at = headerEnd + 1 + size + 1;
    }
    return files;
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A Go package as the extraction sees it: its string constants, by name and by declared type. */
interface GoPackage {
    consts: Map<string, string>;
    /** type name -> the values of the constants declared with it (`Queries OperationName = "queries"`). */
    typed: Map<string, string[]>;
    /** Every file's text, to find a variable's declared type. */
    text: string;
    /** Values for a `%s` whose argument has a type declared elsewhere (Thanos' component names). */
    wildcards: string[];
}

function goPackage(files: GoFile[], wildcards: string[] = []): GoPackage {
    const consts = new Map<string, string>();
    const typed = new Map<string, string[]>();
    for (const f of files)
        for (const m of f.text.matchAll(
            /(?:^|\n)\s*(?:const\s+|var\s+)?([A-Za-z_]\w*)\s*([A-Za-z_][\w.]*\s*)?=\s*"([^"\n]*)"/g,
        )) {
            if (!consts.has(m[1])) consts.set(m[1], m[3]);
            const type = m[2]?.trim();
            if (type !== undefined && type !== "" && type !== "string")
                typed.set(type, [...(typed.get(type) ?? []), m[3]]);
        }
    return { consts, typed, text: files.map((f) => f.text).join("\n"), wildcards };
}

/** What a `%s` argument that is no constant can be: the constants of its declared type, else the wildcards, else every constant. */
function sprintfArgumentValues(arg: string, pkg: GoPackage): string[] {
    const declared = new RegExp(`\\b${arg}\\s+\\*?([A-Za-z_][\\w.]*)\\s*[,)]`).exec(pkg.text)?.[1];
    if (declared !== undefined && pkg.typed.has(declared)) return pkg.typed.get(declared)!;
    if (pkg.wildcards.length > 0) return pkg.wildcards;
    return [...new Set(pkg.consts.values())];
}

/** The balanced-brace or -paren body starting at `open`. */
function balanced(text: string, open: number): string {
    const opener = text[open];
    const closer = opener === "{" ? "}" : ")";
    let depth = 0;
    for (let i = open; i < text.length; i++) {
        const c = text[i];
        if (c === '"') {
            i = text.indexOf('"', i + 1);
            while (i > 0 && text[i - 1] === "\\") i = text.indexOf('"', i + 1);
            if (i < 0) break;
            continue;
        }
        if (c === "`") {
            i = text.indexOf("`", i + 1);
            if (i < 0) break;
            continue;
        }
        if (c === opener) depth++;
        else if (c === closer && --depth === 0) return text.slice(open + 1, i);
    }
    return text.slice(open + 1);
}

/** The values a Go string expression can take: a literal, a constant, fmt.Sprintf("..%s..", x), or literals joined with +. */
function stringValues(expr: string, pkg: GoPackage): string[] {
    const e = expr.trim();
    const literal = /^"([^"]*)"$/.exec(e);
    if (literal) return [literal[1]];
    if (/^[A-Za-z_]\w*$/.test(e)) return pkg.consts.has(e) ? [pkg.consts.get(e)!] : [];
    const qualified = /^\w+\.([A-Za-z_]\w*)$/.exec(e);
    if (qualified) return pkg.consts.has(qualified[1]) ? [pkg.consts.get(qualified[1])!] : [];
    const sprintf = /^fmt\.Sprintf\(\s*"([^"]*)"\s*(?:,\s*([\w.]+))?/.exec(e);
    if (sprintf) {
        if (!sprintf[1].includes("%s")) return [sprintf[1]];
        const constant = sprintf[2] === undefined ? [] : stringValues(sprintf[2], pkg);
        const values =
            constant.length > 0 ? constant : sprintf[2] === undefined ? [] : sprintfArgumentValues(sprintf[2], pkg);
        return values.map((v) => sprintf[1].split("%s").join(v));
    }
    if (e.includes("+")) {
        // Literals and constants joined; unknown parts (an optional namespace variable) drop out.
        const parts = e.split("+").map((p) => stringValues(p, pkg));
        return [parts.map((p) => p[0] ?? "").join("")];
    }
    return [];
}

/** A field's value expression in a struct literal: up to the comma, newline or brace that ends it outside parens and strings. */
function field(body: string, name: string): string | undefined {
    const m = new RegExp(`(?:^|[\\s,{])${name}:\\s*`).exec(body);
    if (m === null) return undefined;
    let depth = 0;
    for (let i = m.index + m[0].length; i < body.length; i++) {
        const c = body[i];
        if (c === '"') {
            i = body.indexOf('"', i + 1);
            if (i < 0) break;
        } else if (c === "(") depth++;
        else if (c === ")") depth--;
        else if (depth === 0 && (c === "," || c === "\n" || c === "}"))
            return body.slice(m.index + m[0].length, i).trim();
    }
    return body.slice(m.index + m[0].length).trim();
}

function joinName(parts: string[]): string {
    return parts.filter((p) => p !== "").join("_");
}

/** Base names a package registers (before any registerer prefix), with their type. */
export function packageMetrics(
    files: GoFile[],
    literalPrefix?: string,
    wildcards: string[] = [],
): { name: string; type: string; file: string }[] {
    const pkg = goPackage(files, wildcards);
    const found: { name: string; type: string; file: string }[] = [];
    const add = (name: string, type: string, file: string) => {
        if (!METRIC.test(name)) return;
        found.push({ name, type, file });
        if (type === "histogram")
            for (const s of ["_bucket", "_count", "_sum"]) found.push({ name: name + s, type, file });
        if (type === "summary") for (const s of ["_count", "_sum"]) found.push({ name: name + s, type, file });
    };
    for (const f of files) {
        for (const m of f.text.matchAll(/\b(Counter|Gauge|Histogram|Summary)(?:Vec)?Opts\s*\{/g)) {
            const body = balanced(f.text, m.index! + m[0].length - 1);
            const nameExpr = field(body, "Name");
            if (nameExpr === undefined) continue;
            const ns = field(body, "Namespace");
            const sub = field(body, "Subsystem");
            const nsValues = ns === undefined ? [""] : stringValues(ns, pkg);
            const subValues = sub === undefined ? [""] : stringValues(sub, pkg);
            for (const n of stringValues(nameExpr, pkg))
                for (const a of nsValues)
                    for (const b of subValues) add(joinName([a, b, n]), m[1].toLowerCase(), f.path);
        }
        for (const m of f.text.matchAll(/\bNewDesc\s*\(/g)) {
            const args = balanced(f.text, m.index! + m[0].length - 1);
            const fq = /^\s*(?:prometheus\.)?BuildFQName\s*\(/.exec(args);
            if (fq) {
                const inner = balanced(args, fq[0].length - 1 + fq.index);
                const parts = inner.split(",").map((p) => stringValues(p, pkg));
                if (parts.length === 3 && parts.every((p) => p.length > 0))
                    for (const a of parts[0])
                        for (const b of parts[1]) for (const c of parts[2]) add(joinName([a, b, c]), "desc", f.path);
                continue;
            }
            const first = args.split(/,\s*(?=["\w])/)[0];
            for (const n of stringValues(first, pkg)) add(n, "desc", f.path);
        }
        for (const m of f.text.matchAll(/\b\w*MetricName\s*=\s*"([^"]+)"/g)) add(m[1], "synthetic", f.path);
        // Prometheus' scrape report series (up, scrape_duration_seconds, ...).
        for (const m of f.text.matchAll(/reportSample\s*\{\s*name:\s*\[\]byte\("([^"]+)"/g))
            add(m[1], "synthetic", f.path);
        if (literalPrefix !== undefined)
            for (const m of f.text.matchAll(new RegExp(`"(${literalPrefix}[a-z0-9_]+)"`, "g")))
                add(m[1], "family", f.path);
    }
    return found;
}

function packageDir(file: string): string {
    return path.posix.dirname(file);
}

/** Registerer prefixes: `WrapRegistererWithPrefix("p", ...)` inside a call of an imported package -> (prefix, import path). */
export function registererPrefixes(
    files: GoFile[],
    wildcards: string[] = [],
): { prefix: string; importPath: string; file: string }[] {
    const out: { prefix: string; importPath: string; file: string }[] = [];
    for (const f of files) {
        const imports = new Map<string, string>();
        for (const m of f.text.matchAll(/(?:^|\n)\s*(?:import\s+)?(?:([A-Za-z_]\w*)\s+)?"([\w./-]+)"/g))
            imports.set(m[1] ?? m[2].split("/").pop()!, m[2]);
        for (const m of f.text.matchAll(
            /WrapRegistererWithPrefix\(\s*(?:"([a-z0-9_]+)"|fmt\.Sprintf\(\s*"([a-z0-9_%]+)"\s*,\s*[\w.]+\s*\))/g,
        )) {
            const prefixValues =
                m[1] !== undefined ? [m[1]] : wildcards.map((w) => m[2].split("%s").join(w.replace(/-/g, "_")));
            // The unmatched "(" before it, and the package.Function before that.
            let depth = 0;
            let i = m.index! - 1;
            for (; i >= 0; i--) {
                const c = f.text[i];
                if (c === ")") depth++;
                else if (c === "(") {
                    if (depth === 0) break;
                    depth--;
                }
            }
            const call = /([A-Za-z_]\w*)\.[A-Za-z_]\w*\s*$/.exec(f.text.slice(Math.max(0, i - 80), i));
            const importPath = call === null ? undefined : imports.get(call[1]);
            if (importPath !== undefined)
                for (const prefix of prefixValues) out.push({ prefix, importPath, file: f.path });
        }
    }
    return out;
}

export function upstreamMetrics(mirrors: string): MetricEntry[] {
    const entries = new Map<string, MetricEntry>();
    const byImport = new Map<string, { name: string; type: string; file: string }[]>();
    const prefixes: { prefix: string; importPath: string; file: string; label: string }[] = [];
    for (const source of SOURCES) {
        const repoDir = path.join(mirrors, source.repo.replace("/", "+"), "repo");
        const files = readGoFiles(repoDir, source);
        const label = `${source.repo}@${source.rev}`;
        const wildcardFile = files.find((f) => f.path === source.wildcardsFrom);
        const wildcards = [...(wildcardFile?.text ?? "").matchAll(/\bname:\s*"([^"]+)"/g)].map((m) => m[1]);
        const dirs = new Map<string, GoFile[]>();
        for (const f of files) dirs.set(packageDir(f.path), [...(dirs.get(packageDir(f.path)) ?? []), f]);
        for (const [dir, dirFiles] of dirs) {
            const metrics = packageMetrics(dirFiles, source.literalPrefix, wildcards);
            if (source.module !== undefined)
                byImport.set(dir === "." ? source.module : `${source.module}/${dir}`, metrics);
            for (const m of metrics)
                if (!entries.has(m.name))
                    entries.set(m.name, { name: m.name, type: m.type, source: `${label} ${m.file}` });
        }
        if (source.module !== undefined)
            for (const p of registererPrefixes(files, wildcards)) prefixes.push({ ...p, label });
    }
    for (const p of prefixes)
        for (const m of byImport.get(p.importPath) ?? []) {
            const name = p.prefix + m.name;
            if (!entries.has(name))
                entries.set(name, { name, type: m.type, source: `${p.label} ${p.file} (prefix) + ${m.file}` });
        }
    return [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const REFERENCE_FILE = path.join(__dirname, "upstream-metrics.txt");

/** The reference file's text for these entries. */
export function referenceText(entries: MetricEntry[]): string {
    const header = [
        "# Metric names the deployed exporters expose, from their pinned sources. Generated by",
        "# offline/metrics/generate.ts (see there); do not edit. name<TAB>kind<TAB>where it is defined",
        ...SOURCES.map((s) => `# source: ${s.repo}@${s.rev} (${s.pin})`),
    ];
    return [...header, ...entries.map((e) => `${e.name}\t${e.type}\t${e.source}`)].join("\n") + "\n";
}

if (require.main === module) {
    const args = process.argv.slice(2);
    const mirrors = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--out");
    const outAt = args.indexOf("--out");
    const out = outAt >= 0 ? path.resolve(args[outAt + 1]) : REFERENCE_FILE;
    if (mirrors === undefined) {
        console.error("usage: node -r ./offline/tsRegister.cjs offline/metrics/generate.ts <mirrors dir> [--out FILE]");
        process.exit(2);
    }
    const entries = upstreamMetrics(path.resolve(mirrors));
    fs.writeFileSync(out, referenceText(entries));
    console.log(`${entries.length} metric names -> ${path.relative(process.cwd(), out)}`);
}
