// The per-stack job of the workflows (pulumi-stack.yml), step by step as GitHub runs it, against a
// `pulumi` stand-in: the backend and stack step, the secret-config step fed by the environment
// secrets the workflow maps, the Pulumi run and its report. Then every committed stack is run under
// the mock engine with exactly the secret config a deployment has: what the workflow set, and what
// `npm run pki -- init` wrote into the stack file (run for real, on a checkout copy, against the stub
// CLI), decrypted. No placeholder and no render-only CA stands in.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, StackRun, StackRunError, runStack } from "../offline/runStack";
import { StackOutputsByName } from "../offline/mockEngine";
import { CiEnvironment, possibleEnvironmentSecrets, stackSecrets } from "../offline/secrets";
import { readStackFile } from "../offline/stackFiles";
import { deployOrder } from "../offline/stacks";
import { DEPLOYMENT_CA_BUNDLE } from "../config/pki";
import { jobRuns } from "./githubExpressions";
import { withPrefix } from "./helpers";
import { InitialisedProject, initialisedProject } from "./pkiProject";
import {
    PULUMI_SHELL_STUB,
    findStep,
    loadWorkflow,
    parseGithubEnv,
    resolveEnv,
    runStep,
    stubDir,
} from "./workflowSteps";

const FILE = "pulumi-stack.yml";
/** GitHub's context for a run of this repository on github.com (default branch main). */
const GITHUB = {
    server_url: "https://github.com",
    repository: "miribit/thanos-multicluster",
    event: { repository: { default_branch: "main" } },
};
/** What the runbook step sets under that context. */
const CI_RUNBOOK_BASE_URL = "https://github.com/miribit/thanos-multicluster/blob/main/docs/runbooks.md";
const job = loadWorkflow(FILE).jobs.pulumi;

/**
 * A value for every secret a preview or a deploy environment could hold; the workflow's own mapping
 * decides what a step sees.
 */
const REPOSITORY_SECRETS: Record<string, string> = {
    PULUMI_ACCESS_TOKEN: "pul-test-token",
    ...Object.fromEntries(
        [...possibleEnvironmentSecrets("preview"), ...possibleEnvironmentSecrets("deploy")].map((name) => [
            name,
            `value-of-${name.toLowerCase()}-4e1d9c7b`,
        ]),
    ),
};

/** The workflow's command for each kind of environment. */
const COMMAND: Record<CiEnvironment, string> = { preview: "preview", deploy: "up" };

function jobEnv(stack: string, command: string, secrets: Record<string, string>): Record<string, string> {
    return resolveEnv(job.env, secrets, { command, stack });
}

interface StubCall {
    args: string[];
    stdin: string;
}

