import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config";
import { ClusterStackOutputs } from "../contract";
import { AlertmanagerReceiverSecret, alertmanagerConfig } from "./alertmanagerConfig";
import { CiliumLoadBalancerIpam } from "./ciliumLoadBalancerIpam";
import { FrontDoor } from "./frontDoor";
import { GrafanaAdminSecret } from "./grafanaAdminSecret";
import { GrafanaSidecarRole } from "./grafanaRbac";
import { CentralAddons, KubePrometheusStack } from "./kubePrometheusStack";
import { MonitoringNamespaces } from "./monitoringNamespaces";
import { MonitoringStorageClass } from "./monitoringStorageClass";
import { NetworkPolicies, monitoringBasePolicies, nodeSourcedPolicies } from "./networkPolicies";
import { CLUSTER_LABEL, PROMETHEUS_REPLICA_LABEL, PROMETHEUS_URL } from "./names";
import { ObjstoreSecret } from "./objstoreSecret";
import { RoleKeys, roleKeys } from "./storage/objstoreKey";
import { EdgeQuery } from "./thanos/edgeQuery";
import { SidecarTls } from "./sidecarTls";
import {
    ThanosPodMonitors,
    controlPlanePodMonitors,
    frontDoorPodMonitors,
    sidecarPodMonitors,
} from "./thanosPodMonitors";
import { ThanosAlertRules } from "./thanosAlertRules";
import { clusterRuleGroups, edgeQueryRuleGroups, sidecarRuleGroups, withoutAlerts } from "./alertRules";
import { queryFrontendInClusterUrl } from "./thanosQueryFrontend";

export interface MonitoringBaseArgs {
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** The stack's validated config, secrets included. */
    config: StackConfig;
}

/**
 * What every cluster runs, the central one included, and all an edge consists of: Prometheus HA
 * with the Thanos sidecar shipping to the metrics bucket, on edges a Thanos Query over the sidecars
 * on the cluster's pinned address, and the Cilium LB IPAM that announces it. It needs nothing from any other
 * stack, so every cluster keeps monitoring itself when the others, or the network, are gone.
 */
export class MonitoringBase extends pulumi.ComponentResource {
    /** The `cluster` external label, plus the replica label Query deduplicates on. */
    public readonly externalLabels: Record<string, string>;
    public readonly replicaLabels: string[];
    /** host:port of the edge Query's gRPC on the pinned address; "" on the central cluster. */
    public readonly queryEndpoint: pulumi.Output<string>;
    /** In-cluster URL of Prometheus. */
    public readonly prometheusUrl: string;
    /** The monitoring namespace, for the components the central stack adds. */
    public readonly namespace: pulumi.Output<string>;
    /** The objstore Secret (name and key) the sidecars use. */
    public readonly objstoreSecret: ObjstoreSecret;
    /** The sidecars' MinIO identity (generated here with per-role identities). */
    public readonly objstoreKeys: RoleKeys;
    /** The edge Query's mTLS material, where grpcTls is enabled (edges). */
    public readonly sidecarTls?: SidecarTls;
    /** host:port of each central Alertmanager replica on the central address (central cluster only). */
    public readonly alertmanagerEdgeEndpoints?: pulumi.Output<string[]>;
    /** Central only: Query's and Grafana's URLs on the central address (the front door's ports). */
    public readonly frontDoorUrls?: { query: string; grafana: string };
    /** The contract's grpcTls output: what the central Query needs to dial the edge Query over mTLS. */
    public readonly grpcTls: pulumi.Output<ClusterStackOutputs["grpcTls"]>;

