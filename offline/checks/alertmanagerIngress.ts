// The central Alertmanager's API (9093) as Cilium would enforce the rendered policies
// (ciliumIngressModel.ts): the edges reach it only through the central front door, whose router
// pods may make only POST /api/v2/alerts, verify's reads and their health check; never a silence or
// the UI. No edge address, and no other node, reaches it directly. The namespace keeps the whole
// API, and kubelet's readiness probe gets through. (The router's own filter of the same requests
// is HAProxy's: tests/frontDoor.live.test.ts runs it.)

import { FRONT_DOOR_NAME, FRONT_DOOR_POD_SELECTOR } from "../../components/names";
import {
    ALERTMANAGER_POD_SELECTOR,
    ALERTMANAGER_PORT,
    GRAFANA_POD_SELECTOR,
    MONITORING_NAMESPACE,
} from "../../components/names";
import { IngressPeer, decideIngress, requestAllowed } from "./ciliumIngressModel";
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

/** The router's own request to each replica (its health check), which must pass too. */
const ROUTER_HEALTH_CHECK: [string, string] = ["GET", "/-/ready"];

export function checkAlertmanagerIngress(plan: RenderedPlan): Finding[] {
    if (plan.outputs.role !== "central") return [];
    const findings: Finding[] = [];
    const object = "(Alertmanager pods, port 9093)";
    const add = (field: string, message: string) =>
        findings.push({ severity: "error", stack: plan.stack, object, field, message });
    const policies = plan.manifests.filter((o) => o.kind === "NetworkPolicy" || o.kind === "CiliumNetworkPolicy");
    const edgeRanges: string[] = setting(plan, "central")?.alertmanager?.edgeSourceRanges ?? [];
    const decide = (peer: IngressPeer) => decideIngress(policies, ALERTMANAGER_POD_SELECTOR, peer, ALERTMANAGER_PORT);

    // The edges come through the front door: its router pods forward their requests.
    const router = decide({ kind: "pod", namespace: MONITORING_NAMESPACE, labels: FRONT_DOOR_POD_SELECTOR });
    const name = "the front door's routers (the edges' requests)";
    if (!router.admitted) {
        add(
            "CiliumNetworkPolicy",
            `${name} cannot reach the API at all: the edges' alerts would be dropped; admit them with an L7 rule (components/alertmanagerEdgePolicy.ts)`,
        );
    } else if (!router.l7) {
        add(
            "spec.ingress",
            `${name} are admitted at L4 by ${router.by.join(", ")}: Cilium then lets them make any request (an L7 rule for the same peer and port has no effect), silences included; admit them only through the L7 rule`,
        );
    } else {
        for (const [method, target] of [...EDGE_MUST_ALLOW, ROUTER_HEALTH_CHECK])
            if (!requestAllowed(router, method, target))
                add("rules.http", `${name}: ${method} ${target} is refused (403): the edges could not send alerts`);
        for (const [method, target] of EDGE_MUST_REFUSE)
            if (requestAllowed(router, method, target))
                add(
                    "rules.http",
                    `${name}: ${method} ${target} is allowed by ${router.by.join(", ")}: only POST /api/v2/alerts (and verify's reads) may pass`,
                );
    }
    // Nothing else from outside: not the edges' addresses directly, not another node.
    const outside: { name: string; peer: IngressPeer }[] = [
        ...edgeRanges.map((cidr) => ({
            name: `edge range ${cidr}`,
            peer: { kind: "address" as const, address: firstAddress(cidr) },
        })),
        { name: "another node (remote-node)", peer: { kind: "entity", entity: "remote-node" } },
    ];
    for (const { name: who, peer } of outside) {
        const decision = decide(peer);
        if (decision.admitted)
            add(
                decision.l7 ? "rules.http" : "spec.ingress",
                `${who} reaches the API directly (${decision.by.join(", ")}): the edges come only through the front door, which admits their ranges port by port`,
            );
    }
    const host = decide({ kind: "entity", entity: "host" });
    if (!requestAllowed(host, "GET", "/-/ready"))
        add(
            "CiliumNetworkPolicy",
            "the node's own host cannot GET /-/ready: with allow-localhost=policy kubelet's readiness probe would fail; admit the entity host on 9093 at L4",
        );
    const inNamespace = decide({ kind: "pod", namespace: MONITORING_NAMESPACE, labels: GRAFANA_POD_SELECTOR });
    if (!requestAllowed(inNamespace, "POST", "/api/v2/silences"))
        add(
            "NetworkPolicy",
            "pods of the monitoring namespace cannot create silences: the namespace (Prometheus, the Ruler, Grafana) keeps the whole API",
        );
    // The edges' ranges reach each replica's port of the front door.
    const routes = plan.manifests.find(
        (o) => o.kind === "Service" && o.metadata?.name === FRONT_DOOR_NAME && o.spec?.type === "LoadBalancer",
    );
    const alertmanagerPorts: number[] = (routes?.spec?.ports ?? [])
        .filter((p: Record<string, any>) => String(p.name).startsWith("alertmanager-"))
        .map((p: Record<string, any>) => Number(p.port));
    if (alertmanagerPorts.length === 0)
        add("Service", `the front door's Service (${FRONT_DOOR_NAME}) exposes no Alertmanager replica`);
    for (const cidr of edgeRanges.filter((c) => !c.includes(":")))
        for (const port of alertmanagerPorts) {
            const decision = decideIngress(
                policies,
                FRONT_DOOR_POD_SELECTOR,
                { kind: "address", address: firstAddress(cidr) },
                port,
            );
            if (!decision.admitted)
                add(
                    "NetworkPolicy",
                    `${cidr} (central.alertmanager.edgeSourceRanges) cannot reach the front door's port ${port}: that edge's alerts to that replica would be dropped`,
                );
        }
    return findings;
}
