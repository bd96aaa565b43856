// `npm run stacks`: the stacks found from the Pulumi.<stack>.yaml files, in deploy order (edges
// first, then the central stack, which reads them). `--json` prints `[{ name, role, fullName }]`
// for a CI matrix; `--role edge|central` keeps one group. The order comes from the stack files, so
// adding an edge needs no workflow edit.

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    SELF_MANAGED_ORGANIZATION,
    currentBackend,
    isSelfManagedBackend,
    organizationProblem,
} from "../config/siblings";
import { StackFile, findStackFiles } from "./stackFiles";

export type StackRole = "edge" | "central";

export interface DeployStack {
    /** The stack name, as in Pulumi.<name>.yaml. */
    name: string;
    role: StackRole;
    /**
     * `<organization>/<project>/<name>`, the name the central stack's StackReferences read; the bare
     * name on Pulumi Cloud when central.organization is unset (the token's default organization).
     */
    fullName: string;
}

const PROJECT_DIR = path.resolve(__dirname, "..");

function projectName(dir: string): string {
    const doc = yaml.load(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { name?: unknown };
    if (typeof doc?.name !== "string") throw new Error(`${path.join(dir, "Pulumi.yaml")}: no project name`);
    return doc.name;
}

/**
 * The stacks in deploy order. Every stack file must state its role; the organization comes from the
 * central stack's `central.organization` (where the edges live), so the deploy reads and writes the
 * stacks the central stack references.
 */
export function deployOrder(dir: string = PROJECT_DIR, files: StackFile[] = findStackFiles(dir)): DeployStack[] {
    const project = projectName(dir);
    const problems: string[] = [];
    for (const f of files) {
        if (f.role !== "edge" && f.role !== "central") {
            problems.push(
                `${path.basename(f.file)}: thanos-multicluster:role must be "edge" or "central" (found ${JSON.stringify(f.role)})`,
            );
        }
    }
    const centrals = files.filter((f) => f.role === "central");
    if (centrals.length > 1)
        problems.push(`only one stack may be central, found ${centrals.map((f) => f.stack).join(", ")}`);
    if (files.length === 0) problems.push(`no Pulumi.<stack>.yaml in ${dir}`);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    const central = centrals[0]?.config["thanos-multicluster:central"] as { organization?: unknown } | undefined;
    const configured = typeof central?.organization === "string" ? central.organization : undefined;
    // The names must be where the backend in use (PULUMI_BACKEND_URL, Pulumi.yaml, `pulumi login`) keeps them.
    const wrongOrganization = organizationProblem(configured, dir);
    if (wrongOrganization !== undefined) throw new Error(`${path.basename(centrals[0].file)}: ${wrongOrganization}`);
    // Unset: a self-managed backend's stacks are all under `organization`; on Pulumi Cloud the bare
    // name is created in, and read from, the token's default organization, which is then the
    // central stack's own and so where it reads the edges (pulumi.getOrganization()).
    const org = configured ?? (isSelfManagedBackend(currentBackend(dir)?.url) ? SELF_MANAGED_ORGANIZATION : undefined);
    return files.map((f) => ({
        name: f.stack,
        role: f.role as StackRole,
        fullName: org ? `${org}/${project}/${f.stack}` : f.stack,
    }));
}

export function formatStacks(stacks: DeployStack[]): string {
    return stacks.map((s, i) => `${i + 1}. ${s.name} (${s.role})`).join("\n");
}

const USAGE = "usage: npm run stacks -- [--json] [--role edge|central] | --full-name NAME";

export function main(argv: string[], dir: string = PROJECT_DIR): string {
    if (argv[0] === "--full-name") {
        // The one name a deploy job needs, resolved where the backend's variables are set.
        if (argv.length !== 2) throw new Error(USAGE);
        const all = deployOrder(dir);
        const stack = all.find((s) => s.name === argv[1]);
        if (stack === undefined)
            throw new Error(`no stack named ${argv[1]}; the stacks are ${all.map((s) => s.name).join(", ")}`);
        return stack.fullName;
    }
    const unknown = argv.filter((a, i) => !["--json", "--role"].includes(a) && argv[i - 1] !== "--role");
    if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]}; ${USAGE}`);
    const roleAt = argv.indexOf("--role");
    const role = roleAt >= 0 ? argv[roleAt + 1] : undefined;
    if (roleAt >= 0 && role !== "edge" && role !== "central")
        throw new Error(`--role takes edge or central, not ${JSON.stringify(role)}`);
    const stacks = deployOrder(dir).filter((s) => role === undefined || s.role === role);
    return argv.includes("--json") ? JSON.stringify(stacks) : formatStacks(stacks);
}

if (require.main === module) {
    try {
        console.log(main(process.argv.slice(2)));
    } catch (err) {
        console.error(`stacks: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    }
}
