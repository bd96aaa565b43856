// `npm run render`: the offline plan of every stack. Runs each Pulumi.<stack>.yaml under the mock
// engine, edges before central, and writes out/<stack>/. Needs no cluster, no Pulumi CLI and no
// secret config: the secrets each stack requires (`npm run secrets`) get placeholders, and are
// written as [secret] anyway.

import * as fs from "fs";
import * as path from "path";
import { ConfigError, SECRET_KEYS } from "../config";
import { DEPLOYMENT_CA_BUNDLE, DEPLOYMENT_CA_KEY, PKI_INIT, readDeploymentCaBundle } from "../config/pki";
import { withStackFileSnapshot } from "../config/siblings";
import { secretPlaceholder } from "./placeholders";
import { configSecrets } from "./secrets";
import { StackOutputsByName } from "./mockEngine";
import { WrittenPlan, writePlan } from "./plan";
import { PROJECT_ROOT, runStack } from "./runStack";
import { StackFile, backendOrganization, findStackFiles } from "./stackFiles";

export interface RenderOptions {
    /** Where to write; out/ in the project by default. */
    outDir?: string;
    /** Stack files to render; every Pulumi.<stack>.yaml in the project by default. */
    stackFiles?: StackFile[];
    /** Secret values by key (without the project prefix); placeholders by default. */
    secrets?: Record<string, string>;
    /** The organization the stacks live in (StackReferences resolve by `<org>/<project>/<stack>`); see backendOrganization. */
    organization?: string;
    /** Play `pulumi preview` (`npm run render -- --preview`): values computed at deployment are [unknown]. */
    preview?: boolean;
    /** Line printer for the summary. */
    log?: (line: string) => void;
    /** The program's entry module; index.ts by default (the benchmark's floor passes its own). */
    program?: string;
}

export interface RenderedStack extends WrittenPlan {
    stack: string;
    seconds: number;
}

/**
 * Placeholder values for every secret a stack could need, for a stack whose own list cannot be
 * computed (its config is invalid: the program then reports why). The kubeconfig is left out, so
 * the plan shows the provider reaching the stack's configured context.
 */
export function placeholderSecrets(): Record<string, string> {
    return Object.fromEntries(
        Object.keys(SECRET_KEYS)
            // The deployment CA's key comes with its bundle (pki/), or the render-only CA stands in.
            .filter((key) => key !== "kubeconfig" && key !== DEPLOYMENT_CA_KEY)
            .map((key) => [key, secretPlaceholder(key)]),
    );
}

/**
 * Placeholders for exactly the secrets this stack's config requires (`npm run secrets`), whatever
 * their source: rendering must not need the real values, and must not supply more than a deploy
 * will (a stack needing a secret no source gives fails the deploy, and the tests that run with
 * what the workflow sets).
 */
export function stackPlaceholderSecrets(stackFile: StackFile): Record<string, string> {
    const config: Record<string, unknown> = { ...stackFile.config };
    for (const key of stackFile.secureKeys ?? []) config[key] = { secure: "" };
    // The deployment CA's key needs no placeholder (it is left out below): counted as there, a stack
    // file before `npm run pki -- init` still gets exactly its other keys, not every key.
    config[`thanos-multicluster:${DEPLOYMENT_CA_KEY}`] = { secure: "" };
    try {
        return Object.fromEntries(
            configSecrets(path.basename(stackFile.file), config)
                // The deployment CA's key comes with its bundle (pki/), or the render-only CA stands in.
                .filter((s) => s.key !== DEPLOYMENT_CA_KEY)
                .map((s) => [s.key, secretPlaceholder(s.key)]),
        );
    } catch (err) {
        if (err instanceof ConfigError) return placeholderSecrets();
        throw err;
    }
}

