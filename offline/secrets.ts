// `npm run secrets -- --stack NAME [--environment preview|deploy] [--json | --env-secrets]`: the
// secret config keys a stack's current config makes the program require (config/requiredSecrets.ts,
// the rule the program's own check follows), each with where a run gets it: an environment secret of
// the stack's GitHub environment, or the stack file itself, where a `secure:` value is already there
// (the CLI decrypts it) or a command writes one. A preview and a deploy both run the whole program,
// so both need every key; they differ in the secret some keys come from: a preview environment holds
// a read-only MinIO identity where the deploy environment holds the MinIO admin keys. The workflow
// sets exactly the keys this prints for its environment; a key no source can supply is an error here.

import * as fs from "fs";
import * as path from "path";
// From the config modules themselves, not "../config": that one loads the Pulumi SDK (over a second
// of start-up), which the workflow's secret step would pay on every run.
import {
    ConfigError,
    PROJECT,
    RawConfig,
    SECRET_KEYS,
    SecretKey,
    SecretKeySpec,
    parseConfigValue,
} from "../config/reader";
import { parseClusterSettings } from "../config/settings";
import { requiredSecrets, requirableSecretKeys, secretKeySpec } from "../config/requiredSecrets";
import { loadStackFileConfig } from "../config/siblings";
import { PROJECT_ROOT } from "./projectRoot";

export type SecretSource = "environment secret" | "stack file";

/** The two kinds of GitHub environment a stack runs in: `<stack>-preview` for pull requests, `<stack>` for deploys. */
export const CI_ENVIRONMENTS = ["preview", "deploy"] as const;
export type CiEnvironment = (typeof CI_ENVIRONMENTS)[number];

/**
 * Keys a preview takes from another secret than the deploy. The MinIO provider contacts MinIO only
 * to create, change, import or refresh (pulumi-minio 0.17.1 wraps terraform-provider-minio v1.20.1,
 * whose configure builds its clients without a request and whose diffs are pure), and a preview
 * creates nothing and refreshes nothing: a MinIO identity allowed to read (what an import of an
 * existing bucket reads) is all a preview needs, and it never holds the admin keys.
 */
export const PREVIEW_SECRETS: Partial<Record<SecretKey, string>> = {
    minioAdminAccessKey: "MINIO_PREVIEW_ACCESS_KEY",
    minioAdminSecretKey: "MINIO_PREVIEW_SECRET_KEY",
};

export interface StackSecret {
    /** The config key, without the project prefix. */
    key: SecretKey;
    /** The setting that needs it (without the project prefix), or null for keys every stack needs. */
    neededBy: string | null;
    source: SecretSource;
    /** Source "environment secret": the secret holding the value, in the preview and in the deploy environment. */
    secrets?: Record<CiEnvironment, string>;
    /** Source "stack file": the command that writes the `secure:` value, where one does. */
    writtenBy?: string;
    /** Source "stack file": true while the stack file lacks the value (the command has not run yet). */
    missing?: true;
}

