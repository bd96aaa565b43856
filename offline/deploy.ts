// `npm run deploy -- preview|up [--stack NAME]`: the deploy driver for CI systems other than GitHub.
// Runs every stack in `npm run stacks` order (edges, then central) through the Pulumi Automation API
// with the policy pack, streams each stack's output under a header line, and stops at the first
// stack that fails, naming it. A stack the backend does not hold yet (a new edge) is created. Needs
// the Pulumi CLI on PATH, a logged-in backend and the stacks' secret config (`npm run secrets`).

import * as path from "path";
import { automationApi, findPulumiCli, noPulumiCli } from "./pulumiCli";
import { DeployStack, deployOrder } from "./stacks";

export type DeployCommand = "preview" | "up";

export interface DeployOptions {
    command: DeployCommand;
    /** Only this stack (by name); every stack in order by default. */
    stack?: string;
    /** The Pulumi project directory; this repository by default. */
    workDir?: string;
    /** Where the stacks' output and the header lines go. */
    write?: (text: string) => void;
    writeError?: (text: string) => void;
}

export class DeployError extends Error {
    constructor(
        readonly stack: string,
        readonly skipped: string[],
        cause: unknown,
    ) {
        super(
            `stack ${stack} failed${skipped.length > 0 ? ` (not run: ${skipped.join(", ")})` : ""}: ${summarize(cause)}`,
        );
    }
}

/**
 * The gist of a failure: the CLI's exit code and its first `error:` line. Its full output was
 * already streamed under the stack's header, so it is not repeated.
 */
export function summarize(cause: unknown): string {
    const message = cause instanceof Error ? cause.message : String(cause);
    const exit = /Command failed with exit code (\d+): (pulumi [a-z]+)/.exec(message);
    const error = /^error: .*$/m.exec(message);
    if (exit) return `${exit[2]} exited with code ${exit[1]}${error ? ` (${error[0]})` : ""}`;
    return message.trim().split("\n")[0];
}

const PROJECT_DIR = path.resolve(__dirname, "..");
export const USAGE = "usage: npm run deploy -- preview|up [--stack NAME]";

export function parseArgs(argv: string[]): { command: DeployCommand; stack?: string } {
    const [command, ...rest] = argv;
    if (command !== "preview" && command !== "up") throw new Error(USAGE);
    if (rest.length === 0) return { command };
    if (rest.length === 2 && rest[0] === "--stack" && rest[1] && !rest[1].startsWith("-"))
        return { command, stack: rest[1] };
    throw new Error(USAGE);
}

export function selectStacks(all: DeployStack[], only: string | undefined): DeployStack[] {
    if (only === undefined) return all;
    const picked = all.filter((s) => s.name === only || s.fullName === only);
    if (picked.length === 0)
        throw new Error(`no stack named ${only}; the stacks are ${all.map((s) => s.name).join(", ")}`);
    return picked;
}

export { findPulumiCli } from "./pulumiCli";
export const NO_CLI = noPulumiCli("no stack was run");

/** Runs the stacks one after the other; throws a DeployError naming the first that fails. */
export async function deploy(options: DeployOptions): Promise<DeployStack[]> {
    const workDir = options.workDir ?? PROJECT_DIR;
    const write = options.write ?? ((text: string) => process.stdout.write(text));
    const writeError = options.writeError ?? ((text: string) => process.stderr.write(text));
    const stacks = selectStacks(deployOrder(workDir), options.stack);
    if (findPulumiCli() === undefined) throw new Error(NO_CLI);
    const policyPack = path.join(workDir, "policy");
    const done: DeployStack[] = [];
    for (const [i, stack] of stacks.entries()) {
        write(
            `\n=== ${stack.name} (${stack.role}, ${i + 1}/${stacks.length}): pulumi ${options.command} on ${stack.fullName} ===\n`,
        );
        try {
            // A stack the backend does not hold yet (a new edge's first deploy or preview) is created.
            const s = await automationApi().LocalWorkspace.createOrSelectStack({ stackName: stack.fullName, workDir });
            const opts = { policyPacks: [policyPack], onOutput: write, onError: writeError, color: "never" as const };
            if (options.command === "preview") await s.preview(opts);
            else await s.up(opts);
        } catch (err) {
            throw new DeployError(
                stack.name,
                stacks.slice(i + 1).map((s) => s.name),
                err,
            );
        }
        done.push(stack);
    }
    write(`\n${options.command} done: ${done.map((s) => s.name).join(", ")}\n`);
    return done;
}

if (require.main === module) {
    (async () => {
        const args = parseArgs(process.argv.slice(2));
        await deploy(args);
    })().catch((err: unknown) => {
        console.error(`\ndeploy: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    });
}
