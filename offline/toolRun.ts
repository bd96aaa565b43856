// A checker binary's run (promtool, amtool, haproxy -c, shellcheck), kept by what decides its
// answer: the binary itself, its arguments and the content of every file it reads. The same rule
// file checked by the same promtool gets the same answer, and the tests and `npm run validate` ask
// the same questions many times a run and again on the next run (offline/contentCache.ts keeps the
// answers, in memory and in node_modules/.cache). A changed file, argument or binary is a new key,
// so the tool runs again; a run that timed out or was killed is never kept.

import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { cachedByContent } from "./contentCache";

export interface ToolRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

export interface ToolRunOptions {
    /** The directory the tool runs in. */
    cwd?: string;
    /**
     * Every file the tool reads, by absolute path (or relative to cwd). The directories named here
     * stand for every file under them: their paths may be temporary, so a path is kept as its place
     * among these (the answer a tool gives about `/tmp/x-1/a.yaml` is the answer about `/tmp/x-2/a.yaml`
     * with the same content), and the tool's output names the paths of this run.
     */
    inputs: string[];
    /** Standard input. */
    stdin?: string;
    timeoutMs?: number;
}

const CWD_TOKEN = "\u0000cwd\u0000";
const inputToken = (i: number) => `\u0000input${i}\u0000`;

/** The binary as it is on disk now: a replaced or rebuilt binary is another key. */
function binaryIdentity(file: string): string[] {
    const real = fs.realpathSync(file);
    const stat = fs.statSync(real);
    return [real, String(stat.size), String(stat.mtimeMs), String(stat.ctimeMs), String(stat.ino)];
}

/** Every regular file under `dir` (relative, sorted), the file itself, or nothing where there is none. */
function filesUnder(target: string): string[] {
    const stat = fs.statSync(target, { throwIfNoEntry: false });
    if (stat === undefined) return [];
    if (!stat.isDirectory()) return [""];
    return (fs.readdirSync(target, { recursive: true }) as string[])
        .map(String)
        .filter((f) => fs.statSync(path.join(target, f)).isFile())
        .sort();
}

/** Each file under `target` by its sha256 (of the bytes: a binary input is read as what it is). */
function contents(target: string): [string, string][] {
    return filesUnder(target).map((f) => [
        f,
        crypto
            .createHash("sha256")
            .update(fs.readFileSync(path.join(target, f)))
            .digest("hex"),
    ]);
}

/** Replaces each of `from` by its token in `text`, longest first (a path inside another). */
function tokenize(text: string, places: [string, string][]): string {
    let out = text;
    for (const [from, token] of [...places].sort((a, b) => b[0].length - a[0].length))
        out = out.split(from).join(token);
    return out;
}

function untokenize(text: string, places: [string, string][]): string {
    let out = text;
    for (const [from, token] of places) out = out.split(token).join(from);
    return out;
}

/** Runs `binary` with `args`, or answers as its last run on the same binary, arguments and inputs did. */
export function runTool(binary: string, args: string[], options: ToolRunOptions): ToolRun {
    const cwd = options.cwd ?? process.cwd();
    const inputs = options.inputs.map((f) => path.resolve(cwd, f));
    const places: [string, string][] = [...inputs.map((f, i): [string, string] => [f, inputToken(i)])];
    if (options.cwd !== undefined) places.push([cwd, CWD_TOKEN]);
    const key = {
        binary: binaryIdentity(binary),
        args: args.map((a) => tokenize(a, places)),
        cwd: options.cwd === undefined ? cwd : CWD_TOKEN,
        inputs: inputs.map(contents),
        stdin: options.stdin ?? null,
    };
    try {
        const answer = cachedByContent("tool-run", key, () => {
            const run = spawnSync(binary, args, {
                cwd,
                input: options.stdin,
                encoding: "utf8",
                timeout: options.timeoutMs ?? 60_000,
                maxBuffer: 1 << 26,
            });
            if (run.error !== undefined) throw run.error;
            const stdout = run.stdout ?? "";
            const stderr = run.stderr ?? "";
            // Killed by a signal (out of memory, a stray kill): that says nothing about the input, so
            // the caller gets the run and nothing is kept. A timeout is an error above, thrown as before.
            if (run.status === null) throw new UnkeptRun({ status: null, stdout, stderr });
            return { status: run.status, stdout: tokenize(stdout, places), stderr: tokenize(stderr, places) };
        });
        return {
            status: answer.status,
            stdout: untokenize(answer.stdout, places),
            stderr: untokenize(answer.stderr, places),
        };
    } catch (err) {
        if (err instanceof UnkeptRun) return err.run;
        throw err;
    }
}

/** A run that ended by a signal: answered to the caller, kept by no cache. */
class UnkeptRun extends Error {
    constructor(readonly run: ToolRun) {
        super("the tool was ended by a signal");
    }
}
