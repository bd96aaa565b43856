// What each CI job may hold, from the workflows themselves: a preview runs the branch's code, so it
// runs in its stack's `<stack>-preview` environment (never a deploy environment) and no step of it
// reads a secret only a deploy may hold (the MinIO admin keys); Pulumi access is a team token by
// OIDC or the environment's own token, never an organization-wide one; no dependency's install
// script runs where secrets are. Each rule is a function tested on the workflows and on a broken
// copy, so that the check can fail.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../offline/projectRoot";
import { deployOnlySecrets } from "../offline/secrets";
import { deployOrder } from "../offline/stacks";
import { evaluate, substitute } from "./githubExpressions";
import { WORKFLOWS, Workflow, loadWorkflow } from "./workflowSteps";

const FILES = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const STACK_JOB = loadWorkflow("pulumi-stack.yml").jobs.pulumi;

/** The names `secrets.X` references in a piece of a workflow. */
function secretNames(part: unknown): string[] {
    return [...JSON.stringify(part ?? {}).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
}

/**
 * The secrets a job reads when called with these inputs: its `env:` and every step that may run
 * (a step whose `if` depends on the environment's variables counts as running).
 */
export function secretsRead(job: Workflow, inputs: Record<string, string>): string[] {
    const context = { inputs, env: { PULUMI_OIDC_TEAM: "a-team" }, vars: {}, steps: {} };
    const runs = (condition: unknown) =>
        condition === undefined ||
        evaluate(String(condition).replace(/^\$\{\{([\s\S]*)\}\}$/, "$1"), context, {
            cancelled: false,
            needResults: [],
        }) !== false;
    const steps = (job.steps as Workflow[]).filter((step) => runs(step.if));
    return [...new Set([...secretNames(job.env), ...secretNames(steps)])];
}

/** The GitHub environment the stack job runs in, for a command and a stack. */
function environmentOf(job: Workflow, command: string, stack: string): string {
    return substitute(job.environment, { inputs: { command, stack } });
}

/** Environments that are one stack's preview and another's (or the same) deploy environment. */
export function sharedEnvironments(job: Workflow, stacks: string[]): string[] {
    const previews = new Set(stacks.map((s) => environmentOf(job, "preview", s)));
    return stacks.map((s) => environmentOf(job, "up", s)).filter((e) => previews.has(e));
}

/** A Pulumi token's secret name: PULUMI and TOKEN, or a name that says organization. */
const PULUMI_TOKEN = /PULUMI.*TOKEN|TOKEN.*PULUMI/;
const ORGANIZATION_WIDE = /(^|_)ORG(ANI[SZ]ATION)?(_|$)/;

/**
 * Where a workflow could use an organization-wide Pulumi token: a secret named for the organization,
 * a Pulumi token other than the environment's PULUMI_ACCESS_TOKEN or read by a job without an
 * environment (then it can only be a repository or organization secret), an OIDC exchange for
 * anything but a team token.
 */
export function organizationWideTokens(workflow: Workflow, file: string): string[] {
    const findings: string[] = [];
    for (const [name, job] of Object.entries<Workflow>(workflow.jobs)) {
        for (const secret of secretNames(job)) {
            if (ORGANIZATION_WIDE.test(secret))
                findings.push(`${file} ${name}: secret ${secret} is named for the organization`);
            else if (PULUMI_TOKEN.test(secret) && secret !== "PULUMI_ACCESS_TOKEN")
                findings.push(`${file} ${name}: Pulumi token secret ${secret}`);
            else if (secret === "PULUMI_ACCESS_TOKEN" && job.environment === undefined)
                findings.push(`${file} ${name}: PULUMI_ACCESS_TOKEN read outside an environment`);
        }
        for (const step of (job.steps ?? []) as Workflow[]) {
            if (typeof step.uses !== "string" || !step.uses.startsWith("pulumi/auth-actions@")) continue;
            if (step.with?.["requested-token-type"] !== "urn:pulumi:token-type:access_token:team")
                findings.push(`${file} ${name}: OIDC for ${step.with?.["requested-token-type"]}, not a team token`);
            if (!String(step.with?.scope ?? "").startsWith("team:"))
                findings.push(`${file} ${name}: OIDC scope ${step.with?.scope} is no team`);
        }
    }
    return findings;
}

/**
 * pulumi/auth-actions v2.1.0 (commit 141415910c3beb54e03b48e9057c204c97b956f2), its action.yml:
 * the inputs it declares, and the ones its code reads as required (src/main.ts reads
 * requested-token-type as required although action.yml does not say so).
 */
const AUTH_ACTIONS = {
    pin: "pulumi/auth-actions@141415910c3beb54e03b48e9057c204c97b956f2",
    inputs: [
        "organization",
        "requested-token-type",
        "scope",
        "token-expiration",
        "export-environment-variables",
        "cloud-url",
    ],
    required: ["organization", "requested-token-type"],
    outputs: ["pulumi-access-token"],
};

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe("CI privileges", () => {
    it("a preview reads no secret only a deploy may hold; a deploy reads them (the check sees them)", () => {
        const adminOnly = deployOnlySecrets();
        expect(adminOnly).to.deep.equal(["MINIO_ADMIN_ACCESS_KEY", "MINIO_ADMIN_SECRET_KEY"]);
        const preview = secretsRead(STACK_JOB, { command: "preview", stack: "cluster-01" });
        expect(preview).to.include.members(["MINIO_PREVIEW_ACCESS_KEY", "KUBECONFIG", "OBJECT_STORAGE_ACCESS_KEY"]);
        expect(preview.filter((s) => adminOnly.includes(s))).to.deep.equal([]);
        const deploy = secretsRead(STACK_JOB, { command: "up", stack: "cluster-01" });
        expect(deploy).to.include.members(adminOnly);
        expect(deploy).not.to.include("MINIO_PREVIEW_ACCESS_KEY");
        // The pull-request workflow reads none of them itself.
        const pr = loadWorkflow("pull-request.yml");
        for (const job of Object.values<Workflow>(pr.jobs))
            expect(secretNames(job).filter((s) => adminOnly.includes(s))).to.deep.equal([]);
    });

    it("the former single secret step handed a preview the admin keys (the check can fail)", () => {
        const former = clone(STACK_JOB);
        const step = (former.steps as Workflow[]).find((s) => s.name?.startsWith("Secret config of a preview"))!;
        step.env.MINIO_ADMIN_ACCESS_KEY = "${{ secrets.MINIO_ADMIN_ACCESS_KEY }}";
        expect(secretsRead(former, { command: "preview", stack: "cluster-01" })).to.include("MINIO_ADMIN_ACCESS_KEY");
        const leakedToJob = clone(STACK_JOB);
        leakedToJob.env.MINIO_ADMIN_SECRET_KEY = "${{ secrets.MINIO_ADMIN_SECRET_KEY }}";
        expect(secretsRead(leakedToJob, { command: "preview", stack: "cluster-02" })).to.include(
            "MINIO_ADMIN_SECRET_KEY",
        );
    });

    it("a preview runs in `<stack>-preview`, a deploy in `<stack>`, chosen by the stack job: no caller names the environment, and no stack's preview environment is a deploy environment", () => {
        const stacks = deployOrder(PROJECT_ROOT).map((s) => s.name);
        for (const stack of stacks) {
            expect(environmentOf(STACK_JOB, "preview", stack)).to.equal(`${stack}-preview`);
            expect(environmentOf(STACK_JOB, "up", stack)).to.equal(stack);
        }
        expect(sharedEnvironments(STACK_JOB, stacks)).to.deep.equal([]);
        expect(substitute(STACK_JOB.env.ENVIRONMENT, { inputs: { command: "preview", stack: "cluster-02" } })).to.equal(
            "cluster-02-preview",
        );
        expect(Object.keys(loadWorkflow("pulumi-stack.yml").on.workflow_call.inputs)).to.deep.equal([
            "command",
            "stack",
        ]);
        // A stack named like another's preview environment would share it (the check can fail).
        expect(sharedEnvironments(STACK_JOB, [...stacks, "cluster-02-preview"])).to.deep.equal(["cluster-02-preview"]);
        // As would an environment taken from the caller.
        const fromCaller = { ...STACK_JOB, environment: "${{ inputs.stack }}" };
        expect(sharedEnvironments(fromCaller, stacks)).to.deep.equal(stacks);
    });

    it("uses no organization-wide Pulumi token: a team token by OIDC, else the environment's own PULUMI_ACCESS_TOKEN", () => {
        for (const file of FILES) expect(organizationWideTokens(loadWorkflow(file), file), file).to.deep.equal([]);
        const stackSteps = STACK_JOB.steps as Workflow[];
        const usesToken = stackSteps.filter((s) => s.env?.PULUMI_ACCESS_TOKEN !== undefined).map((s) => s.name);
        expect(usesToken).to.deep.equal([
            "The stack (created when missing)",
            "Runbook links (prometheus.runbookBaseUrl)",
            "Secret config of a preview (the keys `npm run secrets -- --environment preview` names)",
            "Secret config of a deploy (the keys `npm run secrets -- --environment deploy` names)",
            "pulumi ${{ inputs.command }}",
        ]);
        for (const step of stackSteps.filter((s) => s.env?.PULUMI_ACCESS_TOKEN !== undefined))
            expect(step.env.PULUMI_ACCESS_TOKEN).to.equal(
                "${{ steps.oidc.outputs.pulumi-access-token || secrets.PULUMI_ACCESS_TOKEN }}",
            );
        // The token is no job-wide variable: `npm ci` and the kubeconfig step never see it.
        expect(STACK_JOB.env).not.to.have.property("PULUMI_ACCESS_TOKEN");
    });

    it("flags an organization token, a token named for the organization and a token outside an environment (the check can fail)", () => {
        const pr = loadWorkflow("pull-request.yml");
        const named = clone(pr);
        named.jobs.stacks.env = { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ORG_TOKEN }}" };
        expect(organizationWideTokens(named, "x.yml")).to.deep.equal([
            "x.yml stacks: secret PULUMI_ORG_TOKEN is named for the organization",
        ]);
        const repositoryToken = clone(pr);
        repositoryToken.jobs.stacks.env = { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" };
        expect(organizationWideTokens(repositoryToken, "x.yml")).to.deep.equal([
            "x.yml stacks: PULUMI_ACCESS_TOKEN read outside an environment",
        ]);
        const orgOidc = { jobs: { pulumi: clone(STACK_JOB) } };
        const oidc = (orgOidc.jobs.pulumi.steps as Workflow[]).find((s) => s.id === "oidc")!;
        oidc.with["requested-token-type"] = "urn:pulumi:token-type:access_token:organization";
        delete oidc.with.scope;
        expect(organizationWideTokens(orgOidc, "x.yml")).to.deep.equal([
            "x.yml pulumi: OIDC for urn:pulumi:token-type:access_token:organization, not a team token",
            "x.yml pulumi: OIDC scope undefined is no team",
        ]);
    });

    it("pins pulumi/auth-actions v2.1.0 by its commit and gives it only the inputs it declares, those its code requires included; its output is the token the steps read", () => {
        let count = 0;
        for (const file of FILES) {
            for (const job of Object.values<Workflow>(loadWorkflow(file).jobs)) {
                for (const step of (job.steps ?? []) as Workflow[]) {
                    if (typeof step.uses !== "string" || !step.uses.startsWith("pulumi/auth-actions@")) continue;
                    count++;
                    expect(step.uses).to.equal(AUTH_ACTIONS.pin);
                    expect(step.id).to.equal("oidc");
                    const given = Object.keys(step.with ?? {});
                    expect(
                        given.filter((k) => !AUTH_ACTIONS.inputs.includes(k)),
                        file,
                    ).to.deep.equal([]);
                    expect(
                        AUTH_ACTIONS.required.filter((k) => !given.includes(k)),
                        file,
                    ).to.deep.equal([]);
                    expect(Number(step.with["token-expiration"])).to.be.within(600, 7200);
                    // GitHub's OIDC token needs the job's id-token permission.
                    expect(job.permissions?.["id-token"], file).to.equal("write");
                    const reads = JSON.stringify(job.steps).match(/steps\.oidc\.outputs\.([a-z-]+)/g) ?? [];
                    expect(reads.length, file).to.be.at.least(1);
                    for (const r of reads) expect(AUTH_ACTIONS.outputs).to.include(r.split(".").pop());
                }
            }
        }
        expect(count).to.equal(2);
    });

    it("grants GitHub's OIDC token only to the jobs that reach Pulumi, and their callers", () => {
        const withIdToken: string[] = [];
        for (const file of FILES)
            for (const [name, job] of Object.entries<Workflow>(loadWorkflow(file).jobs))
                if (job.permissions?.["id-token"] === "write") withIdToken.push(`${file} ${name}`);
        expect(withIdToken.sort()).to.deep.equal([
            "deploy.yml deploy-central",
            "deploy.yml deploy-edges",
            "deploy.yml verify",
            "pull-request.yml preview-central",
            "pull-request.yml preview-edges",
            "pulumi-stack.yml pulumi",
        ]);
        for (const file of FILES) expect(loadWorkflow(file).permissions, file).to.deep.equal({ contents: "read" });
    });

    it("jobs that run the project's code hold no write token; the jobs that write comments run no code and hold no secret", () => {
        const writers: string[] = [];
        for (const file of FILES) {
            for (const [name, job] of Object.entries<Workflow>(loadWorkflow(file).jobs)) {
                if (job.uses) continue; // a call: its jobs are checked in the called workflow
                const writes = Object.entries<string>(job.permissions ?? {}).filter(
                    ([scope, level]) => level === "write" && scope !== "id-token",
                );
                if (writes.length === 0) continue;
                writers.push(`${file} ${name}`);
                const steps = (job.steps ?? []) as Workflow[];
                expect(
                    steps.filter((s) => s.run !== undefined || String(s.uses).startsWith("actions/checkout@")),
                    name,
                ).to.deep.equal([]);
                expect(secretNames(job), name).to.deep.equal([]);
                expect(job.environment, name).to.equal(undefined);
            }
        }
        expect(writers.sort()).to.deep.equal(["pull-request.yml plan-comment", "pulumi-stack.yml comment"]);
    });

    it("installs dependencies without their install scripts in every job; the lock file's scripts are the two known to be unneeded", () => {
        let count = 0;
        for (const file of FILES) {
            for (const line of fs.readFileSync(path.join(WORKFLOWS, file), "utf8").split("\n")) {
                if (!/\bnpm ci\b/.test(line) || /^\s*(-\s+)?name:/.test(line)) continue;
                count++;
                expect(line, file).to.contain("npm ci --ignore-scripts");
            }
        }
        expect(count).to.be.at.least(6);
        // A new dependency with an install script fails here: decide whether CI needs it.
        const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8")) as {
            packages: Record<string, { hasInstallScript?: boolean }>;
        };
        const withScripts = Object.entries(lock.packages)
            .filter(([, p]) => p.hasInstallScript)
            .map(([name]) => name);
        expect(withScripts).to.deep.equal([
            // `pulumi plugin install` of its provider: the CLI installs a missing plugin itself before a preview or up.
            "node_modules/@pulumi/kubernetes",
            // A warning about its version scheme, printed for its dependents; nothing installed.
            "node_modules/protobufjs",
        ]);
    });
});
