// Finds the stacks (Pulumi.<stack>.yaml) and orders them the way they must be deployed: every edge
// before the central stack, whose StackReferences read the edges' outputs.

import * as fs from "fs";
import * as path from "path";
import {
    SELF_MANAGED_ORGANIZATION,
    currentBackend,
    isSelfManagedBackend,
    loadStackFileConfig,
} from "../config/siblings";
import { PROJECT_ROOT } from "./projectRoot";

export interface StackFile {
    stack: string;
    file: string;
    /** The file's `config:` map, full keys, values as parsed YAML (secure values are left out). */
    config: Record<string, unknown>;
    role: string | undefined;
    /** Keys (full) the file holds as `secure:` values, left out of `config`. */
    secureKeys?: string[];
}

/** Reads one stack file; a YAML syntax error throws a ConfigError naming the file. */
export function readStackFile(file: string): StackFile {
    const stack = path
        .basename(file)
        .replace(/^Pulumi\./, "")
        .replace(/\.yaml$/, "");
    const config: Record<string, unknown> = {};
    const secureKeys: string[] = [];
    for (const [key, value] of Object.entries(loadStackFileConfig(file))) {
        // `secure:` values are ciphertext for the stack's secrets provider; offline they are supplied separately.
        if (typeof value === "object" && value !== null && "secure" in value) {
            secureKeys.push(key);
            continue;
        }
        config[key] = value;
    }
    const role = config["thanos-multicluster:role"];
    return { stack, file, config, role: typeof role === "string" ? role : undefined, secureKeys };
}

/** Every stack file in the project directory, edges first, then central, each group by name. */
export function findStackFiles(dir: string = PROJECT_ROOT): StackFile[] {
    const files = fs
        .readdirSync(dir)
        .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
        .map((f) => readStackFile(path.join(dir, f)));
    const rank = (s: StackFile) => (s.role === "central" ? 1 : 0);
    return files.sort((a, b) => rank(a) - rank(b) || a.stack.localeCompare(b.stack));
}

/**
 * The organization the offline backend keeps the stacks in: `organization` when the backend the CLI would
 * use here (PULUMI_BACKEND_URL, Pulumi.yaml, `pulumi login`) is self-managed, else the central stack's configured one
 * (offline, nothing else can tell which organization you log in to).
 */
export function backendOrganization(stackFiles: StackFile[], dir: string = PROJECT_ROOT): string {
    if (isSelfManagedBackend(currentBackend(dir)?.url)) return SELF_MANAGED_ORGANIZATION;
    const central = stackFiles.find((s) => s.role === "central")?.config["thanos-multicluster:central"] as
        { organization?: unknown } | undefined;
    return typeof central?.organization === "string" ? central.organization : SELF_MANAGED_ORGANIZATION;
}
