// docs/ci.md against what it describes: the commands it shows and their output, the environments'
// secrets (from `npm run secrets`), the backend secrets and runner labels the workflows read, and
// the lab's addresses and ports from the stack files. The commands run on a copy of the project
// where `npm run pki -- init` has run (against the stub CLI), the state the pipeline deploys; the
// committed project is before it, which the doc says and the test checks too.

import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { alertmanagerLoadBalancerPort } from "../config";
import { DEPLOYMENT_CA_BUNDLE } from "../config/pki";
import { THANOS_GRPC_PORT } from "../components/thanosWorkload";
import { GRAFANA_PORT } from "../components/kubePrometheusStack";
import { QUERY_HTTP_PORT } from "../components/thanosQuery";
import { parseArgs } from "../offline/deploy";
import { parsePkiArgs } from "../offline/pki";
import { PROJECT_ROOT, runStack } from "../offline/runStack";
import { possibleEnvironmentSecrets, main as secretsMain, stackSecrets } from "../offline/secrets";
import { deployOrder, main as stacksMain } from "../offline/stacks";
import { stackFile, withPrefix } from "./helpers";
import { InitialisedProject, initialisedProject } from "./pkiProject";
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

/** Runs a command the doc shows in a project directory, through the same entry points `npm run` reaches. */
function runShown(command: string, dir: string): string {
    const m = /^npm run (\w+)(?: -- (.*))?$/.exec(command);
    if (m === null) throw new Error(`docs/ci.md shows a command no test runs: ${command}`);
    const args = m[2] ? m[2].split(" ") : [];
    if (m[1] === "secrets") return secretsMain(args, dir);
    if (m[1] === "stacks") return stacksMain(args, dir);
    throw new Error(`docs/ci.md shows a command no test runs: ${command}`);
}

