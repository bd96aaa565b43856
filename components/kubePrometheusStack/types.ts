// The subset of kube-prometheus-stack's values (chart 88.5.3, and its Grafana subchart) that we set,
// typed so that a misspelt key fails to compile.

import { AlertmanagerConfigDocument } from "../alertmanagerConfig";

export interface ResourceRequirements {
    requests: { cpu: string; memory: string };
    limits: { memory: string };
}

/** Pod-level part of the restricted Pod Security profile. */
export interface PodSecurityValues {
    runAsNonRoot: true;
    runAsUser: number;
    runAsGroup: number;
    fsGroup: number;
    seccompProfile: { type: "RuntimeDefault" };
}

/** Container-level part of the restricted profile, with a read-only root filesystem. */
export interface ContainerSecurityValues {
    allowPrivilegeEscalation: false;
    readOnlyRootFilesystem: true;
    capabilities: { drop: ["ALL"] };
    seccompProfile?: { type: "RuntimeDefault" };
}

/**
 * The chart's PodDisruptionBudget values. minAvailable, not maxUnavailable: the chart defaults
 * minAvailable to 1 and would render both, which the API rejects.
 */
export interface DisruptionBudgetValues {
    enabled: boolean;
    minAvailable: number;
}

export interface VolumeClaimTemplate {
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
        /** Only maxSilences: the operator's maxPerSilenceBytes names a flag Alertmanager v0.34 lacks. */
        limits: { maxSilences: number };
        /** Alertmanager flags the CR has no field for (name without --, value). */
        additionalArgs: { name: string; value: string }[];
    };
}

/** The Grafana dashboard sidecar: which ConfigMaps become dashboards, and the chart's multicluster switch. */
export interface GrafanaDashboardSidecarValues {
    enabled: boolean;
    label: string;
    labelValue: string;
    /** Namespaces the sidecar watches for dashboard ConfigMaps. */
    searchNamespace: string;
    /** What the sidecar watches: ConfigMaps only (its Role grants no Secrets). */
    resource: "configmap";
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
    /** The chart's `helm test` pod (root, writable root filesystem) would break the namespace's restricted profile. */
    testFramework?: { enabled: boolean };
    resources?: ResourceRequirements;
    containerSecurityContext?: ContainerSecurityValues;
    /** Grafana writes temporary files; with a read-only root filesystem /tmp is an emptyDir. */
    extraEmptyDirMounts?: { name: string; mountPath: string }[];
    persistence?: { enabled: boolean; type: "pvc"; storageClassName: string; accessModes: string[]; size: string };
    /** In-cluster only: the front door forwards the central address's port 3000 here. */
    service?: { type: "ClusterIP"; port: number };
    /** Namespaced: a Role, no ClusterRole; ours (configmaps only) instead of the chart's (configmaps and secrets). */
    rbac?: { namespaced: true; useExistingRole: string };
    sidecar?: {
        /** `resource: configmap`: the datasource sidecar reads no Secrets. */
        datasources: { defaultDatasourceEnabled: boolean; resource: "configmap" };
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
    /** Air-gapped: the registry replacing every image's (the chart's and its subcharts' templates read it first). */
    global?: { imageRegistry: string };
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
    "kube-state-metrics": {
        resources: ResourceRequirements;
        containerSecurityContext: ContainerSecurityValues;
        /** Collectors left out of the chart's list, and so out of its ClusterRole: `secrets`. */
        collectorsExclude: string[];
    };
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
