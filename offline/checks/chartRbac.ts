// What the chart's Grafana and kube-state-metrics may do with the Kubernetes API, resolved from the
// objects `helm template` renders plus the stack's own: every RoleBinding and ClusterRoleBinding
// whose subjects include the workload's service account, and the Role or ClusterRole each names.
// - No binding of the Grafana or kube-state-metrics service account grants anything on Secrets
//   (a Secret of the monitoring namespace holds the objstore keys, Alertmanager's receivers and
//   Grafana's admin password; elsewhere, everyone else's).
// - A binding to a role neither the chart nor the stack declares cannot be checked: an error.
// - Grafana's sidecars still work: each reads ConfigMaps only (RESOURCE=configmap), and the service
//   account may get, list and watch ConfigMaps in every namespace a sidecar searches.

import { ChartRender, K8sObject, objectId } from "./chartTemplate";
import { Finding } from "./renderedPlan";

/** Which objects a rule grants which verbs on, flattened. */
interface Grant {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

/** The service account a workload's pods run as. */
export function serviceAccountOf(workload: K8sObject): { name: string; namespace: string } {
    return {
        name: workload.spec?.template?.spec?.serviceAccountName ?? "default",
        namespace: workload.metadata?.namespace,
    };
}

/** Does this binding subject stand for the service account (by name, or a group every service account of it is in)? */
function subjectIncludes(subject: K8sObject, account: { name: string; namespace: string }): boolean {
    if (subject.kind === "ServiceAccount")
        return subject.name === account.name && (subject.namespace ?? "") === account.namespace;
    if (subject.kind === "Group")
        return [
            "system:serviceaccounts",
            `system:serviceaccounts:${account.namespace}`,
            "system:authenticated",
        ].includes(subject.name);
    if (subject.kind === "User") return subject.name === `system:serviceaccount:${account.namespace}:${account.name}`;
    return false;
}

export interface ResolvedBinding {
    binding: K8sObject;
    /** The namespace the grant holds in; undefined for every namespace (a ClusterRoleBinding). */
    namespace: string | undefined;
    /** The role it names, if the chart or the stack declares it. */
    role: K8sObject | undefined;
}

/** Every binding of the service account among these objects, with the role it names. */
export function bindingsOf(objects: K8sObject[], account: { name: string; namespace: string }): ResolvedBinding[] {
    return objects
        .filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")
        .filter((b) => (b.subjects ?? []).some((s: K8sObject) => subjectIncludes(s, account)))
        .map((binding) => {
            const namespace = binding.kind === "RoleBinding" ? binding.metadata.namespace : undefined;
            const ref = binding.roleRef ?? {};
            const role = objects.find(
                (o) =>
                    o.kind === ref.kind &&
                    o.metadata?.name === ref.name &&
                    (ref.kind === "ClusterRole" || o.metadata?.namespace === namespace),
            );
            return { binding, namespace, role };
        });
}

function grants(role: K8sObject): Grant[] {
    return (role.rules ?? []).map((r: K8sObject) => ({
        apiGroups: r.apiGroups ?? [],
        resources: r.resources ?? [],
        verbs: r.verbs ?? [],
    }));
}

/** Does the rule cover this core resource (with any verb, or with each of these verbs)? */
function covers(grant: Grant, resource: string, verbs?: string[]): boolean {
    const group = grant.apiGroups.includes("") || grant.apiGroups.includes("*");
    const named = grant.resources.includes(resource) || grant.resources.includes("*");
    const allowed = verbs === undefined || grant.verbs.includes("*") || verbs.every((v) => grant.verbs.includes(v));
    return group && named && allowed;
}

function roleId(binding: K8sObject, namespace: string | undefined): string {
    return `${binding.roleRef?.kind} ${namespace !== undefined && binding.roleRef?.kind === "Role" ? `${namespace}/` : ""}${binding.roleRef?.name}`;
}

/** Findings about one workload's access to Secrets. */
function secretsAccess(
    who: string,
    workload: K8sObject,
    objects: K8sObject[],
    add: (object: string, field: string, message: string) => void,
): ResolvedBinding[] {
    const account = serviceAccountOf(workload);
    const bindings = bindingsOf(objects, account);
    for (const { binding, namespace, role } of bindings) {
        const where = `${binding.kind} ${namespace !== undefined ? `${namespace}/` : ""}${binding.metadata.name}`;
        if (role === undefined) {
            add(
                where,
                "roleRef",
                `binds the ${who} service account ${account.namespace}/${account.name} to ${roleId(binding, namespace)}, which neither the chart nor the stack declares: its rules cannot be checked`,
            );
            continue;
        }
        if (role.aggregationRule !== undefined) {
            add(
                objectId(role),
                "aggregationRule",
                `the ${who} service account is bound to an aggregated ClusterRole: its rules are not known before it is deployed`,
            );
            continue;
        }
        if (grants(role).some((g) => covers(g, "secrets")))
            add(
                objectId(role),
                "rules",
                `grants the ${who} service account ${account.namespace}/${account.name} access to Secrets ${namespace === undefined ? "in every namespace" : `in ${namespace}`} (through ${where})`,
            );
    }
    return bindings;
}

/** The namespaces a Grafana sidecar container searches (its NAMESPACE env; the pod's own by default). */
function sidecarNamespaces(container: K8sObject, podNamespace: string): string[] | "ALL" {
    const value = (container.env ?? []).find((e: K8sObject) => e.name === "NAMESPACE")?.value;
    if (value === undefined || value === "") return [podNamespace];
    if (value === "ALL") return "ALL";
    return String(value)
        .split(",")
        .map((n) => n.trim());
}

export function checkChartRbac(render: ChartRender): Finding[] {
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string) =>
        findings.push({
            severity: "error",
            stack: render.plan.stack,
            object: `helm template ${render.release.name}: ${object}`,
            field,
            message,
        });
    // The stack's own roles count: a chart binding may name one (Grafana's useExistingRole).
    const objects = [...render.objects, ...render.plan.manifests];
    const workload = (name: string) =>
        render.objects.find((o) => o.kind === "Deployment" && o.metadata?.labels?.["app.kubernetes.io/name"] === name);

