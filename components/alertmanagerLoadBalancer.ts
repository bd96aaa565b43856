import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ALERTMANAGER_BASE_PORT, CentralSettings, ClusterSettings, alertmanagerLoadBalancerPort } from "../config";
import { ALERTMANAGER_POD_SELECTOR, alertmanagerPodName } from "./names";
import { PerReplicaExposure, perReplicaServiceSpecs, perReplicaServices } from "./lbipam";
import { CENTRAL_SHARING_KEY } from "./thanosQuery";

/**
 * One LoadBalancer Service per central Alertmanager replica, each selecting its pod by name, on the
 * central pinned address (shared with Query and Grafana) with a port per replica: 9093, 9094, ...
 * Each edge Prometheus sends every alert to every replica itself. Behind one load-balanced port an
 * alert would reach one replica only, and the replicas deduplicate only what they all receive.
 */
export function alertmanagerExposure(settings: ClusterSettings, central: CentralSettings): PerReplicaExposure {
    return {
        replicas: central.alertmanager.replicas,
        serviceName: (replica) => `alertmanager-edge-${replica}`,
        component: "alertmanager-edge",
        ip: settings.loadBalancer.ip,
        sharingKey: CENTRAL_SHARING_KEY,
        selector: (replica) => ({
            ...ALERTMANAGER_POD_SELECTOR,
            "statefulset.kubernetes.io/pod-name": alertmanagerPodName(replica),
        }),
        // The API only (alerts in): the gossip port stays inside the cluster.
        portName: "http",
        port: alertmanagerLoadBalancerPort,
        targetPort: ALERTMANAGER_BASE_PORT,
        sourceRanges: central.alertmanager.edgeSourceRanges,
    };
}

export function alertmanagerServiceSpecs(
    settings: ClusterSettings,
    central: CentralSettings,
): k8s.types.input.core.v1.Service[] {
    return perReplicaServiceSpecs(alertmanagerExposure(settings, central));
}

export interface AlertmanagerLoadBalancerArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    settings: ClusterSettings;
    central: CentralSettings;
    /** Resources to wait for (the namespace, the IP pool, the release). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The central Alertmanager replicas on the central pinned address, one port each, for the edges. */
export class AlertmanagerLoadBalancer extends pulumi.ComponentResource {
    /** host:port of each replica, in replica order, from the addresses the Services were assigned. */
    public readonly endpoints: pulumi.Output<string[]>;

    constructor(name: string, args: AlertmanagerLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:alerting:AlertmanagerLoadBalancer", name, {}, opts);
        this.endpoints = perReplicaServices(name, alertmanagerExposure(args.settings, args.central), {
            parent: this,
            provider: args.provider,
            dependsOn: args.dependsOn,
        });
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
