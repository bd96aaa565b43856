// The project as an operator has it before and after `npm run pki -- init`: a copy in a temporary
// directory, the Pulumi CLI's stand-in (tests/fixtures/pulumi-stub) first on PATH, and the command
// really run against it. The committed repository is the pre-init state (no pki/, no CA key in
// Pulumi.cluster-01.yaml); tests of what a deployment sees after init use the copy, not edits.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { runPki } from "../offline/pki";
import { PROJECT_ROOT } from "../offline/projectRoot";
import { deployOrder } from "../offline/stacks";

export const STUB_DIR = path.join(PROJECT_ROOT, "tests", "fixtures", "pulumi-stub");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { decrypt } = require(path.join(STUB_DIR, "config-set.cjs")) as { decrypt(secure: string): string };

/** The passphrase of the stub's secrets provider in these copies. */
export const STUB_PASSPHRASE = "pki-project-test-passphrase";

/** A stack's full name in the committed backend's organization. */
export const fullStackName = (stack: string) => `miribit/thanos-multicluster/${stack}`;

const STUB_ENV = ["PATH", "PULUMI_STUB_LOG", "PULUMI_STUB_MISSING", "PULUMI_STUB_OUTPUTS", "PULUMI_CONFIG_PASSPHRASE"];

/**
 * A copy of the project as committed in a new temporary directory: its Pulumi.yaml and stack files
 * (what `npm run pki`, `npm run secrets` and the program read), or with `checkout`, everything a
 * checkout holds (node_modules linked), so `npm run ...` runs there as in CI.
 */
export function copyProject(prefix: string, options: { checkout?: boolean } = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    if (options.checkout) {
        const skipped = new Set(["node_modules", ".git", "out"].map((f) => path.join(PROJECT_ROOT, f)));
        fs.cpSync(PROJECT_ROOT, dir, { recursive: true, filter: (source) => !skipped.has(source) });
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    } else {
        for (const f of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f)))
            fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
    }
    return dir;
}

export interface StubCli {
    /** The stub's call log: one JSON line per call (arguments, working directory). */
    log: string;
    /** Puts this process's environment back as it was, and removes the log. */
    restore(): void;
}

/**
 * The stub CLI first on PATH of this process (the Automation API and `npm run pki` spawn `pulumi`),
 * its secrets provider's passphrase set; stacks named in `missing` do not exist until `stack init`,
 * `outputs` is the directory of each stack's `stack output` answer.
 */
export function useStubCli(options: { missing?: string[]; outputs?: string } = {}): StubCli {
    const saved = Object.fromEntries(STUB_ENV.map((k) => [k, process.env[k]]));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-stub-log-"));
    const log = path.join(scratch, "calls.jsonl");
    fs.writeFileSync(log, "");
    process.env.PATH = `${STUB_DIR}${path.delimiter}${saved.PATH}`;
    process.env.PULUMI_STUB_LOG = log;
    process.env.PULUMI_STUB_MISSING = (options.missing ?? []).join(",");
    if (options.outputs !== undefined) process.env.PULUMI_STUB_OUTPUTS = options.outputs;
    else delete process.env.PULUMI_STUB_OUTPUTS;
    process.env.PULUMI_CONFIG_PASSPHRASE = STUB_PASSPHRASE;
    return {
        log,
        restore() {
            for (const [k, v] of Object.entries(saved)) {
                if (v === undefined) delete process.env[k];
                else process.env[k] = v;
            }
            fs.rmSync(scratch, { recursive: true, force: true });
        },
    };
}

/**
 * The secret config of a stack file (keys without the project prefix), decrypted as the backend
 * hands it to the program: with the stub's passphrase, the way its `config set --secret` encrypted it.
 */
export function stackFileSecrets(file: string): Record<string, string> {
    const config = (yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
    const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
    process.env.PULUMI_CONFIG_PASSPHRASE = STUB_PASSPHRASE;
    try {
        return Object.fromEntries(
            Object.entries(config)
                .filter(([, v]) => typeof v === "object" && v !== null && "secure" in v)
                .map(([k, v]) => [k.replace(/^thanos-multicluster:/, ""), decrypt((v as { secure: string }).secure)]),
        );
    } finally {
        if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
        else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
    }
}

export interface InitialisedProject {
    /** The project copy: pki/deployment-ca.pem and the central stack file's CA key as `npm run pki -- init` left them. */
    dir: string;
    /** A stack file's secret config, decrypted (stackFileSecrets). */
    stackSecrets(stack: string): Record<string, string>;
    /** Removes the copy. */
    remove(): void;
}

/**
 * A copy of the project (see copyProject) on which `npm run pki -- init` has run against the stub
 * CLI, on a backend without the central stack yet (init creates it), as before the first deploy.
 * The environment is put back afterwards.
 */
export async function initialisedProject(
    prefix: string,
    options: { checkout?: boolean } = {},
): Promise<InitialisedProject> {
    const dir = copyProject(prefix, options);
    const central = deployOrder(dir).find((s) => s.role === "central")!;
    const stub = useStubCli({ missing: [central.fullName] });
    try {
        await runPki({ command: "init" }, { workDir: dir, write: () => undefined });
    } catch (err) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    } finally {
        stub.restore();
    }
    return {
        dir,
        stackSecrets: (stack) => stackFileSecrets(path.join(dir, `Pulumi.${stack}.yaml`)),
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
