// `npm run pki -- init | rotate [--stack NAME] | prune`: the operator's commands for the trust of
// the cross-cluster mTLS (docs/pki.md). They write the deployment CA's certificates to the committed
// pki/deployment-ca.pem and its key, through the Pulumi CLI with the value on standard input, into
// the central stack's secret config; an edge's CA rotation raises its grpcTls.caGeneration. Each is
// followed by one `npm run deploy -- up` (edges, then central), with no stack file edited by hand.

import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { automationApi, requirePulumiCli } from "../pulumiCli";
import { pemCertificateBodies, pemCertificates } from "../../config/certificates";
import { DEPLOYMENT_CA_BUNDLE, DEPLOYMENT_CA_KEY, PKI_INIT, readDeploymentCaBundle } from "../../config/pki";
import { readStackFile } from "../stackFiles";
import { DeployStack, deployOrder } from "../stacks";
import { newDeploymentCa } from "./ca";

export const USAGE = "usage: npm run pki -- init | rotate [--stack NAME] | prune";

export type PkiCommand = { command: "init" } | { command: "rotate"; stack?: string } | { command: "prune" };

export interface PkiOptions {
    /** The Pulumi project directory; this repository by default. */
    workDir?: string;
    /** Where progress lines go. */
    write?: (line: string) => void;
    /** The issue time of a new CA (tests); now by default. */
    now?: Date;
}

const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const DEFAULT_CA_VALIDITY_DAYS = 3650;

export function parsePkiArgs(argv: string[]): PkiCommand {
    const [command, ...rest] = argv;
    if ((command === "init" || command === "prune") && rest.length === 0) return { command };
    if (command === "rotate") {
        if (rest.length === 0) return { command };
        if (rest.length === 2 && rest[0] === "--stack" && rest[1] && !rest[1].startsWith("-"))
            return { command, stack: rest[1] };
    }
    throw new Error(USAGE);
}

/** What a pki command that finds no Pulumi CLI has left undone (it checks before writing anything). */
const NOTHING_WRITTEN = "no key, certificate or stack file was written";

/** Runs the Pulumi CLI in the project directory, `input` on its standard input; rejects with its error line. */
function pulumi(workDir: string, args: string[], input = ""): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", args, { cwd: workDir, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", (err) =>
            reject(new Error(`cannot run the Pulumi CLI (${err.message}): install it and \`pulumi login\` first`)),
        );
        child.on("close", (code) => {
            if (code === 0) resolve(stdout);
            else {
                const error = /^error: .*$/m.exec(stderr)?.[0] ?? stderr.trim().split("\n")[0];
                reject(new Error(`pulumi ${args.slice(0, 2).join(" ")} exited with code ${code}: ${error}`));
            }
        });
        child.stdin.end(input);
    });
}

/** The central stack, which holds the deployment CA's key. */
function centralStack(workDir: string): DeployStack {
    const central = deployOrder(workDir).find((s) => s.role === "central");
    if (central === undefined) throw new Error(`no stack file in ${workDir} has role: central`);
    return central;
}

/** The central stack's grpcTls.caValidityDays: how long a new deployment CA lives. */
function caValidityDays(workDir: string, stack: DeployStack): number {
    const grpcTls = readStackFile(path.join(workDir, `Pulumi.${stack.name}.yaml`)).config[
        "thanos-multicluster:grpcTls"
    ] as { caValidityDays?: unknown } | undefined;
    const days = Number(grpcTls?.caValidityDays ?? DEFAULT_CA_VALIDITY_DAYS);
    if (!Number.isInteger(days) || days < 1)
        throw new Error(
            `Pulumi.${stack.name}.yaml: thanos-multicluster:grpcTls.caValidityDays must be a whole number of days`,
        );
    return days;
}

/**
 * Writes the deployment CA's key into the central stack's secret config: the stack is created if
 * missing (Automation API), the value goes to `pulumi config set --secret` on standard input, never
 * on a command line, and only the stack's secrets provider sees it in clear.
 */
