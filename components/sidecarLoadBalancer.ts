import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterSettings } from "../config";
import { SIDECAR_GRPC_PORT_NAME, prometheusPodName, sidecarLoadBalancerPort } from "./names";
import { PerReplicaExposure, perReplicaServiceSpecs, perReplicaServices } from "./lbipam";

/** The replicas' Services share the cluster's one pinned address. */
const SHARING_KEY = "thanos-sidecar";

/**
 * One LoadBalancer Service per Prometheus replica, each selecting its pod by name, all on the
 * cluster's one pinned address with a port per replica. Query must reach every replica on its own:
 * one Service in front of both would hand each connection to either, and dedup would then merge
 * whichever replica it happened to reach.
 */
export function sidecarExposure(settings: ClusterSettings): PerReplicaExposure {
    return {
        replicas: settings.prometheus.replicas,
        serviceName: (replica) => `thanos-sidecar-${replica}`,
        component: "thanos-sidecar",
        ip: settings.loadBalancer.ip,
        sharingKey: SHARING_KEY,
        selector: (replica) => ({ "statefulset.kubernetes.io/pod-name": prometheusPodName(replica) }),
        // gRPC (StoreAPI) only: the sidecar's HTTP port serves metrics and must not leave the cluster.
        portName: "grpc",
        port: sidecarLoadBalancerPort,
        targetPort: SIDECAR_GRPC_PORT_NAME,
        sourceRanges: settings.loadBalancer.sidecarSourceRanges,
    };
}

export function sidecarServiceSpecs(settings: ClusterSettings): k8s.types.input.core.v1.Service[] {
    return perReplicaServiceSpecs(sidecarExposure(settings));
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
        this.endpoints = perReplicaServices(name, sidecarExposure(args.settings), {
            parent: this,
            provider: args.provider,
            dependsOn: args.dependsOn,
        });
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
