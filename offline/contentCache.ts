// Results of slow, pure checks kept by the exact content they were computed from: in memory for
// the process, and on disk (node_modules/.cache) for the next process. A changed input, tool or
// dependency version is a different key, so a result is only ever reused for the same question.
// THANOS_CHECK_CACHE=off computes everything afresh.

import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

const CACHE_DIR = path.resolve(__dirname, "..", "node_modules", ".cache", "thanos-checks");
const inMemory = new Map<string, unknown>();

/** `compute()`'s result for this kind and key (any JSON value), computed once per distinct key. */
export function cachedByContent<T>(kind: string, key: unknown, compute: () => T): T {
    if (process.env.THANOS_CHECK_CACHE === "off") return compute();
    const digest = crypto
        .createHash("sha256")
        .update(JSON.stringify([kind, key]))
        .digest("hex");
    const id = `${kind}-${digest}`;
    if (inMemory.has(id)) return structuredClone(inMemory.get(id) as T);
    const file = path.join(CACHE_DIR, `${id}.json`);
    let value: T;
    try {
        value = JSON.parse(fs.readFileSync(file, "utf8")) as T;
    } catch {
        value = compute();
        try {
            fs.mkdirSync(CACHE_DIR, { recursive: true });
            const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
            fs.writeFileSync(partial, JSON.stringify(value));
            fs.renameSync(partial, file);
        } catch {
            // A read-only tree still works, computing each time.
        }
    }
    inMemory.set(id, value);
    return structuredClone(value);
}
