// The central Alertmanager's API (9093) as Cilium would enforce the rendered policies
// (ciliumIngressModel.ts): from the edges' source ranges, and from another node (load-balanced
// traffic SNATed), only POST /api/v2/alerts and verify's reads; never a silence or the UI. The
// namespace keeps the whole API, and kubelet's readiness probe gets through.

import { ALERTMANAGER_POD_SELECTOR, ALERTMANAGER_PORT, GRAFANA_POD_SELECTOR } from "../../components/names";
import { IngressPeer, cidrContains, decideIngress, requestAllowed } from "./ciliumIngressModel";
import { Finding, RenderedPlan, setting } from "./renderedPlan";

/** Requests an edge must be able to make. */
export const EDGE_MUST_ALLOW: [string, string][] = [["POST", "/api/v2/alerts"]];

/** Requests no edge may make: silences (create, list, expire) and the UI. */
export const EDGE_MUST_REFUSE: [string, string][] = [
    ["POST", "/api/v2/silences"],
    ["GET", "/api/v2/silences"],
    ["DELETE", "/api/v2/silence/00000000-0000-0000-0000-000000000000"],
    ["GET", "/"],
    ["GET", "/api/v2/alerts/groups"],
];

/** The first address of a range: the edge peer the check asks about for that range. */
function firstAddress(cidr: string): string {
    return cidr.split("/")[0];
}

export function checkAlertmanagerIngress(plan: RenderedPlan): Finding[] {
    if (plan.outputs.role !== "central") return [];
    const findings: Finding[] = [];
    const object = "(Alertmanager pods, port 9093)";
    const add = (field: string, message: string) =>
        findings.push({ severity: "error", stack: plan.stack, object, field, message });
    const policies = plan.manifests.filter((o) => o.kind === "NetworkPolicy" || o.kind === "CiliumNetworkPolicy");
    const edgeRanges: string[] = setting(plan, "central")?.alertmanager?.edgeSourceRanges ?? [];
    const peers: { name: string; peer: IngressPeer }[] = [
        ...edgeRanges.map((cidr) => ({
            name: `edge range ${cidr}`,
            peer: { kind: "address" as const, address: firstAddress(cidr) },
        })),
        {
            name: "another node (remote-node: load-balanced traffic SNATed)",
            peer: { kind: "entity", entity: "remote-node" },
        },
    ];
    for (const { name, peer } of peers) {
        const decision = decideIngress(policies, ALERTMANAGER_POD_SELECTOR, peer, ALERTMANAGER_PORT);
        if (!decision.admitted) {
            add(
                "CiliumNetworkPolicy",
                `${name} cannot reach the API at all: the edges' alerts would be dropped; admit it with an L7 rule (components/alertmanagerEdgePolicy.ts)`,
            );
            continue;
        }
        if (!decision.l7) {
            add(
                "spec.ingress",
                `${name} is admitted at L4 by ${decision.by.join(", ")}: Cilium then lets it make any request (an L7 rule for the same peer and port has no effect), silences included; admit the edges only through the L7 rule`,
            );
            continue;
        }
        for (const [method, target] of EDGE_MUST_ALLOW)
            if (!requestAllowed(decision, method, target))
                add("rules.http", `${name}: ${method} ${target} is refused (403): the edges could not send alerts`);
        for (const [method, target] of EDGE_MUST_REFUSE)
            if (requestAllowed(decision, method, target))
                add(
                    "rules.http",
                    `${name}: ${method} ${target} is allowed by ${decision.by.join(", ")}: only POST /api/v2/alerts (and verify's reads) may pass`,
                );
    }
    const host = decideIngress(
        policies,
        ALERTMANAGER_POD_SELECTOR,
        { kind: "entity", entity: "host" },
        ALERTMANAGER_PORT,
    );
    if (!requestAllowed(host, "GET", "/-/ready"))
        add(
            "CiliumNetworkPolicy",
            "the node's own host cannot GET /-/ready: with allow-localhost=policy kubelet's readiness probe would fail; admit the entity host on 9093 at L4",
        );
    const inNamespace = decideIngress(
        policies,
        ALERTMANAGER_POD_SELECTOR,
        { kind: "pod", namespace: "monitoring", labels: GRAFANA_POD_SELECTOR },
        ALERTMANAGER_PORT,
    );
    if (!requestAllowed(inNamespace, "POST", "/api/v2/silences"))
        add(
            "NetworkPolicy",
            "pods of the monitoring namespace cannot create silences: the namespace (Prometheus, the Ruler, Grafana) keeps the whole API",
        );
    for (const cidr of edgeRanges.filter((c) => !c.includes(":"))) {
        const covered = policies.some(
            (p) =>
                p.kind === "CiliumNetworkPolicy" &&
                (p.spec?.ingress ?? []).some((r: Record<string, any>) =>
                    (r.fromCIDR ?? []).some(
                        (c: string) =>
                            cidrContains(c, firstAddress(cidr)) &&
                            Number(c.split("/")[1]) <= Number(cidr.split("/")[1]),
                    ),
                ),
        );
        if (!covered)
            add(
                "spec.ingress.fromCIDR",
                `${cidr} (central.alertmanager.edgeSourceRanges) is in no CiliumNetworkPolicy's fromCIDR`,
            );
    }
    return findings;
}
