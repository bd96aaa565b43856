// What the central cluster adds to its release: Alertmanager HA, and Grafana on Thanos Query.

import { ClusterSettings } from "../../config";
import { AlertmanagerLimits } from "../../config/alertmanagerLimits";
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_FOLDER_ANNOTATION, MONITORING_NAMESPACE, THANOS_DATASOURCE } from "../names";
import { MAX_SCRAPE_INTERVAL } from "../alertRules/rateWindow";
import { AlertmanagerConfigDocument } from "../alertmanagerConfig";
import { GRAFANA_SIDECAR_ROLE } from "../grafanaRbac";
import { GRAFANA_CONTAINER_SECURITY, claimTemplate, podSecurity, resources } from "./pods";
import { AlertmanagerValues, GrafanaDashboardSidecarValues, GrafanaValues } from "./types";

/** What the central cluster adds to its monitoring base: Alertmanager HA and Grafana on Thanos Query. */
export interface CentralAddons {
    alertmanagerReplicas: number;
    alertmanagerStorageSize: string;
    /** Bounds on the silences and alerts Alertmanager keeps. */
    alertmanagerLimits: AlertmanagerLimits;
    /** The Secret holding the receivers' credentials, mounted into every Alertmanager pod. */
    alertmanagerReceiverSecret: string;
    /** Routes, inhibitions and receivers (credentials only as file paths). */
    alertmanagerConfig: AlertmanagerConfigDocument;
    grafanaStorageSize: string;
    /** The Secret holding Grafana's admin credentials (the chart reads it; the password never enters the values). */
    grafanaAdminSecret: { name: string; userKey: string; passwordKey: string };
    /** In-cluster URL of the Thanos query-frontend (in front of Query), Grafana's one default datasource. */
    thanosDatasourceUrl: string;
}

export const GRAFANA_PORT = 3000;

export function alertmanagerValues(settings: ClusterSettings, central: CentralAddons | undefined): AlertmanagerValues {
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
            ...alertmanagerLimitValues(central.alertmanagerLimits),
        },
    };
}

/**
 * The limits as the Alertmanager CR takes them (prometheus-operator v0.93, Alertmanager v0.34).
 * `limits.maxSilences` becomes --silences.max-silences. The silence size goes through
 * additionalArgs: the operator turns `limits.maxPerSilenceBytes` into --silences.max-per-silence-bytes,
 * a flag Alertmanager v0.34 does not have (its flag is --silences.max-silence-size-bytes), so that
 * pod would not start. The per-alertname limit has no CR field. The operator refuses additionalArgs
 * it sets itself; it sets neither of these.
 */
export function alertmanagerLimitValues(limits: AlertmanagerLimits): {
    limits: { maxSilences: number };
    additionalArgs: { name: string; value: string }[];
} {
    return {
        limits: { maxSilences: limits.maxSilences },
        additionalArgs: [
            { name: "silences.max-silence-size-bytes", value: String(limits.maxSilenceSizeBytes) },
            { name: "alerts.per-alertname-limit", value: String(limits.alertsPerAlertname) },
        ],
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
        // ConfigMaps only: its Role grants no Secrets (GRAFANA_SIDECAR_ROLE).
        resource: "configmap",
        folderAnnotation: GRAFANA_FOLDER_ANNOTATION,
        provider: { foldersFromFilesStructure: true },
        multicluster: { global: { enabled: true } },
    };
}

export function grafanaValues(settings: ClusterSettings, central: CentralAddons | undefined): GrafanaValues {
    if (central === undefined) return { enabled: false };
    return {
        enabled: true,
        admin: {
            existingSecret: central.grafanaAdminSecret.name,
            userKey: central.grafanaAdminSecret.userKey,
            passwordKey: central.grafanaAdminSecret.passwordKey,
        },
        // Grafana's service account reads ConfigMaps in its own namespace and nothing else: no
        // ClusterRole, and the chart's Role (ConfigMaps and Secrets) replaced by ours (components/grafanaRbac.ts).
        rbac: { namespaced: true, useExistingRole: GRAFANA_SIDECAR_ROLE },
        // A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
        deploymentStrategy: { type: "Recreate" },
        // The chown init container runs as root; fsGroup already gives Grafana its volume.
        initChownData: { enabled: false },
        // The `helm test` pod runs as root: the monitoring namespace's restricted profile rejects it.
        testFramework: { enabled: false },
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
        // In-cluster only: the central front door (components/frontDoor.ts) answers on the central
        // address, port 3000, and forwards here.
        service: { type: "ClusterIP", port: GRAFANA_PORT },
        // The chart's own datasource points at the local Prometheus and is marked default; two
        // defaults stop Grafana from starting, and the global view is Query's.
        sidecar: {
            // ConfigMaps only (the chart's datasource is one): its Role grants no Secrets.
            datasources: { defaultDatasourceEnabled: false, resource: "configmap" },
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
                    // The datasource reads every cluster, each scraping at its own interval up to
                    // MAX_SCRAPE_INTERVAL: $__rate_interval (at least 4 x this) spans 4 scrapes of any.
                    timeInterval: MAX_SCRAPE_INTERVAL,
                    httpMethod: "POST",
                },
            },
        ],
    };
}
