// Rules across the project's stacks: each stack file must describe a different cluster. The
// program reads the other Pulumi.<stack>.yaml files next to its own (it runs in the project
// directory) so that a copied stack file that still names another cluster fails before anything
// is deployed to the wrong place.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError, PROJECT } from "./reader";
import { parseIPv4, parseIPv4Cidr } from "./units";

export interface StackIdentity {
    stack: string;
    clusterName?: string;
    role?: string;
    kubeContext?: string;
    /** The kubeconfig file holding the context (the default search path when unset). */
    kubeconfigPath?: string;
    lbIp?: string;
    /** The metrics bucket and its endpoint. */
    objstore?: { bucket?: string; endpoint?: string };
    /** Central stacks: the edge stacks they read. */
    edgeStacks?: unknown;
    /** Central stacks: the edges whose sidecars Query may dial in plaintext (central.plaintextEdges). */
    plaintextEdges?: unknown;
    /** Edges: grpcTls.enabled as the stack file says it (unset: the default, off). */
    grpcTlsEnabled?: unknown;
    pool?: { start?: string; stop?: string };
    /** The central stack's Alertmanager replicas (edges send alerts to each). */
    alertmanagerReplicas?: number;
    /** Every node's address (nodeIps, or the older single nodeIp): where the cluster's traffic to other clusters comes from. */
    nodeIps?: unknown;
    /** Edges: who may reach the edge Query's gRPC (loadBalancer.grpcSourceRanges). */
    grpcSourceRanges?: unknown;
    /** Central: who may send alerts to Alertmanager (central.alertmanager.edgeSourceRanges). */
    alertmanagerSourceRanges?: unknown;
}

/** The identity of a stack from its config, given as a lookup of top-level keys (without the project prefix). */
export function stackIdentity(stack: string, lookup: (key: string) => unknown): StackIdentity {
    // A sibling stack file is not validated here (its own stack does that): read it loosely.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const get = lookup as (key: string) => any;
    return {
        stack,
        clusterName: get("clusterName"),
        role: get("role"),
        kubeContext: get("kubernetes")?.context,
        kubeconfigPath: get("kubernetes")?.kubeconfigPath,
        lbIp: get("loadBalancer")?.ip,
        objstore: { bucket: get("objectStorage")?.bucket, endpoint: get("objectStorage")?.endpoint },
        edgeStacks: get("central")?.edgeStacks,
        plaintextEdges: get("central")?.plaintextEdges,
        grpcTlsEnabled: get("grpcTls")?.enabled,
        pool: get("loadBalancer")?.pool,
        alertmanagerReplicas:
            typeof get("central")?.alertmanager?.replicas === "number"
                ? get("central").alertmanager.replicas
                : undefined,
        nodeIps: get("nodeIps") ?? (get("nodeIp") !== undefined ? [get("nodeIp")] : undefined),
        grpcSourceRanges: get("loadBalancer")?.grpcSourceRanges,
        alertmanagerSourceRanges: get("central")?.alertmanager?.edgeSourceRanges,
    };
}

/**
 * Parsed stack files by path, kept while the file is unchanged: a process that runs many stacks
 * (the offline render) reads and parses each file once, not once per stack.
 */
const parsedStackFiles = new Map<string, { mtimeMs: number; size: number; identity: StackIdentity }>();

/**
 * A sibling's identity, kept with its file's mtime and size: at a thousand stacks every stack
 * reads every other, and building the identity (and parsing its pool) once per file version instead
 * of once per pair keeps that linear in parsing and cheap in comparisons.
 */
function siblingIdentity(file: string, stack: string): StackIdentity {
    const stat = fs.statSync(file);
    const cached = parsedStackFiles.get(file);
    if (cached !== undefined && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.identity;
    const config = loadStackFileConfig(file);
    const identity = stackIdentity(stack, (key) => config[`${PROJECT}:${key}`]);
    parsedStackFiles.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, identity });
    return identity;
}

/**
 * Every stack's identity in a directory, while a snapshot is open (see withStackFileSnapshot): one
 * listing and one stat per file for a whole render, where each stack listing the directory and
 * stating every sibling file made a thousand-stack render a million stats.
 */
