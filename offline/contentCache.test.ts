import { expect } from "chai";
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cachedByContent } from "./contentCache";
import { PROJECT_ROOT } from "./projectRoot";

/** The file a result is kept in: the kind, then the SHA-256 of [kind, key] as JSON. */
const resultFile = (dir: string, key: string) =>
    path.join(
        dir,
        `test-${crypto
            .createHash("sha256")
            .update(JSON.stringify(["test", key]))
            .digest("hex")}.json`,
    );

describe("content cache (offline/contentCache.ts)", () => {
    let dir: string;
    const saved = process.env.THANOS_CHECK_CACHE_DIR;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "content-cache-"));
        process.env.THANOS_CHECK_CACHE_DIR = dir;
    });
    afterEach(() => {
        if (saved === undefined) delete process.env.THANOS_CHECK_CACHE_DIR;
        else process.env.THANOS_CHECK_CACHE_DIR = saved;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Runs cachedByContent in another Node.js process; returns what it computed or read. */
    function inOtherProcess(key: string, answer: string): Promise<{ value: string; computed: boolean }> {
        const script = `
            const { cachedByContent } = require("./offline/contentCache.ts");
            let computed = false;
            const value = cachedByContent("test", ${JSON.stringify(key)}, () => { computed = true; return ${JSON.stringify(answer)}; });
            console.log(JSON.stringify({ value, computed }));`;
        return new Promise((resolve, reject) => {
            const child = spawn(process.execPath, ["-r", "./offline/tsRegister.cjs", "-e", script], {
                cwd: PROJECT_ROOT,
                env: { ...process.env, THANOS_CHECK_CACHE_DIR: dir },
            });
            let out = "";
            child.stdout.on("data", (d) => (out += d));
            child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
        });
    }

    it("computes once per distinct key, and again for another key", () => {
        let calls = 0;
        const compute = () => [++calls];
        expect(cachedByContent("test", { a: 1 }, compute)).to.deep.equal([1]);
        expect(cachedByContent("test", { a: 1 }, compute)).to.deep.equal([1]);
        expect(cachedByContent("test", { a: 2 }, compute)).to.deep.equal([2]);
        expect(calls).to.equal(2);
    });

    it("hands each caller its own copy", () => {
        const first = cachedByContent("test", "copy", () => ({ list: [1] }));
        first.list.push(2);
        expect(cachedByContent("test", "copy", () => ({ list: [9] }))).to.deep.equal({ list: [1] });
    });

    it("gives another process the result from disk", async () => {
        cachedByContent("test", "shared", () => "from this process");
        expect(fs.existsSync(resultFile(dir, "shared"))).to.equal(true);
        expect(await inOtherProcess("shared", "recomputed")).to.deep.equal({
            value: "from this process",
            computed: false,
        });
    });

    it("waits for a process that is computing the same result instead of computing it too", async () => {
        // Another process holds the claim; its result lands a moment later.
        const file = resultFile(dir, "slow");
        fs.writeFileSync(`${file}.lock`, "");
        const waiting = inOtherProcess("slow", "computed by the waiter");
        setTimeout(() => {
            fs.writeFileSync(file, JSON.stringify("computed by the claimant"));
            fs.rmSync(`${file}.lock`);
        }, 1500);
        expect(await waiting).to.deep.equal({ value: "computed by the claimant", computed: false });
    });

    it("takes over a claim left by a process that died", async () => {
        const lock = `${resultFile(dir, "orphan")}.lock`;
        fs.writeFileSync(lock, "");
        const old = new Date(Date.now() - 60_000);
        fs.utimesSync(lock, old, old);
        expect(await inOtherProcess("orphan", "computed anew")).to.deep.equal({
            value: "computed anew",
            computed: true,
        });
        expect(fs.existsSync(lock)).to.equal(false);
    });

    it("is not used with THANOS_CHECK_CACHE=off", () => {
        const saved = process.env.THANOS_CHECK_CACHE;
        process.env.THANOS_CHECK_CACHE = "off";
        try {
            let calls = 0;
            cachedByContent("test", "off", () => ++calls);
            cachedByContent("test", "off", () => ++calls);
            expect(calls).to.equal(2);
        } finally {
            if (saved === undefined) delete process.env.THANOS_CHECK_CACHE;
            else process.env.THANOS_CHECK_CACHE = saved;
        }
    });
});
