import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, StackConfig } from "../config";
import { EdgeStacks, untrustedDeploymentCaWarning } from "./edgeStacks";
import { QueryClientTls } from "./queryClientTls";
import { MinioBuckets } from "./minioBuckets";
import { CentralObjstore } from "./storage/centralObjstore";
import { RoleKeys } from "./storage/objstoreKey";
import { NetworkPolicies, controlPlaneNodeSourcedPolicies, controlPlanePolicies } from "./networkPolicies";
import { ThanosPodMonitors, controlPlanePodMonitors } from "./thanosPodMonitors";
import { ThanosAlertRules } from "./thanosAlertRules";
import {
    alertmanagerRuleGroups,
    certificateRuleGroups,
    controlPlaneRuleGroups,
    frontDoorRuleGroups,
    withoutAlerts,
} from "./alertRules";
import { ThanosDashboards } from "./thanosDashboards";
import { ALERTMANAGER_PORT, KUBE_PROMETHEUS_STACK, MONITORING_NAMESPACE } from "./names";
import { ThanosCompactor } from "./thanosCompactor";
import {
    EdgeCluster,
    QueryEndpoint,
    QueryEndpointInputs,
    ThanosQuery,
    queryLayout,
    queryReplicaLabels,
    tierGroups,
} from "./thanosQuery";
import { PublishedQueryTier, publishedQueryTiers } from "./thanosQuery/tiers";
import { RULER_SERVICE, ThanosRuler } from "./thanosRuler";
import { STORE_SERVICE, ThanosStoreGateway } from "./thanosStoreGateway";
import { ThanosQueryFrontend } from "./thanosQueryFrontend";

export interface ThanosControlPlaneArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    /** The central stack's validated config (central settings and secrets included). */
    config: StackConfig & { central: CentralSettings };
    /** The monitoring base: namespace, objstore Secret, Prometheus, Alertmanager, Grafana. */
    base: pulumi.Resource;
    /** The central sidecars' MinIO keys (the base's objstore Secret holds them). */
    sidecarKeys: RoleKeys;
}

/**
 * Every StoreAPI source the central Queries read: this cluster's own Prometheus replicas, the Store
 * Gateway, the Ruler and the edges (what queryEndpoints and queryLayout take).
 */
export function centralQueryInputs(
    clusterName: string,
    localPrometheusReplicas: number,
    central: CentralSettings,
    edges: EdgeCluster[],
): QueryEndpointInputs {
    return {
        clusterDomain: central.clusterDomain,
        centralCluster: clusterName,
        localPrometheusReplicas,
        storeGatewayReplicas: central.storeGateway.replicas,
        rulerReplicas: central.ruler.replicas,
        edges,
        storeService: STORE_SERVICE,
        rulerService: RULER_SERVICE,
    };
}

/**
 * The central cluster's Thanos control plane: Query over every cluster, the Store Gateway and the
 * Compactor on the bucket, the Ruler, and the MinIO buckets. Every edge is read from its stack's
 * outputs, so adding a cluster is its stack file plus one entry in central.edgeStacks.
 */
export class ThanosControlPlane extends pulumi.ComponentResource {
    /** The edges Query reads, as their stacks exported them. */
    public readonly edges: pulumi.Output<EdgeCluster[]>;
    /** Every StoreAPI endpoint a Query of the central cluster is wired to: the top's, then each mid tier's. */
    public readonly queryEndpoints: pulumi.Output<QueryEndpoint[]>;
    /** The mid-tier groups (none at one tier): each group's address, edges and the endpoints it reads. */
    public readonly queryTiers: pulumi.Output<PublishedQueryTier[]>;
    /** Query's in-cluster URL (the central address's port 9090 is the front door's, components/frontDoor.ts). */
    public readonly queryInClusterUrl: string;
    /** The query-frontend's in-cluster URL (Grafana's Thanos datasource). */
    public readonly queryFrontendInClusterUrl: string;
    /** Alertmanager's in-cluster URL. */
    public readonly alertmanagerUrl: string;
    /** PEM of the deployment CA whose client certificates the edges accept (public). */
    public readonly deploymentCaCertificate: string;
    /** The buckets, by purpose. */
    public readonly buckets: { metrics: string; longhornBackups: string; opensearchLogs: string };

