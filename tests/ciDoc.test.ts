// docs/ci.md against what it describes: the commands it shows and their output, the environments'
// secrets (from `npm run secrets`), the backend secrets and runner labels the workflows read, and
// the lab's addresses and ports from the stack files.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { alertmanagerLoadBalancerPort } from "../config";
import { sidecarLoadBalancerPort } from "../components/names";
import { parseArgs } from "../offline/deploy";
import { PROJECT_ROOT } from "../offline/runStack";
import { main as secretsMain, stackSecrets } from "../offline/secrets";
import { deployOrder, main as stacksMain } from "../offline/stacks";
import { stackFile } from "./helpers";
import { loadWorkflow } from "./workflowSteps";
import { isSelfManagedBackend } from "../config/siblings";

const DOC = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "ci.md"), "utf8");

/** The rows of the markdown table whose header row starts with `header`. */
function table(header: string): string[][] {
    const lines = DOC.split("\n");
    const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
    expect(start, `a table headed ${header}`).to.be.at.least(0);
    const rows: string[][] = [];
    for (const line of lines.slice(start + 2)) {
        if (!line.startsWith("|")) break;
        rows.push(
            line
                .slice(1, -1)
                .split(" | ")
                .map((c) => c.trim()),
        );
    }
    return rows;
}

const codeNames = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** Runs a command the doc shows, through the same entry points `npm run` reaches. */
function runShown(command: string): string {
    const m = /^npm run (\w+)(?: -- (.*))?$/.exec(command);
    if (m === null) throw new Error(`docs/ci.md shows a command no test runs: ${command}`);
    const args = m[2] ? m[2].split(" ") : [];
    if (m[1] === "secrets") return secretsMain(args);
    if (m[1] === "stacks") return stacksMain(args);
    throw new Error(`docs/ci.md shows a command no test runs: ${command}`);
}

