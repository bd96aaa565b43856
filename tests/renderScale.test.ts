// The render compiles the program once and shares its modules between stacks: that must not change
// a byte of the plan. Two renders in one process, the edges in opposite orders, write the same files;
// a finished stack is not kept alive; stack files are parsed once per render.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readSiblingStacks, withStackFileSnapshot } from "../config/siblings";
import { renderStacks } from "../offline/render";
import { PROJECT_ROOT, StackRunError, runStack } from "../offline/runStack";
import { findStackFiles } from "../offline/stackFiles";
import { TEST_SECRETS } from "./helpers";

function filesUnder(dir: string, at = ""): string[] {
    return fs.readdirSync(path.join(dir, at), { withFileTypes: true }).flatMap((entry) => {
        const relative = path.join(at, entry.name);
        return entry.isDirectory() ? filesUnder(dir, relative) : [relative];
    });
}

describe("a render that scales", () => {
    const dirs: string[] = [];
    const tempDir = (prefix: string) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        dirs.push(dir);
        return dir;
    };
    after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

    it("renders the same bytes twice in one process, the edges in either order", async () => {
        const stackFiles = findStackFiles();
        const edges = stackFiles.filter((s) => s.role !== "central");
        const central = stackFiles.filter((s) => s.role === "central");
        expect(edges.length).to.be.greaterThan(1);
        const forward = tempDir("thanos-render-forward-");
        const backward = tempDir("thanos-render-backward-");
        await renderStacks({
            outDir: forward,
            stackFiles: [...edges, ...central],
            secrets: TEST_SECRETS,
            log: () => undefined,
        });
        await renderStacks({
            outDir: backward,
            stackFiles: [...edges].reverse().concat(central),
            secrets: TEST_SECRETS,
            log: () => undefined,
        });
        const files = filesUnder(forward).sort();
        expect(files).to.have.lengthOf(stackFiles.length * 4);
        expect(filesUnder(backward).sort()).to.deep.equal(files);
        for (const file of files) {
            const a = fs.readFileSync(path.join(forward, file));
            const b = fs.readFileSync(path.join(backward, file));
            expect(a.equals(b), `${file} differs between the two renders`).to.equal(true);
        }
    });

    it("lets go of every finished stack's program module", async () => {
        const entry = path.join(PROJECT_ROOT, "index.ts");
        await renderStacks({ outDir: tempDir("thanos-render-release-"), secrets: TEST_SECRETS, log: () => undefined });
        expect(require.cache[entry], "index.ts still in the require cache").to.equal(undefined);
        const holders = Object.values(require.cache).filter((m) => m?.children.some((c) => c.filename === entry));
        expect(holders.map((m) => m!.filename)).to.deep.equal([]);
    });

    it("still says where an error comes from: the program's file and line, source-mapped", async () => {
        const program = path.join(__dirname, "fixtures", "throwingProgram.ts");
        let failure: unknown;
        try {
            await runStack({ stack: "fixture", config: {}, program });
        } catch (err) {
            failure = err;
        }
        expect(failure).to.be.instanceOf(StackRunError);
        const error = (failure as StackRunError).error as Error;
        expect(error.message).to.equal("the fixture fails on input");
        // Line 5 of the TypeScript source (the throw), not a line of the transpiled output.
        expect(error.stack).to.contain(`${program}:5:`);
    });

    it("tracks the SDK's promises without building an Error for each (their stack was never captured anyway)", async () => {
        // The SDK's own module, as the stack runner wraps it.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
            debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
        };
        const OriginalError = global.Error;
        let built = 0;
        global.Error = new Proxy(OriginalError, {
            construct(target, args, newTarget) {
                built++;
                return Reflect.construct(target, args, newTarget);
            },
        });
        let tracked: Promise<number>;
        try {
            // The first promise of a process schedules the SDK's report of pending promises: the
            // stack runner (imported above) hands that one to the SDK; any promise after it is its own.
            await debuggable.debuggablePromise(Promise.resolve(0), "the first");
            built = 0;
            tracked = Promise.resolve(1);
            expect(await debuggable.debuggablePromise(tracked, "a context")).to.equal(1);
        } finally {
            global.Error = OriginalError;
        }
        expect(built).to.equal(0);
        // What the SDK's pending-promise report prints of it.
        expect((tracked as unknown as { _debugCtx: string })._debugCtx).to.equal("a context");
    });

    it("parses each sibling stack file once while it is unchanged, and again once it changes", () => {
        const dir = tempDir("thanos-siblings-");
        const write = (stack: string, clusterName: string) =>
            fs.writeFileSync(
                path.join(dir, `Pulumi.${stack}.yaml`),
                `config:\n  thanos-multicluster:clusterName: ${clusterName}\n`,
            );
        write("a", "cluster-a");
        write("b", "cluster-b");
        const reads: string[] = [];
        // The module object itself: the program's `import * as fs` reads through to it.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const nodeFs = require("fs") as { readFileSync: (...args: unknown[]) => unknown };
        const readFileSync = nodeFs.readFileSync;
        nodeFs.readFileSync = (...args: unknown[]) => {
            reads.push(String(args[0]));
            return readFileSync(...args);
        };
        try {
            readSiblingStacks(dir, "a");
            readSiblingStacks(dir, "b");
            readSiblingStacks(dir, "c");
            expect(reads.map((f) => path.basename(f)).sort()).to.deep.equal(["Pulumi.a.yaml", "Pulumi.b.yaml"]);
            write("b", "cluster-b-renamed-longer");
            expect(readSiblingStacks(dir, "a").map((s) => s.clusterName)).to.deep.equal(["cluster-b-renamed-longer"]);
        } finally {
            nodeFs.readFileSync = readFileSync;
        }
    });
    it("during a render's snapshot, lists and states the directory once for every stack; outside it, looks again", async () => {
        const dir = tempDir("thanos-snapshot-");
        const write = (stack: string, clusterName: string) =>
            fs.writeFileSync(
                path.join(dir, `Pulumi.${stack}.yaml`),
                `config:\n  thanos-multicluster:clusterName: ${clusterName}\n`,
            );
        write("a", "cluster-a");
        write("b", "cluster-b");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const nodeFs = require("fs") as {
            statSync: (...args: unknown[]) => unknown;
            readdirSync: (...args: unknown[]) => unknown;
        };
        const { statSync, readdirSync } = nodeFs;
        let calls = 0;
        nodeFs.statSync = (...args: unknown[]) => (calls++, statSync(...args));
        nodeFs.readdirSync = (...args: unknown[]) => (calls++, readdirSync(...args));
        try {
            const inside = await withStackFileSnapshot(async () => {
                const names = ["a", "b", "c"].map((stack) => readSiblingStacks(dir, stack).map((s) => s.clusterName));
                // One listing and one stat per file (2), whatever the number of stacks reading them.
                expect(calls).to.equal(3);
                write("c", "cluster-c");
                names.push(readSiblingStacks(dir, "a").map((s) => s.clusterName));
                return names;
            });
            expect(inside).to.deep.equal([["cluster-b"], ["cluster-a"], ["cluster-a", "cluster-b"], ["cluster-b"]]);
            expect(calls).to.equal(3);
            // The snapshot ends with the render: the next read sees the file written meanwhile.
            expect(readSiblingStacks(dir, "a").map((s) => s.clusterName)).to.deep.equal(["cluster-b", "cluster-c"]);
        } finally {
            nodeFs.statSync = statSync;
            nodeFs.readdirSync = readdirSync;
        }
    });
});
