// The first real deployment and every CA rotation, each one operator command and one
// `npm run deploy -- up`, driven through the Automation API against the stub CLI
// (tests/fixtures/pulumi-stub) on a copy of the project, and what each deploy would deploy played
// with the real program under the mock engine from exactly the files the commands left: no stack
// file is edited in between, and no render-only CA stands in.

import { expect } from "chai";
import { X509Certificate } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deploy, parseArgs as parseDeployArgs } from "../offline/deploy";
import { USAGE, parsePkiArgs, runPki } from "../offline/pki";
import { renderOnlyCaNotice } from "../offline/render";
import { StackOutputsByName } from "../offline/mockEngine";
import { writePlan } from "../offline/plan";
import { PROJECT_ROOT, StackRun, StackRunError, isSecretMarker, runStack } from "../offline/runStack";
import { findStackFiles } from "../offline/stackFiles";
import { checkTrust } from "../offline/checks/trust";
import { loadPlans } from "../offline/checks/renderedPlan";
import { pemCertificateBodies } from "../config/certificates";
import { TEST_SECRETS, byType, k8sObject, withPrefix } from "./helpers";
import { hasOpenssl, issueLeaf, openssl, verifies } from "./opensslReplay";
import { StubCli, copyProject, fullStackName, stackFileSecrets, useStubCli } from "./pkiProject";

const EDGES = ["cluster-02", "cluster-03", "cluster-04"];
const full = fullStackName;

/** Every file under dir, by relative path: what a commit would hold. */
function snapshot(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    const walk = (sub: string) => {
        for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
            const rel = path.join(sub, entry.name);
            if (entry.isDirectory()) walk(rel);
            else files[rel] = fs.readFileSync(path.join(dir, rel), "utf8");
        }
    };
    walk("");
    return files;
}

interface Deployed {
    runs: Record<string, StackRun>;
    warnings: string[];
    outDir: string;
}

/**
 * What `pulumi up` of each stack, in deploy order, would deploy: the real program run from the
 * project copy (its stack files, its pki/), each stack given only its own secrets, the central stack
 * reading the edges' outputs. The render-only CA is switched off: only what the commands wrote counts.
 */
async function playDeploy(dir: string): Promise<Deployed> {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "first-deploy-out-"));
    const previous = process.cwd();
    const warnings: string[] = [];
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
    process.chdir(dir);
    try {
        const stackOutputs: StackOutputsByName = {};
        const runs: Record<string, StackRun> = {};
        for (const file of findStackFiles(dir)) {
            const run = await runStack({
                stack: file.stack,
                config: file.config,
                secrets: withPrefix({ ...TEST_SECRETS, ...stackFileSecrets(file.file) }),
                stackOutputs,
                renderOnlyDeploymentCa: false,
            });
            writePlan(run, outDir);
            stackOutputs[full(file.stack)] = { outputs: run.outputs, secretOutputNames: run.secretOutputNames };
            runs[file.stack] = run;
        }
        return { runs, warnings, outDir };
    } finally {
        process.chdir(previous);
        console.warn = originalWarn;
    }
}

/** The central run's deployment CA as the stack issues with it: certificate and key files. */
function issuingCa(run: StackRun, dir: string, name: string): { cert: string; key: string } {
    const [signed] = byType(run, "tls:index/locallySignedCert:LocallySignedCert");
    const inputs = signed.inputs as Record<string, any>;
    expect(isSecretMarker(inputs.caPrivateKeyPem), "the CA key reaches the provider as a secret").to.equal(true);
    const cert = path.join(dir, `${name}-ca.pem`);
    const key = path.join(dir, `${name}-ca.key`);
    fs.writeFileSync(cert, inputs.caCertPem);
    fs.writeFileSync(key, (inputs.caPrivateKeyPem as { value: string }).value, { mode: 0o600 });
    return { cert, key };
}

