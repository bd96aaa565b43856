// A test-only HTTP filter that models Cilium's ingress decision for one peer in front of one pod
// port: it reads the rendered policies and decides with offline/checks/ciliumIngressModel.ts. It
// is NOT Cilium (no BPF, no Envoy, no identities, no path normalisation): a peer the policies do not
// admit has its connection closed (Cilium drops it); behind an L7 rule (Envoy) an HTTP/1.0 request
// gets 426 and a request no L7 rule allows gets 403 "Access denied" (cilium/proxy's default body);
// anything else is passed to the upstream unchanged.

import * as http from "http";
import {
    CILIUM_DENIED_BODY,
    CILIUM_DENIED_STATUS,
    ENVOY_HTTP10_STATUS,
    IngressPeer,
    decideIngress,
    requestAllowed,
} from "../../offline/checks/ciliumIngressModel";
import { listenOnLoopback } from "./loopbackServer";

export interface CiliumModelFilterOptions {
    /** The rendered NetworkPolicies and CiliumNetworkPolicies of the pod's namespace. */
    policies: Record<string, any>[];
    /** The labels of the pod behind the filter. */
    podLabels: Record<string, string>;
    /** The pod's port the policies are read for. */
    podPort: number;
    /** Who every connection to this filter is taken to come from. */
    peer: IngressPeer;
    /** Where the pod listens on loopback. */
    upstreamPort: number;
}

export interface CiliumModelFilter {
    port: number;
    /** Each request seen: method, request target, and what the filter did. */
    seen: { method: string; target: string; outcome: "passed" | "refused" | "dropped" | "http/1.0 refused" }[];
    close(): Promise<void>;
}

/** Starts the filter on a free loopback port. */
export async function startCiliumModelFilter(options: CiliumModelFilterOptions): Promise<CiliumModelFilter> {
    const decision = decideIngress(options.policies, options.podLabels, options.peer, options.podPort);
    const seen: CiliumModelFilter["seen"] = [];
    const server = http.createServer((req, res) => {
        const method = req.method ?? "";
        const target = req.url ?? "";
        if (!decision.admitted) {
            seen.push({ method, target, outcome: "dropped" });
            req.socket.destroy();
            return;
        }
        if (decision.l7 && req.httpVersion === "1.0") {
            seen.push({ method, target, outcome: "http/1.0 refused" });
            req.resume();
            res.writeHead(ENVOY_HTTP10_STATUS, { "content-type": "text/plain" }).end("Upgrade Required");
            return;
        }
        if (!requestAllowed(decision, method, target)) {
            seen.push({ method, target, outcome: "refused" });
            req.resume();
            res.writeHead(CILIUM_DENIED_STATUS, { "content-type": "text/plain" }).end(CILIUM_DENIED_BODY);
            return;
        }
        seen.push({ method, target, outcome: "passed" });
        const upstream = http.request(
            { host: "127.0.0.1", port: options.upstreamPort, method, path: target, headers: req.headers },
            (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
            },
        );
        upstream.on("error", () => res.writeHead(503).end());
        req.pipe(upstream);
    });
    return { ...(await listenOnLoopback(server)), seen };
}
