// Who may reach the sidecars, Query and Grafana (NetworkPolicies, LoadBalancer Services), the
// node-sourced CiliumNetworkPolicies (nodePolicies.ts) and what reaches Alertmanager's API
// (alertmanagerIngress.ts: the edges post alerts only). The selector helpers also serve the
// Alertmanager's network check (alertmanager.ts) and the policy pack.

import { FRONT_DOOR_NAME, FRONT_DOOR_POD_SELECTOR } from "../../components/names";
import { GRAFANA_POD_SELECTOR, PROMETHEUS_POD_SELECTOR } from "../../components/names";
import { checkAlertmanagerIngress } from "./alertmanagerIngress";
import { checkNodeSourcedPolicies } from "./nodePolicies";
import { queryReaders } from "./queryTiers";
import { Finding, RenderedPlan, objectName, setting, thanosContainers } from "./renderedPlan";

/** Does a label selector (matchLabels) select pods with these labels? An empty one selects all. */
export function matchesLabels(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** Does a Service with this selector send traffic to Prometheus pods (by pod name, or by the operator's labels)? */
export function servesPrometheusPods(selector: Record<string, string> | undefined): boolean {
    if (selector === undefined || Object.keys(selector).length === 0) return false;
    // A pod-name selector serves a Prometheus pod when it names one (prometheus-<cr>-<i>), not an Alertmanager's.
    const podName = selector["statefulset.kubernetes.io/pod-name"];
    return (
        (podName !== undefined && podName.startsWith("prometheus-")) || matchesLabels(selector, PROMETHEUS_POD_SELECTOR)
    );
}

/** The peers a policy admits to a port: undefined when the port is open to any source. */
export function peersForPort(policies: Record<string, any>[], port: number): Record<string, any>[] | undefined {
    const peers: Record<string, any>[] = [];
    for (const policy of policies) {
        for (const rule of policy.spec?.ingress ?? []) {
            const ports: Record<string, any>[] | undefined = rule.ports;
            if (ports !== undefined && !ports.some((p) => p.port === port)) continue;
            if (rule.from === undefined || rule.from.length === 0) return undefined;
            peers.push(...rule.from);
        }
    }
    return peers;
}

/**
 * Sidecar gRPC reachable only from the cluster's own Query pods (the central Query, or an edge's
 * Query); an edge Query's gRPC only from loadBalancer.grpcSourceRanges and its HTTP API only from
 * loadBalancer.httpSourceRanges and the namespace; the central Query and Grafana only from the UI
 * source ranges and the namespace; no sidecar HTTP port on a LoadBalancer.
 */
export function checkNetwork(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string) =>
        findings.push({ severity: "error", stack: plan.stack, object, field, message });
    const policies = plan.manifests.filter((o) => o.kind === "NetworkPolicy");
    const role = plan.outputs.role;
    const selecting = (labels: Record<string, string>) =>
        policies.filter((p) => matchesLabels(p.spec?.podSelector?.matchLabels, labels));
    const onPrometheus = selecting(PROMETHEUS_POD_SELECTOR);
    const sidecarPeers = onPrometheus.length === 0 ? undefined : peersForPort(onPrometheus, 10901);
    if (sidecarPeers === undefined) {
        add(
            "NetworkPolicy (Prometheus pods)",
            "spec.ingress",
            "the sidecar's gRPC (10901) is open to any source: restrict it to the central Query",
        );
    } else {
        for (const peer of sidecarPeers) {
            if (peer.ipBlock !== undefined) {
                add(
                    "NetworkPolicy (Prometheus pods)",
                    "spec.ingress.from.ipBlock",
                    `${peer.ipBlock.cidr} may reach the sidecar's gRPC: only the cluster's own Query pods may (the sidecars serve plain gRPC)`,
                );
            }
            if (
                peer.podSelector !== undefined &&
                peer.podSelector.matchLabels?.["app.kubernetes.io/component"] !== "query"
            ) {
                add(
                    "NetworkPolicy (Prometheus pods)",
                    "spec.ingress.from.podSelector",
                    "only the Query pods may reach the sidecar's gRPC in-cluster",
                );
            }
            if (peer.namespaceSelector !== undefined && peer.podSelector === undefined)
                add(
                    "NetworkPolicy (Prometheus pods)",
                    "spec.ingress.from.namespaceSelector",
                    "whole namespaces may reach the sidecar's gRPC",
                );
        }
    }
    for (const service of plan.manifests.filter(
        (o) => o.kind === "Service" && ["LoadBalancer", "NodePort"].includes(o.spec?.type),
    )) {
        if (!servesPrometheusPods(service.spec.selector)) continue;
        for (const port of service.spec.ports ?? []) {
            if (port.targetPort !== "grpc" && port.targetPort !== 10901)
                add(
                    objectName(service),
                    "spec.ports",
                    `exposes ${port.targetPort} of a Prometheus pod outside the cluster: only the sidecar's gRPC may leave it`,
                );
        }
    }
    const lb = setting(plan, "loadBalancer") ?? {};
    {
        // One Service per address, on every stack: Services sharing an address elect their L2
        // announcers independently (cilium/cilium#48419), so two nodes could answer ARP for it.
        const holders = plan.manifests.filter(
            (o) =>
                o.kind === "Service" &&
                o.spec?.type === "LoadBalancer" &&
                o.metadata?.annotations?.["lbipam.cilium.io/ips"] === lb.ip,
        );
        if (holders.length !== 1)
            add(
                `(address ${lb.ip})`,
                "Service",
                `is held by ${holders.length} LoadBalancer Services (${holders.map(objectName).join(", ") || "none"}): an address takes exactly one (an edge's Query's, the central front door's)`,
            );
    }
    for (const service of plan.manifests.filter(
        (o) =>
            o.kind === "Service" &&
            o.spec?.type === "LoadBalancer" &&
            o.metadata?.annotations?.["lbipam.cilium.io/sharing-key"] !== undefined,
    ))
        add(
            objectName(service),
            "metadata.annotations",
            "lbipam.cilium.io/sharing-key: no address is shared; Services sharing one address elect their L2 announcers independently (cilium/cilium#48419)",
        );
    for (const policy of plan.manifests.filter(
        (o) => o.kind === "CiliumL2AnnouncementPolicy" && o.spec?.nodeSelector !== undefined,
    ))
        add(
            objectName(policy),
            "spec.nodeSelector",
            "pins the announcement to some nodes: with one Service on the address any node may announce it, and another takes over when it fails",
        );
    if (role === "edge") {
        const query = thanosContainers(plan).find((t) => t.component === "query");
        const onQuery = selecting(query?.object.spec.template.metadata?.labels ?? {});
        for (const [what, port, allowed, key] of [
            ["gRPC", 10901, lb.grpcSourceRanges ?? [], "loadBalancer.grpcSourceRanges"],
            ["HTTP API", 9090, lb.httpSourceRanges ?? [], "loadBalancer.httpSourceRanges"],
        ] as const) {
            const peers = onQuery.length === 0 ? undefined : peersForPort(onQuery, port);
            if (peers === undefined) {
                add(
                    "NetworkPolicy (edge Query pods)",
                    "spec.ingress",
                    `the edge Query's ${what} (${port}) is open to any source: restrict it to ${key}`,
                );
                continue;
            }
            for (const peer of peers) {
                if (peer.ipBlock !== undefined && !(allowed as string[]).includes(peer.ipBlock.cidr))
                    add(
                        "NetworkPolicy (edge Query pods)",
                        "spec.ingress.from.ipBlock",
                        `${peer.ipBlock.cidr} may reach the edge Query's ${what} (${port}) but is not in ${key}`,
                    );
                if (port === 10901 && (peer.podSelector !== undefined || peer.namespaceSelector !== undefined))
                    add(
                        "NetworkPolicy (edge Query pods)",
                        "spec.ingress.from",
                        `pods may reach the edge Query's gRPC (${port}): only ${key}, through the LoadBalancer`,
                    );
            }
        }
    }
    const central = setting(plan, "central");
    if (role === "central" && central !== undefined) findings.push(...checkFrontDoorPorts(plan, central));
    if (role === "central" && central !== undefined) {
        const allowed = [...(central.uiSourceRanges ?? [])];
        // The top Query (the mid tiers have no HTTP API users).
        const query = queryReaders(plan)[0];
        const queryLabels: Record<string, string> = query?.object.spec.template.metadata?.labels ?? {};
        for (const [what, labels, port] of [
            ["Query", queryLabels, 9090],
            ["Grafana", GRAFANA_POD_SELECTOR, 3000],
        ] as const) {
            const onPods = selecting(labels);
            const peers = onPods.length === 0 ? undefined : peersForPort(onPods, port);
            if (peers === undefined) {
                add(
                    `NetworkPolicy (${what} pods)`,
                    "spec.ingress",
                    `${what} (${port}) is open to any source: restrict it to central.uiSourceRanges`,
                );
                continue;
            }
            for (const peer of peers) {
                if (peer.ipBlock !== undefined && !allowed.includes(peer.ipBlock.cidr))
                    add(
                        `NetworkPolicy (${what} pods)`,
                        "spec.ingress.from.ipBlock",
                        `${peer.ipBlock.cidr} is not in central.uiSourceRanges`,
                    );
            }
        }
    }
    findings.push(
        ...checkNodeSourcedPolicies(plan),
        ...checkLoadBalancerSourceRanges(plan),
        ...checkAlertmanagerIngress(plan),
    );
    return findings;
}

/**
 * The central front door: its one Service keeps the client's address (externalTrafficPolicy Local),
 * so its routers' NetworkPolicy can admit each port only from that port's audience: Query and
 * Grafana from central.uiSourceRanges, each Alertmanager replica from
 * central.alertmanager.edgeSourceRanges.
 */
function checkFrontDoorPorts(plan: RenderedPlan, central: Record<string, any>): Finding[] {
    const findings: Finding[] = [];
    const add = (object: string, field: string, message: string) =>
        findings.push({ severity: "error", stack: plan.stack, object, field, message });
    const service = plan.manifests.find(
        (o) => o.kind === "Service" && o.metadata?.name === FRONT_DOOR_NAME && o.spec?.type === "LoadBalancer",
    );
    if (service === undefined) {
        add(`Service/monitoring/${FRONT_DOOR_NAME}`, "", "is missing: nothing answers on the central address");
        return findings;
    }
    if (service.spec.externalTrafficPolicy !== "Local")
        add(
            objectName(service),
            "spec.externalTrafficPolicy",
            "must be Local: with Cluster a node forwards SNATed, the router cannot tell operators from edges, and each port's source ranges are lost",
        );
    const routers = plan.manifests.filter(
        (o) => o.kind === "NetworkPolicy" && matchesLabels(o.spec?.podSelector?.matchLabels, FRONT_DOOR_POD_SELECTOR),
    );
    for (const port of service.spec.ports ?? []) {
        const [key, allowed]: [string, string[]] = String(port.name).startsWith("alertmanager-")
            ? ["central.alertmanager.edgeSourceRanges", central.alertmanager?.edgeSourceRanges ?? []]
            : ["central.uiSourceRanges", central.uiSourceRanges ?? []];
        const peers = routers.length === 0 ? undefined : peersForPort(routers, port.targetPort);
        if (peers === undefined) {
            add(
                "NetworkPolicy (front door pods)",
                "spec.ingress",
                `port ${port.port} (${port.name}) is open to any source: restrict it to ${key}`,
            );
            continue;
        }
        for (const peer of peers) {
            if (peer.ipBlock === undefined || !allowed.includes(peer.ipBlock.cidr))
                add(
                    "NetworkPolicy (front door pods)",
                    "spec.ingress.from",
                    `port ${port.port} (${port.name}) admits ${peer.ipBlock?.cidr ?? "pods"}, which is not in ${key}`,
                );
        }
        for (const cidr of allowed)
            if (!peers.some((p) => p.ipBlock?.cidr === cidr))
                add(
                    "NetworkPolicy (front door pods)",
                    "spec.ingress.from",
                    `port ${port.port} (${port.name}) does not admit ${cidr} (${key})`,
                );
    }
    return findings;
}

/**
 * Every LoadBalancer, ours or the chart's Grafana, limited by source ranges: a LoadBalancer with
 * none, or with a /0 among them, admits every address (Query's API and Grafana have no login of their
 * own to fall back on, the sidecars' gRPC and Alertmanager's API are meant for the other clusters).
 */
export function checkLoadBalancerSourceRanges(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    const check = (object: string, field: string, ranges: unknown) => {
        const list = Array.isArray(ranges) ? ranges.map(String) : [];
        if (list.length === 0)
            findings.push({
                severity: "error",
                stack: plan.stack,
                object,
                field,
                message: "is empty: the LoadBalancer admits every address; list who may connect",
            });
        for (const cidr of list.filter((c) => c.endsWith("/0")))
            findings.push({
                severity: "warning",
                stack: plan.stack,
                object,
                field,
                message: `holds ${cidr}, which admits every address`,
            });
    };
    for (const service of plan.manifests.filter((o) => o.kind === "Service" && o.spec?.type === "LoadBalancer"))
        check(objectName(service), "spec.loadBalancerSourceRanges", service.spec.loadBalancerSourceRanges);
    for (const release of plan.releases.filter((r) => r.chart === "kube-prometheus-stack")) {
        const grafana = release.values?.grafana as Record<string, any> | undefined;
        if (grafana?.enabled === true && grafana.service?.type === "LoadBalancer")
            check(
                `HelmRelease/${release.namespace}/${release.name}`,
                "grafana.service.loadBalancerSourceRanges",
                grafana.service.loadBalancerSourceRanges,
            );
    }
    return findings;
}