async function setCentralKey(workDir: string, central: DeployStack, privateKeyPem: string): Promise<void> {
    requirePulumiCli(NOTHING_WRITTEN);
    await automationApi().LocalWorkspace.createOrSelectStack({ stackName: central.fullName, workDir });
    await pulumi(
        workDir,
        ["config", "set", DEPLOYMENT_CA_KEY, "--secret", "--stack", central.fullName, "--non-interactive"],
        privateKeyPem,
    );
}

/** Writes the bundle whole (a temporary file renamed over it): a reader never sees half of it. */
function writeBundle(workDir: string, pem: string): void {
    const file = path.join(workDir, DEPLOYMENT_CA_BUNDLE);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, pem);
    fs.renameSync(`${file}.tmp`, file);
}

function describe(pem: string): string {
    const [cert] = pemCertificates(pem);
    const c = cert?.certificate;
    return c ? `${c.subject.split("\n").pop()}, valid until ${new Date(c.validTo).toISOString().slice(0, 10)}` : "?";
}

/** `init`: the first deployment CA. Refuses where one exists (that is `rotate`). */
export async function pkiInit(options: PkiOptions = {}): Promise<void> {
    const workDir = options.workDir ?? PROJECT_DIR;
    const write = options.write ?? ((line: string) => console.log(line));
    if (readDeploymentCaBundle(workDir) !== undefined)
        throw new Error(
            `${DEPLOYMENT_CA_BUNDLE} exists already: \`npm run pki -- rotate\` replaces the deployment CA (init would leave the edges trusting a CA whose key is gone)`,
        );
    const central = centralStack(workDir);
    const ca = await newDeploymentCa(caValidityDays(workDir, central), options.now);
    await setCentralKey(workDir, central, ca.privateKeyPem);
    writeBundle(workDir, ca.certificate);
    write(`deployment CA: ${describe(ca.certificate)}`);
    write(`  key: secret config ${DEPLOYMENT_CA_KEY} of ${central.fullName} (Pulumi.${central.name}.yaml)`);
    write(`  certificate: ${DEPLOYMENT_CA_BUNDLE}, which every stack trusts`);
    write(`next: commit pki/ and Pulumi.${central.name}.yaml, then \`npm run deploy -- up\``);
}

/**
 * `rotate`: a new deployment CA (new key into the central stack's config, its certificate first in
 * the bundle, the old ones kept: the edges, deployed first, accept both until the central stack
 * switches Query's client certificate in the same run). `rotate --stack <edge>`: the edge's server
 * CA, by raising its grpcTls.caGeneration.
 */
export async function pkiRotate(options: PkiOptions & { stack?: string } = {}): Promise<void> {
    const workDir = options.workDir ?? PROJECT_DIR;
    const write = options.write ?? ((line: string) => console.log(line));
    const stacks = deployOrder(workDir);
    const target = options.stack === undefined ? undefined : stacks.find((s) => s.name === options.stack);
    if (options.stack !== undefined && target === undefined)
        throw new Error(`no stack named ${options.stack}; the stacks are ${stacks.map((s) => s.name).join(", ")}`);
    if (target !== undefined && target.role === "edge") return rotateEdgeCa(workDir, target, write);

    const bundle = readDeploymentCaBundle(workDir);
    if (bundle === undefined) throw new Error(`${DEPLOYMENT_CA_BUNDLE} is missing: run \`${PKI_INIT}\` first`);
    const central = centralStack(workDir);
    const ca = await newDeploymentCa(caValidityDays(workDir, central), options.now);
    await setCentralKey(workDir, central, ca.privateKeyPem);
    writeBundle(workDir, `${ca.certificate}${bundle.endsWith("\n") ? bundle : `${bundle}\n`}`);
    write(`new deployment CA: ${describe(ca.certificate)}`);
    write(
        `  its key replaced ${DEPLOYMENT_CA_KEY} of ${central.fullName}; ${DEPLOYMENT_CA_BUNDLE} holds it first, then the earlier ones`,
    );
    write(
        `next: commit pki/ and Pulumi.${central.name}.yaml, then \`npm run deploy -- up\`; once that has run on every stack, \`npm run pki -- prune\``,
    );
}

