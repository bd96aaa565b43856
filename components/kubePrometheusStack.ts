import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BLOCK_DURATION, ClusterSettings } from "../config";
import { chartAlertingValues } from "./kubePrometheusStackAlerting";
import {
    CLUSTER_LABEL,
    GRAFANA_DASHBOARD_LABEL,
    GRAFANA_FOLDER_ANNOTATION,
    KUBE_PROMETHEUS_STACK,
    MONITORING_NAMESPACE,
    NODE_EXPORTER_NAMESPACE,
    OBJSTORE_CA,
    PART_OF_LABEL,
    SIDECAR_TLS,
    PROMETHEUS_REPLICA_LABEL,
    THANOS_DATASOURCE,
} from "./names";
import { AlertmanagerConfigDocument } from "./alertmanagerConfig";
import { lbipamAnnotations } from "./lbipam";
import { sidecarGrpcServerTlsConfig } from "./sidecarTls";

/** Hash of the client CA the sidecars trust ("" while none is configured). */
export function grpcClientCaChecksum(clientCaCertificate: string | undefined): string {
    return crypto
        .createHash("sha256")
        .update(clientCaCertificate?.trim() ?? "")
        .digest("hex");
}

/** Thanos image of the sidecar: the one kube-prometheus-stack 88.5.3 ships, pinned so a chart bump cannot change it unseen. */
export const THANOS_VERSION = "v0.42.4";
export const THANOS_IMAGE = `quay.io/thanos/thanos:${THANOS_VERSION}`;

interface ResourceRequirements {
    requests: { cpu: string; memory: string };
    limits: { memory: string };
}

/** Pod-level part of the restricted Pod Security profile. */
interface PodSecurityValues {
    runAsNonRoot: true;
    runAsUser: number;
    runAsGroup: number;
    fsGroup: number;
    seccompProfile: { type: "RuntimeDefault" };
}

/** Container-level part of the restricted profile, with a read-only root filesystem. */
interface ContainerSecurityValues {
    allowPrivilegeEscalation: false;
    readOnlyRootFilesystem: true;
    capabilities: { drop: ["ALL"] };
    seccompProfile?: { type: "RuntimeDefault" };
}

