// `npm run verify`'s command line, the stack outputs it reads (from files and through the Pulumi
// CLI, here a stand-in), and docs/verify.md: its commands, flags and names against the code.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GRAFANA_ADMIN_SECRET, GRAFANA_ADMIN_USER } from "../components/grafanaAdminSecret";
import { THANOS_DATASOURCE, THANOS_JOBS } from "../components/names";
import { PROJECT_ROOT } from "../offline/projectRoot";
import { deployOrder } from "../offline/stacks";
import { loadTarget } from "../offline/verify";
import { TAKES_VALUE, parseArgs } from "../offline/verify/args";
import { edgeFromOutputs, targetFromOutputs } from "../offline/verify/outputs";
import { LAST_UPLOAD_METRIC } from "../offline/verify/run";
import { COMMITTED_EDGES as EDGES } from "./fixtures/thanosStoresResponse";
import { committedEdgeOutputs, runCommittedStack } from "./helpers";

describe("verify: command line and outputs", () => {
    it("sends a test alert only when asked, and then only to a named receiver", () => {
        expect(parseArgs([]).sendTestAlert).to.equal(false);
        expect(() => parseArgs(["--send-test-alert"])).to.throw(/needs --receiver NAME/);
        expect(() => parseArgs(["--receiver", "oncall"])).to.throw(/only go with --send-test-alert/);
        expect(() => parseArgs(["--label", "severity=critical"])).to.throw(/only go with --send-test-alert/);
        const args = parseArgs(["--send-test-alert", "--receiver", "oncall", "--label", "severity=critical"]);
        expect([args.receiver, args.labels]).to.deep.equal(["oncall", { severity: "critical" }]);
        expect(() => parseArgs(["--send-test-alert", "--receiver", "x", "--label", "verify_run=1"])).to.throw(
            /set by verify/,
        );
        expect(() => parseArgs(["--label", "bad-name=1", "--send-test-alert", "--receiver", "x"])).to.throw(
            /KEY=VALUE/,
        );
    });

    it("rejects unknown flags, missing values and unbounded timeouts", () => {
        expect(() => parseArgs(["--bogus"])).to.throw(/unknown argument --bogus/);
        expect(() => parseArgs(["--stack"])).to.throw(/--stack needs a value/);
        expect(() => parseArgs(["--timeout", "0"])).to.throw(/--timeout/);
        expect(() => parseArgs(["--timeout", "forever"])).to.throw(/--timeout/);
        expect(() => parseArgs(["--edge-outputs", "e.json"])).to.throw(/goes with --outputs/);
        expect(parseArgs(["--alertmanager", "a:1", "--alertmanager", "b:2"]).alertmanagers).to.deep.equal([
            "a:1",
            "b:2",
        ]);
    });

    it("reads the central stack's and an edge's outputs as the program exports them, overrides applied", async () => {
        const edges = await committedEdgeOutputs();
        const central = await runCommittedStack("cluster-01", {}, edges);
        const edge = edgeFromOutputs(
            edges["miribit/thanos-multicluster/cluster-03"].outputs as Record<string, unknown>,
            "cluster-03",
        );
        expect(edge).to.deep.equal({
            stack: "cluster-03",
            clusterName: "cluster-03",
            queryEndpoint: "192.168.101.212:10901",
        });
        const target = targetFromOutputs(central.outputs, "cluster-01", [edge], {
            queryUrl: "http://127.0.0.1:1/",
            alertmanagers: ["127.0.0.1:2", "http://127.0.0.1:3"],
        });
        expect(target.centralCluster).to.equal("cluster-01");
        expect(target.queryUrl).to.equal("http://127.0.0.1:1");
        expect(target.grafanaUrl).to.equal("http://192.168.101.210:3000");
        expect(target.alertmanagers).to.deep.equal(["http://127.0.0.1:2", "http://127.0.0.1:3"]);
        expect(targetFromOutputs(central.outputs, "cluster-01", []).alertmanagers).to.deep.equal([
            "http://192.168.101.210:9093",
            "http://192.168.101.210:9094",
            "http://192.168.101.210:9095",
        ]);
        expect(() =>
            targetFromOutputs(edges["miribit/thanos-multicluster/cluster-03"].outputs as any, "cluster-03", []),
        ).to.throw("cluster-03: role is edge, not central");
        const { queryUrl: _gone, ...withoutQuery } = central.outputs;
        expect(() => targetFromOutputs(withoutQuery, "cluster-01", [])).to.throw("cluster-01: no output queryUrl");
    });
});

