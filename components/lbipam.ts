// Cilium LB IPAM conventions shared by every LoadBalancer Service we declare or configure.

import * as k8s from "@pulumi/kubernetes";

/** Pins a Service's address. */
export const LBIPAM_IPS_ANNOTATION = "lbipam.cilium.io/ips";
/**
 * Services with the same key may share one address (on different ports). None of ours does: Cilium
 * then runs one L2 lease per Service and two nodes may answer ARP for the address (cilium/cilium#48419).
 */
export const LBIPAM_SHARING_KEY_ANNOTATION = "lbipam.cilium.io/sharing-key";

/** The address a LoadBalancer Service was assigned, or a clear error naming the Service and the pinned address. */
export function assignedAddress(
    status: k8s.types.output.core.v1.ServiceStatus | undefined,
    service: string,
    pinnedIp: string,
): string {
    const ingress = status?.loadBalancer?.ingress?.[0];
    const host = ingress?.ip ?? ingress?.hostname;
    if (!host) {
        throw new Error(
            `Service ${service} has no LoadBalancer address: check that the Cilium LB IPAM pool holds ${pinnedIp} and selects the Service`,
        );
    }
    return host;
}
