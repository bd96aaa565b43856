import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { MANAGED_BY_LABEL, PART_OF_LABEL } from "./names";

/** Where the Grafana chart finds the admin credentials (`grafana.admin.existingSecret`). */
export const GRAFANA_ADMIN_SECRET = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" };
export const GRAFANA_ADMIN_USER = "admin";

export interface GrafanaAdminSecretArgs {
    /** Provider of the cluster Grafana runs in. */
    provider: k8s.Provider;
    /** Namespace of the Grafana release. */
    namespace: pulumi.Input<string>;
}

/**
 * Grafana's admin password: generated, kept in a Secret the chart reads by reference. It never
 * appears in Helm values nor in a stack output: an operator reads it from the Secret (docs/security.md).
 */
export class GrafanaAdminSecret extends pulumi.ComponentResource {
    /** The generated password (secret). */
    public readonly password: pulumi.Output<string>;
    /** Name and keys of the Secret. */
    public readonly ref = GRAFANA_ADMIN_SECRET;
    /** The Secret, for dependsOn. */
    public readonly secret: k8s.core.v1.Secret;

    constructor(name: string, args: GrafanaAdminSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:grafana:GrafanaAdminSecret", name, {}, opts);
        const password = new random.RandomPassword(name, { length: 32, special: false }, { parent: this });
        this.password = pulumi.secret(password.result);
        this.secret = new k8s.core.v1.Secret(
            name,
            {
                metadata: {
                    name: GRAFANA_ADMIN_SECRET.name,
                    namespace: args.namespace,
                    labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL, "app.kubernetes.io/component": "grafana-admin" },
                },
                type: "Opaque",
                stringData: pulumi.secret({
                    [GRAFANA_ADMIN_SECRET.userKey]: pulumi.output(GRAFANA_ADMIN_USER),
                    [GRAFANA_ADMIN_SECRET.passwordKey]: this.password,
                }),
            },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({ password: this.password });
    }
}
