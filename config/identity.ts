// The cluster's identity: its name, its role, and its nodes' addresses.

import { Reader } from "./reader";
import { isDns1123Label, parseIPv4 } from "./units";

export type Role = "central" | "edge";

export interface ClusterIdentity {
    /** Undefined when missing or not a string (a problem is reported). */
    clusterName: string | undefined;
    role: Role;
    nodeIps: string[];
}

/** `clusterName`, `role` and `nodeIps`. */
export function readIdentity(r: Reader): ClusterIdentity {
    const clusterName = r.string("clusterName", "set it to the cluster's name, e.g. cluster-02");
    if (clusterName !== undefined && !isDns1123Label(clusterName)) {
        r.problem(
            "clusterName",
            `must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters, starting and ending alphanumeric); got "${clusterName}"`,
        );
    }
    const roleText = r.string("role", "set it to central (cluster-01) or edge");
    if (roleText !== undefined && roleText !== "central" && roleText !== "edge") {
        r.problem("role", `must be central or edge; got "${roleText}"`);
    }
    const role: Role = roleText === "central" ? "central" : "edge";
    const nodeIps = readNodeIps(r);
    return { clusterName, role, nodeIps };
}

/**
 * `nodeIps`, the list of the cluster's node addresses; `nodeIp` (one address) is still read, as a
 * one-node list, so older stack files keep working.
 */
function readNodeIps(r: Reader): string[] {
    const hasList = r.lookupValue("nodeIps") !== undefined && r.lookupValue("nodeIps") !== null;
    const hasSingle = r.lookupValue("nodeIp") !== undefined && r.lookupValue("nodeIp") !== null;
    if (hasList && hasSingle) {
        r.problem("nodeIp", "is set together with nodeIps: keep only nodeIps (the list of every node's address)");
        return [];
    }
    if (hasSingle) {
        const nodeIp = r.string("nodeIp", "");
        if (nodeIp === undefined) return [];
        if (parseIPv4(nodeIp) === undefined)
            r.problem("nodeIp", `must be an IPv4 address like 192.168.101.196; got "${nodeIp}"`);
        return [nodeIp];
    }
    const nodeIps = r.stringList("nodeIps", "list the addresses of the cluster's nodes, e.g. [192.168.101.196]");
    if (hasList && nodeIps.length === 0)
        r.problem("nodeIps", "must list at least one node address, e.g. [192.168.101.196]");
    for (const [i, ip] of nodeIps.entries()) {
        if (parseIPv4(ip) === undefined)
            r.problem(`nodeIps[${i}]`, `must be an IPv4 address like 192.168.101.196; got "${ip}"`);
    }
    const repeated = nodeIps.filter((ip, i) => nodeIps.indexOf(ip) !== i);
    if (repeated.length > 0) r.problem("nodeIps", `lists ${[...new Set(repeated)].join(", ")} more than once`);
    return nodeIps;
}
