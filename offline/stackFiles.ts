// Finds the stacks (Pulumi.<stack>.yaml) and orders them the way they must be deployed: every edge
// before the central stack, whose StackReferences read the edges' outputs.

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT_ROOT } from "./runStack";

export interface StackFile {
    stack: string;
    file: string;
    /** The file's `config:` map, full keys, values as parsed YAML (secure values are left out). */
    config: Record<string, unknown>;
    role: string | undefined;
}

export function readStackFile(file: string): StackFile {
    const stack = path.basename(file).replace(/^Pulumi\./, "").replace(/\.yaml$/, "");
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        // `secure:` values are ciphertext for the stack's secrets provider; offline they are supplied separately.
        if (typeof value === "object" && value !== null && "secure" in value) continue;
        config[key] = value;
    }
    const role = config["thanos-multicluster:role"];
    return { stack, file, config, role: typeof role === "string" ? role : undefined };
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
