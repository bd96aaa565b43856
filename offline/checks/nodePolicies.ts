// The CiliumNetworkPolicies that let load-balanced traffic in after a node SNATed it: only the
// cluster's nodes (entities host and remote-node), only on the ports a LoadBalancer exposes, and
// present wherever such a port is exposed (else forwarded traffic is dropped on multi-node clusters).

import type { Finding, RenderedPlan } from "./renderedPlan";

const NODE_ENTITIES = ["host", "remote-node"];

/**
 * Pods reached through a LoadBalancer, by a label that identifies them, the ports exposed, and the
 * stacks that expose them ("sidecars": a stack with a LoadBalancer selecting a Prometheus pod, as
 * edges had until contract 4).
 */
const EXPOSED: {
    what: string;
    label: readonly [string, string];
    ports: number[];
    role: "edge" | "sidecars";
}[] = [
    {
        what: "Prometheus (sidecar gRPC)",
        label: ["app.kubernetes.io/name", "prometheus"],
        ports: [10901],
        role: "sidecars",
    },
    // The central address has none: its front door keeps the client's address (externalTrafficPolicy
    // Local) and its routers reach Query, Grafana and Alertmanager as pods.
    // An edge's Query: gRPC (mTLS) for the central Query and its HTTP API, on one LoadBalancer.
    { what: "Query", label: ["app.kubernetes.io/component", "query"], ports: [10901, 9090], role: "edge" },
];

/** Alertmanager's policy holds an L7 rule for the edges too: alertmanagerIngress.ts checks it. */
const ALERTMANAGER_LABEL = ["app.kubernetes.io/name", "alertmanager"] as const;

function portsOf(rule: Record<string, any>): number[] {
    return (rule.toPorts ?? []).flatMap((p: Record<string, any>) =>
        (p.ports ?? []).map((q: Record<string, any>) => Number(q.port)),
    );
}

export function checkNodeSourcedPolicies(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    const policies = plan.manifests.filter((o) => o.kind === "CiliumNetworkPolicy");
    for (const policy of policies) {
        const object = `CiliumNetworkPolicy/${policy.metadata?.namespace}/${policy.metadata?.name}`;
        const add = (field: string, message: string) =>
            findings.push({ severity: "error", stack: plan.stack, object, field, message });
        const selector: Record<string, string> = policy.spec?.endpointSelector?.matchLabels ?? {};
        if (selector[ALERTMANAGER_LABEL[0]] === ALERTMANAGER_LABEL[1]) continue;
        const target = EXPOSED.find(
            ({ label: [k, v], role }) => selector[k] === v && (role === "sidecars" || role === plan.outputs.role),
        );
        if (target === undefined) {
            add(
                "spec.endpointSelector",
                "selects pods no LoadBalancer exposes through a node: only an edge's Query (and Alertmanager, at L7) need node-sourced ingress",
            );
            continue;
        }
        for (const rule of policy.spec?.ingress ?? []) {
            for (const key of Object.keys(rule)) {
                if (key !== "fromEntities" && key !== "toPorts")
                    add(
                        `spec.ingress.${key}`,
                        "node-sourced rules admit the cluster's nodes only (fromEntities); sources belong in the NetworkPolicy",
                    );
            }
            for (const entity of rule.fromEntities ?? []) {
                if (!NODE_ENTITIES.includes(entity))
                    add(
                        "spec.ingress.fromEntities",
                        `admits ${entity}: only the cluster's nodes (${NODE_ENTITIES.join(", ")}) forward load-balanced traffic`,
                    );
            }
            const ports = portsOf(rule);
            if (ports.length === 0)
                add(
                    "spec.ingress.toPorts",
                    `opens every port of ${target.what} to the nodes: name port ${target.ports.join(", ")}`,
                );
            for (const port of ports)
                if (!target.ports.includes(port))
                    add(
                        "spec.ingress.toPorts",
                        `opens port ${port} of ${target.what}; only ${target.ports.join(", ")} ${target.ports.length === 1 ? "is" : "are"} behind the LoadBalancer`,
                    );
        }
    }
    const exposesSidecars = plan.manifests.some(
        (o) =>
            o.kind === "Service" &&
            o.spec?.type === "LoadBalancer" &&
            String(o.spec?.selector?.["statefulset.kubernetes.io/pod-name"] ?? "").startsWith("prometheus-"),
    );
    for (const target of EXPOSED) {
        const needed = target.role === "sidecars" ? exposesSidecars : plan.outputs.role === target.role;
        if (!needed) continue;
        for (const port of target.ports) {
            const covered = policies.some(
                (p) =>
                    p.spec?.endpointSelector?.matchLabels?.[target.label[0]] === target.label[1] &&
                    (p.spec?.ingress ?? []).some(
                        (r: Record<string, any>) =>
                            NODE_ENTITIES.every((e) => (r.fromEntities ?? []).includes(e)) && portsOf(r).includes(port),
                    ),
            );
            if (covered) continue;
            findings.push({
                severity: "error",
                stack: plan.stack,
                object: `(${target.what})`,
                field: "CiliumNetworkPolicy",
                message: `no CiliumNetworkPolicy admits the cluster's nodes (host, remote-node) on ${port}: load-balanced traffic a node forwards (SNATed) to a pod on another node is dropped, since Cilium does not match node addresses in ipBlock`,
            });
        }
    }
    return findings;
}