    constructor(name: string, args: ThanosControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:central:ThanosControlPlane", name, {}, opts);
        const { config, provider } = args;
        const central = config.central;
        const child = { parent: this };

        const edgeStacks = new EdgeStacks(
            `${name}-edges`,
            {
                // Unset in config: the edges live beside this stack, in its organization.
                organization: central.organization ?? pulumi.getOrganization(),
                stacks: central.edgeStacks,
                expected: {
                    objstore: { bucket: config.objectStorage.bucket, endpoint: config.objectStorage.endpoint },
                    centralCluster: config.clusterName,
                    plaintextEdges: central.plaintextEdges,
                },
            },
            child,
        );
        this.edges = edgeStacks.edges;

        this.buckets = {
            metrics: config.objectStorage.bucket,
            longhornBackups: central.buckets.longhornBackups,
            opensearchLogs: central.buckets.opensearchLogs,
        };
        let buckets: MinioBuckets | undefined;
        if (central.buckets.manage && config.secrets.minioAdmin !== undefined) {
            buckets = new MinioBuckets(
                `${name}-buckets`,
                {
                    settings: {
                        endpoint: config.objectStorage.endpoint,
                        insecure: config.objectStorage.insecure,
                        insecureSkipVerify: config.objectStorage.insecureSkipVerify,
                        region: central.buckets.region,
                        ...(config.objectStorage.caBundle !== undefined
                            ? { caBundle: config.objectStorage.caBundle }
                            : {}),
                    },
                    accessKey: config.secrets.minioAdmin.accessKey,
                    secretKey: config.secrets.minioAdmin.secretKey,
                    names: this.buckets,
                    existing: central.buckets.existing,
                },
                child,
            );
        }

        // Each component's own MinIO identity and objstore Secret; the users of every cluster's identity.
        const objstore = new CentralObjstore(
            `${name}-objstore`,
            {
                provider,
                namespace: MONITORING_NAMESPACE,
                config,
                sidecarKeys: args.sidecarKeys,
                edgeIdentities: edgeStacks.objstoreIdentities,
                dependsOn: [args.base, ...(buckets ? [buckets] : [])],
            },
            child,
        );
        // Everything reading the bucket waits for the base (namespace), its objstore Secret and the buckets.
        const dependsOn = [args.base, objstore, ...(buckets ? [buckets] : [])];
        new ThanosStoreGateway(`${name}-store`, { provider, settings: config, central, dependsOn }, child);
        new ThanosCompactor(`${name}-compactor`, { provider, settings: config, central, dependsOn }, child);
        new ThanosRuler(
            `${name}-ruler`,
            {
                provider,
                settings: config,
                central,
                clusters: this.edges.apply((edges) => [config.clusterName, ...edges.map((e) => e.clusterName)]),
                dependsOn,
            },
            child,
        );

        new NetworkPolicies(
            `${name}-network-policies`,
            {
                provider,
                policies: controlPlanePolicies(central),
                ciliumPolicies: controlPlaneNodeSourcedPolicies(),
                dependsOn: [args.base],
            },
            child,
        );
        new ThanosPodMonitors(
            `${name}-pod-monitors`,
            {
                provider,
                monitors: controlPlanePodMonitors(
                    tierGroups(central.edgeStacks, central.query.maxEdgesPerQuery).length > 0,
                ),
                dependsOn: [args.base],
            },
            child,
        );
        // Query's client key is generated here, where it is used, and issued by the deployment CA
        // (pki/deployment-ca.pem and this stack's deploymentCaPrivateKey), which every edge trusts.
        if (config.deploymentCa === undefined)
            throw new Error("the central stack's config holds no deployment CA (config/pki.ts resolves it)");
        const clientTls = new QueryClientTls(
            `${name}-query-client-tls`,
            { provider, settings: config.grpcTls, deploymentCa: config.deploymentCa },
            child,
        );
        // The control plane's health on the central Prometheus, which scrapes it directly (the Ruler
        // cannot report its own failure), and the expiry of the deployment CA and Query's client
        // certificate, recorded here and alerted on by the Ruler with every edge's certificates.
        const links = { baseUrl: config.prometheus.alerting.runbookBaseUrl };
        new ThanosAlertRules(
            `${name}-alert-rules`,
            {
                provider,
                ruleName: "thanos-control-plane",
                groups: clientTls.expiries.apply((certificates) =>
                    withoutAlerts(
                        [
                            ...controlPlaneRuleGroups(links),
                            ...alertmanagerRuleGroups(links),
                            // The front door runs with the base, on this cluster: its routers' health.
                            ...frontDoorRuleGroups(links),
                            ...certificateRuleGroups(certificates),
                        ],
                        config.prometheus.alerting.disabledAlerts,
                    ),
                ),
                dependsOn: [args.base],
            },
            child,
        );
        // Grafana runs here: the dashboards of every cluster's Thanos, through Query.
        new ThanosDashboards(`${name}-dashboards`, { provider, dependsOn: [args.base] }, child);

        // Up to central.query.maxEdgesPerQuery edges, Query reads them all; past it, mid-tier groups do.
        const layout = this.edges.apply((edges) =>
            queryLayout(
                centralQueryInputs(config.clusterName, config.prometheus.replicas, central, edges),
                central.edgeStacks,
                central.query.maxEdgesPerQuery,
            ),
        );
        this.queryEndpoints = layout.apply((l) => [...l.top, ...l.tiers.flatMap((t) => t.endpoints)]);
        this.queryTiers = layout.apply((l) => publishedQueryTiers(l, central.clusterDomain));
        this.deploymentCaCertificate = clientTls.caCertificate;
        for (const [stack, edge] of Object.entries(edgeStacks.byStack)) {
            edge.apply((e) => {
                const warning = untrustedDeploymentCaWarning(stack, e, clientTls.caCertificate);
                if (warning !== undefined) pulumi.log.warn(warning, this);
            });
        }
        const query = new ThanosQuery(
            `${name}-query`,
            {
                provider,
                settings: config,
                central,
                layout,
                replicaLabels: this.edges.apply(queryReplicaLabels),
                edges: this.edges,
                edgeByStack: edgeStacks.byStack,
                clientTls: { clientCertificate: clientTls.clientCertificate, secret: clientTls.secret },
                dependsOn: [args.base],
            },
            child,
        );
        this.queryInClusterUrl = query.inClusterUrl;
        // Grafana's datasource: range queries split by day, cached, retried, then sent to Query.
        const frontend = new ThanosQueryFrontend(
            `${name}-query-frontend`,
            { provider, central, images: config.images, dependsOn: [args.base] },
            child,
        );
        this.queryFrontendInClusterUrl = frontend.inClusterUrl;
        this.alertmanagerUrl = `http://${KUBE_PROMETHEUS_STACK.fullname}-alertmanager.${MONITORING_NAMESPACE}.svc.${central.clusterDomain}:${ALERTMANAGER_PORT}`;
        this.registerOutputs({ queryEndpoints: this.queryEndpoints, queryTiers: this.queryTiers, edges: this.edges });
    }
}