/** Query's client certificate as the central run describes it, issued with openssl under its CA. */
function queryClientCertificate(run: StackRun, dir: string, name: string): string {
    const [csr] = byType(run, "tls:index/certRequest:CertRequest");
    const [signed] = byType(run, "tls:index/locallySignedCert:LocallySignedCert");
    return issueLeaf(
        dir,
        name,
        issuingCa(run, dir, name),
        (csr.inputs as Record<string, any>).subject,
        signed.inputs as Record<string, any>,
    );
}

/** The client CA bundle an edge run trusts, written to a file for openssl. */
function edgeTrust(run: StackRun, dir: string): string {
    const secret = k8sObject(run, "Secret", "thanos-sidecar-tls");
    const bundle = (secret.stringData as { value: Record<string, string> }).value["ca.crt"];
    expect((run.outputs.grpcTls as { clientCaCertificate: string }).clientCaCertificate).to.equal(bundle);
    const file = path.join(dir, `${run.stack}-client-ca.pem`);
    fs.writeFileSync(file, bundle);
    return file;
}

function caKeyTrigger(run: StackRun): unknown {
    const key = run.resources.find(
        (r) => r.type === "tls:index/privateKey:PrivateKey" && r.name === "monitoring-sidecar-tls-ca",
    );
    return key?.replacementTrigger;
}

