// Where verify learns the deployment's addresses: the stacks' published outputs, read with the
// Pulumi CLI (`pulumi stack output --json`, the same JSON an outputs file holds), then any
// address given on the command line instead (a test pointing at loopback, or an operator reaching
// the central cluster through another address).

import { execFile } from "child_process";
import { findPulumiCli, noPulumiCli } from "../pulumiCli";
import * as fs from "fs";
import type { QueryEndpoint } from "../../components/thanosQuery/endpoints";
import { DeployStack } from "../stacks";
import { VerifyEdge, VerifyTarget, VerifyTier } from "./types";

/** One stack's outputs as `pulumi stack output --json` prints them (secrets as "[secret]"). */
export type StackOutputsJson = Record<string, unknown>;

function need<T>(outputs: StackOutputsJson, key: string, from: string, valid: (v: unknown) => boolean): T {
    const value = outputs[key];
    if (value === undefined)
        throw new Error(`${from}: no output ${key} (is this the central stack, deployed with this version?)`);
    if (!valid(value)) throw new Error(`${from}: output ${key} has an unexpected shape: ${JSON.stringify(value)}`);
    return value as T;
}

const isString = (v: unknown) => typeof v === "string" && v !== "";
const isStringList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
const isEndpointList = (v: unknown) =>
    Array.isArray(v) && v.every((e) => typeof e?.address === "string" && typeof e?.source === "string");
const isTierList = (v: unknown) =>
    Array.isArray(v) &&
    v.every((t) => isString(t?.name) && isString(t?.address) && isStringList(t?.endpoints) && isStringList(t?.stacks));

/**
 * The mid-tier groups. A central stack deployed before `queryTiers` existed ran one tier (no
 * `group: true` entry) and has no such output: none then. Groups without it cannot be told apart.
 */
function tiersOf(central: StackOutputsJson, from: string, endpoints: QueryEndpoint[]): VerifyTier[] {
    if (central.queryTiers === undefined && !endpoints.some((e) => e.group === true)) return [];
    return need<VerifyTier[]>(central, "queryTiers", from, isTierList).map(({ name, address, endpoints: e }) => ({
        name,
        address,
        endpoints: e,
    }));
}

/** An edge, from its stack's outputs (contract: clusterName, role, queryEndpoint). */
export function edgeFromOutputs(outputs: StackOutputsJson, from: string): VerifyEdge {
    const role = need<string>(outputs, "role", from, isString);
    if (role !== "edge") throw new Error(`${from}: role is ${role}, not edge`);
    return {
        stack: from,
        clusterName: need<string>(outputs, "clusterName", from, isString),
        queryEndpoint: need<string>(outputs, "queryEndpoint", from, isString),
    };
}

/** Command-line replacements for the published addresses. */
export interface AddressOverrides {
    queryUrl?: string;
    grafanaUrl?: string;
    /** Alertmanager replicas, each host:port or a URL, replacing alertmanagerEdgeEndpoints. */
    alertmanagers?: string[];
}

/** A base URL for an Alertmanager replica published as host:port. */
export function replicaUrl(endpoint: string): string {
    return /^https?:\/\//.test(endpoint) ? endpoint.replace(/\/+$/, "") : `http://${endpoint}`;
}

/** The target, from the central stack's outputs and the edges', with the overrides applied. */
export function targetFromOutputs(
    central: StackOutputsJson,
    centralFrom: string,
    edges: VerifyEdge[],
    overrides: AddressOverrides = {},
): VerifyTarget {
    const role = need<string>(central, "role", centralFrom, isString);
    if (role !== "central") throw new Error(`${centralFrom}: role is ${role}, not central`);
    const strip = (url: string) => url.replace(/\/+$/, "");
    const queryEndpoints = need<QueryEndpoint[]>(central, "queryEndpoints", centralFrom, isEndpointList);
    return {
        centralCluster: need<string>(central, "clusterName", centralFrom, isString),
        edges,
        queryUrl: strip(overrides.queryUrl ?? need<string>(central, "queryUrl", centralFrom, isString)),
        grafanaUrl: strip(overrides.grafanaUrl ?? need<string>(central, "grafanaUrl", centralFrom, isString)),
        alertmanagers: (
            overrides.alertmanagers ?? need<string[]>(central, "alertmanagerEdgeEndpoints", centralFrom, isStringList)
        ).map(replicaUrl),
        queryEndpoints,
        queryTiers: tiersOf(central, centralFrom, queryEndpoints),
    };
}

export function readOutputsFile(file: string): StackOutputsJson {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new Error(`cannot read outputs file ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
        const parsed = JSON.parse(text);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
        return parsed;
    } catch (err) {
        throw new Error(`${file}: not the JSON of \`pulumi stack output --json\`: ${(err as Error).message}`, {
            cause: err,
        });
    }
}

/** How long the Pulumi CLI may take to print one stack's outputs. */
const PULUMI_TIMEOUT_MS = 120_000;

/** `pulumi stack output --json --stack <fullName>`, run once, bounded in time. */
export function pulumiStackOutputs(stack: DeployStack, workDir: string, pulumi = "pulumi"): Promise<StackOutputsJson> {
    if (pulumi === "pulumi" && findPulumiCli() === undefined)
        return Promise.reject(
            new Error(noPulumiCli("or pass the outputs with --outputs FILE (docs/verify.md); nothing was checked")),
        );
    return new Promise((resolve, reject) => {
        execFile(
            pulumi,
            ["stack", "output", "--json", "--stack", stack.fullName, "--non-interactive"],
            { cwd: workDir, timeout: PULUMI_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => {
                if (err) {
                    const why = (stderr || err.message).trim().split("\n").slice(-1)[0];
                    reject(new Error(`pulumi stack output --stack ${stack.fullName} failed: ${why}`, { cause: err }));
                    return;
                }
                try {
                    resolve(JSON.parse(stdout));
                } catch (parseErr) {
                    reject(new Error(`pulumi stack output --stack ${stack.fullName}: not JSON`, { cause: parseErr }));
                }
            },
        );
    });
}