function podSecurity(uid: number): PodSecurityValues {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

const CONTAINER_SECURITY: ContainerSecurityValues = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

/** Grafana's pod securityContext (chart default) sets no seccomp profile, so its containers do. */
const GRAFANA_CONTAINER_SECURITY: ContainerSecurityValues = {
    ...CONTAINER_SECURITY,
    seccompProfile: { type: "RuntimeDefault" },
};

function resources(cpu: string, memoryRequest: string, memoryLimit: string): ResourceRequirements {
    return { requests: { cpu, memory: memoryRequest }, limits: { memory: memoryLimit } };
}

/**
 * The chart's PodDisruptionBudget values. minAvailable, not maxUnavailable: the chart defaults
 * minAvailable to 1 and would render both, which the API rejects.
 */
interface DisruptionBudgetValues {
    enabled: boolean;
    minAvailable: number;
}

interface VolumeClaimTemplate {
    spec: {
        storageClassName: string;
        accessModes: string[];
        resources: { requests: { storage: string } };
    };
}

/** Alertmanager values, on the central cluster (off elsewhere). */
export interface AlertmanagerValues {
    enabled: boolean;
    /** The whole Alertmanager config; the chart writes it to the Secret the operator reads. */
    config?: AlertmanagerConfigDocument;
    podDisruptionBudget?: DisruptionBudgetValues;
    alertmanagerSpec?: {
        /** Mounted at /etc/alertmanager/secrets/<name>/: the receivers' credentials, read through `*_file` fields. */
        secrets: string[];
        replicas: number;
        securityContext: PodSecurityValues;
        podAntiAffinity: "soft" | "hard" | "";
        resources: ResourceRequirements;
        storage: { volumeClaimTemplate: VolumeClaimTemplate };
    };
}

/** The Grafana dashboard sidecar: which ConfigMaps become dashboards, and the chart's multicluster switch. */
export interface GrafanaDashboardSidecarValues {
    enabled: boolean;
    label: string;
    labelValue: string;
    /** Namespaces the sidecar watches for dashboard ConfigMaps. */
    searchNamespace: string;
    /** The ConfigMap annotation naming a dashboard's folder (with provider.foldersFromFilesStructure). */
    folderAnnotation: string;
    provider: { foldersFromFilesStructure: boolean };
    /** kube-prometheus-stack's own key: shows the `cluster` variable on the chart's dashboards. */
    multicluster: { global: { enabled: boolean } };
}

/** Grafana subchart values, on the central cluster (off elsewhere). */
export interface GrafanaValues {
    enabled: boolean;
    admin?: { existingSecret: string; userKey: string; passwordKey: string };
    deploymentStrategy?: { type: "Recreate" | "RollingUpdate" };
    initChownData?: { enabled: boolean };
    resources?: ResourceRequirements;
    containerSecurityContext?: ContainerSecurityValues;
    /** Grafana writes temporary files; with a read-only root filesystem /tmp is an emptyDir. */
    extraEmptyDirMounts?: { name: string; mountPath: string }[];
    persistence?: { enabled: boolean; type: "pvc"; storageClassName: string; accessModes: string[]; size: string };
    service?: {
        type: "LoadBalancer" | "ClusterIP";
        port: number;
        annotations: Record<string, string>;
        labels: Record<string, string>;
        loadBalancerSourceRanges: string[];
    };
    sidecar?: {
        datasources: { defaultDatasourceEnabled: boolean };
        dashboards: GrafanaDashboardSidecarValues;
        resources: ResourceRequirements;
        securityContext: ContainerSecurityValues;
    };
    additionalDataSources?: {
        name: string;
        uid: string;
        type: "prometheus";
        access: "proxy";
        url: string;
        isDefault: boolean;
        jsonData: Record<string, unknown>;
    }[];
}

/** The subset of the chart's values that we set, typed so a misspelt key fails to compile. */
export interface KubePrometheusStackValues {
    fullnameOverride: string;
    /** The chart's alert rules: `disabled` maps an alert name to true to leave it out. */
    defaultRules: { disabled: Record<string, true> };
    /** Components absent from (or unscrapable on) this cluster: no scrape, no alert rules. */
    kubeProxy?: { enabled: false };
    kubeScheduler?: { enabled: false };
    kubeControllerManager?: { enabled: false };
    kubeEtcd?: { enabled: false };
    alertmanager: AlertmanagerValues;
    grafana: GrafanaValues;
    "prometheus-node-exporter": { namespaceOverride: string };
    prometheusOperator: {
        resources: ResourceRequirements;
        securityContext: PodSecurityValues;
        containerSecurityContext: ContainerSecurityValues;
        prometheusConfigReloader: { resources: ResourceRequirements };
    };
    "kube-state-metrics": { resources: ResourceRequirements; containerSecurityContext: ContainerSecurityValues };
    prometheus: {
        enabled: boolean;
        podDisruptionBudget: DisruptionBudgetValues;
        thanosService: { enabled: boolean };
        thanosServiceExternal: { enabled: boolean };
        prometheusSpec: {
            replicas: number;
            scrapeInterval: string;
            evaluationInterval: string;
            externalLabels: Record<string, string>;
            replicaExternalLabelName: string;
            retention: string;
            retentionSize: string;
            disableCompaction: boolean;
            walCompression: boolean;
            podAntiAffinity: "soft" | "hard" | "";
            podAntiAffinityTopologyKey: string;
            resources: ResourceRequirements;
            securityContext: PodSecurityValues;
            serviceMonitorSelectorNilUsesHelmValues: boolean;
            podMonitorSelectorNilUsesHelmValues: boolean;
            ruleSelectorNilUsesHelmValues: boolean;
            probeSelectorNilUsesHelmValues: boolean;
            scrapeConfigSelectorNilUsesHelmValues: boolean;
            storageSpec: { volumeClaimTemplate: VolumeClaimTemplate };
            /** Edges: the central Alertmanager replicas (Prometheus `alerting.alertmanagers` entries; the chart stores them in a Secret). */
            additionalAlertManagerConfigs?: AdditionalAlertmanagerConfig[];
            /** ConfigMaps the operator mounts into the Prometheus pod (volume `configmap-<name>`). */
            configMaps?: string[];
            /** Secrets the operator mounts into the Prometheus pod (volume `secret-<name>`). */
            secrets?: string[];
            /** Labels and annotations of the Prometheus pods. */
            podMetadata?: { annotations: Record<string, string> };
            thanos: {
                volumeMounts?: { name: string; mountPath: string; readOnly: boolean }[];
                grpcServerTlsConfig?: { caFile: string; certFile: string; keyFile: string; minVersion: string };
                image: string;
                version: string;
                blockSize: string;
                objectStorageConfig: { existingSecret: { name: string; key: string } };
                resources: ResourceRequirements;
            };
        };
    };
}

/** One entry of Prometheus' `alerting.alertmanagers`. */
export interface AdditionalAlertmanagerConfig {
    scheme: "http" | "https";
    api_version: "v2";
    timeout: string;
    static_configs: { targets: string[] }[];
}

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

/** What the central cluster adds to its monitoring base: Alertmanager HA and Grafana on Thanos Query. */
export interface CentralAddons {
    alertmanagerReplicas: number;
    alertmanagerStorageSize: string;
    /** The Secret holding the receivers' credentials, mounted into every Alertmanager pod. */
    alertmanagerReceiverSecret: string;
    /** Routes, inhibitions and receivers (credentials only as file paths). */
    alertmanagerConfig: AlertmanagerConfigDocument;
    grafanaStorageSize: string;
    /** The Secret holding Grafana's admin credentials (the chart reads it; the password never enters the values). */
    grafanaAdminSecret: { name: string; userKey: string; passwordKey: string };
    /** In-cluster URL of the Thanos query-frontend (in front of Query), Grafana's one default datasource. */
    thanosDatasourceUrl: string;
    /** The central pinned address and its sharing key, shared with Query's LoadBalancer. */
    loadBalancerIp: string;
    sharingKey: string;
    /** Who may reach Grafana. */
    uiSourceRanges: string[];
}

export const GRAFANA_PORT = 3000;

function claimTemplate(storageClassName: string, size: string): VolumeClaimTemplate {
    return { spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } };
}