let snapshot: Map<string, { stack: string; identity: StackIdentity }[]> | undefined;

/**
 * Runs `fn` with the stack files of every directory read once: for a process that runs many stacks
 * from files that do not change meanwhile (the offline render). Outside it, each read looks again.
 */
export async function withStackFileSnapshot<T>(fn: () => Promise<T>): Promise<T> {
    const outer = snapshot;
    snapshot = outer ?? new Map();
    try {
        return await fn();
    } finally {
        snapshot = outer;
    }
}

function allStackIdentities(dir: string): { stack: string; identity: StackIdentity }[] {
    const kept = snapshot?.get(dir);
    if (kept !== undefined) return kept;
    const identities: { stack: string; identity: StackIdentity }[] = [];
    if (fs.existsSync(dir)) {
        for (const file of fs.readdirSync(dir)) {
            const match = /^Pulumi\.([^.]+)\.yaml$/.exec(file);
            if (match !== null)
                identities.push({ stack: match[1], identity: siblingIdentity(path.join(dir, file), match[1]) });
        }
    }
    snapshot?.set(dir, identities);
    return identities;
}

/** The other stacks' identities, from the Pulumi.<stack>.yaml files in the project directory. */
export function readSiblingStacks(dir: string, currentStack: string): StackIdentity[] {
    return allStackIdentities(dir)
        .filter((s) => s.stack !== currentStack)
        .map((s) => s.identity);
}

/**
 * A stack file's `config:` map. A YAML syntax error is a ConfigError naming the file: the other
 * stacks' files are read at config time, so their mistakes surface in every stack.
 */
export function loadStackFileConfig(file: string): Record<string, unknown> {
    let doc: unknown;
    try {
        doc = yaml.load(fs.readFileSync(file, "utf8"));
    } catch (err) {
        const reason = err instanceof yaml.YAMLException ? err.message : String(err);
        throw new ConfigError([`${path.basename(file)} is not valid YAML: ${reason}`]);
    }
    const config = (doc as { config?: unknown } | null | undefined)?.config ?? {};
    if (typeof config !== "object" || Array.isArray(config))
        throw new ConfigError([`${path.basename(file)}: \`config:\` must be a map of keys to values`]);
    return config as Record<string, unknown>;
}

/** Backends whose stacks all live in the literal organization `organization` (pulumi login s3://, file://, ...). */
const SELF_MANAGED_BACKEND = /^(s3|file|gs|azblob):\/\//;
export const SELF_MANAGED_ORGANIZATION = "organization";

/** The backend URL Pulumi.yaml pins (`backend.url`), if any. */
export function projectBackendUrl(dir: string): string | undefined {
    const file = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(file)) return undefined;
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { backend?: { url?: unknown } } | undefined;
    const url = doc?.backend?.url;
    return typeof url === "string" ? url : undefined;
}

/** Where the backend URL in use came from, in the order the Pulumi CLI looks (pkg/workspace/creds.go). */
export type BackendSource = "PULUMI_BACKEND_URL" | "Pulumi.yaml" | "credentials";

export interface CurrentBackend {
    url: string;
    source: BackendSource;
    /** How a message names the source: the variable, the file, or the credentials file's path. */
    describe: string;
}

/**
 * The backend the Pulumi CLI would use in this directory and environment: PULUMI_BACKEND_URL, else
 * Pulumi.yaml's backend.url, else the `current` backend of the credentials file written by
 * `pulumi login` (in $PULUMI_CREDENTIALS_PATH, else $PULUMI_HOME, else ~/.pulumi). Undefined when
 * none is set (not logged in).
 */
