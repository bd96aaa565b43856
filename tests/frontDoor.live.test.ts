// The central front door's router, live on loopback: the real haproxy (HAPROXY_BIN, then PATH; CI:
// Debian sid's, the router image's version, .ci/tools.sh) on the central stack's rendered routes,
// each moved to a loopback port with its server replaced by a loopback upstream that names itself.
// It routes by port (Query, Grafana, each Alertmanager replica), admits each port only from that
// port's ranges (one config admitting 127.0.0.1/32 on a port, one that does not), passes only the
// edges' requests on the Alertmanager ports, and exports the metrics its alert reads. Skipped
// without haproxy, except in CI.

import { expect } from "chai";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { frontDoorRoutes } from "../components/frontDoor";
import { FrontDoorRoute } from "../components/frontDoor/haproxyConfig";
import { HAPROXY_METRICS_FILE, haproxyExportedMetrics, haproxyMetricsFile } from "../offline/metrics/haproxyMetrics";
import { parseClusterSettings } from "../config";
import { projectConfig } from "./helpers";
import { findBinary, freeLoopbackPort, missingBinaryMessage } from "./live/binaries";
import { ask, until } from "./live/ask";
import { LiveFrontDoor, loopbackFrontDoorConfig, startHaproxy } from "./live/haproxy";
import { LiveProcesses } from "./live/processes";
import { listenOnLoopback } from "./live/loopbackServer";

const HAPROXY = findBinary("haproxy");

/** A loopback HTTP server answering every request with its own name (200), and recording it. */
async function upstream(name: string): Promise<{ port: number; seen: string[]; close: () => Promise<void> }> {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
        req.resume();
        seen.push(`${req.method} ${req.url}`);
        res.writeHead(200, { "content-type": "text/plain" }).end(name);
    });
    return { ...(await listenOnLoopback(server)), seen };
}