/** The environment secret a key comes from in CI: the key in upper snake case. */
export function environmentSecretName(key: string): string {
    return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The environment secret a key comes from in one kind of environment. */
export function environmentSecret(key: SecretKey, environment: CiEnvironment): string {
    return (environment === "preview" ? PREVIEW_SECRETS[key] : undefined) ?? environmentSecretName(key);
}

/** Every environment secret name `npm run secrets` can print for this kind of environment, for any settings. */
export function possibleEnvironmentSecrets(environment: CiEnvironment): string[] {
    return requirableSecretKeys()
        .filter((key) => secretKeySpec(key).writtenBy === undefined)
        .map((key) => environmentSecret(key, environment));
}

/** Secrets only a deploy environment may hold: no preview is given them (the MinIO admin keys). */
export function deployOnlySecrets(): string[] {
    const preview = new Set(possibleEnvironmentSecrets("preview"));
    return possibleEnvironmentSecrets("deploy").filter((name) => !preview.has(name));
}

const isSecure = (value: unknown) => typeof value === "object" && value !== null && "secure" in value;

/**
 * The stack file's config as the program receives it from the CLI: top-level scalars as text,
 * objects and lists as JSON (then parsed back), secret keys left out.
 */
function rawConfig(config: Record<string, unknown>): { raw: RawConfig; secure: Set<string>; present: Set<string> } {
    const raw: RawConfig = {};
    const secure = new Set<string>();
    const present = new Set<string>();
    const prefix = `${PROJECT}:`;
    for (const [fullKey, value] of Object.entries(config)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        present.add(key);
        if (isSecure(value)) secure.add(key);
        if (key in SECRET_KEYS) continue;
        raw[key] = parseConfigValue(typeof value === "string" ? value : JSON.stringify(value));
    }
    return { raw, secure, present };
}

/**
 * The secrets a stack needs and where each comes from. Throws a ConfigError naming the stack file
 * when its config is invalid (the program would refuse it too) or when a key only a command can
 * write is missing from it.
 */
export function stackSecrets(
    stack: string,
    dir: string = PROJECT_ROOT,
    specOf: (key: SecretKey) => SecretKeySpec = secretKeySpec,
): StackSecret[] {
    const fileName = `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(path.join(dir, fileName)))
        throw new Error(`no stack ${stack}: there is no ${fileName} in ${dir}`);
    return configSecrets(fileName, loadStackFileConfig(path.join(dir, fileName)), specOf);
}

/** The same from a stack file's `config:` map (full keys; `secure:` values as the file holds them). */
export function configSecrets(
    fileName: string,
    config: Record<string, unknown>,
    /** What the program knows of each key (SECRET_KEYS); tests pass their own. */
    specOf: (key: SecretKey) => SecretKeySpec = secretKeySpec,
): StackSecret[] {
    const { secrets, problems } = listSecrets(fileName, config, specOf);
    if (problems.length > 0) throw new ConfigError(problems);
    return secrets;
}

/**
 * Every secret the stack's config requires, a stack-file key its command has not written yet
 * included (`missing`), and what is wrong: the list is shown even when the stack cannot deploy yet.
 * Throws a ConfigError only when the config itself is invalid.
 */
export function listSecrets(
    fileName: string,
    config: Record<string, unknown>,
    specOf: (key: SecretKey) => SecretKeySpec = secretKeySpec,
): { secrets: StackSecret[]; problems: string[] } {
    const { raw, secure, present } = rawConfig(config);
    let settings;
    try {
        settings = parseClusterSettings(raw, { kubeconfig: present.has("kubeconfig") });
    } catch (err) {
        if (err instanceof ConfigError) throw new ConfigError(err.problems.map((p) => `${fileName}: ${p}`));
        throw err;
    }
    const problems: string[] = [];
    const secrets: StackSecret[] = [];
    for (const { key, neededBy } of requiredSecrets(settings)) {
        const spec = specOf(key);
        const base = { key, neededBy: neededBy ?? null };
        if (secure.has(key))
            secrets.push({ ...base, source: "stack file", ...(spec.writtenBy ? { writtenBy: spec.writtenBy } : {}) });
        else if (spec.writtenBy !== undefined) {
            secrets.push({ ...base, source: "stack file", writtenBy: spec.writtenBy, missing: true });
            problems.push(
                `${fileName}: ${PROJECT}:${key} is required${neededBy ? ` by ${PROJECT}:${neededBy}` : ""} and has no secure value in the stack file: run \`${spec.writtenBy}\` and commit the stack file`,
            );
        } else
            secrets.push({
                ...base,
                source: "environment secret",
                secrets: { preview: environmentSecret(key, "preview"), deploy: environmentSecret(key, "deploy") },
            });
    }
    return { secrets, problems };
}

/** Where an environment secret comes from: one name for both environments, or each environment's. */
function environmentSource(names: Record<CiEnvironment, string>, only?: CiEnvironment): string {
    if (only !== undefined) return `environment secret ${names[only]}`;
    if (names.preview === names.deploy) return `environment secret ${names.deploy} (preview and deploy)`;
    return `environment secret ${names.preview} (preview), ${names.deploy} (deploy)`;
}

