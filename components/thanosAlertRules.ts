import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RuleGroup } from "./alertRules";
import { MANAGED_BY_LABEL, MONITORING_NAMESPACE, PART_OF_LABEL } from "./names";

/** A PrometheusRule as we declare it (the operator's CRD). */
export interface PrometheusRuleSpec {
    apiVersion: "monitoring.coreos.com/v1";
    kind: "PrometheusRule";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: { groups: RuleGroup[] };
}

/**
 * A PrometheusRule for the cluster's own Prometheus, which loads every PrometheusRule
 * (ruleSelectorNilUsesHelmValues: false). Plain Prometheus rejects the Thanos-only
 * `partial_response_strategy`, so a group carrying it is a mistake here: it belongs to the Ruler.
 */
export function prometheusRuleSpec(name: string, groups: RuleGroup[]): PrometheusRuleSpec {
    const thanosOnly = groups.filter((g) => g.partial_response_strategy !== undefined).map((g) => g.name);
    if (thanosOnly.length > 0) {
        throw new Error(
            `PrometheusRule ${name}: groups ${thanosOnly.join(", ")} set partial_response_strategy, which Prometheus rejects; evaluate them in the Thanos Ruler`,
        );
    }
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF_LABEL, ...MANAGED_BY_LABEL } },
        spec: { groups },
    };
}

export interface ThanosAlertRulesArgs {
    /** Provider of the cluster. */
    provider: k8s.Provider;
    /** Name of the PrometheusRule object. */
    ruleName: string;
    /** The groups, from components/alertRules, with the stack's disabled alerts already left out. */
    groups: pulumi.Input<RuleGroup[]>;
    /** Resources to wait for: the kube-prometheus-stack release, which installs the CRD. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Alert rules evaluated by the cluster's own Prometheus, as one PrometheusRule. */
export class ThanosAlertRules extends pulumi.ComponentResource {
    constructor(name: string, args: ThanosAlertRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("thanos-multicluster:monitoring:ThanosAlertRules", name, {}, opts);
        const spec = pulumi
            .output(args.groups)
            .apply((groups) => prometheusRuleSpec(args.ruleName, groups as RuleGroup[]));
        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: prometheusRuleSpec(args.ruleName, []).metadata,
                spec: spec.spec,
            },
            { parent: this, provider: args.provider, dependsOn: args.dependsOn },
        );
        this.registerOutputs({});
    }
}