export function currentBackend(dir: string, env: NodeJS.ProcessEnv = process.env): CurrentBackend | undefined {
    const fromEnv = env.PULUMI_BACKEND_URL;
    if (fromEnv) return { url: fromEnv, source: "PULUMI_BACKEND_URL", describe: "PULUMI_BACKEND_URL" };
    const fromProject = projectBackendUrl(dir);
    if (fromProject) return { url: fromProject, source: "Pulumi.yaml", describe: "Pulumi.yaml" };
    const folder = env.PULUMI_CREDENTIALS_PATH || env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
    const file = path.join(folder, "credentials.json");
    if (!fs.existsSync(file)) return undefined;
    let current: unknown;
    try {
        current = (JSON.parse(fs.readFileSync(file, "utf8")) as { current?: unknown } | null)?.current;
    } catch {
        return undefined; // the CLI reports a broken credentials file itself
    }
    return typeof current === "string" && current !== ""
        ? { url: current, source: "credentials", describe: `the backend you logged in to (${file})` }
        : undefined;
}

export function isSelfManagedBackend(url: string | undefined): boolean {
    return url !== undefined && SELF_MANAGED_BACKEND.test(url);
}

/** Parsed pools, by the identity's pool object (cached identities keep theirs: parsed once per file version). */
const parsedPools = new WeakMap<object, [number, number] | undefined>();

function range(pool: StackIdentity["pool"]): [number, number] | undefined {
    if (pool !== undefined && pool !== null && typeof pool === "object" && parsedPools.has(pool))
        return parsedPools.get(pool);
    const start = pool?.start === undefined ? undefined : parseIPv4(pool.start);
    const stop = pool?.stop === undefined ? undefined : parseIPv4(pool.stop);
    const parsed: [number, number] | undefined = start === undefined || stop === undefined ? undefined : [start, stop];
    if (pool !== undefined && pool !== null && typeof pool === "object") parsedPools.set(pool, parsed);
    return parsed;
}

/** Problems of this stack against the others, each naming the key, the other stack and the fix. */
export function crossStackProblems(current: StackIdentity, others: StackIdentity[]): string[] {
    const problems: string[] = [];
    const key = (k: string) => `${PROJECT}:${k}`;
    for (const other of others) {
        const file = `Pulumi.${other.stack}.yaml`;
        if (current.clusterName !== undefined && current.clusterName === other.clusterName) {
            problems.push(
                `${key("clusterName")} "${current.clusterName}" is also the cluster name of stack ${other.stack} (${file}): the cluster label must tell clusters apart; give this stack its own name`,
            );
        }
        // A context name alone does not name a cluster (every kubeadm cluster's is
        // kubernetes-admin@kubernetes): the same context in the same kubeconfig file does.
        if (
            current.kubeContext !== undefined &&
            current.kubeContext === other.kubeContext &&
            (current.kubeconfigPath ?? "") === (other.kubeconfigPath ?? "")
        ) {
            const inFile =
                current.kubeconfigPath === undefined
                    ? "the default kubeconfig"
                    : `kubeconfig ${current.kubeconfigPath}`;
            problems.push(
                `${key("kubernetes.context")} "${current.kubeContext}" (in ${inFile}) is also the context of stack ${other.stack} (${file}): two stacks would deploy to one cluster; point this stack at its own cluster (another context, or another kubernetes.kubeconfigPath)`,
            );
        }
        if (current.lbIp !== undefined && current.lbIp === other.lbIp) {
            problems.push(
                `${key("loadBalancer.ip")} ${current.lbIp} is also the LoadBalancer address of stack ${other.stack} (${file}): two clusters would announce one address; give each its own`,
            );
        }
        const mine = range(current.pool);
        const theirs = range(other.pool);
        if (mine !== undefined && theirs !== undefined && mine[0] <= theirs[1] && theirs[0] <= mine[1]) {
            problems.push(
                `${key("loadBalancer.pool")} ${current.pool!.start}-${current.pool!.stop} overlaps the pool of stack ${other.stack} (${file}): each cluster's Cilium must own addresses no other cluster hands out`,
            );
        }
        if (current.role === "central" && other.role === "central") {
            problems.push(
                `${key("role")} is central here and in stack ${other.stack} (${file}): one deployment has one central stack (and one compactor per bucket)`,
            );
        }
    }
    return problems;
}