describe("verify: docs/verify.md and the Pulumi CLI", () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "verify.md"), "utf8");
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");

    it("shows only commands verify accepts", () => {
        const commands = [...doc.matchAll(/^npm run verify(?: -- (.*?))?(?:\s+#.*)?$/gm)].map((m) => m[1] ?? "");
        expect(commands.length).to.be.greaterThan(3);
        for (const command of commands)
            expect(() => parseArgs(command.split(/\s+/).filter(Boolean)), command).to.not.throw();
        expect(readme, "README lists npm run verify").to.match(/npm run verify/);
    });

    it("documents every flag the parser takes, and no other", () => {
        const table = [...doc.matchAll(/^\| (`--.*?) \|/gm)].flatMap((m) =>
            [...m[1].matchAll(/(--[a-z-]+)/g)].map((f) => f[1]),
        );
        expect([...new Set(table)].sort()).to.deep.equal([...TAKES_VALUE, "--send-test-alert"].sort());
    });

    it("names the Secret and keys the Grafana password is in, and the datasource uid the program provisions", () => {
        expect(doc).to.contain(`Secret \`${GRAFANA_ADMIN_SECRET.name}\` (key \`${GRAFANA_ADMIN_SECRET.passwordKey}\`)`);
        expect(doc).to.contain(`\`GRAFANA_ADMIN_USER\` (default \`${GRAFANA_ADMIN_USER}\`)`);
        expect(doc).to.contain(`(uid \`${THANOS_DATASOURCE.uid}\`)`);
        expect(doc).to.contain(`${LAST_UPLOAD_METRIC}{job="${THANOS_JOBS.sidecar}"}`);
    });

    it("reads each stack's outputs with `pulumi stack output --json --stack <fullName>`, the central and every edge by default, one edge with --stack", async function () {
        this.timeout(30_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-pulumi-"));
        const log = path.join(dir, "calls.jsonl");
        // A stand-in Pulumi CLI: logs its arguments, prints the outputs of the stack named.
        const outputs: Record<string, unknown> = {
            "cluster-01": {
                clusterName: "cluster-01",
                role: "central",
                queryUrl: "http://192.168.101.210:9090",
                grafanaUrl: "http://192.168.101.210:3000",
                alertmanagerEdgeEndpoints: ["192.168.101.210:9093"],
                queryEndpoints: [],
            },
            ...Object.fromEntries(
                EDGES.map((e) => [
                    e.stack,
                    { clusterName: e.clusterName, role: "edge", queryEndpoint: e.queryEndpoint },
                ]),
            ),
        };
        fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(outputs));
        fs.writeFileSync(
            path.join(dir, "pulumi"),
            `#!${process.execPath}\n` +
                `const fs = require("fs");\n` +
                `const args = process.argv.slice(2);\n` +
                `fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + "\\n");\n` +
                `const stack = args[args.indexOf("--stack") + 1].split("/").pop();\n` +
                `process.stdout.write(JSON.stringify(JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, "outputs.json"))}, "utf8"))[stack]));\n`,
            { mode: 0o755 },
        );
        const savedPath = process.env.PATH;
        process.env.PATH = `${dir}${path.delimiter}${savedPath}`;
        try {
            const all = await loadTarget(parseArgs([]));
            expect(all.scope).to.deep.equal({ kind: "all" });
            expect(all.target.edges.map((e) => [e.stack, e.clusterName])).to.deep.equal(
                EDGES.map((e) => [e.stack, e.clusterName]),
            );
            const calls = fs
                .readFileSync(log, "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l));
            const stacks = deployOrder(PROJECT_ROOT);
            expect(calls).to.have.deep.members(
                stacks.map((s) => ["stack", "output", "--json", "--stack", s.fullName, "--non-interactive"]),
            );
            expect(doc).to.contain("`pulumi stack output --json --stack <fullName>`");

            const one = await loadTarget(parseArgs(["--stack", "cluster-03"]));
            expect(one.scope).to.deep.equal({ kind: "edge", clusterName: "cluster-03" });
            expect(one.target.edges.map((e) => e.clusterName)).to.deep.equal(["cluster-03"]);
            await loadTarget(parseArgs(["--stack", "cluster-09"])).then(
                () => expect.fail("an unknown stack must fail"),
                (err: Error) => expect(err.message).to.match(/^no stack named cluster-09; the stacks are /),
            );
        } finally {
            process.env.PATH = savedPath;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
