// `npm run render`: the offline plan of every stack. Runs each Pulumi.<stack>.yaml under the mock
// engine, edges before central, and writes out/<stack>/. Needs no cluster, no Pulumi CLI and no
// secret config: secrets get placeholders, and are written as [secret] anyway.

import * as fs from "fs";
import * as path from "path";
import { SECRET_KEYS } from "../config";
import { StackOutputsByName } from "./mockEngine";
import { WrittenPlan, writePlan } from "./plan";
import { PROJECT_ROOT, runStack } from "./runStack";
import { StackFile, findStackFiles } from "./stackFiles";

export interface RenderOptions {
    /** Where to write; out/ in the project by default. */
    outDir?: string;
    /** Stack files to render; every Pulumi.<stack>.yaml in the project by default. */
    stackFiles?: StackFile[];
    /** Secret values by key (without the project prefix); placeholders by default. */
    secrets?: Record<string, string>;
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
 * Placeholder values for the secrets: rendering must not need the real ones. The kubeconfig is
 * left out, so the plan shows the provider reaching the stack's configured context.
 */
export function placeholderSecrets(): Record<string, string> {
    return Object.fromEntries(
        Object.keys(SECRET_KEYS)
            .filter((key) => key !== "kubeconfig")
            .map((key) => [key, `offline-placeholder-${key}`]),
    );
}

/** Renders every stack in deployment order; throws on the first stack that fails, naming it. */
export async function renderStacks(options: RenderOptions = {}): Promise<RenderedStack[]> {
    const outDir = options.outDir ?? path.join(PROJECT_ROOT, "out");
    const stackFiles = options.stackFiles ?? findStackFiles();
    const secrets = options.secrets ?? placeholderSecrets();
    const log = options.log ?? ((line: string) => console.log(line));
    const stackOutputs: StackOutputsByName = {};
    const rendered: RenderedStack[] = [];

    for (const stackFile of stackFiles) {
        const started = process.hrtime.bigint();
        let written: WrittenPlan;
        try {
            const run = await runStack({
                stack: stackFile.stack,
                config: stackFile.config,
                secrets: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`thanos-multicluster:${k}`, v])),
                stackOutputs,
                program: options.program,
            });
            written = writePlan(run, outDir);
            const outputsFile = JSON.parse(fs.readFileSync(path.join(written.dir, "outputs.json"), "utf8"));
            stackOutputs[stackFile.stack] = outputsFile;
        } catch (err) {
            throw new Error(`${stackFile.stack} (${path.basename(stackFile.file)}): ${err instanceof Error ? err.message : String(err)}`);
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        rendered.push({ stack: stackFile.stack, seconds, ...written });
        log(
            `${stackFile.stack} (${stackFile.role ?? "no role"}): ${written.resources} resources, ${written.objects} Kubernetes objects, ` +
                `${written.releases} Helm release${written.releases === 1 ? "" : "s"} -> ${path.relative(process.cwd(), written.dir) || "."} (${seconds.toFixed(2)}s)`,
        );
    }
    return rendered;
}

if (require.main === module) {
    renderStacks().catch((err: unknown) => {
        console.error(`render failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
}
