import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterSettings } from "../config";
import {
    MANAGED_BY_LABEL,
    MONITORING_NAMESPACE,
    PART_OF_LABEL,
    SIDECAR_GRPC_PORT_NAME,
    prometheusPodName,
    sidecarLoadBalancerPort,
} from "./names";

import { assignedAddress, lbipamAnnotations } from "./lbipam";

/** The replicas' Services share the cluster's one pinned address. */
const SHARING_KEY = "thanos-sidecar";

/**
 * One LoadBalancer Service per Prometheus replica, each selecting its pod by name, all on the
 * cluster's one pinned address with a port per replica. Query must reach every replica on its own:
 * one Service in front of both would hand each connection to either, and dedup would then merge
 * whichever replica it happened to reach.
 */
export function sidecarServiceSpecs(settings: ClusterSettings): k8s.types.input.core.v1.Service[] {
    return Array.from({ length: settings.prometheus.replicas }, (_, replica) => ({
        metadata: {
            name: `thanos-sidecar-${replica}`,
            namespace: MONITORING_NAMESPACE,
            labels: {
                ...PART_OF_LABEL,
                ...MANAGED_BY_LABEL,
                "app.kubernetes.io/component": "thanos-sidecar",
                "thanos-multicluster/replica": String(replica),
            },
            annotations: lbipamAnnotations(settings.loadBalancer.ip, SHARING_KEY),
        },
        spec: {
            type: "LoadBalancer",
            selector: { "statefulset.kubernetes.io/pod-name": prometheusPodName(replica) },
            // gRPC (StoreAPI) only: the sidecar's HTTP port serves metrics and must not leave the cluster.
            ports: [{ name: "grpc", protocol: "TCP", port: sidecarLoadBalancerPort(replica), targetPort: SIDECAR_GRPC_PORT_NAME }],
            loadBalancerSourceRanges: settings.loadBalancer.sidecarSourceRanges,
            // Cluster, not Local: with Local, each Service would be announced from the node of its
            // own pod, and two nodes would answer ARP for the one shared address.
            externalTrafficPolicy: "Cluster",
            // No NodePorts: the sidecars are reachable through the pinned address only.
            allocateLoadBalancerNodePorts: false,
        },
    }));
}

export interface SidecarLoadBalancerArgs {
    /** Provider of the cluster the Services live in. */
    provider: k8s.Provider;
    /** The validated cluster settings (replicas, pinned address, source ranges). */
    settings: ClusterSettings;
    /** Resources the Services must wait for (the namespace, the IP pool). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The sidecars' gRPC on the cluster's pinned LoadBalancer address, one port per replica. */
export class SidecarLoadBalancer extends pulumi.ComponentResource {
    /** host:port of each replica's sidecar, in replica order, from the addresses the Services were assigned. */
    public readonly endpoints: pulumi.Output<string[]>;

    constructor(name: string, args: SidecarLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:thanos:SidecarLoadBalancer", name, {}, opts);
        const services = sidecarServiceSpecs(args.settings).map(
            (spec, replica) => new k8s.core.v1.Service(`${name}-${replica}`, spec, { parent: this, provider: args.provider, dependsOn: args.dependsOn }),
        );
        this.endpoints = pulumi.all(
            services.map((service, replica) =>
                service.status.apply(
                    (status) =>
                        `${assignedAddress(status, `${MONITORING_NAMESPACE}/thanos-sidecar-${replica}`, args.settings.loadBalancer.ip)}:${sidecarLoadBalancerPort(replica)}`,
                ),
            ),
        );
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
