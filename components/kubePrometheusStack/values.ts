// The release's values for one cluster's monitoring base: Prometheus HA with the Thanos sidecar
// shipping 2h blocks to the metrics bucket, the operator, kube-state-metrics and the node exporter,
// and (central cluster) Alertmanager and Grafana.

import { BLOCK_DURATION, ClusterSettings } from "../../config";
import { chartAlertingValues } from "../kubePrometheusStackAlerting";
import {
    CLUSTER_LABEL,
    KUBE_PROMETHEUS_STACK,
    NODE_EXPORTER_NAMESPACE,
    OBJSTORE_CA,
    PROMETHEUS_REPLICA_LABEL,
} from "../names";
import { CentralAddons, alertmanagerValues, grafanaValues } from "./central";
import { CONTAINER_SECURITY, claimTemplate, podSecurity, resources } from "./pods";
import { AdditionalAlertmanagerConfig, KubePrometheusStackValues } from "./types";
import { IMAGES, THANOS_VERSION, imageReference } from "../images";
import { chartImageValues, sidecarImage } from "./images";

/** Thanos image of the sidecar: the one kube-prometheus-stack 88.5.3 ships, pinned so a chart bump cannot change it unseen. */
export { THANOS_VERSION };
/** The upstream reference (a mirror, `images.registry`, replaces its registry). */
export const THANOS_IMAGE = imageReference(IMAGES.thanos, {});

/**
 * An edge's Prometheus sends to every central Alertmanager replica itself: replicas deduplicate
 * only the alerts they all receive, so one load-balanced address would not do.
 */
export function edgeAlertmanagerConfigs(settings: ClusterSettings): AdditionalAlertmanagerConfig[] {
    if (settings.role !== "edge" || settings.alerting.centralAlertmanagers.length === 0) return [];
    return [
        {
            scheme: "http",
            api_version: "v2",
            timeout: "10s",
            static_configs: [{ targets: settings.alerting.centralAlertmanagers }],
        },
    ];
}

/** Where the chart finds the objstore config: a Secret we create, never values inlined in the release. */
export interface ObjstoreSecretRef {
    name: string;
    key: string;
}

/**
 * kube-prometheus-stack values for one cluster's monitoring base: Prometheus HA with the Thanos
 * sidecar shipping 2h blocks to the metrics bucket.
 */
export function kubePrometheusStackValues(
    settings: ClusterSettings,
    objstore: ObjstoreSecretRef,
    central?: CentralAddons,
): KubePrometheusStackValues {
    const prometheus = settings.prometheus;
    const withCa = settings.objectStorage.caBundle !== undefined;
    const alertmanagers = edgeAlertmanagerConfigs(settings);
    const sidecarMounts = [
        ...(withCa ? [{ name: OBJSTORE_CA.volume, mountPath: OBJSTORE_CA.mountPath, readOnly: true }] : []),
    ];
    return {
        // Short, fixed object names: the edge Query dials each replica's sidecar by its pod's name.
        fullnameOverride: KUBE_PROMETHEUS_STACK.fullname,
        // Air-gapped: every image of the chart and its subcharts from the mirror (images.registry).
        ...chartImageValues(settings.images),
        ...chartAlertingValues(settings.prometheus.alerting),
        // Edges ship metrics only; the central cluster's Alertmanager and Grafana are the control plane's.
        alertmanager: alertmanagerValues(settings, central),
        grafana: grafanaValues(settings, central),
        "prometheus-node-exporter": { namespaceOverride: NODE_EXPORTER_NAMESPACE },
        // Restricted Pod Security, stated rather than inherited from chart defaults that may change.
        prometheusOperator: {
            resources: resources("100m", "128Mi", "512Mi"),
            securityContext: podSecurity(65534),
            containerSecurityContext: CONTAINER_SECURITY,
            prometheusConfigReloader: { resources: resources("10m", "32Mi", "64Mi") },
        },
        "kube-state-metrics": {
            resources: resources("50m", "128Mi", "512Mi"),
            containerSecurityContext: CONTAINER_SECURITY,
            // Its `secrets` collector needs list/watch on every Secret in the cluster, for metrics
            // (kube_secret_*) nothing here reads: without it its ClusterRole grants no Secrets.
            collectorsExclude: ["secrets"],
        },
        prometheus: {
            enabled: true,
            podDisruptionBudget: { enabled: true, minAvailable: prometheus.replicas - 1 },
            // The chart's sidecar Services would put both replicas behind one address; Query must see
            // each replica separately: it dials each by its pod's DNS name (prometheus-operated).
            thanosService: { enabled: false },
            thanosServiceExternal: { enabled: false },
            prometheusSpec: {
                replicas: prometheus.replicas,
                scrapeInterval: prometheus.scrapeInterval,
                evaluationInterval: prometheus.scrapeInterval,
                // `cluster` is the one label that tells clusters apart in Query; the operator adds
                // `prometheus` and `prometheus_replica` itself.
                externalLabels: { ...prometheus.externalLabels, [CLUSTER_LABEL]: settings.clusterName },
                replicaExternalLabelName: PROMETHEUS_REPLICA_LABEL,
                retention: prometheus.retention,
                retentionSize: prometheus.retentionSize,
                // Thanos needs Prometheus to leave compaction to the compactor (min = max block duration).
                disableCompaction: true,
                walCompression: true,
                // Soft: a single-node cluster still runs both replicas; on more nodes they spread.
                podAntiAffinity: "soft",
                podAntiAffinityTopologyKey: "kubernetes.io/hostname",
                resources: resources("250m", "1Gi", "4Gi"),
                securityContext: podSecurity(1000),
                // Pick up every ServiceMonitor, PodMonitor, rule and probe in the cluster, not only the chart's.
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                storageSpec: { volumeClaimTemplate: claimTemplate(settings.storageClass, prometheus.storageSize) },
                ...(alertmanagers.length > 0 ? { additionalAlertManagerConfigs: alertmanagers } : {}),
                ...(withCa ? { configMaps: [OBJSTORE_CA.configMap] } : {}),
                thanos: {
                    // The operator mounts configMaps and secrets into the prometheus container only; the sidecar needs them too.
                    ...(sidecarMounts.length > 0 ? { volumeMounts: sidecarMounts } : {}),
                    // Plain gRPC, in-cluster only: the edge's Thanos Query dials it, and took over the
                    // mTLS the central Query needs (docs/security.md, "The in-cluster sidecar hop").
                    image: sidecarImage(settings.images),
                    version: THANOS_VERSION,
                    blockSize: BLOCK_DURATION,
                    objectStorageConfig: { existingSecret: { name: objstore.name, key: objstore.key } },
                    resources: resources("50m", "128Mi", "512Mi"),
                },
            },
        },
    };
}