describe("pulumi-stack.yml, step by step", function () {
    this.timeout(180000);
    let stubs: string;
    let log: string;
    const calls = (): StubCall[] =>
        fs
            .readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l));

    // A checkout where `npm run pki -- init` has run and its files are committed: what the pipeline
    // deploys. The repository as committed is before init (tests/secrets.test.ts).
    let project: InitialisedProject;
    before(async () => {
        project = await initialisedProject("stack-job", { checkout: true });
    });
    after(() => project?.remove());

    beforeEach(() => {
        stubs = stubDir({ pulumi: PULUMI_SHELL_STUB });
        log = path.join(stubs, "calls.jsonl");
        fs.writeFileSync(log, "");
    });

    /** The stack-name step, then the backend step with the FULL_NAME it wrote (as GitHub passes GITHUB_ENV on). */
    const backend = (stack: string, secrets: Record<string, string>, extra: Record<string, string> = {}) => {
        const env = { ...jobEnv(stack, "preview", secrets), STUB_LOG: log, ...extra };
        const nameStep = findStep(FILE, "pulumi", "name");
        const name = runStep(nameStep.run!, { ...env, ...resolveEnv(nameStep.env, secrets) }, [stubs]);
        if (name.status !== 0) return { ...name, nameOutput: name.output };
        const step = findStep(FILE, "pulumi", "The stack");
        const run = runStep(
            step.run!,
            { ...env, ...resolveEnv(step.env, secrets), ...parseGithubEnv(name.githubEnv) },
            [stubs],
        );
        return { ...run, githubEnv: name.githubEnv + run.githubEnv, nameOutput: name.output };
    };
    /** The secret-config step of a preview or a deploy, in the initialised checkout unless told another. */
    const secretStep = (
        stack: string,
        secrets: Record<string, string>,
        fullName: string,
        workDir: string = project.dir,
        environment: CiEnvironment = "preview",
    ) => {
        const step = findStep(FILE, "pulumi", `Secret config of a ${environment}`);
        return runStep(
            step.run!,
            {
                ...jobEnv(stack, COMMAND[environment], secrets),
                ...resolveEnv(step.env, secrets),
                FULL_NAME: fullName,
                STUB_LOG: log,
            },
            [stubs],
            undefined,
            workDir,
        );
    };

    /**
     * Runs `fn` with cluster-02 on the one shared MinIO key (objectStorage.identities: shared), so
     * that it has secret config to set: per-role identities generate theirs, and need none.
     */
    const withSharedKeyEdge = <T>(fn: () => T): T => {
        const file = path.join(project.dir, "Pulumi.cluster-02.yaml");
        const committed = fs.readFileSync(file, "utf8");
        const marker = "  thanos-multicluster:objectStorage:\n";
        expect(committed).to.contain(marker);
        fs.writeFileSync(file, committed.replace(marker, `${marker}    identities: shared\n`));
        try {
            return fn();
        } finally {
            fs.writeFileSync(file, committed);
        }
    };

    it("a new edge's first preview creates its stack, then sets its secret config on it", () => {
        const created = backend("cluster-02", REPOSITORY_SECRETS);
        expect(created.status, created.stdout + created.stderr).to.equal(0);
        expect(created.githubEnv).to.equal("FULL_NAME=miribit/thanos-multicluster/cluster-02\n");
        expect(created.nameOutput).to.equal("organization=miribit\n");
        expect(calls().map((c) => c.args.join(" "))).to.deep.equal([
            "stack select --non-interactive --create --stack miribit/thanos-multicluster/cluster-02",
        ]);
        const set = withSharedKeyEdge(() =>
            secretStep("cluster-02", REPOSITORY_SECRETS, "miribit/thanos-multicluster/cluster-02"),
        );
        expect(set.status, set.stdout + set.stderr).to.equal(0);
        expect(
            calls()
                .slice(1)
                .map((c) => c.args.slice(0, 2).join(" ")),
        ).to.deep.equal(["config set", "config set"]);
    });

    /** The runbook step of a preview or a deploy, under GitHub's context for this repository. */
    const runbookStep = (command: string, vars: Record<string, string> = {}) => {
        const step = findStep(FILE, "pulumi", "Runbook links");
        const fullName = "miribit/thanos-multicluster/cluster-02";
        return runStep(
            step.run!,
            {
                ...jobEnv("cluster-02", command, REPOSITORY_SECRETS),
                ...resolveEnv(step.env, REPOSITORY_SECRETS, { command, stack: "cluster-02" }, { github: GITHUB, vars }),
                FULL_NAME: fullName,
                STUB_LOG: log,
                STUB_STACKS: fullName,
            },
            [stubs],
        );
    };

    it("sets prometheus.runbookBaseUrl to this repository's docs/runbooks.md on its default branch, for a preview as for a deploy", () => {
        const steps = job.steps as { name?: string; id?: string; if?: string }[];
        const at = steps.findIndex((s) => s.name === "Runbook links (prometheus.runbookBaseUrl)");
        expect(steps[at].if, "no condition: previews and deploys link alike").to.equal(undefined);
        expect(at, "after the stack exists").to.be.greaterThan(steps.findIndex((s) => s.name?.startsWith("The stack")));
        expect(at, "before the run").to.be.lessThan(steps.findIndex((s) => s.id === "run"));
        for (const command of ["preview", "up"]) {
            fs.writeFileSync(log, "");
            const run = runbookStep(command);
            expect(run.status, run.stdout + run.stderr).to.equal(0);
            expect(calls().map((c) => c.args)).to.deep.equal([
                [
                    "config",
                    "set",
                    "--path",
                    "--stack",
                    "miribit/thanos-multicluster/cluster-02",
                    "thanos-multicluster:prometheus.runbookBaseUrl",
                    CI_RUNBOOK_BASE_URL,
                ],
            ]);
        }
    });

    it("takes repository variable RUNBOOK_BASE_URL instead, and refuses one that is no http(s) address", () => {
        const elsewhere = runbookStep("up", { RUNBOOK_BASE_URL: "https://docs.lab.example/thanos/runbooks.md" });
        expect(elsewhere.status, elsewhere.stderr).to.equal(0);
        expect(calls().at(-1)!.args.at(-1)).to.equal("https://docs.lab.example/thanos/runbooks.md");
        fs.writeFileSync(log, "");
        const relative = runbookStep("up", { RUNBOOK_BASE_URL: "docs/runbooks.md" });
        expect(relative.status).to.equal(1);
        expect(relative.stdout).to.contain("set repository variable RUNBOOK_BASE_URL");
        expect(calls()).to.deep.equal([]);
    });

    it("without the stack's creation, `config set` on a new stack fails (the check can fail)", () => {
        const set = withSharedKeyEdge(() =>
            secretStep("cluster-02", REPOSITORY_SECRETS, "miribit/thanos-multicluster/cluster-02"),
        );
        expect(set.status).to.not.equal(0);
        expect(set.stderr).to.contain("no stack named 'miribit/thanos-multicluster/cluster-02' found");
    });

    it("refuses a missing backend, a file:// backend and an s3:// one without the state bucket's credentials", () => {
        const none = backend("cluster-02", {});
        expect(none.status).to.not.equal(0);
        expect(none.stdout).to.contain(
            "::error::no backend: give environment cluster-02-preview the variable PULUMI_OIDC_TEAM (Pulumi Cloud by OIDC), the secret PULUMI_ACCESS_TOKEN (a token scoped to this stack)",
        );
        const file = backend("cluster-02", { PULUMI_BACKEND_URL: "file:///var/pulumi" });
        expect(file.status).to.not.equal(0);
        expect(file.stdout).to.contain("lost with it");
        const s3 = backend("cluster-02", { PULUMI_BACKEND_URL: "s3://pulumi-state?endpoint=s3.minio.miribit.lab:80" });
        expect(s3.status).to.not.equal(0);
        expect(s3.stdout).to.contain("no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY secrets");
        expect(calls()).to.deep.equal([]);
    });

    it("with an s3:// backend, stacks live under the literal organization `organization`: a stack file naming another fails before any stack is touched", () => {
        const s3 = backend("cluster-02", {
            PULUMI_BACKEND_URL: "s3://pulumi-state?endpoint=s3.minio.miribit.lab:80",
            AWS_ACCESS_KEY_ID: "state-key",
            AWS_SECRET_ACCESS_KEY: "state-secret",
        });
        expect(s3.status).to.not.equal(0);
        expect(s3.stderr).to.contain(
            'central.organization is "miribit", but PULUMI_BACKEND_URL pins the self-managed backend s3://pulumi-state',
        );
        expect(calls()).to.deep.equal([]);
    });

    it("on the committed project, before `npm run pki -- init`, the central stack's secret step fails naming that command and sets nothing (the check can fail)", () => {
        fs.writeFileSync(`${log}.stacks`, "miribit/thanos-multicluster/cluster-01\n");
        const run = secretStep(
            "cluster-01",
            REPOSITORY_SECRETS,
            "miribit/thanos-multicluster/cluster-01",
            PROJECT_ROOT,
        );
        expect(run.status).to.not.equal(0);
        expect(run.stderr).to.contain(
            "thanos-multicluster:deploymentCaPrivateKey is required and has no secure value in the stack file: run `npm run pki -- init` and commit the stack file",
        );
        expect(calls()).to.deep.equal([]);
    });

    it("fails naming the secret and the environment when the environment lacks one the stack needs", () => {
        const { ALERTMANAGER_WEBHOOK_URL: _missing, ...secrets } = REPOSITORY_SECRETS;
        fs.writeFileSync(`${log}.stacks`, "miribit/thanos-multicluster/cluster-01\n");
        const run = secretStep("cluster-01", secrets, "miribit/thanos-multicluster/cluster-01");
        expect(run.status).to.not.equal(0);
        expect(run.stdout).to.contain(
            "::error::environment cluster-01-preview has no secret ALERTMANAGER_WEBHOOK_URL (stack cluster-01 needs config key alertmanagerWebhookUrl)",
        );
    });

    it("a preview never falls back to the MinIO admin keys: a preview environment holding them but not the read-only identity fails naming that", () => {
        const { MINIO_PREVIEW_ACCESS_KEY: _a, MINIO_PREVIEW_SECRET_KEY: _b, ...secrets } = REPOSITORY_SECRETS;
        expect(secrets).to.have.property("MINIO_ADMIN_ACCESS_KEY");
        fs.writeFileSync(`${log}.stacks`, "miribit/thanos-multicluster/cluster-01\n");
        const run = secretStep("cluster-01", secrets, "miribit/thanos-multicluster/cluster-01");
        expect(run.status).to.not.equal(0);
        expect(run.stdout).to.contain(
            "::error::environment cluster-01-preview has no secret MINIO_PREVIEW_ACCESS_KEY (stack cluster-01 needs config key minioAdminAccessKey)",
        );
        expect(JSON.stringify(calls())).not.to.contain(REPOSITORY_SECRETS.MINIO_ADMIN_ACCESS_KEY);
        // The deploy, in `cluster-01`, takes the admin keys.
        fs.writeFileSync(log, "");
        const deploy = secretStep(
            "cluster-01",
            secrets,
            "miribit/thanos-multicluster/cluster-01",
            project.dir,
            "deploy",
        );
        expect(deploy.status, deploy.stdout + deploy.stderr).to.equal(0);
        expect(deploy.stdout).to.contain("minioAdminAccessKey <- environment secret MINIO_ADMIN_ACCESS_KEY");
    });

    describe("every committed stack, with exactly the secret config the workflow sets and pki init wrote", () => {
        const runs: Record<string, StackRun> = {};
        const supplied: Record<string, Record<string, string>> = {};
        const references: StackOutputsByName = {};

        /** The program as `pulumi up` runs it in the checkout (its stack files, its pki/), with these secrets alone. */
        async function runInCheckout(stack: string, secrets: Record<string, string>): Promise<StackRun> {
            const previous = process.cwd();
            process.chdir(project.dir);
            try {
                return await runStack({
                    stack,
                    config: readStackFile(path.join(project.dir, `Pulumi.${stack}.yaml`)).config,
                    secrets,
                    stackOutputs: references,
                    renderOnlyDeploymentCa: false,
                });
            } finally {
                process.chdir(previous);
            }
        }

        for (const stack of deployOrder(PROJECT_ROOT)) {
            it(`${stack.name}: a preview and a deploy each set the environment-secret keys \`npm run secrets\` names for their environment, values through stdin only; the program runs with the preview's and the stack file's own secrets alone`, async () => {
                const listed = stackSecrets(stack.name, project.dir);
                const wanted = listed.filter((s) => s.source === "environment secret");
                const set: Record<CiEnvironment, StubCall[]> = { preview: [], deploy: [] };
                for (const environment of ["preview", "deploy"] as const) {
                    fs.writeFileSync(log, "");
                    fs.writeFileSync(`${log}.stacks`, `${stack.fullName}\n`);
                    const run = secretStep(stack.name, REPOSITORY_SECRETS, stack.fullName, project.dir, environment);
                    expect(run.status, run.stdout + run.stderr).to.equal(0);
                    set[environment] = calls().filter((c) => c.args[0] === "config" && c.args[1] === "set");
                    expect(set[environment].map((c) => c.args)).to.deep.equal(
                        wanted.map((s) => ["config", "set", "--secret", "--stack", stack.fullName, s.key]),
                    );
                    for (const [i, c] of set[environment].entries()) {
                        expect(c.stdin).to.equal(REPOSITORY_SECRETS[wanted[i].secrets![environment]]);
                        for (const arg of c.args) expect(arg).not.to.contain("value-of-");
                    }
                }
                // The MinIO admin keys reach a deploy only; a preview gets the read-only identity.
                const values = (environment: CiEnvironment) => set[environment].map((c) => c.stdin).join("\n");
                for (const name of ["MINIO_ADMIN_ACCESS_KEY", "MINIO_ADMIN_SECRET_KEY"])
                    expect(values("preview")).not.to.contain(REPOSITORY_SECRETS[name]);
                if (stack.role === "central") {
                    expect(values("deploy")).to.contain(REPOSITORY_SECRETS.MINIO_ADMIN_ACCESS_KEY);
                    expect(values("preview")).to.contain(REPOSITORY_SECRETS.MINIO_PREVIEW_ACCESS_KEY);
                }
                // The stack file's `secure:` values, which the CLI decrypts and hands to the program:
                // the deployment CA's key `npm run pki -- init` wrote into the central stack's, nothing else.
                const fromFile = project.stackSecrets(stack.name);
                expect(Object.keys(fromFile)).to.deep.equal(
                    listed.filter((s) => s.source === "stack file").map((s) => s.key),
                );
                expect(Object.keys(fromFile)).to.deep.equal(stack.role === "central" ? ["deploymentCaPrivateKey"] : []);
                supplied[stack.name] = {
                    ...Object.fromEntries(set.preview.map((c) => [`thanos-multicluster:${c.args[5]}`, c.stdin])),
                    ...withPrefix(fromFile),
                };
                const run = await runInCheckout(stack.name, supplied[stack.name]);
                runs[stack.name] = run;
                references[stack.fullName] = { outputs: run.outputs, secretOutputNames: run.secretOutputNames };
            });
        }

        it("the central stack issues with the CA `npm run pki -- init` made, and every edge trusts it", () => {
            const bundle = fs.readFileSync(path.join(project.dir, DEPLOYMENT_CA_BUNDLE), "utf8");
            expect(runs["cluster-01"].outputs.deploymentCaCertificate).to.equal(bundle);
            for (const edge of ["cluster-02", "cluster-03", "cluster-04"])
                expect(
                    (runs[edge].outputs.grpcTls as { clientCaCertificate: string }).clientCaCertificate,
                    edge,
                ).to.equal(bundle);
        });

        it("a secret the workflow did not set, or pki init did not write, is not made up: the central stack fails without it (the check can fail)", async () => {
            const without = async (key: string) => {
                const { [`thanos-multicluster:${key}`]: _dropped, ...fewer } = supplied["cluster-01"];
                expect(_dropped, key).to.be.a("string");
                const error = await runInCheckout("cluster-01", fewer).then(
                    () => undefined,
                    (err: unknown) => err,
                );
                expect(error, key).to.be.instanceOf(StackRunError);
                return String((error as Error).message);
            };
            expect(await without("alertmanagerWebhookUrl")).to.contain("alertmanagerWebhookUrl is required");
            const noKey = await without("deploymentCaPrivateKey");
            expect(noKey).to.contain("thanos-multicluster:deploymentCaPrivateKey is required");
            expect(noKey).to.contain("npm run pki -- init");
        });
    });

    describe("the run and its report", () => {
        const STUB = path.join(PROJECT_ROOT, "tests", "fixtures", "pulumi-stub");
        const runAndReport = (stubFail: string) => {
            const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-temp-"));
            const env = {
                ...jobEnv("cluster-02", "preview", REPOSITORY_SECRETS),
                PULUMI_STUB_LOG: log,
                PULUMI_STUB_FAIL: stubFail,
                GITHUB_EVENT_NAME: "pull_request",
            };
            const run = runStep(findStep(FILE, "pulumi", "run").run!, env, [STUB], runnerTemp);
            const summaryStep = findStep(FILE, "pulumi", "Job summary");
            const outcome = run.status === 0 ? "success" : "failure";
            const summary = runStep(summaryStep.run!, { ...env, OUTCOME: outcome }, [STUB], runnerTemp);
            return { run, summary, runnerTemp, outcome };
        };

        it("a successful preview: its output in the job summary and the report the PR comment posts", () => {
            const { run, summary, runnerTemp } = runAndReport("");
            expect(run.status, run.stderr).to.equal(0);
            expect(summary.summary).to.contain("### pulumi preview cluster-02: succeeded");
            expect(summary.summary).to.contain("Previewing update (miribit/thanos-multicluster/cluster-02)");
            expect(fs.readFileSync(path.join(runnerTemp, "pulumi-report.md"), "utf8")).to.equal(summary.summary);
        });

        it("a failed preview fails the job and still writes the summary and the PR comment, with the error", () => {
            const { run, summary, runnerTemp, outcome } = runAndReport("miribit/thanos-multicluster/cluster-02");
            expect(run.status).to.not.equal(0);
            expect(summary.status).to.equal(0);
            expect(summary.summary).to.contain("### pulumi preview cluster-02: failed");
            expect(summary.summary).to.contain("error: update failed");
            expect(fs.readFileSync(path.join(runnerTemp, "pulumi-report.md"), "utf8")).to.contain("failed");
            // The report steps run after a failed step, and the comment job after a failed stack
            // job (only a cancelled run skips them).
            const context = { github: { event_name: "pull_request" }, steps: { run: { outcome } } };
            const conditions: [string, string | undefined][] = [
                ...["Job summary", "Keep the report"].map((name): [string, string | undefined] => [
                    name,
                    findStep(FILE, "pulumi", name).if,
                ]),
                ["the comment job", loadWorkflow(FILE).jobs.comment.if],
            ];
            for (const [name, condition] of conditions) {
                expect(jobRuns(condition, context, { cancelled: false, needResults: ["failure"] }), name).to.equal(
                    true,
                );
                expect(jobRuns(condition, context, { cancelled: true, needResults: ["failure"] }), name).to.equal(
                    false,
                );
            }
            // A deploy (a push) writes no comment.
            const push = { ...context, github: { event_name: "push" } };
            expect(
                jobRuns(loadWorkflow(FILE).jobs.comment.if, push, { cancelled: false, needResults: ["success"] }),
            ).to.equal(false);
            // The comment job reads the report the stack job kept.
            const kept = findStep(FILE, "pulumi", "Keep the report").with!;
            expect(kept.path).to.equal("${{ runner.temp }}/pulumi-report.md");
            const comment = loadWorkflow(FILE).jobs.comment.steps as { uses?: string; with?: Record<string, string> }[];
            expect(comment[0].with!.name).to.equal(kept.name);
            expect(comment[1].with!.script).to.contain("`${process.env.RUNNER_TEMP}/report/pulumi-report.md`");
            expect(comment[0].with!.path).to.equal("${{ runner.temp }}/report");
        });
    });
});