/**
 * The central stack's list of edges, checked against their stack files before any resource: each
 * must exist, be an edge, and ship to the bucket the central Store Gateway and Compactor read.
 */
export function edgeStackProblems(current: StackIdentity, others: StackIdentity[]): string[] {
    if (current.role !== "central" || !Array.isArray(current.edgeStacks)) return [];
    const problems: string[] = [];
    current.edgeStacks.forEach((name: unknown, i: number) => {
        if (typeof name !== "string") return;
        const key = `${PROJECT}:central.edgeStacks[${i}]`;
        const file = `Pulumi.${name}.yaml`;
        if (name === current.stack) {
            problems.push(
                `${key} lists this stack (${name}) itself: the central stack reads its own sidecars in-cluster; list only edge stacks`,
            );
            return;
        }
        const edge = others.find((o) => o.stack === name);
        if (edge === undefined) {
            problems.push(
                `${key} names stack ${name}, but there is no ${file} next to this stack's file: add the edge's stack file (and deploy it first), or remove it from the list`,
            );
            return;
        }
        if (edge.role !== "edge") {
            problems.push(
                `${key} names stack ${name}, whose role is ${JSON.stringify(edge.role)} (${file}): list only edge stacks`,
            );
            return;
        }
        // Query dials an edge without grpcTls in plaintext (unauthenticated, unencrypted): only
        // where this stack says so by name.
        const plaintextAllowed = Array.isArray(current.plaintextEdges) && current.plaintextEdges.includes(name);
        const tls = edge.grpcTlsEnabled === true || edge.grpcTlsEnabled === "true";
        if (!tls && !plaintextAllowed)
            problems.push(
                `${key} names stack ${name}, which runs without grpcTls (${file}: grpcTls.enabled is ${JSON.stringify(edge.grpcTlsEnabled ?? false)}): Query would dial its Thanos Query in plaintext, and anyone on the path could read or answer for it; set grpcTls.enabled: true on that edge, or accept plaintext for it by listing "${name}" in ${PROJECT}:central.plaintextEdges`,
            );
        if (tls && plaintextAllowed)
            problems.push(
                `${PROJECT}:central.plaintextEdges lists ${name}, which enables grpcTls (${file}): remove it, or a later switch of that edge to plaintext would pass unnoticed`,
            );
        const mine = current.objstore ?? {};
        const theirs = edge.objstore ?? {};
        if (mine.bucket !== theirs.bucket || mine.endpoint !== theirs.endpoint) {
            problems.push(
                `${key} names stack ${name}, which ships its blocks to bucket ${theirs.bucket} at ${theirs.endpoint} (${file}), but this stack's Store Gateway and Compactor read ${PROJECT}:objectStorage (bucket ${mine.bucket} at ${mine.endpoint}): the edge's data would never be compacted or served; point both at one bucket`,
            );
        }
    });
    return problems;
}

/**
 * Edge stack files next to the central one that its `central.edgeStacks` does not list: a stage of
 * a rollout, or a forgotten edge whose live data Query never reads. A warning, not an error, so an
 * edge can be deployed before the central stack lists it.
 */
export function unlistedEdgeWarnings(current: StackIdentity, others: StackIdentity[]): string[] {
    if (current.role !== "central") return [];
    const listed = new Set(Array.isArray(current.edgeStacks) ? current.edgeStacks : []);
    return others
        .filter((o) => o.role === "edge" && !listed.has(o.stack))
        .map(
            (o) =>
                `Pulumi.${o.stack}.yaml is an edge stack, but ${PROJECT}:central.edgeStacks does not list it: Query does not read its sidecars, so its newest data (not yet uploaded to the bucket) is missing from every query. Add "${o.stack}" to the list once that stack is deployed`,
        );
}

/** The valid IPv4 addresses of a loosely read list (each stack validates its own list). */
function addressList(value: unknown): string[] {
    return Array.isArray(value)
        ? value.filter((v): v is string => typeof v === "string" && parseIPv4(v) !== undefined)
        : [];
}