describe("the first deployment and every rotation: one command, one deploy (stub CLI, Automation API)", function () {
    this.timeout(240000);
    let stub: StubCli;
    let dir: string;
    let scratch: string;
    let log: string;
    let outputsDir: string;
    const printed: string[] = [];
    const write = (text: string) => void printed.push(text);
    let first: Deployed;
    let firstClientCert: string;

    /** One `npm run deploy -- up`; asserts it touched no file, and returns what it deployed. */
    async function deployUp(): Promise<Deployed> {
        const before = snapshot(dir);
        const done = await deploy({ command: "up", workDir: dir, write, writeError: write });
        expect(done.map((s) => s.name)).to.deep.equal([...EDGES, "cluster-01"]);
        expect(snapshot(dir), "no file changes during the deploy").to.deep.equal(before);
        const deployed = await playDeploy(dir);
        // What the stub's `stack output` answers from now on: the outputs this deploy produced.
        for (const [stack, run] of Object.entries(deployed.runs))
            fs.writeFileSync(
                path.join(outputsDir, `${stack}.json`),
                JSON.stringify(
                    Object.fromEntries(
                        Object.entries(run.outputs).map(([k, v]) => [k, isSecretMarker(v) ? "[secret]" : v]),
                    ),
                ),
            );
        return deployed;
    }

    const bundle = () => fs.readFileSync(path.join(dir, "pki", "deployment-ca.pem"), "utf8");

    before(() => {
        // The project as committed: its stack files, no pki/.
        dir = copyProject("first-deploy");
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "first-deploy-certs-"));
        outputsDir = fs.mkdtempSync(path.join(os.tmpdir(), "first-deploy-outputs-"));
        // A new backend: the central stack does not exist yet (the edges were created with their
        // secrets, `npm run secrets`); `pki init` creates it.
        stub = useStubCli({ missing: [full("cluster-01")], outputs: outputsDir });
        log = stub.log;
    });
    after(() => {
        stub?.restore();
        for (const d of [dir, scratch, outputsDir, first?.outDir])
            if (d) fs.rmSync(d, { recursive: true, force: true });
    });

    it("without pki material the real program refuses to deploy, naming the key and the command", async () => {
        const previous = process.cwd();
        process.chdir(dir);
        try {
            for (const stack of ["cluster-02", "cluster-01"]) {
                const file = findStackFiles(dir).find((f) => f.stack === stack)!;
                let error: unknown;
                await runStack({
                    stack,
                    config: file.config,
                    secrets: withPrefix(TEST_SECRETS),
                    renderOnlyDeploymentCa: false,
                }).catch((err: unknown) => (error = err));
                expect(error, stack).to.be.instanceOf(StackRunError);
                expect((error as StackRunError).resources, "nothing registered").to.deep.equal([]);
                expect((error as Error).message).to.contain("npm run pki -- init");
                if (stack === "cluster-01")
                    expect((error as Error).message).to.contain(
                        "thanos-multicluster:deploymentCaPrivateKey is required",
                    );
                else expect((error as Error).message).to.contain("pki/deployment-ca.pem is missing");
            }
        } finally {
            process.chdir(previous);
        }
    });

    it("`npm run pki -- init` creates the central stack, sets its key as a secret from standard input, and writes the bundle", async () => {
        const before = snapshot(dir);
        await runPki({ command: "init" }, { workDir: dir, write });
        const after = snapshot(dir);
        expect(Object.keys(after).sort()).to.deep.equal([...Object.keys(before), "pki/deployment-ca.pem"].sort());
        for (const edge of EDGES) expect(after[`Pulumi.${edge}.yaml`], edge).to.equal(before[`Pulumi.${edge}.yaml`]);
        const calls = fs
            .readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l).args as string[]);
        expect(calls.map((a) => a.slice(0, 2).join(" "))).to.include.members(["stack init", "config set"]);
        const set = calls.find((a) => a[0] === "config" && a[1] === "set")!;
        expect(set).to.deep.equal([
            "config",
            "set",
            "deploymentCaPrivateKey",
            "--secret",
            "--stack",
            full("cluster-01"),
            "--non-interactive",
        ]);
        // The key is in no file and on no command line in clear; the central stack file holds its ciphertext.
        expect(fs.readFileSync(log, "utf8")).not.to.contain("PRIVATE KEY");
        for (const [file, text] of Object.entries(after)) expect(text, file).not.to.contain("PRIVATE KEY");
        const key = stackFileSecrets(path.join(dir, "Pulumi.cluster-01.yaml")).deploymentCaPrivateKey;
        expect(key).to.match(/^-----BEGIN EC PRIVATE KEY-----/);
        // The bundle: one CA, for client certificates only, whose key the central stack holds.
        const text = openssl("x509", "-in", path.join(dir, "pki", "deployment-ca.pem"), "-noout", "-text");
        expect(text).to.match(/CA:TRUE, pathlen:0/);
        expect(text).to.match(/Extended Key Usage: *\n *TLS Web Client Authentication\n/);
        expect(text).to.contain("ASN1 OID: prime256v1");
        const publicKey = (pem: string, ...args: string[]) => execFileSync("openssl", args, { input: pem }).toString();
        expect(publicKey(key, "pkey", "-pubout")).to.equal(publicKey(bundle(), "x509", "-pubkey", "-noout"));
        // It cannot be run twice over a live CA.
        let message = "";
        await runPki({ command: "init" }, { workDir: dir, write }).catch((err: Error) => (message = err.message));
        expect(message).to.contain("npm run pki -- rotate");
    });

    it("one `npm run deploy -- up` deploys edges then central with no file edited, and every edge admits Query", async () => {
        first = await deployUp();
        const current = bundle();
        for (const edge of EDGES)
            expect((first.runs[edge].outputs.grpcTls as any).clientCaCertificate, edge).to.equal(current);
        expect(first.runs["cluster-01"].outputs.deploymentCaCertificate).to.equal(current);
        expect(first.warnings.filter((w) => /trusts|client CA/.test(w))).to.deep.equal([]);
        expect(checkTrust(loadPlans(first.outDir, dir))).to.deep.equal([]);
        // The central stack's expiry record of the deployment CA is the committed certificate's notAfter.
        const notAfter = Math.floor(Date.parse(new X509Certificate(current).validTo) / 1000);
        const groups = k8sObject(first.runs["cluster-01"], "PrometheusRule", "thanos-control-plane").spec
            .groups as any[];
        const rules = groups.find((g) => g.name === "thanos-multicluster.certificates").rules as any[];
        expect(rules.find((r) => r.labels.certificate === "deployment-ca").expr).to.equal(`vector(${notAfter})`);
    });

    (hasOpenssl() ? it : it.skip)(
        "Query's client certificate, issued with the configured key, verifies at every edge for client authentication only (openssl)",
        () => {
            firstClientCert = queryClientCertificate(first.runs["cluster-01"], scratch, "query-1");
            for (const edge of EDGES) {
                const trusted = edgeTrust(first.runs[edge], scratch);
                expect(verifies(trusted, firstClientCert, "sslclient"), edge).to.equal(true);
                expect(verifies(trusted, firstClientCert, "sslserver"), `${edge}: not a server`).to.equal(false);
            }
            // The CA itself cannot vouch for a server: its extended key usage is clientAuth alone.
            const ca = issuingCa(first.runs["cluster-01"], scratch, "query-1");
            const server = issueLeaf(
                scratch,
                "impostor",
                ca,
                { commonName: "thanos-sidecar.cluster-02" },
                {
                    allowedUses: ["digital_signature", "server_auth"],
                },
            );
            expect(verifies(ca.cert, server, "sslserver")).to.equal(false);
        },
    );

    (hasOpenssl() ? it : it.skip)(
        "a deployment CA rotation is `npm run pki -- rotate` and one deploy: edges, deployed first, admit both client certificates",
        async () => {
            const old = bundle();
            await runPki({ command: "rotate" }, { workDir: dir, write });
            const rotated = bundle();
            expect(pemCertificateBodies(rotated).slice(1)).to.deep.equal(pemCertificateBodies(old));
            const second = await deployUp();
            expect(second.warnings.filter((w) => /trusts|client CA/.test(w))).to.deep.equal([]);
            const newClientCert = queryClientCertificate(second.runs["cluster-01"], scratch, "query-2");
            expect(
                pemCertificateBodies(second.runs["cluster-01"].outputs.deploymentCaCertificate as string),
            ).to.deep.equal(pemCertificateBodies(rotated).slice(0, 1));
            for (const edge of EDGES) {
                const trusted = edgeTrust(second.runs[edge], scratch);
                // Between the edge's up and the central's, Query still presents the old certificate: admitted.
                expect(verifies(trusted, firstClientCert, "sslclient"), `${edge}: the old client`).to.equal(true);
                expect(verifies(trusted, newClientCert, "sslclient"), `${edge}: the new client`).to.equal(true);
            }
            expect(checkTrust(loadPlans(second.outDir, dir))).to.deep.equal([]);
            fs.rmSync(second.outDir, { recursive: true, force: true });

            // prune refuses while the deployed central stack still issues with the old CA ...
            const afterDeploy = snapshot(outputsDir);
            fs.writeFileSync(
                path.join(outputsDir, "cluster-01.json"),
                JSON.stringify({ deploymentCaCertificate: old }),
            );
            let message = "";
            await runPki({ command: "prune" }, { workDir: dir, write }).catch((err: Error) => (message = err.message));
            expect(message).to.contain("run `npm run deploy -- up` first");
            expect(bundle()).to.equal(rotated);
            // ... and, once it issues with the new one, drops the old, which the next deploy stops trusting.
            fs.writeFileSync(path.join(outputsDir, "cluster-01.json"), afterDeploy["cluster-01.json"]);
            await runPki({ command: "prune" }, { workDir: dir, write });
            expect(pemCertificateBodies(bundle())).to.deep.equal(pemCertificateBodies(rotated).slice(0, 1));
            const third = await deployUp();
            for (const edge of EDGES) {
                const trusted = edgeTrust(third.runs[edge], scratch);
                expect(verifies(trusted, firstClientCert, "sslclient"), `${edge}: the old client`).to.equal(false);
                expect(verifies(trusted, newClientCert, "sslclient"), `${edge}: the new client`).to.equal(true);
            }
            fs.rmSync(third.outDir, { recursive: true, force: true });
        },
    );

    it("an edge CA rotation is `npm run pki -- rotate --stack cluster-02` and one deploy: that edge's CA key is replaced, and the central stack reads its new CA in the same run", async () => {
        expect(caKeyTrigger(first.runs["cluster-02"])).to.equal(1);
        await runPki({ command: "rotate", stack: "cluster-02" }, { workDir: dir, write });
        const deployed = await deployUp();
        expect(caKeyTrigger(deployed.runs["cluster-02"])).to.equal(2);
        for (const edge of ["cluster-03", "cluster-04"]) expect(caKeyTrigger(deployed.runs[edge]), edge).to.equal(1);
        // The central stack ran after the edge, from the edge's outputs of this same deploy.
        const calls = fs
            .readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l).args as string[])
            .filter((a) => a[0] === "up");
        const order = calls.slice(-4).map((a) => a[a.indexOf("--stack") + 1]);
        expect(order).to.deep.equal([...EDGES, "cluster-01"].map(full));
        fs.rmSync(deployed.outDir, { recursive: true, force: true });
    });
});

