// kube-prometheus-stack on every cluster: this module registers the Helm release; its values are built
// by the pure functions in ./kubePrometheusStack/ (re-exported here).

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, ClusterSettings } from "../config";
import { KUBE_PROMETHEUS_STACK, MONITORING_NAMESPACE } from "./names";
import { CentralAddons } from "./kubePrometheusStack/central";
import { KubePrometheusStackValues } from "./kubePrometheusStack/types";
import { kubePrometheusStackValues } from "./kubePrometheusStack/values";

export { GRAFANA_PORT, grafanaDashboardSidecar } from "./kubePrometheusStack/central";
export type { CentralAddons } from "./kubePrometheusStack/central";
export {
    THANOS_IMAGE,
    THANOS_VERSION,
    edgeAlertmanagerConfigs,
    kubePrometheusStackValues,
} from "./kubePrometheusStack/values";
export type { ObjstoreSecretRef } from "./kubePrometheusStack/values";
export type {
    AdditionalAlertmanagerConfig,
    AlertmanagerValues,
    GrafanaDashboardSidecarValues,
    GrafanaValues,
    KubePrometheusStackValues,
} from "./kubePrometheusStack/types";

/**
 * Where Helm finds the pinned chart: by name and version in a chart repository (upstream or its
 * mirror), or a packaged chart file the operator provides, by its path relative to the project
 * directory (where the Pulumi CLI runs the program and starts the Kubernetes provider, which
 * resolves the path), so the same inputs hold on every machine that runs the stack.
 */
export function releaseChartArgs(source: ChartSource): {
    chart: string;
    version: string;
    repositoryOpts?: { repo: string };
} {
    return source.kind === "file"
        ? { chart: source.path, version: KUBE_PROMETHEUS_STACK.version }
        : {
              chart: KUBE_PROMETHEUS_STACK.chart,
              version: KUBE_PROMETHEUS_STACK.version,
              repositoryOpts: { repo: source.url },
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
                ...releaseChartArgs(args.settings.kubePrometheusStack.chart),
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
                // Taking over an existing release (docs/existing-kube-prometheus-stack.md): the first
                // update imports it and, in the same run, upgrades it to these values; later updates
                // find it in the state under the same id and import nothing.
                ...(args.settings.kubePrometheusStack.adopt
                    ? { import: adoptedReleaseId(args.settings.kubePrometheusStack.releaseName) }
                    : {}),
            },
        );
        this.registerOutputs({ release: this.release.status });
    }
}
