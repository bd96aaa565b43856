import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LoadBalancerSettings } from "../config";
import { MANAGED_BY_LABEL, PART_OF_LABEL } from "./names";

/** A Cilium custom resource as we declare it (both kinds are cluster-scoped). */
export interface CiliumObjectSpec {
    apiVersion: string;
    kind: "CiliumLoadBalancerIPPool" | "CiliumL2AnnouncementPolicy";
    metadata: { name: string; labels: Record<string, string> };
    spec: Record<string, unknown>;
}

/**
 * The cluster's LB IPAM pool and L2 announcement policy. Each cluster's pool holds only its own
 * share of the lab range: if every cluster's Cilium owned the whole range, two clusters could hand
 * out and ARP-announce the same address. Both select only our Services, so other LoadBalancer
 * Services in the cluster cannot take the pinned address.
 */
export function ciliumLoadBalancerIpamSpecs(name: string, lb: LoadBalancerSettings): CiliumObjectSpec[] {
    const labels = { ...PART_OF_LABEL, ...MANAGED_BY_LABEL };
    const serviceSelector = { matchLabels: { ...PART_OF_LABEL } };
    return [
        {
            apiVersion: lb.ciliumIpPoolApiVersion,
            kind: "CiliumLoadBalancerIPPool",
            metadata: { name, labels },
            spec: {
                blocks: [{ start: lb.pool.start, stop: lb.pool.stop }],
                serviceSelector,
            },
        },
        {
            // Cilium serves the L2 policy only as v2alpha1 (1.14-1.18).
            apiVersion: "cilium.io/v2alpha1",
            kind: "CiliumL2AnnouncementPolicy",
            metadata: { name, labels },
            spec: {
                serviceSelector,
                loadBalancerIPs: true,
                externalIPs: false,
                ...(lb.l2Interfaces.length > 0 ? { interfaces: lb.l2Interfaces } : {}),
                // No nodeSelector: one Service holds each address (one lease), so any node may announce it
                // and another takes over when it fails. On the central cluster every node runs a front-door
                // pod, so wherever the lease lands the traffic has a local backend (externalTrafficPolicy Local).
            },
        },
    ];
}

export interface CiliumLoadBalancerIpamArgs {
    /** Provider of the cluster whose Cilium assigns and announces the addresses. */
    provider: k8s.Provider;
    /** Pool range, CRD version and announcing interfaces. */
    loadBalancer: LoadBalancerSettings;
}

/** Cilium LB IPAM with L2 announcements for the cluster's pinned address(es). */
export class CiliumLoadBalancerIpam extends pulumi.ComponentResource {
    /** The pool and the policy, for dependsOn of the Services that take an address. */
    public readonly resources: k8s.apiextensions.CustomResource[];

    constructor(name: string, args: CiliumLoadBalancerIpamArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:network:CiliumLoadBalancerIpam", name, {}, opts);
        this.resources = ciliumLoadBalancerIpamSpecs(name, args.loadBalancer).map(
            (spec) =>
                new k8s.apiextensions.CustomResource(`${name}-${spec.kind}`, spec, {
                    parent: this,
                    provider: args.provider,
                }),
        );
        this.registerOutputs({ names: this.resources.map((r) => r.metadata.name) });
    }
}
