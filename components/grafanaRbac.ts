// Grafana's access to the Kubernetes API: its sidecars read ConfigMaps in the monitoring namespace
// and nothing else. The Grafana chart's own Role (and ClusterRole, when not namespaced) grants its
// sidecars ConfigMaps *and Secrets*, whatever they load: so the chart creates no role (the values
// name this one in `rbac.useExistingRole`) and binds its service account to this Role instead.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY_LABEL, MONITORING_NAMESPACE, PART_OF_LABEL } from "./names";

/** The Role the Grafana chart's RoleBinding names (`grafana.rbac.useExistingRole`). */
export const GRAFANA_SIDECAR_ROLE = "grafana-sidecar-configmaps";

/**
 * The dashboard and datasource sidecars list and watch labelled ConfigMaps (their RESOURCE is
 * `configmap`); `get` for the single reads the sidecar makes when a watch is resumed.
 */
export function grafanaSidecarRoleSpec(): k8s.types.input.rbac.v1.Role {
    return {
        metadata: {
            name: GRAFANA_SIDECAR_ROLE,
            namespace: MONITORING_NAMESPACE,
            labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL, "app.kubernetes.io/component": "grafana" },
        },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
    };
}

export interface GrafanaSidecarRoleArgs {
    /** Provider of the central cluster. */
    provider: k8s.Provider;
    /** Resources to wait for: the monitoring namespace. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The Role Grafana's sidecars run under: ConfigMaps in `monitoring`, no Secrets. */
export class GrafanaSidecarRole extends pulumi.ComponentResource {
    /** The Role, for the release's dependsOn. */
    public readonly role: k8s.rbac.v1.Role;

    constructor(name: string, args: GrafanaSidecarRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:grafana:GrafanaSidecarRole", name, {}, opts);
        this.role = new k8s.rbac.v1.Role(name, grafanaSidecarRoleSpec(), {
            parent: this,
            provider: args.provider,
            dependsOn: args.dependsOn,
        });
        this.registerOutputs({ role: this.role.metadata.name });
    }
}
