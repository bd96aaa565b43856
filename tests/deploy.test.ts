// The deploy driver against a stub `pulumi` first on PATH (tests/fixtures/pulumi-stub/pulumi),
// which records every call the Automation API makes and answers as the CLI would.

import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { DeployError, NO_CLI, deploy, parseArgs, summarize } from "../offline/deploy";
import { PROJECT_ROOT } from "../offline/runStack";

const STUB_DIR = path.join(PROJECT_ROOT, "tests", "fixtures", "pulumi-stub");
const POLICY = path.join(PROJECT_ROOT, "policy");
const full = (stack: string) => `miribit/thanos-multicluster/${stack}`;

interface Call {
    args: string[];
    cwd: string;
    automation?: string;
}

describe("npm run deploy (Automation API, stub pulumi CLI)", function () {
    this.timeout(60000);
    const saved = { ...process.env };
    let log: string;
    let output: string;
    const write = (text: string) => {
        output += text;
    };
    const calls = (): Call[] =>
        fs
            .readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l));
    const operations = () =>
        calls().filter((c) => c.args[0] !== "version" && !(c.args[0] === "stack" && c.args[1] === "select"));

    beforeEach(() => {
        log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-stub-")), "calls.jsonl");
        fs.writeFileSync(log, "");
        output = "";
        process.env.PATH = `${STUB_DIR}${path.delimiter}${saved.PATH}`;
        process.env.PULUMI_STUB_LOG = log;
        delete process.env.PULUMI_STUB_FAIL;
        delete process.env.PULUMI_STUB_MISSING;
    });
    after(() => {
        for (const key of ["PATH", "PULUMI_STUB_LOG", "PULUMI_STUB_FAIL", "PULUMI_STUB_MISSING"]) {
            if (saved[key] === undefined) delete process.env[key];
            else process.env[key] = saved[key];
        }
    });

    it("previews every stack in deploy order with the policy pack, each under a header with its output streamed", async () => {
        const done = await deploy({ command: "preview", write, writeError: write });
        expect(done.map((s) => s.name)).to.deep.equal(["cluster-02", "cluster-03", "cluster-04", "cluster-01"]);
        const selected = calls()
            .filter((c) => c.args[0] === "stack" && c.args[1] === "select")
            .map((c) => c.args);
        expect(selected).to.deep.equal(
            ["cluster-02", "cluster-03", "cluster-04", "cluster-01"].map((s) => [
                "stack",
                "select",
                "--stack",
                full(s),
                "--non-interactive",
            ]),
        );
        const previews = operations();
        expect(previews.map((c) => c.args[0])).to.deep.equal(["preview", "preview", "preview", "preview"]);
        for (const [i, stack] of ["cluster-02", "cluster-03", "cluster-04", "cluster-01"].entries()) {
            const args = previews[i].args;
            expect(args.slice(args.indexOf("--stack"), args.indexOf("--stack") + 2)).to.deep.equal([
                "--stack",
                full(stack),
            ]);
            expect(args.slice(args.indexOf("--policy-pack"), args.indexOf("--policy-pack") + 2)).to.deep.equal([
                "--policy-pack",
                POLICY,
            ]);
            expect(previews[i].cwd).to.equal(PROJECT_ROOT);
            expect(previews[i].automation).to.equal("true");
            // No refresh: a refresh reads every resource back, MinIO's too (docs/ci.md: a preview
            // needs no MinIO admin key because it does not).
            expect(
                args.filter((a) => a.startsWith("--refresh")),
                stack,
            ).to.deep.equal([]);
        }
        // Each stack's header comes before that stack's own output.
        const header = (s: string, role: string, n: number) =>
            `=== ${s} (${role}, ${n}/4): pulumi preview on ${full(s)} ===`;
        const at = (text: string) => output.indexOf(text);
        expect(at(header("cluster-02", "edge", 1))).to.be.within(0, at(`Previewing update (${full("cluster-02")})`));
        expect(at(`Previewing update (${full("cluster-02")})`)).to.be.below(at(header("cluster-03", "edge", 2)));
        expect(at(header("cluster-01", "central", 4))).to.be.below(at(`Previewing update (${full("cluster-01")})`));
        expect(output).to.contain(`Policy Packs run: ${POLICY}`);
    });

    it("runs `pulumi up` on one stack with --stack, then reads its outputs as the Automation API does", async () => {
        await deploy({ command: "up", stack: "cluster-03", write, writeError: write });
        const ops = operations().map((c) => c.args);
        expect(ops[0].slice(0, 3)).to.deep.equal(["up", "--yes", "--skip-preview"]);
        expect(ops[0]).to.include.members(["--policy-pack", POLICY, "--stack", full("cluster-03")]);
        expect(ops.slice(1).map((a) => a.slice(0, 2).join(" "))).to.deep.equal([
            "stack output",
            "stack output",
            "stack history",
        ]);
        expect(ops.every((a) => a.includes(full("cluster-03")))).to.equal(true);
        expect(output)
            .to.contain(`Updating (${full("cluster-03")})`)
            .and.not.to.contain("cluster-02 (edge");
    });

    it("stops at the first stack that fails, names it and the stacks not run, and runs nothing after it", async () => {
        process.env.PULUMI_STUB_FAIL = full("cluster-03");
        let error: unknown;
        try {
            await deploy({ command: "up", write, writeError: write });
        } catch (err) {
            error = err;
        }
        expect(error).to.be.instanceOf(DeployError);
        expect((error as DeployError).stack).to.equal("cluster-03");
        expect((error as Error).message).to.equal(
            "stack cluster-03 failed (not run: cluster-04, cluster-01): pulumi up exited with code 255 (error: update failed)",
        );
        const stacksTouched = operations().map((c) => c.args[c.args.indexOf("--stack") + 1]);
        expect([...new Set(stacksTouched)]).to.deep.equal([full("cluster-02"), full("cluster-03")]);
        expect(output).to.contain("**failed**");
    });

    it("creates a stack the backend does not hold yet (a new edge), then runs it", async () => {
        process.env.PULUMI_STUB_MISSING = full("cluster-02");
        await deploy({ command: "preview", write, writeError: write });
        const cluster02 = calls()
            .filter((c) => c.args.includes(full("cluster-02")))
            .map((c) => (c.args[0] === "stack" ? c.args.slice(0, 2).join(" ") : c.args[0]));
        expect(cluster02.slice(0, 3)).to.deep.equal(["stack select", "stack init", "preview"]);
        expect(operations().filter((c) => c.args[0] === "preview")).to.have.length(4);
    });

    it("names the missing Pulumi CLI instead of blaming the first stack", async () => {
        process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
        let message = "";
        await deploy({ command: "up", write, writeError: write }).catch((err: Error) => (message = err.message));
        expect(message).to.equal(NO_CLI);
        expect(message).not.to.match(/cluster-02|code: -2/);
        expect(output).to.equal("");
    });

    it("refuses unknown commands and stacks before calling pulumi", async () => {
        expect(() => parseArgs([])).to.throw("usage: npm run deploy -- preview|up [--stack NAME]");
        expect(() => parseArgs(["destroy"])).to.throw(/usage/);
        expect(() => parseArgs(["up", "--stack"])).to.throw(/usage/);
        expect(parseArgs(["up", "--stack", "cluster-02"])).to.deep.equal({ command: "up", stack: "cluster-02" });
        let message = "";
        await deploy({ command: "up", stack: "cluster-09", write }).catch((err: Error) => (message = err.message));
        expect(message).to.equal(
            "no stack named cluster-09; the stacks are cluster-02, cluster-03, cluster-04, cluster-01",
        );
        expect(calls()).to.deep.equal([]);
        expect(summarize(new Error("boom\nmore"))).to.equal("boom");
    });

    it("exits non-zero from the command line when a stack fails", async () => {
        const env = { ...process.env, PULUMI_STUB_FAIL: full("cluster-02") };
        const run = promisify(execFile)(
            process.execPath,
            [
                "-r",
                path.join(PROJECT_ROOT, "offline", "tsRegister.cjs"),
                path.join(PROJECT_ROOT, "offline", "deploy.ts"),
                "preview",
            ],
            { env, cwd: PROJECT_ROOT },
        );
        const failure = await run.then(
            () => undefined,
            (err: { code: number; stderr: string; stdout: string }) => err,
        );
        expect(failure, "the driver must fail").to.not.equal(undefined);
        expect(failure!.code).to.equal(1);
        expect(failure!.stderr).to.contain(
            "deploy: stack cluster-02 failed (not run: cluster-03, cluster-04, cluster-01)",
        );
        expect(failure!.stdout).to.contain("=== cluster-02 (edge, 1/4): pulumi preview");
    });
});
