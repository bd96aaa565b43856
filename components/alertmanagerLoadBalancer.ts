import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ALERTMANAGER_BASE_PORT, CentralSettings, ClusterSettings, alertmanagerLoadBalancerPort } from "../config";
import { ALERTMANAGER_POD_SELECTOR, MANAGED_BY_LABEL, MONITORING_NAMESPACE, PART_OF_LABEL, alertmanagerPodName } from "./names";
import { assignedAddress, lbipamAnnotations } from "./lbipam";
import { CENTRAL_SHARING_KEY } from "./thanosQuery";

/**
 * One LoadBalancer Service per central Alertmanager replica, each selecting its pod by name, on the
 * central pinned address (shared with Query and Grafana) with a port per replica: 9093, 9094, ...
 * Each edge Prometheus sends every alert to every replica itself. Behind one load-balanced port an
 * alert would reach one replica only, and the replicas deduplicate only what they all receive.
 */
export function alertmanagerServiceSpecs(settings: ClusterSettings, central: CentralSettings): k8s.types.input.core.v1.Service[] {
    return Array.from({ length: central.alertmanager.replicas }, (_, replica) => ({
        metadata: {
            name: `alertmanager-edge-${replica}`,
            namespace: MONITORING_NAMESPACE,
            labels: {
                ...PART_OF_LABEL,
                ...MANAGED_BY_LABEL,
                "app.kubernetes.io/component": "alertmanager-edge",
                "thanos-multicluster/replica": String(replica),
            },
            annotations: lbipamAnnotations(settings.loadBalancer.ip, CENTRAL_SHARING_KEY),
        },
        spec: {
            type: "LoadBalancer",
            selector: { ...ALERTMANAGER_POD_SELECTOR, "statefulset.kubernetes.io/pod-name": alertmanagerPodName(replica) },
            // The API only (alerts in): the gossip port stays inside the cluster.
            ports: [{ name: "http", protocol: "TCP", port: alertmanagerLoadBalancerPort(replica), targetPort: ALERTMANAGER_BASE_PORT }],
            loadBalancerSourceRanges: central.alertmanager.edgeSourceRanges,
            // As for the sidecars: Cluster keeps one node announcing the shared address, and no
            // NodePort bypasses the source ranges.
            externalTrafficPolicy: "Cluster",
            allocateLoadBalancerNodePorts: false,
        },
    }));
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
        const services = alertmanagerServiceSpecs(args.settings, args.central).map(
            (spec, replica) => new k8s.core.v1.Service(`${name}-${replica}`, spec, { parent: this, provider: args.provider, dependsOn: args.dependsOn }),
        );
        this.endpoints = pulumi.all(
            services.map((service, replica) =>
                service.status.apply(
                    (status) => `${assignedAddress(status, `${MONITORING_NAMESPACE}/alertmanager-edge-${replica}`, args.settings.loadBalancer.ip)}:${alertmanagerLoadBalancerPort(replica)}`,
                ),
            ),
        );
        this.registerOutputs({ endpoints: this.endpoints });
    }
}