describe("the central front door's router (the real haproxy on the rendered routes, live on loopback)", function () {
    this.timeout(60_000);
    let dir: string;
    const processes = new LiveProcesses(() => dir);
    let rendered: FrontDoorRoute[];
    const upstreams: Record<string, Awaited<ReturnType<typeof upstream>>> = {};
    let open: LiveFrontDoor;
    let narrow: LiveFrontDoor;

    before(async function () {
        if (HAPROXY === undefined) {
            if (process.env.CI === "true") throw new Error(missingBinaryMessage("haproxy"));
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "front-door-"));
        const central = parseClusterSettings(projectConfig("cluster-01"), { kubeconfig: false }).central!;
        rendered = frontDoorRoutes(central);
        await Promise.all(rendered.map(async (route) => (upstreams[route.name] = await upstream(route.name))));
        // Every route admitting the test (127.0.0.1/32).
        open = await loopbackFrontDoorConfig(
            rendered,
            rendered.map((r) => ({
                name: r.name,
                upstreamPort: upstreams[r.name].port,
                sourceRanges: ["127.0.0.1/32"],
            })),
        );
        // The operators' ports admitting only another network; the edges' ports admitting the test.
        narrow = await loopbackFrontDoorConfig(
            rendered,
            rendered.map((r) => ({
                name: r.name,
                upstreamPort: upstreams[r.name].port,
                sourceRanges: r.sourceKey === "central.uiSourceRanges" ? ["10.0.0.0/8"] : ["127.0.0.1/32"],
            })),
        );
        await Promise.all([
            startHaproxy(processes, HAPROXY!, dir, "haproxy-open", open),
            startHaproxy(processes, HAPROXY!, dir, "haproxy-narrow", narrow),
        ]);
    });

    after(async () => {
        await processes.stopAll();
        await Promise.all(Object.values(upstreams).map((u) => u.close()));
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("routes each port to its own upstream: Query, Grafana, each Alertmanager replica", async () => {
        expect(rendered.map((r) => r.name)).to.deep.equal([
            "query",
            "grafana",
            "alertmanager-0",
            "alertmanager-1",
            "alertmanager-2",
        ]);
        expect((await ask(open.ports.query, "GET", "/api/v1/query?query=up"))?.body).to.equal("query");
        expect((await ask(open.ports.grafana, "GET", "/d/thanos-overview"))?.body).to.equal("grafana");
        for (const i of [0, 1, 2]) {
            const name = `alertmanager-${i}`;
            const answer = await ask(open.ports[name], "POST", "/api/v2/alerts", "[]");
            expect(answer, name).to.deep.equal({ status: 200, body: name });
        }
        // TCP on the operators' ports: the request reaches the upstream as sent, whatever it is.
        expect(upstreams.query.seen).to.include("GET /api/v1/query?query=up");
    });

    it("admits each port only from its own ranges: an operators' port not admitting 127.0.0.1 closes the connection", async () => {
        expect(await ask(narrow.ports.query, "GET", "/api/v1/query?query=up")).to.equal(undefined);
        expect(await ask(narrow.ports.grafana, "GET", "/")).to.equal(undefined);
        // The same router's edge ports admit it (their own ranges do).
        expect(await ask(narrow.ports["alertmanager-1"], "POST", "/api/v2/alerts", "[]")).to.deep.equal({
            status: 200,
            body: "alertmanager-1",
        });
    });

    it("on an Alertmanager port passes only the edges' requests: silences, the UI and other paths get 403 and never reach it", async () => {
        const port = open.ports["alertmanager-0"];
        const before = upstreams["alertmanager-0"].seen.length;
        for (const [method, target] of [
            ["POST", "/api/v2/silences"],
            ["GET", "/api/v2/silences"],
            ["DELETE", "/api/v2/silence/00000000-0000-0000-0000-000000000000"],
            ["GET", "/"],
            ["GET", "/api/v2/alerts/groups"],
            ["POST", "/alertmanager/api/v2/alerts"],
        ]) {
            const answer = await ask(port, method, target);
            expect(answer?.status, `${method} ${target}`).to.equal(403);
        }
        expect(
            upstreams["alertmanager-0"].seen.slice(before).filter((s) => !s.startsWith("GET /-/ready")),
        ).to.deep.equal([]);
        // verify's reads pass.
        expect((await ask(port, "GET", "/api/v2/status"))?.status).to.equal(200);
        expect(
            (await ask(port, "GET", `/api/v2/alerts?filter=${encodeURIComponent('alertname="X"')}`))?.status,
        ).to.equal(200);
    });

    it("health-checks each server on its own path and exports what its alert reads: a backend with no server up (haproxy_backend_active_servers 0)", async function () {
        this.timeout(60_000);
        const metric = async (name: string) => {
            const text = (await ask(open.metricsPort, "GET", "/metrics"))?.body ?? "";
            return new RegExp(`^haproxy_backend_active_servers\\{proxy="to-${name}"\\} (\\d+)$`, "m").exec(text)?.[1];
        };
        // Checks (every LIVE_CHECK_INTERVAL here, tests/live/haproxy.ts), each on the server's own readiness path.
        for (const route of rendered)
            await until(
                `${route.name}'s health check`,
                15_000,
                async () => upstreams[route.name].seen.includes(`GET ${route.healthPath}`),
                () => processes.logs(10),
            );
        expect(upstreams.grafana.seen).to.include("GET /api/health");
        for (const route of rendered) expect(await metric(route.name), route.name).to.equal("1");
        // Grafana gone: after `fall` (three) failed checks its backend has no server up, what FrontDoorBackendDown reads.
        await upstreams.grafana.close();
        await until(
            "to-grafana with no server up",
            30_000,
            async () => (await metric("grafana")) === "0",
            () => processes.logs(10),
        );
        expect(await metric("query")).to.equal("1");
        expect((await ask(open.metricsPort, "GET", "/healthz"))?.status).to.equal(200);
    });

    it("is ready (/healthz 200) while any server is up, and not once none is: a router that can reach nothing leaves the Service", async function () {
        this.timeout(60_000);
        // Every route leading to a port nobody listens on.
        const nowhere = await freeLoopbackPort();
        const dead = await loopbackFrontDoorConfig(
            rendered,
            rendered.map((r) => ({ name: r.name, upstreamPort: nowhere, sourceRanges: ["127.0.0.1/32"] })),
        );
        const file = path.join(dir, "haproxy-dead.cfg");
        fs.writeFileSync(file, dead.config);
        processes.start("haproxy-dead", HAPROXY!, ["-db", "-f", file]);
        let status: number | undefined;
        await until(
            "/healthz to answer 503",
            30_000,
            async () => (status = (await ask(dead.metricsPort, "GET", "/healthz"))?.status) === 503,
            () => `/healthz answered ${status}\n${processes.logs(10)}`,
        );
        // Still a live process: its metrics answer (the liveness probe is not /healthz).
        expect((await ask(dead.metricsPort, "GET", "/metrics"))?.status).to.equal(200);
        // The open router, with Query, Grafana and the replicas up, is ready.
        expect((await ask(open.metricsPort, "GET", "/healthz"))?.status).to.equal(200);
    });

    it("the reference list of its metric names (offline/metrics/haproxy-metrics.txt, which the alert tests read) is what the real exporter lists", async () => {
        const entries = await haproxyExportedMetrics(HAPROXY!);
        expect(entries.map((e) => e.split("\t")[0])).to.include("haproxy_backend_active_servers");
        expect(fs.readFileSync(HAPROXY_METRICS_FILE, "utf8")).to.equal(haproxyMetricsFile(entries));
    });
});
