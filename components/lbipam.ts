// Cilium LB IPAM conventions shared by every LoadBalancer Service we declare or configure.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY_LABEL, MONITORING_NAMESPACE, PART_OF_LABEL } from "./names";

/** Pins a Service's address. */
export const LBIPAM_IPS_ANNOTATION = "lbipam.cilium.io/ips";
/** Services with the same key may share one address (on different ports). */
export const LBIPAM_SHARING_KEY_ANNOTATION = "lbipam.cilium.io/sharing-key";

export function lbipamAnnotations(ip: string, sharingKey: string): Record<string, string> {
    return { [LBIPAM_IPS_ANNOTATION]: ip, [LBIPAM_SHARING_KEY_ANNOTATION]: sharingKey };
}

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

/**
 * Pods of a StatefulSet exposed one by one on a cluster's pinned address, a port per replica. A
 * client that must reach every replica itself (Query deduplicating sidecars, Prometheus sending to
 * every Alertmanager) cannot go through one load-balanced port, which hands each connection to any.
 */
export interface PerReplicaExposure {
    replicas: number;
    /** Service name of a replica. */
    serviceName: (replica: number) => string;
    /** `app.kubernetes.io/component` of the Services. */
    component: string;
    /** The pinned address, and the sharing key of the Services on it. */
    ip: string;
    sharingKey: string;
    /** Selects exactly one replica's pod. */
    selector: (replica: number) => Record<string, string>;
    /** The one exposed port: its name, its LoadBalancer port per replica, the pod's port. */
    portName: string;
    port: (replica: number) => number;
    targetPort: string | number;
    sourceRanges: string[];
}

export function perReplicaServiceSpecs(exposure: PerReplicaExposure): k8s.types.input.core.v1.Service[] {
    return Array.from({ length: exposure.replicas }, (_, replica) => ({
        metadata: {
            name: exposure.serviceName(replica),
            namespace: MONITORING_NAMESPACE,
            labels: {
                ...PART_OF_LABEL,
                ...MANAGED_BY_LABEL,
                "app.kubernetes.io/component": exposure.component,
                "thanos-multicluster/replica": String(replica),
            },
            annotations: lbipamAnnotations(exposure.ip, exposure.sharingKey),
        },
        spec: {
            type: "LoadBalancer",
            selector: exposure.selector(replica),
            // One port only: whatever else the pod serves stays inside the cluster.
            ports: [
                {
                    name: exposure.portName,
                    protocol: "TCP",
                    port: exposure.port(replica),
                    targetPort: exposure.targetPort,
                },
            ],
            loadBalancerSourceRanges: exposure.sourceRanges,
            // Cluster, not Local: with Local, each Service would be announced from the node of its
            // own pod, and two nodes would answer ARP for the one shared address.
            externalTrafficPolicy: "Cluster",
            // No NodePorts: they would bypass the source ranges.
            allocateLoadBalancerNodePorts: false,
        },
    }));
}

/** host:port of each replica, in replica order, from the addresses its Services were assigned. */
function perReplicaEndpoints(services: k8s.core.v1.Service[], exposure: PerReplicaExposure): pulumi.Output<string[]> {
    return pulumi.all(
        services.map((service, replica) =>
            service.status.apply(
                (status) =>
                    `${assignedAddress(status, `${MONITORING_NAMESPACE}/${exposure.serviceName(replica)}`, exposure.ip)}:${exposure.port(replica)}`,
            ),
        ),
    );
}

/**
 * Registers the replicas' Services (`<name>-<replica>`, children of the calling component) and
 * returns their host:port endpoints, in replica order.
 */
export function perReplicaServices(
    name: string,
    exposure: PerReplicaExposure,
    opts: { parent: pulumi.Resource; provider: k8s.Provider; dependsOn?: pulumi.Input<pulumi.Resource>[] },
): pulumi.Output<string[]> {
    const services = perReplicaServiceSpecs(exposure).map(
        (spec, replica) => new k8s.core.v1.Service(`${name}-${replica}`, spec, opts),
    );
    return perReplicaEndpoints(services, exposure);
}