async function rotateEdgeCa(workDir: string, edge: DeployStack, write: (line: string) => void): Promise<void> {
    const file = path.join(workDir, `Pulumi.${edge.name}.yaml`);
    const grpcTls = readStackFile(file).config["thanos-multicluster:grpcTls"] as
        { enabled?: unknown; caGeneration?: unknown } | undefined;
    if (grpcTls?.enabled !== true && grpcTls?.enabled !== "true")
        throw new Error(`${edge.name} runs no mTLS (grpcTls.enabled is not true): it has no CA to rotate`);
    const current = Number(grpcTls.caGeneration ?? 1);
    if (!Number.isInteger(current) || current < 1)
        throw new Error(`Pulumi.${edge.name}.yaml: thanos-multicluster:grpcTls.caGeneration must be a whole number`);
    requirePulumiCli(NOTHING_WRITTEN);
    await automationApi().LocalWorkspace.selectStack({ stackName: edge.fullName, workDir });
    await pulumi(workDir, [
        "config",
        "set",
        "--path",
        "grpcTls.caGeneration",
        String(current + 1),
        "--stack",
        edge.fullName,
        "--non-interactive",
    ]);
    write(`${edge.name}: grpcTls.caGeneration ${current} -> ${current + 1} (a new key, server CA and certificate)`);
    write(
        `next: commit Pulumi.${edge.name}.yaml, then \`npm run deploy -- up\` (the edge re-issues, then the central stack gives Query its new CA)`,
    );
}

/**
 * `prune`: keeps only the bundle's first certificate, the one the central stack issues with. It
 * refuses unless the central stack's deployed output deploymentCaCertificate is that certificate:
 * before that, the edges must keep accepting Query's certificate of the earlier CA.
 */
export async function pkiPrune(options: PkiOptions = {}): Promise<void> {
    const workDir = options.workDir ?? PROJECT_DIR;
    const write = options.write ?? ((line: string) => console.log(line));
    const bundle = readDeploymentCaBundle(workDir);
    if (bundle === undefined) throw new Error(`${DEPLOYMENT_CA_BUNDLE} is missing: run \`${PKI_INIT}\` first`);
    const bodies = pemCertificateBodies(bundle);
    const pems = [...bundle.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => m[0]);
    if (pems.length <= 1) {
        write(`${DEPLOYMENT_CA_BUNDLE} holds one certificate: nothing to prune`);
        return;
    }
    const central = centralStack(workDir);
    requirePulumiCli(NOTHING_WRITTEN);
    const stack = await automationApi().LocalWorkspace.selectStack({ stackName: central.fullName, workDir });
    const deployed = (await stack.outputs()).deploymentCaCertificate?.value;
    if (typeof deployed !== "string" || pemCertificateBodies(deployed)[0] !== bodies[0])
        throw new Error(
            `${central.fullName} does not issue with the bundle's first certificate yet (its output deploymentCaCertificate is another): run \`npm run deploy -- up\` first; pruning now would make every edge reject Query`,
        );
    writeBundle(workDir, `${pems[0]}\n`);
    write(`${DEPLOYMENT_CA_BUNDLE}: kept ${describe(pems[0])}; dropped ${pems.length - 1} earlier certificate(s)`);
    write(`next: commit pki/, then \`npm run deploy -- up\` (the edges stop trusting the earlier CA)`);
}

export async function runPki(command: PkiCommand, options: PkiOptions = {}): Promise<void> {
    if (command.command === "init") return pkiInit(options);
    if (command.command === "rotate") return pkiRotate({ ...options, stack: command.stack });
    return pkiPrune(options);
}

if (require.main === module) {
    (async () => {
        await runPki(parsePkiArgs(process.argv.slice(2)));
    })().catch((err: unknown) => {
        console.error(`pki: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
}
