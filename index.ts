// thanos-multicluster: one stack per cluster. Every cluster runs the monitoring base (Prometheus HA
// with the Thanos sidecar; on an edge, a Thanos Query over the sidecars on the cluster's address);
// the central cluster adds the Thanos control plane, wired to every edge through the edges' stack outputs.

import * as pulumi from "@pulumi/pulumi";
import { MonitoringBase } from "./components/monitoringBase";
import { newKubernetesProvider } from "./components/kubernetesProvider";
import { ThanosControlPlane } from "./components/thanosControlPlane";
import { objstoreIdentityOutput } from "./components/storage/objstoreKey";
import { loadStackConfig } from "./config";
import { CONTRACT_VERSION, ClusterStackOutputs } from "./contract";

// 1. Config: validated in full before any resource exists.
const config = loadStackConfig();

// 2. The cluster, reached only through this explicit provider.
const provider = newKubernetesProvider(config);

// 3. The monitoring base, on every cluster (on the central one with Alertmanager and Grafana).
// Resource names never follow a config value, so that changing one updates resources in place
// instead of replacing them. (The alias carries over stacks deployed when the base was named after
// the cluster; children named after their parent inherit it.)
const base = new MonitoringBase("monitoring", { provider, config }, { aliases: [{ name: config.clusterName }] });

// 4. The Thanos control plane, on the central cluster.
const controlPlane =
    config.central !== undefined
        ? new ThanosControlPlane("thanos", {
              provider,
              config: { ...config, central: config.central },
              base,
              sidecarKeys: base.objstoreKeys,
          })
        : undefined;

// 5. The outputs contract (see the README): what the central stack and other teams read.
const outputs: { [K in keyof ClusterStackOutputs]: pulumi.Input<ClusterStackOutputs[K]> } = {
    contractVersion: CONTRACT_VERSION,
    clusterName: config.clusterName,
    role: config.role,
    externalLabels: base.externalLabels,
    replicaLabels: base.replicaLabels,
    queryEndpoint: base.queryEndpoint,
    objstore: { bucket: config.objectStorage.bucket, endpoint: config.objectStorage.endpoint },
    prometheusUrl: base.prometheusUrl,
    grpcTls: base.grpcTls,
    // Edges: the sidecars' MinIO identity, for the central stack to create its user (secret).
    objstoreIdentity: config.role === "edge" ? objstoreIdentityOutput(base.objstoreKeys) : undefined,
};

export const contractVersion = outputs.contractVersion;
export const clusterName = outputs.clusterName;
export const role = outputs.role;
export const externalLabels = outputs.externalLabels;
export const replicaLabels = outputs.replicaLabels;
export const queryEndpoint = outputs.queryEndpoint;
export const objstore = outputs.objstore;
export const prometheusUrl = outputs.prometheusUrl;
export const grpcTls = outputs.grpcTls;
export const objstoreIdentity = outputs.objstoreIdentity;

// Central stack only (undefined, and so absent, on edges).
// Query and Grafana on the central address, through its front door (one Service, routed by port).
export const queryUrl = controlPlane ? base.frontDoorUrls?.query : undefined;
export const grafanaUrl = controlPlane ? base.frontDoorUrls?.grafana : undefined;
// No Grafana admin password output: it stays in the cluster Secret grafana-admin and in this stack's
// (encrypted) state, where only those allowed to read them can (docs/security.md says how).
export const alertmanagerUrl = controlPlane?.alertmanagerUrl;
/** Where the edges send alerts: every Alertmanager replica on the central address (the edges' alerting.centralAlertmanagers). */
export const alertmanagerEdgeEndpoints = base.alertmanagerEdgeEndpoints;
export const queryEndpoints = controlPlane?.queryEndpoints;
/** The mid-tier Query groups past central.query.maxEdgesPerQuery edges (empty below): which group reads which edge. */
export const queryTiers = controlPlane?.queryTiers;
export const buckets = controlPlane?.buckets;
/** The deployment CA certificate Query's client certificate is issued under (public; from pki/deployment-ca.pem). */
export const deploymentCaCertificate = controlPlane?.deploymentCaCertificate;