describe("docs/ci.md", () => {
    // The project as the pipeline deploys it: `npm run pki -- init` has run and its files are committed.
    let project: InitialisedProject;
    before(async function () {
        this.timeout(60000);
        project = await initialisedProject("ci-doc");
    });
    after(() => project?.remove());

    it("shows each command's real output, after `npm run pki -- init` as it says", () => {
        const blocks = [...DOC.matchAll(/```console\n([\s\S]*?)```/g)];
        expect(blocks.length).to.be.at.least(2);
        for (const [whole, block] of blocks) {
            const [first, ...output] = block.trimEnd().split("\n");
            expect(first).to.match(/^\$ /);
            expect(runShown(first.slice(2), project.dir), first).to.equal(output.join("\n"));
            if (first === "$ npm run secrets -- --stack cluster-01") {
                // The paragraph before the block says whose output it is.
                const before = DOC.slice(0, DOC.indexOf(whole)).trimEnd();
                expect(before.slice(before.lastIndexOf("\n\n"))).to.contain("after `npm run pki -- init`");
                // The key column is as wide as the longest key.
                expect(output.join("\n")).to.match(
                    /\n {2}deploymentCaPrivateKey +<- the stack file \(secure value, written by npm run pki -- init\)\n/,
                );
            }
        }
    });

    it("says the pipeline deploys the central stack only once `npm run pki -- init` has run and its files are committed, quoting the real refusals", async () => {
        const central = deployOrder().find((s) => s.role === "central")!;
        const section = DOC.slice(DOC.indexOf("## Before the first deploy: `npm run pki -- init`"));
        const text = section.slice(0, section.indexOf("\n## ", 1)).replace(/\n/g, " ");
        expect(text).to.contain(
            `\`npm run pki -- init\` must have run, and the \`${path.dirname(DEPLOYMENT_CA_BUNDLE)}/\` folder and \`Pulumi.${central.name}.yaml\` it wrote must be committed`,
        );
        const quoted = [...text.matchAll(/\(`([^`]+)`\)/g)].map((m) => m[1]);
        expect(quoted).to.have.length(2);
        // On the committed project (before init): the secret list the workflow's step reads ...
        let refusal = "";
        try {
            secretsMain(["--stack", central.name], PROJECT_ROOT);
        } catch (err) {
            refusal = (err as Error).message;
        }
        expect(refusal).to.contain(quoted[0]).and.to.contain("run `npm run pki -- init`");
        // ... and the program, for an edge (no render-only CA: the CLI's run).
        const edge = deployOrder().find((s) => s.role === "edge")!;
        const previous = process.cwd();
        process.chdir(PROJECT_ROOT);
        let programRefusal = "";
        try {
            await runStack({
                stack: edge.name,
                config: stackFile(edge.name).config,
                secrets: withPrefix({ objectStorageAccessKey: "a", objectStorageSecretKey: "b" }),
                renderOnlyDeploymentCa: false,
            });
        } catch (err) {
            programRefusal = (err as Error).message;
        } finally {
            process.chdir(previous);
        }
        expect(programRefusal).to.contain(quoted[1]).and.to.contain("npm run pki -- init");
    });

    it("shows only npm commands a test runs: secrets and stacks here, deploy in tests/deploy.test.ts, verify as the deploy workflow calls it", () => {
        const commands = [...DOC.matchAll(/`(npm run [^`]+)`/g)].map((m) => m[1]);
        expect(commands.length).to.be.at.least(4);
        const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts;
        for (const command of commands) {
            const [, script, rest] = /^npm run (\w+)(?: -- (.*))?$/.exec(command) ?? [];
            expect(script, command).to.be.a("string");
            if (script === "pki") {
                // docs/pki.md's command, run for real against the stub CLI (tests/pkiProject.ts, tests/firstDeploy.test.ts).
                expect(parsePkiArgs(rest.split(" ")), command).to.deep.equal({ command: "init" });
                continue;
            }
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
            } else expect(() => runShown(`npm run ${script} -- ${args}`, project.dir), command).not.to.throw();
        }
    });

    it("lists each stack's two environments, the preview's first, with KUBECONFIG and exactly the secrets `npm run secrets` names for each", () => {
        const row = (environment: string, secrets: string[]) => [
            `\`${environment}\``,
            ["KUBECONFIG", ...secrets].map((n) => `\`${n}\``).join(", "),
        ];
        const expected = deployOrder().flatMap((s) => {
            const listed = stackSecrets(s.name, project.dir).flatMap((x) => (x.secrets ? [x.secrets] : []));
            return [
                row(
                    `${s.name}-preview`,
                    listed.map((x) => x.preview),
                ),
                row(
                    s.name,
                    listed.map((x) => x.deploy),
                ),
            ];
        });
        expect(table("environment")).to.deep.equal(expected);
        // The central preview environment holds the read-only MinIO identity, never the admin keys.
        const central = table("environment").find((r) => r[0] === "`cluster-01-preview`")!;
        expect(central[1]).to.contain("`MINIO_PREVIEW_ACCESS_KEY`").and.not.to.contain("MINIO_ADMIN");
    });

    it("names the preview and deploy environments' settings, and the Pulumi access of each", () => {
        const rows = table("setting (Settings > Environments)");
        expect(rows.map((r) => r[0])).to.include.members([
            "Required reviewers",
            "Deployment branches and tags",
            "`KUBECONFIG`",
            "MinIO",
            "Pulumi",
        ]);
        const minio = rows.find((r) => r[0] === "MinIO")!;
        expect(codeNames(minio[1])).to.deep.equal(["MINIO_PREVIEW_ACCESS_KEY", "MINIO_PREVIEW_SECRET_KEY"]);
        expect(codeNames(minio[2])).to.deep.equal(["MINIO_ADMIN_ACCESS_KEY", "MINIO_ADMIN_SECRET_KEY"]);
        expect(rows.find((r) => r[0] === "Deployment branches and tags")![2]).to.contain("`main` only");
        // The variable and the secret the workflows read for Pulumi access.
        const job = loadWorkflow("pulumi-stack.yml").jobs.pulumi;
        expect(job.env.PULUMI_OIDC_TEAM).to.equal("${{ vars.PULUMI_OIDC_TEAM }}");
        expect(codeNames(rows.find((r) => r[0] === "Pulumi")![1])).to.deep.equal([
            "PULUMI_OIDC_TEAM",
            "PULUMI_ACCESS_TOKEN",
        ]);
        // The OIDC policy's claims name the environments the stack job runs in.
        expect(DOC).to.contain("`repo:<owner>/<repo>:environment:cluster-02-preview`");
        expect(DOC).to.contain("`repo:<owner>/<repo>:environment:cluster-02`");
        expect(DOC).to.contain("`urn:pulumi:token-type:access_token:team`");
        const oidc = (job.steps as { id?: string; with?: Record<string, string> }[]).find((s) => s.id === "oidc")!;
        expect(oidc.with!["requested-token-type"]).to.equal("urn:pulumi:token-type:access_token:team");
        expect(DOC).to.contain(`short-lived (${Number(oidc.with!["token-expiration"]) / 3600} h)`);
    });

    it("says where the runbook links point in CI: the step's own address, and the variable that replaces it", () => {
        const step = (loadWorkflow("pulumi-stack.yml").jobs.pulumi.steps as { name?: string; env?: any }[]).find(
            (s) => s.name === "Runbook links (prometheus.runbookBaseUrl)",
        )!;
        expect(step.env.RUNBOOK_BASE_URL).to.equal(
            "${{ vars.RUNBOOK_BASE_URL || format('{0}/{1}/blob/{2}/docs/runbooks.md', github.server_url, github.repository, github.event.repository.default_branch) }}",
        );
        const section = DOC.slice(DOC.indexOf("## Runbook links"));
        expect(section).to.contain(
            "`${{ github.server_url }}/${{ github.repository }}/blob/<default branch>/docs/runbooks.md`",
        );
        expect(section).to.contain("repository variable `RUNBOOK_BASE_URL`");
        expect(section).to.contain("`pulumi config set --path`");
    });

    it("names every backend secret the stack job reads, and the runner variable and label the workflows use", () => {
        const job = loadWorkflow("pulumi-stack.yml").jobs.pulumi;
        // Every secret the job reads, but the cluster's kubeconfig and the secret config's own.
        const secretConfig = new Set([
            "KUBECONFIG",
            ...possibleEnvironmentSecrets("preview"),
            ...possibleEnvironmentSecrets("deploy"),
        ]);
        const fromSecrets = [
            ...new Set([...JSON.stringify(job).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1])),
        ].filter((name) => !secretConfig.has(name));
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
                expect(network, `${name} edge Query`).to.contain(lbIp.replace(/^192\.168\.101\./, "."));
                expect(network).to.contain(`${THANOS_GRPC_PORT} (gRPC, mTLS)`);
            } else {
                expect(network).to.contain(lbIp);
                const replicas: number = config["thanos-multicluster:central"].alertmanager.replicas;
                const ports = Array.from({ length: replicas }, (_, i) => alertmanagerLoadBalancerPort(i));
                expect(network).to.contain(`${ports.join(", ")} |`);
                expect(network).to.contain(`${ports[0]}-${ports[ports.length - 1]}`);
                expect(network).to.contain(config["thanos-multicluster:objectStorage"].endpoint.split(":")[0]);
                // What verify reaches (docs/verify.md), and the lists that must admit the runner.
                const verify = table("from").find((r) => r[0] === "lab runner (verify)");
                expect(verify, "a row for the verify job").to.not.equal(undefined);
                expect(verify![1]).to.contain(`\`${lbIp}\``);
                expect(verify![2]).to.equal(
                    `${QUERY_HTTP_PORT} (Query), ${GRAFANA_PORT} (Grafana), ${ports[0]}-${ports[ports.length - 1]} (Alertmanager replicas)`,
                );
                expect(verify![3]).to.contain(
                    `\`central.uiSourceRanges\` (Query :${QUERY_HTTP_PORT}, Grafana :${GRAFANA_PORT}) and inside \`central.alertmanager.edgeSourceRanges\` (the Alertmanager ports)`,
                );
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
