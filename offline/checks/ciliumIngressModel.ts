// A model of how Cilium decides one peer's request to one pod port from the rendered policies
// (Kubernetes NetworkPolicies and CiliumNetworkPolicies selecting the pod). It is not Cilium: it
// states the rules this project relies on, taken from Cilium's source and docs, so that validate
// and the live test (tests/live/ciliumHttpFilter.ts) decide by the same reading:
// - policies add up: a peer is admitted on a port when any rule selecting it names the port;
// - a rule with L7 `rules.http` sends the peer's requests through Envoy, which lets one through when
//   any HTTP rule matches it and answers the rest 403 "Access denied" (cilium/proxy l7policy.cc);
// - an L4-only rule for the same peer and port wins: that peer may then make any request (Cilium's
//   "layer 7 portions of the latter rule will have no effect");
// - `method` and `path` are RE2 regexes Envoy matches against the whole `:method` and `:path`
//   (a full match; `:path` includes the query string);
// - Envoy refuses HTTP/1.0 requests with 426 (ENVOY_HTTP10_STATUS), whatever the rules say;
// - `fromCIDR` / ipBlock match outside addresses only; the cluster's nodes are the entities `host`
//   (the pod's own node) and `remote-node` (policy-cidr-match-mode left at its default).

/** Who connects: an outside address, a Cilium entity, or a pod (namespace and labels). */
export type IngressPeer =
    | { kind: "address"; address: string }
    | { kind: "entity"; entity: "host" | "remote-node" }
    | { kind: "pod"; namespace: string; labels: Record<string, string> };

export interface HttpRule {
    method?: string;
    path?: string;
}

/** The decision for one peer on one port: dropped, any request (L4), or only requests an HTTP rule matches. */
export type IngressDecision =
    | { admitted: false }
    | { admitted: true; l7: false; by: string[] }
    | { admitted: true; l7: true; http: HttpRule[]; by: string[] };

/** Cilium's answer to a request no HTTP rule matches (the body cilium/proxy sends by default). */
export const CILIUM_DENIED_STATUS = 403;
export const CILIUM_DENIED_BODY = "Access denied\r\n";
/**
 * Envoy's answer, behind an L7 rule, to an HTTP/1.0 request: Cilium's proxy listener sets no
 * Http1ProtocolOptions (cilium/cilium pkg/envoy/xds_server.go, getHttpFilterChainProto), so Envoy's
 * default accept_http_10 = false applies, and its HTTP/1 codec answers 426 Upgrade Required
 * (envoyproxy/envoy source/common/http/http1/codec_impl.cc). HAProxy's `http-check send` is HTTP/1.0
 * unless given `ver`.
 */
export const ENVOY_HTTP10_STATUS = 426;

function ipv4(address: string): number | undefined {
    const parts = address.split(".");
    if (parts.length !== 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255)) return undefined;
    return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Does an IPv4 CIDR contain the address? */
export function cidrContains(cidr: string, address: string): boolean {
    const [base, bits] = cidr.split("/");
    const a = ipv4(address);
    const b = ipv4(base);
    const n = bits === undefined ? 32 : Number(bits);
    if (a === undefined || b === undefined || !(n >= 0 && n <= 32)) return false;
    const size = 2 ** (32 - n);
    return Math.floor(a / size) === Math.floor(b / size);
}

/** One matchExpressions entry (In, NotIn, Exists, DoesNotExist); an unknown operator selects nothing. */
function expressionMatches(e: Record<string, any>, labels: Record<string, string>): boolean {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = e.values ?? [];
    switch (e.operator) {
        case "In":
            return has && values.includes(labels[e.key]);
        case "NotIn":
            return !has || !values.includes(labels[e.key]);
        case "Exists":
            return has;
        case "DoesNotExist":
            return !has;
        default:
            return false;
    }
}

export function labelsMatch(selector: Record<string, any> | undefined, labels: Record<string, string>): boolean {
    if (selector === undefined) return true;
    return (
        Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
        (selector.matchExpressions ?? []).every((e: Record<string, any>) => expressionMatches(e, labels))
    );
}

function portNamed(ports: Record<string, any>[] | undefined, port: number): boolean {
    return ports === undefined || ports.length === 0 || ports.some((p) => Number(p.port) === port);
}