function alertmanagerValues(settings: ClusterSettings, central: CentralAddons | undefined): AlertmanagerValues {
    if (central === undefined) return { enabled: false };
    return {
        enabled: true,
        config: central.alertmanagerConfig,
        // A drain takes one replica at a time.
        podDisruptionBudget: { enabled: true, minAvailable: central.alertmanagerReplicas - 1 },
        alertmanagerSpec: {
            secrets: [central.alertmanagerReceiverSecret],
            // Gossip HA: the replicas share silences and notification state, each alert is sent once.
            replicas: central.alertmanagerReplicas,
            podAntiAffinity: "soft",
            securityContext: podSecurity(2000),
            resources: resources("50m", "128Mi", "256Mi"),
            storage: { volumeClaimTemplate: claimTemplate(settings.storageClass, central.alertmanagerStorageSize) },
        },
    };
}

/**
 * The dashboard sidecar, stated rather than inherited: it loads ConfigMaps labelled
 * GRAFANA_DASHBOARD_LABEL from the monitoring namespace only (the chart's dashboards and ours; a
 * labelled ConfigMap elsewhere cannot inject a dashboard), into the folder its annotation names.
 * Every series carries the `cluster` external label, so the chart's dashboards get their cluster
 * variable (hidden by default, and then they sum every cluster together).
 */
export function grafanaDashboardSidecar(): GrafanaDashboardSidecarValues {
    return {
        enabled: true,
        label: GRAFANA_DASHBOARD_LABEL.key,
        labelValue: GRAFANA_DASHBOARD_LABEL.value,
        searchNamespace: MONITORING_NAMESPACE,
        folderAnnotation: GRAFANA_FOLDER_ANNOTATION,
        provider: { foldersFromFilesStructure: true },
        multicluster: { global: { enabled: true } },
    };
}

