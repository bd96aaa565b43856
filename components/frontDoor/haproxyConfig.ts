// The central front door's HAProxy configuration, as a pure function of its routes: one frontend
// per port of the central address, each admitting only its own source ranges, and one backend per
// frontend. Query and Grafana pass through at TCP (TLS, if a client speaks it, stays end to end);
// each Alertmanager replica's port is read as HTTP, so the edges' one allowed request (and verify's
// reads) can be enforced here as well as by Cilium's L7 rule behind it. haproxy -c checks the
// rendered text (offline/checks/frontDoor.ts), and a live test runs it (tests/frontDoor.live.test.ts).

/** One HTTP request rule: method and request target (path and query) are regexes matched in full. */
export interface RequestRule {
    method: string;
    path: string;
}

/** One port of the front door and where it leads. */
export interface FrontDoorRoute {
    /** Frontend and backend name, and the Service port's name: query, grafana, alertmanager-0, ... */
    name: string;
    /** The port on the central address (and on the router pod). */
    port: number;
    /** The only client CIDRs admitted on this port. */
    sourceRanges: string[];
    /** The config key those ranges come from (for documents and messages). */
    sourceKey: string;
    /** tcp: bytes pass through untouched; http: only `allowedRequests` pass, anything else gets 403. */
    mode: "tcp" | "http";
    /** http mode: the requests allowed through. */
    allowedRequests?: RequestRule[];
    /** The one server behind it: a DNS name (re-resolved while running) or an address, and its port. */
    server: { host: string; port: number };
    /** HTTP health check of the server (GET, expecting a 2xx). */
    healthPath: string;
    /** How long the connection may stay silent on either side (client and server); the defaults' when omitted. */
    idleTimeout?: string;
}

export interface HaproxyConfigOptions {
    /** Address the frontends bind to; all addresses when omitted (the pod). The live test binds 127.0.0.1. */
    bindAddress?: string;
    /** Port of the metrics and readiness frontend (`/metrics`, `/healthz`). */
    metricsPort: number;
    /** How long a backend's connect, an idle client or server may take. */
    timeouts?: { connect: string; client: string; server: string; check: string };
    /** How often each server is health-checked; HEALTH_CHECK.inter (the pods') when omitted. The live tests shorten it. */
    checkInterval?: string;
}

/** The servers' health checks: one every `inter`, down after `fall` failures in a row, up again after `rise` passes. */
export const HEALTH_CHECK = { inter: "5s", fall: 3, rise: 2 } as const;

/** The port of the metrics and readiness frontend on the router pods. */
export const FRONT_DOOR_METRICS_PORT = 8405;
/** How long a stopping router drains its connections at most (the pod's grace period covers it). */
export const HARD_STOP_AFTER_SECONDS = 30;
/** The HAProxy resolvers section every server re-resolves its name through. */
export const RESOLVERS_NAME = "cluster";

/** Long enough for Query's slow range queries and Grafana's idle dashboards; a stuck peer is still cut. */
const DEFAULT_TIMEOUTS = { connect: "5s", client: "5m", server: "5m", check: "3s" };

function bind(address: string | undefined, port: number): string {
    return `${address ?? ""}:${port}`;
}

/**
 * HAProxy's PCRE match of the whole value, as Cilium's Envoy matches its L7 rule's regexes. In
 * single quotes, where HAProxy's config parser leaves backslashes alone.
 */
function fullMatch(regex: string): string {
    if (regex.includes("'")) throw new Error(`a request rule's regex may not hold a single quote: ${regex}`);
    return `'^(?:${regex})$'`;
}

function frontendLines(route: FrontDoorRoute, options: HaproxyConfigOptions): string[] {
    if (route.sourceRanges.length === 0) throw new Error(`front door route ${route.name}: no source ranges`);
    const lines = [
        `frontend ${route.name}`,
        `    mode ${route.mode}`,
        `    bind ${bind(options.bindAddress, route.port)}`,
        `    option ${route.mode === "http" ? "httplog" : "tcplog"}`,
        // Before any byte is read: a connection from outside the port's ranges is closed at once.
        `    acl allowed_source src ${route.sourceRanges.join(" ")}`,
        "    tcp-request connection reject unless allowed_source",
    ];
    if (route.idleTimeout !== undefined) lines.push(`    timeout client ${route.idleTimeout}`);
    if (route.mode === "http") {
        const rules = route.allowedRequests ?? [];
        if (rules.length === 0) throw new Error(`front door route ${route.name}: http mode with no allowed request`);
        const conditions: string[] = [];
        rules.forEach((rule, i) => {
            lines.push(`    acl request_${i}_method method -m reg ${fullMatch(rule.method)}`);
            lines.push(`    acl request_${i}_target url -m reg ${fullMatch(rule.path)}`);
            conditions.push(`request_${i}_method request_${i}_target`);
        });
        lines.push(`    http-request deny deny_status 403 unless ${conditions.join(" || ")}`);
    }
    lines.push(`    default_backend ${backendName(route)}`);
    return lines;
}

