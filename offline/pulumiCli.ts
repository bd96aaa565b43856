// The Pulumi CLI that the operator commands (deploy, pki, verify) run, directly or through the
// Automation API: found on PATH before anything starts, so a missing CLI is named as such instead of
// surfacing as a spawn error ("code: -2", ENOENT) blamed on the first stack.

import { onPath } from "./binaries";

/** The Pulumi CLI the Automation API would run (`pulumi` on PATH), or undefined. */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
    return onPath("pulumi", env);
}

/** What to say when the CLI is missing; `notDone` says what was therefore left undone. */
export function noPulumiCli(notDone: string): string {
    return `the Pulumi CLI (\`pulumi\`) is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/, or pulumi/actions in a GitHub workflow) and log in to the backend; ${notDone}`;
}

/** Throws the message above unless the CLI is on PATH. */
export function requirePulumiCli(notDone: string, env: NodeJS.ProcessEnv = process.env): string {
    const cli = findPulumiCli(env);
    if (cli === undefined) throw new Error(noPulumiCli(notDone));
    return cli;
}

/**
 * The Automation API, loaded when a command is about to run the CLI: it loads the whole Pulumi SDK
 * (about a second of CPU), which a command that stops first (no CLI, bad arguments) does not need.
 */
export function automationApi(): typeof import("@pulumi/pulumi/automation") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
}
