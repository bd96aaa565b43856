// The real HAProxy running the front door's rendered config on loopback: the routes the central
// stack renders (components/frontDoor.ts), each moved to a free loopback port, its server to a
// loopback upstream and its source ranges to what the test says, through the same generator
// (haproxyConfig). Everything else (modes, ACLs, request rules, health checks, the resolvers, the
// metrics frontend) is the production text, except how often the servers are checked: see
// LIVE_CHECK_INTERVAL.

import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { FrontDoorRoute, haproxyConfig } from "../../components/frontDoor/haproxyConfig";
import { freeLoopbackPort } from "./binaries";
import { LiveProcesses } from "./processes";

/**
 * The live runs check each server every 200 ms instead of the pods' 5 s (HEALTH_CHECK.inter): what they
 * prove is what a check asks and what its outcome does (a server marked down after `fall` failures, the
 * metric and /healthz that follow), not how often it runs, and at 5 s the tests spent ~30 s waiting for
 * checks. fall and rise stay as rendered; the rendered interval is held by tests/frontDoorHealthChecks.test.ts.
 */
export const LIVE_CHECK_INTERVAL = "200ms";

/** Where a route leads in the test, and who it admits. */
export interface LoopbackRoute {
    /** The rendered route's name (query, grafana, alertmanager-0, ...). */
    name: string;
    /** The loopback port of the upstream standing for the route's server. */
    upstreamPort: number;
    /** The source ranges the test gives the route (127.0.0.1/32 to admit the test's own connections). */
    sourceRanges: string[];
    /** The front door's port for the route, when the test chose it already (a free one when omitted). */
    port?: number;
}

export interface LiveFrontDoor {
    /** The front door's loopback port for each route, by name. */
    ports: Record<string, number>;
    metricsPort: number;
    config: string;
}

/** The rendered routes moved to loopback, as listed; a route the test does not list is left out. */
export async function loopbackFrontDoorConfig(
    rendered: FrontDoorRoute[],
    routes: LoopbackRoute[],
): Promise<LiveFrontDoor> {
    const ports: Record<string, number> = {};
    const moved: FrontDoorRoute[] = [];
    for (const route of routes) {
        const original = rendered.find((r) => r.name === route.name);
        if (original === undefined) throw new Error(`the render has no front door route ${route.name}`);
        ports[route.name] = route.port ?? (await freeLoopbackPort());
        moved.push({
            ...original,
            port: ports[route.name],
            server: { host: "127.0.0.1", port: route.upstreamPort },
            sourceRanges: route.sourceRanges,
        });
    }
    const metricsPort = await freeLoopbackPort();
    return {
        ports,
        metricsPort,
        config: haproxyConfig(moved, { bindAddress: "127.0.0.1", metricsPort, checkInterval: LIVE_CHECK_INTERVAL }),
    };
}

/** Starts haproxy (in the foreground, one process) on the config; resolves once /healthz answers. */
export async function startHaproxy(
    processes: LiveProcesses,
    binary: string,
    dir: string,
    name: string,
    frontDoor: LiveFrontDoor,
): Promise<void> {
    const file = path.join(dir, `${name}.cfg`);
    fs.writeFileSync(file, frontDoor.config);
    const child = processes.start(name, binary, ["-db", "-f", file]);
    const deadline = Date.now() + 15_000;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${processes.logs(20)}`);
        const status = await new Promise<number | undefined>((resolve) => {
            const req = http.get({ host: "127.0.0.1", port: frontDoor.metricsPort, path: "/healthz" }, (res) => {
                res.resume();
                resolve(res.statusCode);
            });
            req.on("error", () => resolve(undefined));
            req.setTimeout(1000, () => req.destroy());
        });
        if (status === 200) return;
        if (Date.now() > deadline) throw new Error(`${name} did not answer /healthz:\n${processes.logs(20)}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}