/** A Kubernetes NetworkPolicy ingress peer (networking.k8s.io/v1) selecting the peer? */
function networkPolicyPeerSelects(p: Record<string, any>, policyNamespace: string, peer: IngressPeer): boolean {
    if (p.ipBlock !== undefined)
        return (
            peer.kind === "address" &&
            cidrContains(p.ipBlock.cidr, peer.address) &&
            !(p.ipBlock.except ?? []).some((e: string) => cidrContains(e, peer.address))
        );
    if (peer.kind !== "pod") return false;
    // A namespaceSelector alone or with a podSelector: this model only knows the policy's own namespace.
    if (p.namespaceSelector !== undefined) return false;
    return peer.namespace === policyNamespace && labelsMatch(p.podSelector, peer.labels);
}

function ciliumRuleSelects(rule: Record<string, any>, policyNamespace: string, peer: IngressPeer): boolean {
    const entities: string[] = rule.fromEntities ?? [];
    if (entities.includes("all")) return true;
    if (peer.kind === "entity" && (entities.includes(peer.entity) || entities.includes("cluster"))) return true;
    if (peer.kind === "pod" && entities.includes("cluster")) return true;
    if (peer.kind === "address") {
        if (entities.includes("world")) return true;
        const cidrs: string[] = [...(rule.fromCIDR ?? []), ...(rule.fromCIDRSet ?? []).map((c: any) => c.cidr)];
        if (cidrs.some((c) => cidrContains(c, peer.address))) return true;
    }
    if (peer.kind === "pod")
        return (rule.fromEndpoints ?? []).some(
            (sel: Record<string, any>) =>
                peer.namespace === policyNamespace && labelsMatch(sel as Record<string, any>, peer.labels),
        );
    const peerFields = ["fromEntities", "fromCIDR", "fromCIDRSet", "fromEndpoints", "fromRequires", "fromNodes"];
    // A rule naming no peer at all selects every peer.
    return !peerFields.some((f) => rule[f] !== undefined);
}

/** What the policies selecting one pod say about one peer on one port. */
export function decideIngress(
    policies: Record<string, any>[],
    podLabels: Record<string, string>,
    peer: IngressPeer,
    port: number,
): IngressDecision {
    const l4: string[] = [];
    const l7: { by: string; http: HttpRule[] }[] = [];
    for (const policy of policies) {
        const name = `${policy.kind}/${policy.metadata?.namespace}/${policy.metadata?.name}`;
        const namespace = String(policy.metadata?.namespace);
        if (policy.kind === "NetworkPolicy") {
            if (!labelsMatch(policy.spec?.podSelector, podLabels)) continue;
            for (const rule of policy.spec?.ingress ?? []) {
                if (!portNamed(rule.ports, port)) continue;
                const from: Record<string, any>[] | undefined = rule.from;
                if (
                    from === undefined ||
                    from.length === 0 ||
                    from.some((p) => networkPolicyPeerSelects(p, namespace, peer))
                )
                    l4.push(name);
            }
        } else if (policy.kind === "CiliumNetworkPolicy") {
            if (!labelsMatch(policy.spec?.endpointSelector, podLabels)) continue;
            for (const rule of policy.spec?.ingress ?? []) {
                if (!ciliumRuleSelects(rule, namespace, peer)) continue;
                const portRules: Record<string, any>[] = rule.toPorts ?? [];
                if (portRules.length === 0) l4.push(name);
                for (const portRule of portRules) {
                    if (!portNamed(portRule.ports, port)) continue;
                    const http: HttpRule[] | undefined = portRule.rules?.http;
                    // No HTTP rule at all is an L4 rule (Cilium: empty L7 rules add nothing).
                    if (http === undefined || http.length === 0) l4.push(name);
                    else l7.push({ by: name, http });
                }
            }
        }
    }
    if (l4.length > 0) return { admitted: true, l7: false, by: [...new Set(l4)] };
    if (l7.length > 0)
        return { admitted: true, l7: true, http: l7.flatMap((r) => r.http), by: [...new Set(l7.map((r) => r.by))] };
    return { admitted: false };
}

/** Envoy's full match of an RE2 regex; an empty or missing one matches anything. */
function fullMatch(regex: string | undefined, value: string): boolean {
    if (regex === undefined || regex === "") return true;
    return new RegExp(`^(?:${regex})$`).test(value);
}

/** Does one HTTP rule let this request through? requestTarget is the path with its query string. */
export function httpRuleAllows(rule: HttpRule, method: string, requestTarget: string): boolean {
    return fullMatch(rule.method, method) && fullMatch(rule.path, requestTarget);
}

/** Does the decision let this request through (a dropped peer never gets to send it)? */
export function requestAllowed(decision: IngressDecision, method: string, requestTarget: string): boolean {
    if (!decision.admitted) return false;
    if (!decision.l7) return true;
    return decision.http.some((r) => httpRuleAllows(r, method, requestTarget));
}