describe("the trust docs show only commands the tests run", () => {
    // docs[0] the deploy guide, docs[1] the trust doc; the others show pki commands too.
    const docs = ["docs/deploy.md", "docs/pki.md", "docs/operations.md", "docs/runbooks.md", "README.md"].map((f) =>
        fs.readFileSync(path.join(PROJECT_ROOT, f), "utf8"),
    );
    // The commands tests/firstDeploy.test.ts drives above, by their arguments.
    const exercised = ["init", "rotate", "rotate --stack cluster-02", "rotate --stack <edge>", "prune"];

    it("every `npm run pki -- ...` the docs show parses, and is one the sequence above runs", () => {
        const shown = new Set(
            docs.flatMap((text) =>
                [...text.matchAll(/npm run pki -- ([a-z]+(?: --stack [<>a-z0-9-]+)?)/g)].map((m) => m[1]),
            ),
        );
        expect([...shown].sort()).to.include.members(["init", "prune", "rotate", "rotate --stack cluster-02"]);
        for (const command of shown) {
            expect(exercised, command).to.include(command);
            expect(() => parsePkiArgs(command.replace("<edge>", "cluster-02").split(" ")), command).not.to.throw();
        }
        expect(() => parsePkiArgs(["rotate", "--stack"])).to.throw(USAGE);
        expect(() => parsePkiArgs(["renew"])).to.throw(USAGE);
    });

    it("every `npm run deploy -- ...` the trust docs show parses", () => {
        const pki = docs[1];
        const shown = [...pki.matchAll(/npm run deploy -- ([a-z]+(?: --stack [a-z0-9-]+)?)/g)].map((m) => m[1]);
        expect(shown).to.include.members(["up", "up --stack cluster-02", "up --stack cluster-01"]);
        for (const command of shown) expect(() => parseDeployArgs(command.split(" ")), command).not.to.throw();
    });

    it("the render's notice, as docs/pki.md shows it, is what `npm run render` prints without pki/", () => {
        const notice = renderOnlyCaNotice(fs.mkdtempSync(path.join(os.tmpdir(), "no-pki-")));
        expect(notice).to.be.a("string");
        expect(docs[1]).to.contain(`\n${notice}\n`);
        expect(docs[0]).to.contain("`npm run render` uses a\nrender-only CA and says so");
    });
});

describe("npm run pki refuses what would break trust, before calling the CLI", () => {
    let dir: string;
    before(() => {
        dir = copyProject("pki-refusals");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const failure = (command: Parameters<typeof runPki>[0]) =>
        runPki(command, { workDir: dir, write: () => undefined }).then(
            () => "",
            (err: Error) => err.message,
        );

    it("rotate and prune need a bundle; rotate names an unknown stack; an edge without mTLS has no CA to rotate", async () => {
        expect(await failure({ command: "rotate" })).to.equal(
            "pki/deployment-ca.pem is missing: run `npm run pki -- init` first",
        );
        expect(await failure({ command: "prune" })).to.equal(
            "pki/deployment-ca.pem is missing: run `npm run pki -- init` first",
        );
        expect(await failure({ command: "rotate", stack: "cluster-09" })).to.equal(
            "no stack named cluster-09; the stacks are cluster-02, cluster-03, cluster-04, cluster-01",
        );
        const file = path.join(dir, "Pulumi.cluster-04.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("    enabled: true\n", "    enabled: false\n"));
        expect(await failure({ command: "rotate", stack: "cluster-04" })).to.equal(
            "cluster-04 runs no mTLS (grpcTls.enabled is not true): it has no CA to rotate",
        );
    });
});