describe("docs/ci.md", () => {
    it("shows each command's real output", () => {
        const blocks = [...DOC.matchAll(/```console\n([\s\S]*?)```/g)].map((m) => m[1]);
        expect(blocks.length).to.be.at.least(2);
        for (const block of blocks) {
            const [first, ...output] = block.trimEnd().split("\n");
            expect(first).to.match(/^\$ /);
            expect(runShown(first.slice(2)), first).to.equal(output.join("\n"));
        }
    });

    it("shows only npm commands a test runs: secrets and stacks here, deploy in tests/deploy.test.ts, verify as the deploy workflow calls it", () => {
        const commands = [...DOC.matchAll(/`(npm run [^`]+)`/g)].map((m) => m[1]);
        expect(commands.length).to.be.at.least(4);
        const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts;
        for (const command of commands) {
            const [, script, rest] = /^npm run (\w+)(?: -- (.*))?$/.exec(command) ?? [];
            expect(script, command).to.be.a("string");
            if (script === "verify") {
                // Another module's command: the deploy workflow's last job calls it on the central stack.
                expect(JSON.stringify(loadWorkflow("deploy.yml").jobs.verify.steps)).to.contain(
                    "npm run verify -- --stack",
                );
                continue;
            }
            expect(scripts, command).to.have.property(script);
            if (rest === undefined) continue; // the script named in prose
            const args = rest.replace("NAME", "cluster-02");
            if (script === "deploy") {
                for (const command of args.split(" ")[0].split("|"))
                    expect(parseArgs([command, ...args.split(" ").slice(1)]), command).to.have.property(
                        "command",
                        command,
                    );
            } else expect(() => runShown(`npm run ${script} -- ${args}`), command).not.to.throw();
        }
    });

    it("lists each stack's two environments with KUBECONFIG and exactly the secrets `npm run secrets` names", () => {
        const expected = deployOrder().map((s) => [
            `\`${s.name}\`, \`${s.name}-preview\``,
            ["KUBECONFIG", ...stackSecrets(s.name).flatMap((x) => (x.secret ? [x.secret] : []))]
                .map((n) => `\`${n}\``)
                .join(", "),
        ]);
        expect(table("environments")).to.deep.equal(expected);
    });

    it("names every backend secret the stack job reads, and the runner variable and label the workflows use", () => {
        const job = loadWorkflow("pulumi-stack.yml").jobs.pulumi;
        const fromSecrets = Object.entries<string>(job.env)
            .filter(([, v]) => v.startsWith("${{ secrets."))
            .map(([k]) => k);
        const documented = table("secret").flatMap((row) => codeNames(row[0]));
        expect(documented.sort()).to.deep.equal(fromSecrets.sort());
        const declared = Object.keys(loadWorkflow("pulumi-stack.yml").on.workflow_call.secrets);
        for (const name of documented) expect(declared).to.include(name);
        expect(job["runs-on"]).to.contain("vars.LAB_RUNNER_LABELS").and.to.contain('"thanos-lab"');
        expect(DOC).to.contain("`LAB_RUNNER_LABELS`").and.to.contain("label `thanos-lab`");
    });

    it("gives the lab's addresses and ports as the stack files set them", () => {
        const network = table("from")
            .map((r) => r.join(" | "))
            .join("\n");
        for (const { name, role } of deployOrder()) {
            const config = stackFile(name).config as Record<string, any>;
            const lbIp: string = config["thanos-multicluster:loadBalancer"].ip;
            for (const ip of config["thanos-multicluster:nodeIps"] as string[])
                expect(network, `${name} node ${ip}`).to.contain(
                    ip.replace(/^192\.168\.101\./, role === "edge" ? "." : "192.168.101."),
                );
            if (role === "edge") {
                expect(network, `${name} sidecars`).to.contain(lbIp.replace(/^192\.168\.101\./, "."));
                const replicas: number = config["thanos-multicluster:prometheus"].replicas;
                for (let i = 0; i < replicas; i++) expect(network).to.contain(String(sidecarLoadBalancerPort(i)));
            } else {
                expect(network).to.contain(lbIp);
                const replicas: number = config["thanos-multicluster:central"].alertmanager.replicas;
                const ports = Array.from({ length: replicas }, (_, i) => alertmanagerLoadBalancerPort(i));
                expect(network).to.contain(`${ports.join(", ")} |`);
                expect(network).to.contain(`${ports[0]}-${ports[ports.length - 1]}`);
                expect(network).to.contain(config["thanos-multicluster:objectStorage"].endpoint.split(":")[0]);
            }
        }
    });

    it("gives a self-managed backend URL the CLI reads as MinIO's (the parameters pulumi's diy backend passes to its S3 client), at the lab's MinIO", () => {
        const [url] = /`(s3:\/\/[^`]+)`/.exec(DOC)!.slice(1);
        expect(isSelfManagedBackend(url)).to.equal(true);
        const query = new URL(url.replace(/^s3:/, "http:")).searchParams;
        const minio = (stackFile("cluster-01").config["thanos-multicluster:objectStorage"] as { endpoint: string })
            .endpoint;
        expect(query.get("endpoint")).to.equal(`http://${minio}`);
        expect(query.get("s3ForcePathStyle")).to.equal("true");
        expect(query.get("region")).to.match(/^[a-z]+-[a-z]+-\d$/);
        expect([...query.keys()].sort()).to.deep.equal(["endpoint", "region", "s3ForcePathStyle"]);
    });

    it("says which runner each job runs on, as the workflows say", () => {
        const rows = table("workflow");
        const seen: string[] = [];
        for (const [workflows, job, runner] of rows) {
            const jobs = codeNames(job);
            expect(jobs.length, job).to.be.at.least(1);
            for (const file of codeNames(workflows)) {
                for (const id of jobs) {
                    const definition = loadWorkflow(file).jobs[id];
                    expect(definition, `${file} ${id}`).to.not.equal(undefined);
                    // A reusable workflow's job runs where that workflow's job runs.
                    const runsOn = definition.uses
                        ? loadWorkflow("pulumi-stack.yml").jobs.pulumi["runs-on"]
                        : definition["runs-on"];
                    if (runner.startsWith("GitHub-hosted")) expect(runsOn, `${file} ${id}`).to.equal("ubuntu-latest");
                    else {
                        expect(runner).to.equal("lab runner");
                        expect(runsOn, `${file} ${id}`).to.contain("vars.LAB_RUNNER_LABELS");
                    }
                    seen.push(`${file} ${id}`);
                }
            }
        }
        const all = ["pull-request.yml", "deploy.yml"].flatMap((f) =>
            Object.keys(loadWorkflow(f).jobs).map((j) => `${f} ${j}`),
        );
        expect(seen.sort()).to.deep.equal(all.sort());
    });
});