/** The table for people; `only` shows one kind of environment's sources. */
export function formatSecrets(stack: string, secrets: StackSecret[], only?: CiEnvironment): string {
    const width = Math.max(...secrets.map((s) => s.key.length));
    const lines = secrets.map((s) => {
        const from =
            s.source === "environment secret"
                ? environmentSource(s.secrets!, only)
                : s.missing
                  ? `the stack file: MISSING, run ${s.writtenBy}`
                  : `the stack file (secure value${s.writtenBy ? `, written by ${s.writtenBy}` : ""})`;
        return `  ${s.key.padEnd(width)}  <- ${from}${s.neededBy ? `  [${s.neededBy}]` : ""}`;
    });
    const where = only === undefined ? "" : ` in its ${only} environment`;
    return [`${stack} needs these secret config keys${where}:`, ...lines].join("\n");
}

export const USAGE = "usage: npm run secrets -- --stack NAME [--environment preview|deploy] [--json | --env-secrets]";

/** The value of `--name VALUE` in argv, and the indexes it takes; undefined when absent. */
function option(argv: string[], name: string): { value?: string; taken: number[] } {
    const at = argv.indexOf(name);
    return at < 0 ? { taken: [] } : { value: argv[at + 1], taken: [at, at + 1] };
}

/**
 * `--json`: the list; `--env-secrets`: one `<key> <SECRET>` line per key an environment secret
 * supplies in the `--environment` given (required with it), for a shell loop (the workflow sets
 * exactly these); else a table for people. `--environment` narrows the list to that environment's
 * secrets.
 */
export function main(argv: string[], dir: string = PROJECT_ROOT): string {
    const stackOption = option(argv, "--stack");
    const environmentOption = option(argv, "--environment");
    const stack = stackOption.value;
    const formats: string[] = argv.filter((a) => a === "--json" || a === "--env-secrets");
    const taken = [...stackOption.taken, ...environmentOption.taken];
    const unknown = argv.filter((a, i) => !formats.includes(a) && !taken.includes(i));
    if (stack === undefined || stack.startsWith("-") || unknown.length > 0 || formats.length > 1)
        throw new Error(USAGE);
    const environment = environmentOption.value;
    if (environment !== undefined && !(CI_ENVIRONMENTS as readonly string[]).includes(environment))
        throw new Error(`--environment is preview or deploy, not ${environment}\n${USAGE}`);
    const only = environment as CiEnvironment | undefined;
    if (formats[0] === "--env-secrets" && only === undefined)
        throw new Error(
            `--env-secrets needs --environment preview|deploy: a preview takes some keys from other secrets than a deploy\n${USAGE}`,
        );
    const fileName = `Pulumi.${stack}.yaml`;
    if (!fs.existsSync(path.join(dir, fileName)))
        throw new Error(`no stack ${stack}: there is no ${fileName} in ${dir}`);
    const { secrets, problems } = listSecrets(fileName, loadStackFileConfig(path.join(dir, fileName)));
    let output: string;
    if (formats[0] === "--json")
        output = JSON.stringify(
            only === undefined
                ? secrets
                : secrets.map(({ secrets: names, ...s }) => (names ? { ...s, secret: names[only] } : s)),
        );
    else if (formats[0] === "--env-secrets")
        output = secrets
            .filter((s) => s.source === "environment secret")
            .map((s) => `${s.key} ${s.secrets![only!]}`)
            .join("\n");
    else output = formatSecrets(stack, secrets, only);
    // The list is printed even when a key is missing, then the reason and a failing exit code: the
    // workflow's step stops there, and a person sees every key the stack needs.
    if (problems.length > 0) throw new SecretsMissingError(output, problems);
    return output;
}

/** Some key of the list has no value where it must come from (the stack file); `output` is the list. */
export class SecretsMissingError extends ConfigError {
    constructor(
        readonly output: string,
        problems: string[],
    ) {
        super(problems);
    }
}

if (require.main === module) {
    try {
        console.log(main(process.argv.slice(2)));
    } catch (err) {
        if (err instanceof SecretsMissingError) console.log(err.output);
        console.error(`secrets: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    }
}
