// The cluster's pinned LoadBalancer address, its Cilium LB IPAM pool and who may reach what answers
// there (`loadBalancer`): on an edge, its Thanos Query's gRPC and HTTP API.

import { Reader } from "./reader";
import { Role } from "./identity";
import { parseIPv4, parseIPv4Cidr, reservedIPv4Reason } from "./units";

export interface LoadBalancerSettings {
    /** The cluster's pinned LoadBalancer address: the edge Query's on an edge, the front door's (Query, Grafana, Alertmanager) on the central cluster. */
    ip: string;
    /** Whether this stack owns the Cilium LB IPAM pool and L2 announcement policy for `pool`. */
    manageCiliumIpam: boolean;
    /** API version of CiliumLoadBalancerIPPool: v2alpha1 is served by Cilium 1.15-1.18, v2 from 1.18. */
    ciliumIpPoolApiVersion: "cilium.io/v2alpha1" | "cilium.io/v2";
    /** First and last address of this cluster's share of the lab's LB range. */
    pool: { start: string; stop: string };
    /** Node interfaces (regular expressions) that answer ARP for the pool; every interface when empty. */
    l2Interfaces: string[];
    /** Edges: source CIDRs allowed to reach the edge Query's gRPC (StoreAPI, mTLS): the central Query's egress. */
    grpcSourceRanges: string[];
    /** Edges: source CIDRs allowed to reach the edge Query's HTTP API and UI (port 9090). */
    httpSourceRanges: string[];
}

