// Rules across the project's stacks: each stack file must describe a different cluster. The
// program reads the other Pulumi.<stack>.yaml files next to its own (it runs in the project
// directory) so that a copied stack file that still names another cluster fails before anything
// is deployed to the wrong place.

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT } from "./reader";
import { parseIPv4 } from "./units";

export interface StackIdentity {
    stack: string;
    clusterName?: string;
    role?: string;
    kubeContext?: string;
    lbIp?: string;
    pool?: { start?: string; stop?: string };
}

/** The identity of a stack from its config, given as a lookup of top-level keys (without the project prefix). */
export function stackIdentity(stack: string, lookup: (key: string) => unknown): StackIdentity {
    const get = lookup as (key: string) => any;
    return {
        stack,
        clusterName: get("clusterName"),
        role: get("role"),
        kubeContext: get("kubernetes")?.context,
        lbIp: get("loadBalancer")?.ip,
        pool: get("loadBalancer")?.pool,
    };
}

/**
 * Parsed stack files by path, kept while the file is unchanged: a process that runs many stacks
 * (the offline render) reads and parses each file once, not once per stack.
 */
const parsedStackFiles = new Map<string, { mtimeMs: number; size: number; config: Record<string, unknown> }>();

function stackFileConfig(file: string): Record<string, unknown> {
    const stat = fs.statSync(file);
    const cached = parsedStackFiles.get(file);
    if (cached !== undefined && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.config;
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const config = doc.config ?? {};
    parsedStackFiles.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, config });
    return config;
}

/** The other stacks' identities, from the Pulumi.<stack>.yaml files in the project directory. */
export function readSiblingStacks(dir: string, currentStack: string): StackIdentity[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .map((file) => /^Pulumi\.([^.]+)\.yaml$/.exec(file))
        .filter((match): match is RegExpExecArray => match !== null && match[1] !== currentStack)
        .map((match) => {
            const config = stackFileConfig(path.join(dir, match[0]));
            return stackIdentity(match[1], (key) => config[`${PROJECT}:${key}`]);
        });
}

function range(pool: StackIdentity["pool"]): [number, number] | undefined {
    const start = pool?.start === undefined ? undefined : parseIPv4(pool.start);
    const stop = pool?.stop === undefined ? undefined : parseIPv4(pool.stop);
    return start === undefined || stop === undefined ? undefined : [start, stop];
}

/** Problems of this stack against the others, each naming the key, the other stack and the fix. */
export function crossStackProblems(current: StackIdentity, others: StackIdentity[]): string[] {
    const problems: string[] = [];
    const key = (k: string) => `${PROJECT}:${k}`;
    for (const other of others) {
        const file = `Pulumi.${other.stack}.yaml`;
        if (current.clusterName !== undefined && current.clusterName === other.clusterName) {
            problems.push(`${key("clusterName")} "${current.clusterName}" is also the cluster name of stack ${other.stack} (${file}): the cluster label must tell clusters apart; give this stack its own name`);
        }
        if (current.kubeContext !== undefined && current.kubeContext === other.kubeContext) {
            problems.push(`${key("kubernetes.context")} "${current.kubeContext}" is also the context of stack ${other.stack} (${file}): two stacks would deploy to one cluster; point this stack at its own cluster`);
        }
        if (current.lbIp !== undefined && current.lbIp === other.lbIp) {
            problems.push(`${key("loadBalancer.ip")} ${current.lbIp} is also the LoadBalancer address of stack ${other.stack} (${file}): two clusters would announce one address; give each its own`);
        }
        const mine = range(current.pool);
        const theirs = range(other.pool);
        if (mine !== undefined && theirs !== undefined && mine[0] <= theirs[1] && theirs[0] <= mine[1]) {
            problems.push(`${key("loadBalancer.pool")} ${current.pool!.start}-${current.pool!.stop} overlaps the pool of stack ${other.stack} (${file}): each cluster's Cilium must own addresses no other cluster hands out`);
        }
        if (current.role === "central" && other.role === "central") {
            problems.push(`${key("role")} is central here and in stack ${other.stack} (${file}): one deployment has one central stack (and one compactor per bucket)`);
        }
    }
    return problems;
}
