import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { thanosDashboards } from "../dashboards";
import {
    GRAFANA_DASHBOARD_LABEL,
    GRAFANA_FOLDER_ANNOTATION,
    MANAGED_BY_LABEL,
    MONITORING_NAMESPACE,
    PART_OF_LABEL,
} from "./names";

/** The Grafana folder the Thanos dashboards go into. */
export const THANOS_DASHBOARD_FOLDER = "Thanos";

/** The key of a dashboard in its ConfigMap: the sidecar writes each key as a file, and loads *.json. */
export function dashboardFileName(dashboard: Dashboard): string {
    return `${dashboard.uid}.json`;
}

/**
 * One ConfigMap per dashboard, labelled for the Grafana sidecar (grafanaDashboardSidecar in
 * kubePrometheusStack/central.ts) in the namespace it watches. One each keeps every object far below the
 * 1 MiB ConfigMap limit however the dashboards grow.
 */
export function dashboardConfigMapSpecs(
    dashboards: Dashboard[] = thanosDashboards(),
): k8s.types.input.core.v1.ConfigMap[] {
    return dashboards.map((dashboard) => ({
        metadata: {
            name: `grafana-dashboard-${dashboard.uid}`,
            namespace: MONITORING_NAMESPACE,
            labels: {
                ...PART_OF_LABEL,
                ...MANAGED_BY_LABEL,
                [GRAFANA_DASHBOARD_LABEL.key]: GRAFANA_DASHBOARD_LABEL.value,
            },
            annotations: { [GRAFANA_FOLDER_ANNOTATION]: THANOS_DASHBOARD_FOLDER },
        },
        data: { [dashboardFileName(dashboard)]: JSON.stringify(dashboard, null, 2) },
    }));
}

export interface ThanosDashboardsArgs {
    /** Provider of the central cluster (where Grafana runs). */
    provider: k8s.Provider;
    /** Resources to wait for: the monitoring namespace, through the monitoring base. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The project's Thanos dashboards, provisioned through the Grafana sidecar; central cluster only. */
export class ThanosDashboards extends pulumi.ComponentResource {
    /** The dashboards' uids, in the order Grafana lists them. */
    public readonly uids: string[];

    constructor(name: string, args: ThanosDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:central:ThanosDashboards", name, {}, opts);
        const specs = dashboardConfigMapSpecs();
        for (const spec of specs) {
            new k8s.core.v1.ConfigMap(`${name}-${(spec.metadata as { name: string }).name}`, spec, {
                parent: this,
                provider: args.provider,
                dependsOn: args.dependsOn,
            });
        }
        this.uids = thanosDashboards().map((d) => d.uid!);
        this.registerOutputs({ uids: this.uids });
    }
}