/** `out/` holds only the stacks that exist: the plan of a stack whose file is gone is removed. */
export function removeStalePlans(outDir: string, stackFiles: StackFile[]): void {
    if (!fs.existsSync(outDir)) return;
    const stacks = new Set(stackFiles.map((s) => s.stack));
    for (const entry of fs.readdirSync(outDir, { withFileTypes: true })) {
        if (entry.isDirectory() && !stacks.has(entry.name))
            fs.rmSync(path.join(outDir, entry.name), { recursive: true, force: true });
    }
}

/** Renders every stack in deployment order; throws on the first stack that fails, naming it. */
export async function renderStacks(options: RenderOptions = {}): Promise<RenderedStack[]> {
    // The stack files do not change during a render: each is listed, stated and parsed once for all
    // stacks, instead of once per pair (at a thousand stacks, a million stats).
    return withStackFileSnapshot(() => renderEachStack(options));
}

async function renderEachStack(options: RenderOptions): Promise<RenderedStack[]> {
    const outDir = options.outDir ?? path.join(PROJECT_ROOT, "out");
    const stackFiles = options.stackFiles ?? findStackFiles();

    const log = options.log ?? ((line: string) => console.log(line));
    const organization = options.organization ?? backendOrganization(stackFiles);
    removeStalePlans(outDir, stackFiles);
    const stackOutputs: StackOutputsByName = {};
    const rendered: RenderedStack[] = [];

    for (const stackFile of stackFiles) {
        const started = process.hrtime.bigint();
        let written: WrittenPlan;
        try {
            const secrets = options.secrets ?? stackPlaceholderSecrets(stackFile);
            // A secret the stack file holds in clear reaches the program as the CLI would pass it
            // (plain config), so the program's own check reports it; no placeholder hides it.
            const runOptions = {
                stack: stackFile.stack,
                config: stackFile.config,
                secrets: Object.fromEntries(
                    Object.entries(secrets)
                        .map(([k, v]) => [`thanos-multicluster:${k}`, v])
                        .filter(([k]) => !(k in stackFile.config)),
                ),
                stackOutputs,
                program: options.program,
                organization,
            };
            const run = await runStack({ ...runOptions, preview: options.preview });
            written = writePlan(run, outDir);
            // Stacks that others reference are deployed first (docs/deploy.md's order): in a preview,
            // their outputs are those of the deployed stack, not of its preview.
            // The run's own outputs, not outputs.json: that file redacts secret outputs (an edge's
            // objstoreIdentity), which the StackReference reads as the real engine would, decrypted.
            const deployed = options.preview && stackFile.role !== "central" ? await runStack(runOptions) : run;
            stackOutputs[`${organization}/thanos-multicluster/${stackFile.stack}`] = {
                outputs: deployed.outputs,
                secretOutputNames: deployed.secretOutputNames,
            };
        } catch (err) {
            throw new Error(
                `${stackFile.stack} (${path.basename(stackFile.file)}): ${err instanceof Error ? err.message : String(err)}`,
                { cause: err },
            );
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        rendered.push({ stack: stackFile.stack, seconds, ...written });
        log(
            `${stackFile.stack} (${stackFile.role ?? "no role"}${options.preview ? ", preview" : ""}): ${written.resources} resources, ${written.objects} Kubernetes objects, ` +
                `${written.releases} Helm release${written.releases === 1 ? "" : "s"} -> ${path.relative(process.cwd(), written.dir) || "."} (${seconds.toFixed(2)}s)`,
        );
    }
    return rendered;
}

/** The line `npm run render` prints first when the render-only deployment CA stands in for pki/. */
export function renderOnlyCaNotice(dir: string = PROJECT_ROOT): string | undefined {
    return readDeploymentCaBundle(dir) === undefined
        ? `render-only deployment CA: ${DEPLOYMENT_CA_BUNDLE} is missing, so this render uses a CA trusted by nothing; a deployment refuses to run until \`${PKI_INIT}\` has made the real one`
        : undefined;
}

if (require.main === module) {
    const notice = renderOnlyCaNotice();
    if (notice !== undefined) console.log(notice);
    renderStacks({ preview: process.argv.slice(2).includes("--preview") }).catch((err: unknown) => {
        console.error(`render failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
}