export function readLoadBalancer(r: Reader, role: Role, nodeIps: string[]): LoadBalancerSettings {
    const purpose =
        role === "edge"
            ? "the sidecars' pinned address"
            : "the front door's pinned address (Query, Grafana, Alertmanager)";
    const ip = r.string("loadBalancer.ip", `set it to ${purpose}, e.g. 192.168.101.211`);
    const manageCiliumIpam = r.boolean("loadBalancer.manageCiliumIpam", true);
    const apiVersion = r.string("loadBalancer.ciliumIpPoolApiVersion", "", "cilium.io/v2alpha1");
    if (apiVersion !== "cilium.io/v2alpha1" && apiVersion !== "cilium.io/v2") {
        r.problem(
            "loadBalancer.ciliumIpPoolApiVersion",
            `must be cilium.io/v2alpha1 (Cilium 1.15-1.18) or cilium.io/v2 (Cilium 1.18+); got "${apiVersion}"`,
        );
    }
    const start = r.string(
        "loadBalancer.pool.start",
        "set the first address of this cluster's LB pool, e.g. 192.168.101.211",
    );
    const stop = r.string(
        "loadBalancer.pool.stop",
        "set the last address of this cluster's LB pool, e.g. 192.168.101.211",
    );
    const l2Interfaces = r.stringList("loadBalancer.l2Interfaces", "", []);
    for (const [i, pattern] of l2Interfaces.entries()) {
        try {
            new RegExp(pattern);
        } catch {
            r.problem(`loadBalancer.l2Interfaces[${i}]`, `is not a valid regular expression: "${pattern}"`);
        }
    }
    if (r.has("loadBalancer.sidecarSourceRanges")) {
        r.problem(
            "loadBalancer.sidecarSourceRanges",
            'was renamed loadBalancer.grpcSourceRanges (contract 4): the sidecars are no longer on the LoadBalancer, the edge\'s Thanos Query is; rename the key, keeping its list (docs/operations.md, "Migrating an edge to its own Query")',
        );
        r.skip("loadBalancer.sidecarSourceRanges");
    }
    const grpcSourceRanges = sourceRanges(
        r,
        role,
        "loadBalancer.grpcSourceRanges",
        "list the CIDRs the central Query connects from, e.g. [192.168.101.194/32]",
        "an open list exposes the edge's StoreAPI to every host; list the central cluster's egress CIDRs",
    );
    const httpSourceRanges = sourceRanges(
        r,
        role,
        "loadBalancer.httpSourceRanges",
        "list the CIDRs allowed to use the edge's own query UI and API (port 9090), e.g. [192.168.101.0/24]",
        "an open list exposes every metric of the cluster to every host; list the networks of the people who query this edge",
    );

    const ipAddress = ip === undefined ? undefined : parseIPv4(ip);
    const startAddress = start === undefined ? undefined : parseIPv4(start);
    const stopAddress = stop === undefined ? undefined : parseIPv4(stop);
    if (ip !== undefined && ipAddress === undefined)
        r.problem("loadBalancer.ip", `must be an IPv4 address like 192.168.101.211; got "${ip}"`);
    if (start !== undefined && startAddress === undefined)
        r.problem("loadBalancer.pool.start", `must be an IPv4 address; got "${start}"`);
    if (stop !== undefined && stopAddress === undefined)
        r.problem("loadBalancer.pool.stop", `must be an IPv4 address; got "${stop}"`);
    if (startAddress !== undefined && stopAddress !== undefined && startAddress > stopAddress) {
        r.problem(
            "loadBalancer.pool.start",
            `(${start}) must not be above loadBalancer.pool.stop (${stop}); swap them`,
        );
    }
    if (ipAddress !== undefined) {
        if (
            startAddress !== undefined &&
            stopAddress !== undefined &&
            (ipAddress < startAddress || ipAddress > stopAddress)
        ) {
            r.problem(
                "loadBalancer.ip",
                `(${ip}) lies outside the pool ${start}-${stop}: Cilium LB IPAM can only assign addresses from the pool; pick an address inside it or widen the pool`,
            );
        }
        const reserved = reservedIPv4Reason(ipAddress);
        if (reserved !== undefined) {
            r.problem(
                "loadBalancer.ip",
                `(${ip}) ${reserved} and cannot be a LoadBalancer address; pick a host address of the lab network`,
            );
        }
        if (nodeIps.some((nodeIp) => parseIPv4(nodeIp) === ipAddress)) {
            r.problem(
                "loadBalancer.ip",
                `(${ip}) is a node's address (nodeIps): the LB address must be a free address that only Cilium announces`,
            );
        }
    }
    // One LoadBalancer Service holds each cluster's address (an edge's Query, the central front door),
    // so Cilium runs one L2 lease for it and any node may announce it, with failover to another.
    if (r.has("loadBalancer.l2AnnouncerNode")) {
        r.problem(
            "loadBalancer.l2AnnouncerNode",
            `is no longer used: one LoadBalancer Service holds ${ip ?? "the address"} (${role === "edge" ? "the edge's Thanos Query" : "the central front door"}), so Cilium runs one L2 lease for it, any node may announce it and another takes over when that node fails; remove it (\`pulumi config rm --path loadBalancer.l2AnnouncerNode\`)`,
        );
        r.skip("loadBalancer.l2AnnouncerNode");
    }
    return {
        ip: ip ?? "",
        manageCiliumIpam,
        ciliumIpPoolApiVersion: apiVersion === "cilium.io/v2" ? "cilium.io/v2" : "cilium.io/v2alpha1",
        pool: { start: start ?? "", stop: stop ?? "" },
        l2Interfaces,
        grpcSourceRanges,
        httpSourceRanges,
    };
}

/**
 * An edge's source ranges for one port of its LoadBalancer: required, not empty, IPv4 CIDRs. The
 * central stack has no edge Query: the key is refused there.
 */
function sourceRanges(r: Reader, role: Role, key: string, fix: string, whyNotEmpty: string): string[] {
    if (role !== "edge") {
        if (r.has(key)) {
            r.problem(key, "is for edges (their Thanos Query's LoadBalancer); remove it here");
            r.skip(key);
        }
        return [];
    }
    const before = r.problems.length;
    const ranges = r.stringList(key, fix);
    if (ranges.length === 0 && r.problems.length === before)
        r.problem(key, `must not be empty on an edge: ${whyNotEmpty}`);
    for (const [i, cidr] of ranges.entries()) {
        if (parseIPv4Cidr(cidr) === undefined) {
            r.problem(
                `${key}[${i}]`,
                `must be an IPv4 CIDR with no host bits set, like 192.168.101.194/32; got "${cidr}"`,
            );
        }
    }
    return ranges;
}
