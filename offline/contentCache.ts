// Results of slow, pure checks kept by the exact content they were computed from: in memory for
// the process, and on disk (node_modules/.cache) for the next process. A changed input, tool or
// dependency version is a different key, so a result is only ever reused for the same question.
// THANOS_CHECK_CACHE=off computes everything afresh; THANOS_CHECK_CACHE_DIR puts the files elsewhere.

import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const DEFAULT_CACHE_DIR = path.resolve(__dirname, "..", "node_modules", ".cache", "thanos-checks");
const cacheDir = () => process.env.THANOS_CHECK_CACHE_DIR ?? DEFAULT_CACHE_DIR;
const inMemory = new Map<string, unknown>();
/** How long a process waits for another one that is computing the same result before computing it itself. */
const WAIT_FOR_OTHER_MS = 20_000;

function readCached<T>(file: string): { value: T } | undefined {
    try {
        return { value: JSON.parse(fs.readFileSync(file, "utf8")) as T };
    } catch {
        return undefined;
    }
}

/**
 * Claims the computation of a result: true if this process should compute it. Processes started
 * at once (mocha's workers, the render's validate) ask for the same results; one computes, the
 * others wait for its file. A claim older than the wait (a process that died) is taken over.
 */
function claim(lock: string): boolean {
    try {
        fs.mkdirSync(path.dirname(lock), { recursive: true });
        fs.closeSync(fs.openSync(lock, "wx"));
        return true;
    } catch {
        try {
            return Date.now() - fs.statSync(lock).mtimeMs > WAIT_FOR_OTHER_MS;
        } catch {
            return true;
        }
    }
}

function waitFor<T>(file: string, lock: string): { value: T } | undefined {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (Date.now() < deadline) {
        const cached = readCached<T>(file);
        if (cached !== undefined) return cached;
        if (!fs.existsSync(lock)) return readCached<T>(file);
        Atomics.wait(pause, 0, 0, 50);
    }
    return undefined;
}

/**
 * The installed versions of these packages (from the project's node_modules), for a key: a result
 * computed with one version of a parser or a schema package is not reused with another.
 */
export function packageVersions(...packages: string[]): Record<string, string> {
    return Object.fromEntries(
        packages.map((pkg) => {
            const file = path.resolve(__dirname, "..", "node_modules", pkg, "package.json");
            return [pkg, (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version];
        }),
    );
}

/** `compute()`'s result for this kind and key (any JSON value), computed once per distinct key. */
export function cachedByContent<T>(kind: string, key: unknown, compute: () => T): T {
    if (process.env.THANOS_CHECK_CACHE === "off") return compute();
    const digest = crypto
        .createHash("sha256")
        .update(JSON.stringify([kind, key]))
        .digest("hex");
    const id = `${kind}-${digest}`;
    if (inMemory.has(id)) return structuredClone(inMemory.get(id) as T);
    const file = path.join(cacheDir(), `${id}.json`);
    const lock = `${file}.lock`;
    let found = readCached<T>(file);
    if (found === undefined && !claim(lock)) found = waitFor<T>(file, lock);
    let value: T;
    if (found !== undefined) {
        value = found.value;
    } else {
        try {
            value = compute();
        } catch (err) {
            fs.rmSync(lock, { force: true });
            throw err;
        }
        try {
            fs.mkdirSync(cacheDir(), { recursive: true });
            const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
            fs.writeFileSync(partial, JSON.stringify(value));
            fs.renameSync(partial, file);
        } catch {
            // A read-only tree still works, computing each time.
        } finally {
            fs.rmSync(lock, { force: true });
        }
    }
    inMemory.set(id, value);
    return structuredClone(value);
}