function grafanaValues(settings: ClusterSettings, central: CentralAddons | undefined): GrafanaValues {
    if (central === undefined) return { enabled: false };
    return {
        enabled: true,
        admin: {
            existingSecret: central.grafanaAdminSecret.name,
            userKey: central.grafanaAdminSecret.userKey,
            passwordKey: central.grafanaAdminSecret.passwordKey,
        },
        // A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
        deploymentStrategy: { type: "Recreate" },
        // The chown init container runs as root; fsGroup already gives Grafana its volume.
        initChownData: { enabled: false },
        resources: resources("100m", "256Mi", "1Gi"),
        containerSecurityContext: GRAFANA_CONTAINER_SECURITY,
        extraEmptyDirMounts: [{ name: "tmp", mountPath: "/tmp" }],
        persistence: {
            enabled: true,
            type: "pvc",
            storageClassName: settings.storageClass,
            accessModes: ["ReadWriteOnce"],
            size: central.grafanaStorageSize,
        },
        service: {
            type: "LoadBalancer",
            port: GRAFANA_PORT,
            annotations: lbipamAnnotations(central.loadBalancerIp, central.sharingKey),
            // The Cilium pool and L2 policy select our Services by this label.
            labels: { ...PART_OF_LABEL },
            loadBalancerSourceRanges: central.uiSourceRanges,
        },
        // The chart's own datasource points at the local Prometheus and is marked default; two
        // defaults stop Grafana from starting, and the global view is Query's.
        sidecar: {
            datasources: { defaultDatasourceEnabled: false },
            dashboards: grafanaDashboardSidecar(),
            resources: resources("50m", "64Mi", "256Mi"),
            securityContext: GRAFANA_CONTAINER_SECURITY,
        },
        additionalDataSources: [
            {
                name: "Thanos",
                uid: THANOS_DATASOURCE.uid,
                type: "prometheus",
                access: "proxy",
                url: central.thanosDatasourceUrl,
                isDefault: true,
                jsonData: {
                    prometheusType: "Thanos",
                    timeInterval: settings.prometheus.scrapeInterval,
                    httpMethod: "POST",
                },
            },
        ],
    };
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
    const withTls = settings.grpcTls.enabled;
    const alertmanagers = edgeAlertmanagerConfigs(settings);
    const sidecarMounts = [
        ...(withCa ? [{ name: OBJSTORE_CA.volume, mountPath: OBJSTORE_CA.mountPath, readOnly: true }] : []),
        ...(withTls ? [{ name: SIDECAR_TLS.volume, mountPath: SIDECAR_TLS.mountPath, readOnly: true }] : []),
    ];
    return {
        // Short, fixed object names: the per-replica sidecar Services select pods by name.
        fullnameOverride: KUBE_PROMETHEUS_STACK.fullname,
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
        },
        prometheus: {
            enabled: true,
            podDisruptionBudget: { enabled: true, minAvailable: prometheus.replicas - 1 },
            // The chart's sidecar Services would put both replicas behind one address; Query must see
            // each replica separately, so the SidecarLoadBalancer component exposes them instead.
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
                // The sidecar reads its client CA once, at start: a newly configured or rotated
                // deployment CA must roll the pods (the server certificate itself is reloaded).
                ...(withTls
                    ? {
                          podMetadata: {
                              annotations: {
                                  "checksum/grpc-client-ca": grpcClientCaChecksum(settings.grpcTls.clientCaCertificate),
                              },
                          },
                      }
                    : {}),
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
                ...(withTls ? { secrets: [SIDECAR_TLS.secret] } : {}),
                thanos: {
                    // The operator mounts configMaps and secrets into the prometheus container only; the sidecar needs them too.
                    ...(sidecarMounts.length > 0 ? { volumeMounts: sidecarMounts } : {}),
                    // mTLS: the sidecar serves its certificate and accepts only clients of the edge's CA.
                    ...(withTls ? { grpcServerTlsConfig: sidecarGrpcServerTlsConfig() } : {}),
                    image: THANOS_IMAGE,
                    version: THANOS_VERSION,
                    blockSize: BLOCK_DURATION,
                    objectStorageConfig: { existingSecret: { name: objstore.name, key: objstore.key } },
                    resources: resources("50m", "128Mi", "512Mi"),
                },
            },
        },
    };
}

/** The import id of a Helm release: namespace/name (the release must live in our namespace). */
export function adoptedReleaseId(releaseName: string): string {
    return `${MONITORING_NAMESPACE}/${releaseName}`;
}

export interface KubePrometheusStackArgs {
    /** Provider of the cluster to install into. */
    provider: k8s.Provider;
    /** Namespace of the release (Prometheus, the operator, kube-state-metrics). */
    namespace: pulumi.Input<string>;
    /** The validated cluster settings. */
    settings: ClusterSettings;
    /** The objstore Secret the sidecar reads. */
    objstore: { name: pulumi.Input<string>; key: string };
    /** Alertmanager and Grafana, on the central cluster only. */
    central?: CentralAddons;
    /** Resources the release must wait for (the node exporter's namespace). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** kube-prometheus-stack as one Helm release, pinned with its repository. */
export class KubePrometheusStack extends pulumi.ComponentResource {
    /** The Helm release. */
    public readonly release: k8s.helm.v3.Release;
    /** The values passed to the chart. */
    public readonly values: pulumi.Output<KubePrometheusStackValues>;

    constructor(name: string, args: KubePrometheusStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:monitoring:KubePrometheusStack", name, {}, opts);
        this.values = pulumi
            .output(args.objstore.name)
            .apply((secretName) =>
                kubePrometheusStackValues(args.settings, { name: secretName, key: args.objstore.key }, args.central),
            );
        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: args.settings.kubePrometheusStack.releaseName,
                chart: KUBE_PROMETHEUS_STACK.chart,
                version: KUBE_PROMETHEUS_STACK.version,
                repositoryOpts: { repo: KUBE_PROMETHEUS_STACK.repository },
                namespace: args.namespace,
                values: this.values,
                // The operator's CRDs and webhook take a while on a cold cluster.
                timeout: 900,
                maxHistory: 10,
            },
            {
                parent: this,
                provider: args.provider,
                dependsOn: args.dependsOn,
                // Taking over an existing release: the import reads it, the update then upgrades it to these values.
                ...(args.settings.kubePrometheusStack.adopt
                    ? { import: adoptedReleaseId(args.settings.kubePrometheusStack.releaseName) }
                    : {}),
            },
        );
        this.registerOutputs({ release: this.release.status });
    }
}