    // Either may be off (Grafana is, on the edges): then it has no access to check.
    const ksm = workload("kube-state-metrics");
    if (ksm !== undefined) secretsAccess("kube-state-metrics", ksm, objects, add);

    const grafana = workload("grafana");
    if (grafana === undefined) return findings;
    const bindings = secretsAccess("Grafana", grafana, objects, add);
    const podNamespace = grafana.metadata.namespace;
    const pod = grafana.spec.template.spec;
    for (const container of [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as K8sObject[]) {
        const resource = (container.env ?? []).find((e: K8sObject) => e.name === "RESOURCE")?.value;
        if (resource === undefined) continue; // not a sidecar
        const field = `containers.${container.name}.env.RESOURCE`;
        if (resource !== "configmap")
            add(
                objectId(grafana),
                field,
                `the sidecar reads ${resource === "both" ? "ConfigMaps and Secrets" : resource}: it must read ConfigMaps only (resource: configmap), as Grafana may not read Secrets`,
            );
        const searched = sidecarNamespaces(container, podNamespace);
        const readable = (namespace: string | undefined) =>
            bindings.some(
                (b) =>
                    b.role !== undefined &&
                    (b.namespace === undefined || b.namespace === namespace) &&
                    grants(b.role).some((g) => covers(g, "configmaps", ["get", "list", "watch"])),
            );
        for (const namespace of searched === "ALL" ? [undefined] : searched)
            if (!readable(namespace))
                add(
                    objectId(grafana),
                    `containers.${container.name}.env.NAMESPACE`,
                    `the sidecar searches ${namespace ?? "every namespace"}, where Grafana's service account may not get, list and watch ConfigMaps: it loads nothing`,
                );
    }
    return findings;
}