/** Addresses of `ips` no CIDR of `ranges` covers (unparsable entries cover nothing: their own stack reports them). */
function uncovered(ips: string[], ranges: unknown): string[] {
    const cidrs = (Array.isArray(ranges) ? ranges : [])
        .map((r) => (typeof r === "string" ? parseIPv4Cidr(r) : undefined))
        .filter((c): c is { network: number; prefix: number } => c !== undefined);
    const inside = (ip: number, c: { network: number; prefix: number }) =>
        c.prefix === 0 || Math.floor(ip / 2 ** (32 - c.prefix)) === Math.floor(c.network / 2 ** (32 - c.prefix));
    return ips.filter((ip) => !cidrs.some((c) => inside(parseIPv4(ip)!, c)));
}

/**
 * Source ranges against the other side's nodes. Traffic between clusters leaves a cluster from
 * its nodes' addresses (Cilium masquerades pod traffic to addresses outside the cluster), so a
 * node the other side's LoadBalancer source ranges and NetworkPolicy do not list has its
 * connections refused: the central Query loses an edge, or an edge's alerts never arrive. Each
 * stack reports the ranges it owns: an edge its grpcSourceRanges against the central nodes (when
 * the central stack reads it), the central stack its Alertmanager's edgeSourceRanges against the
 * nodes of every edge it reads.
 */
export function sourceRangeProblems(current: StackIdentity, others: StackIdentity[]): string[] {
    const problems: string[] = [];
    const describe = (missing: string[], what: string) =>
        `does not cover ${missing.join(", ")}, ${missing.length === 1 ? "a node" : "nodes"} of ${what}`;
    const fix = (missing: string[]) => `add ${missing.map((ip) => `${ip}/32`).join(", ")} (or a range holding them)`;
    if (current.role === "edge") {
        for (const central of others) {
            if (central.role !== "central" || !Array.isArray(central.edgeStacks)) continue;
            if (!central.edgeStacks.includes(current.stack)) continue;
            const missing = uncovered(addressList(central.nodeIps), current.grpcSourceRanges);
            if (missing.length > 0)
                problems.push(
                    `${PROJECT}:loadBalancer.grpcSourceRanges ${describe(missing, `the central stack ${central.stack} (Pulumi.${central.stack}.yaml, nodeIps)`)}: its Query dials this edge's Query from its nodes' addresses, and the LoadBalancer refuses them, so this cluster drops out of every query; ${fix(missing)}`,
                );
        }
    }
    if (current.role === "central" && Array.isArray(current.edgeStacks)) {
        for (const name of current.edgeStacks) {
            const edge = others.find((o) => o.stack === name && o.role === "edge");
            if (edge === undefined) continue;
            const missing = uncovered(addressList(edge.nodeIps), current.alertmanagerSourceRanges);
            if (missing.length > 0)
                problems.push(
                    `${PROJECT}:central.alertmanager.edgeSourceRanges ${describe(missing, `edge stack ${edge.stack} (Pulumi.${edge.stack}.yaml, nodeIps)`)}: that edge's Prometheus sends alerts from its nodes' addresses, and Alertmanager's LoadBalancer refuses them, so its alerts never arrive; ${fix(missing)}`,
                );
        }
    }
    return problems;
}

/**
 * The central stack's `central.organization` against the backend the CLI uses here (see
 * currentBackend): a self-managed backend keeps every stack under the literal `organization`, so
 * any other name makes every StackReference miss. Undefined when fine.
 */
export function organizationProblem(
    organization: unknown,
    dir: string = process.cwd(),
    env: NodeJS.ProcessEnv = process.env,
): string | undefined {
    const backend = currentBackend(dir, env);
    if (backend === undefined || !isSelfManagedBackend(backend.url)) return undefined;
    if (typeof organization !== "string" || organization === SELF_MANAGED_ORGANIZATION) return undefined;
    return `${PROJECT}:central.organization is "${organization}", but ${backend.describe} pins the self-managed backend ${backend.url}, where every stack lives at ${SELF_MANAGED_ORGANIZATION}/<project>/<stack>: remove it (the stacks' own organization is then used) or set it to ${SELF_MANAGED_ORGANIZATION}`;
}