/** A backend's name: HAProxy refuses (from 3.3) a backend named like a frontend. The metrics' `proxy` label. */
export function backendName(route: { name: string }): string {
    return `to-${route.name}`;
}

function backendLines(route: FrontDoorRoute, options: HaproxyConfigOptions): string[] {
    const check = `check inter ${options.checkInterval ?? HEALTH_CHECK.inter} fall ${HEALTH_CHECK.fall} rise ${HEALTH_CHECK.rise}`;
    return [
        `backend ${backendName(route)}`,
        `    mode ${route.mode}`,
        ...(route.idleTimeout !== undefined ? [`    timeout server ${route.idleTimeout}`] : []),
        "    option httpchk",
        // HTTP/1.1 with a Host: HAProxy's default is HTTP/1.0, which the Envoy behind Cilium's L7 rule
        // (Alertmanager's API) answers 426, so every Alertmanager server would be marked down.
        `    http-check send meth GET uri ${route.healthPath} ver HTTP/1.1 hdr Host ${route.server.host}`,
        "    http-check expect status 200-299",
        // init-addr none: start (and stay up) while the name does not resolve yet, e.g. before the pod
        // exists; the resolvers section keeps re-resolving it, so a rescheduled pod's new address is used.
        `    server ${route.name} ${route.server.host}:${route.server.port} ${check} resolvers ${RESOLVERS_NAME} resolve-prefer ipv4 init-addr none`,
    ];
}

/** The whole haproxy.cfg. */
export function haproxyConfig(routes: FrontDoorRoute[], options: HaproxyConfigOptions): string {
    const names = routes.map((r) => r.name);
    if (new Set(names).size !== names.length) throw new Error(`front door routes repeat a name: ${names.join(", ")}`);
    const ports = [...routes.map((r) => r.port), options.metricsPort];
    if (new Set(ports).size !== ports.length) throw new Error(`front door ports repeat: ${ports.join(", ")}`);
    const t = options.timeouts ?? DEFAULT_TIMEOUTS;
    const sections: string[][] = [
        [
            "# Generated by components/frontDoor/haproxyConfig.ts: do not edit.",
            "global",
            "    log stdout format raw local0 info",
            "    maxconn 4096",
            // A rolling update ends old connections after this long at the latest.
            `    hard-stop-after ${HARD_STOP_AFTER_SECONDS}s`,
        ],
        [
            "defaults",
            "    log global",
            "    option dontlognull",
            `    timeout connect ${t.connect}`,
            `    timeout client ${t.client}`,
            `    timeout server ${t.server}`,
            `    timeout check ${t.check}`,
            "    timeout http-request 10s",
        ],
        [
            `resolvers ${RESOLVERS_NAME}`,
            // The pod's own resolv.conf: the cluster DNS.
            "    parse-resolv-conf",
            "    resolve_retries 3",
            "    timeout resolve 1s",
            "    timeout retry 1s",
            "    hold valid 10s",
            "    hold nx 5s",
            "    hold obsolete 5s",
            "    accepted_payload_size 8192",
        ],
        [
            "frontend metrics",
            "    mode http",
            `    bind ${bind(options.bindAddress, options.metricsPort)}`,
            "    monitor-uri /healthz",
            // Not ready (503) while no backend has a server up (all conditions at once): a router that
            // can reach nothing, e.g. its node's DNS failing or before its first answers, leaves the
            // Service. One backend down (a replica) leaves it ready: the other ports still serve.
            ...(routes.length > 0
                ? [`    monitor fail if ${routes.map((r) => `{ nbsrv(${backendName(r)}) eq 0 }`).join(" ")}`]
                : []),
            "    http-request use-service prometheus-exporter if { path /metrics }",
        ],
        ...routes.flatMap((route) => [frontendLines(route, options), backendLines(route, options)]),
    ];
    return sections.map((lines) => lines.join("\n")).join("\n\n") + "\n";
}