    constructor(name: string, args: MonitoringBaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:monitoring:MonitoringBase", name, {}, opts);
        const { config, provider } = args;
        const child = { parent: this };

        const namespaces = new MonitoringNamespaces(
            `${name}-namespaces`,
            { provider, adoptMonitoring: config.kubePrometheusStack.adopt },
            child,
        );
        this.namespace = namespaces.monitoring.metadata.name;

        const lbIpam = config.loadBalancer.manageCiliumIpam
            ? new CiliumLoadBalancerIpam(`${name}-lb-ipam`, { provider, loadBalancer: config.loadBalancer }, child)
            : undefined;

        // The sidecars' own identity: an edge generates its key and needs nothing from the central
        // stack, which creates the MinIO user from this stack's objstoreIdentity output.
        this.objstoreKeys = roleKeys(`${name}-objstore-key`, "sidecar", config, this);
        this.objstoreSecret = new ObjstoreSecret(
            `${name}-objstore`,
            {
                provider,
                namespace: this.namespace,
                storage: config.objectStorage,
                accessKey: this.objstoreKeys.accessKey,
                secretKey: this.objstoreKeys.secretKey,
            },
            child,
        );

        const releaseDependsOn: pulumi.Resource[] = [namespaces.nodeExporter];
        // Every PVC's class, where the stack creates it: Longhorn with reclaimPolicy Retain.
        if (config.createStorageClass !== undefined) {
            const storageClass = new MonitoringStorageClass(
                `${name}-storage-class`,
                { provider, name: config.storageClass, settings: config.createStorageClass },
                child,
            );
            releaseDependsOn.push(storageClass.storageClass);
        }
        if (config.grpcTls.enabled) {
            const tls = new SidecarTls(
                `${name}-sidecar-tls`,
                {
                    provider,
                    namespace: this.namespace,
                    clusterName: config.clusterName,
                    loadBalancerIp: config.loadBalancer.ip,
                    settings: config.grpcTls,
                },
                child,
            );
            this.sidecarTls = tls;
            this.grpcTls = tls.caCertificate.apply((caCertificate) => ({
                enabled: true as const,
                serverName: tls.serverName,
                caCertificate,
                clientCaCertificate: tls.clientCaCertificate,
            }));
            releaseDependsOn.push(tls);
        } else {
            this.grpcTls = pulumi.output({ enabled: false as const });
        }

        // The central cluster's base also runs Alertmanager (HA) and Grafana on Thanos Query.
        let centralAddons: CentralAddons | undefined;
        if (config.central !== undefined) {
            const grafanaAdmin = new GrafanaAdminSecret(
                `${name}-grafana-admin`,
                { provider, namespace: this.namespace },
                child,
            );
            // Alertmanager mounts the receivers' credentials; its config names the files.
            const receivers = new AlertmanagerReceiverSecret(
                `${name}-alertmanager-receivers`,
                { provider, namespace: this.namespace, credentials: config.secrets.alerting },
                child,
            );
            // The Role Grafana's sidecars are bound to (ConfigMaps, no Secrets): the chart creates none.
            const grafanaRole = new GrafanaSidecarRole(
                `${name}-grafana-rbac`,
                { provider, dependsOn: [namespaces.monitoring] },
                child,
            );
            releaseDependsOn.push(
                grafanaAdmin.secret,
                receivers.secret,
                grafanaRole.role,
                ...(lbIpam?.resources ?? []),
            );
            centralAddons = {
                alertmanagerReplicas: config.central.alertmanager.replicas,
                alertmanagerReceiverSecret: receivers.secretName,
                alertmanagerConfig: alertmanagerConfig(config.central.alertmanager),
                alertmanagerStorageSize: config.central.alertmanager.storageSize,
                alertmanagerLimits: config.central.alertmanager.limits,
                grafanaStorageSize: config.central.grafana.storageSize,
                grafanaAdminSecret: grafanaAdmin.ref,
                thanosDatasourceUrl: queryFrontendInClusterUrl(config.central.clusterDomain),
            };
        }

        const stack = new KubePrometheusStack(
            `${name}-kube-prometheus-stack`,
            {
                provider,
                namespace: this.namespace,
                settings: config,
                objstore: { name: this.objstoreSecret.secretName, key: this.objstoreSecret.secretKey },
                central: centralAddons,
                dependsOn: releaseDependsOn,
            },
            child,
        );

        new ThanosPodMonitors(
            `${name}-pod-monitors`,
            {
                provider,
                // Edges also scrape their Query (the central stack's control plane scrapes its own).
                monitors: [
                    ...sidecarPodMonitors(),
                    ...(config.exposeEdgeQuery
                        ? controlPlanePodMonitors().filter((m) => m.metadata.name === "thanos-query")
                        : []),
                    // The central front door's routers.
                    ...(config.central !== undefined ? frontDoorPodMonitors() : []),
                ],
                dependsOn: [stack.release],
            },
            child,
        );
        // Each cluster watches its own sidecars and uploads (an edge its Query too), and records its
        // certificates' expiry, on its own Prometheus.
        const alerting = config.prometheus.alerting;
        const links = { baseUrl: alerting.runbookBaseUrl };
        const expiries = this.sidecarTls?.expiries ?? pulumi.output([]);
        new ThanosAlertRules(
            `${name}-alert-rules`,
            {
                provider,
                ruleName: "thanos-multicluster-cluster",
                groups: expiries.apply((certificates) =>
                    withoutAlerts(
                        [
                            ...sidecarRuleGroups(links),
                            // An edge watches its own Query (the central stack watches its Query with the control plane).
                            ...(config.exposeEdgeQuery ? edgeQueryRuleGroups(links) : []),
                            ...clusterRuleGroups(links, certificates, { edgeQuery: config.exposeEdgeQuery }),
                        ],
                        alerting.disabledAlerts,
                    ),
                ),
                dependsOn: [stack.release],
            },
            child,
        );
        new NetworkPolicies(
            `${name}-network-policies`,
            {
                provider,
                policies: monitoringBasePolicies(config),
                ciliumPolicies: nodeSourcedPolicies(config),
                dependsOn: [namespaces.monitoring],
            },
            child,
        );

        if (config.central !== undefined) {
            // The central address: one Service, a router on every node, routing by port to Query,
            // Grafana and each Alertmanager replica (the Services it names come with the release and
            // the control plane; the router resolves them while running).
            const frontDoor = new FrontDoor(
                `${name}-front-door`,
                {
                    provider,
                    settings: config,
                    dependsOn: [namespaces.monitoring, stack.release, ...(lbIpam?.resources ?? [])],
                },
                child,
            );
            this.alertmanagerEdgeEndpoints = pulumi.output(frontDoor.alertmanagerEndpoints);
            this.frontDoorUrls = { query: frontDoor.queryUrl, grafana: frontDoor.grafanaUrl };
        }

        if (config.exposeEdgeQuery) {
            const edgeQuery = new EdgeQuery(
                `${name}-edge-query`,
                {
                    provider,
                    settings: config,
                    tlsChecksum: this.sidecarTls?.checksum,
                    // The Services of contract 3 (one per Prometheus replica) it takes over.
                    replaces: {
                        parentUrn: pulumi.createUrn(
                            `${name}-sidecar-lb`,
                            "thanos-multicluster:thanos:SidecarLoadBalancer",
                            this,
                        ),
                        names: Array.from({ length: config.prometheus.replicas }, (_, i) => `${name}-sidecar-lb-${i}`),
                    },
                    dependsOn: [
                        namespaces.monitoring,
                        stack.release,
                        ...(this.sidecarTls ? [this.sidecarTls] : []),
                        ...(lbIpam?.resources ?? []),
                    ],
                },
                child,
            );
            this.queryEndpoint = edgeQuery.grpcEndpoint;
        } else {
            this.queryEndpoint = pulumi.output("");
        }

        this.externalLabels = { ...config.prometheus.externalLabels, [CLUSTER_LABEL]: config.clusterName };
        this.replicaLabels = [PROMETHEUS_REPLICA_LABEL];
        this.prometheusUrl = PROMETHEUS_URL;
        this.registerOutputs({
            externalLabels: this.externalLabels,
            queryEndpoint: this.queryEndpoint,
            prometheusUrl: this.prometheusUrl,
        });
    }
}
