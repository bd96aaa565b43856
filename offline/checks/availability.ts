// Availability of the Thanos workloads we define. The chart's replicas and disruption budgets
// (Prometheus, Alertmanager) are checked with its values, in security.ts.

import { Finding, RenderedPlan, objectName, thanosContainers } from "./renderedPlan";

/** Replicas, spreading and disruption budgets of the workloads we define; the compactor stays single. */
export function checkAvailability(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    const budgets = plan.manifests.filter((o) => o.kind === "PodDisruptionBudget");
    for (const { object, component, pod } of thanosContainers(plan).map((t) => ({
        ...t,
        pod: t.object.spec.template.spec,
    }))) {
        const where = objectName(object);
        const add = (field: string, message: string) =>
            findings.push({ severity: "error", stack: plan.stack, object: where, field, message });
        if (component === "compact") {
            if (object.kind !== "StatefulSet" || object.spec.replicas !== 1)
                add(
                    "spec.replicas",
                    "the compactor must be a StatefulSet of exactly 1 replica: two compactors on one bucket corrupt it",
                );
            continue;
        }
        if ((object.spec.replicas ?? 1) < 2) add("spec.replicas", "must be at least 2");
        const spread = pod.affinity?.podAntiAffinity !== undefined || (pod.topologySpreadConstraints ?? []).length > 0;
        if (!spread)
            add(
                "spec.template.spec.affinity",
                "replicas must be spread by pod anti-affinity or topology spread constraints",
            );
        const labels = object.spec.template.metadata?.labels ?? {};
        const covered = budgets.some(
            (b) =>
                b.metadata.namespace === object.metadata.namespace &&
                Object.entries(b.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v),
        );
        if (!covered) add("(PodDisruptionBudget)", "no PodDisruptionBudget selects its pods");
    }
    return findings;
}
