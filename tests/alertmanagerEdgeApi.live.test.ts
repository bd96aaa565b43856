// The central Alertmanager's API as the edges see it, live on loopback: three real clustered
// Alertmanagers, behind the real HAProxy of the central front door (its rendered Alertmanager
// routes, moved to loopback: tests/live/haproxy.ts), and between the two a test-only filter that
// models Cilium's decision from the policies the central stack renders for the router's pods
// (tests/live/ciliumHttpFilter.ts; a model of the rule, not Cilium, which cannot run here). More
// filters per replica stand for the other peers: an edge node's address and another central node
// (neither may reach Alertmanager directly), the pod's own node (kubelet) and a pod of the
// monitoring namespace. A real Prometheus with the edge's rendered alerting entry sends an alert to
// the front door's ports: it must reach every replica. An edge asking for silences gets 403 from
// the router (and from Cilium's rule behind it, were the router to pass it), and no silence exists
// after; a pod of the namespace still creates one. Binaries: PROMETHEUS_BIN / ALERTMANAGER_BIN /
// HAPROXY_BIN, then PATH (CI: Debian sid's, .ci/tools.sh); skipped without them, except in CI.

import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { FRONT_DOOR_POD_SELECTOR, frontDoorRoutes } from "../components/frontDoor";
import { edgeAlertmanagerConfigs } from "../components/kubePrometheusStack";
import { ALERTMANAGER_POD_SELECTOR, ALERTMANAGER_PORT, GRAFANA_POD_SELECTOR } from "../components/names";
import { parseClusterSettings } from "../config";
import { CILIUM_DENIED_BODY, IngressPeer } from "../offline/checks/ciliumIngressModel";
import { committedEdgeOutputs, projectConfig, runCommittedStack } from "./helpers";
import { binaryVersion, findBinary, freeLoopbackPort, missingBinaries, missingBinaryMessage } from "./live/binaries";
import { ask, until } from "./live/ask";
import { CiliumModelFilter, startCiliumModelFilter } from "./live/ciliumHttpFilter";
import { LiveFrontDoor, loopbackFrontDoorConfig, startHaproxy } from "./live/haproxy";
import { HEALTH_CHECK } from "../components/frontDoor/haproxyConfig";
import { LiveProcesses, ReplicaPorts, startAlertmanagerCluster, startLoopbackPrometheus } from "./live/processes";

const PROMETHEUS = findBinary("prometheus");
const ALERTMANAGER = findBinary("alertmanager");
const HAPROXY = findBinary("haproxy");
const ALERT_NAME = "EdgeL7RuleProbe";

function silence(createdBy: string): Record<string, unknown> {
    const now = Date.now();
    return {
        matchers: [{ name: "alertname", value: ALERT_NAME, isRegex: false, isEqual: true }],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        createdBy,
        comment: "alertmanagerEdgeApi.live.test.ts",
    };
}

const absentBinaries = missingBinaries({ prometheus: PROMETHEUS, alertmanager: ALERTMANAGER, haproxy: HAPROXY });

describe("Alertmanager's API behind the front door and the routers' L7 rule (real HAProxy; Cilium's rule modelled by a test filter; live on loopback)", function () {
    this.timeout(120_000);
    const processes = new LiveProcesses(() => dir);
    /** A second edge Prometheus, sending under a path prefix (its own directory: its own log). */
    const misrouted = new LiveProcesses(() => path.join(dir, "misrouted"));
    let rulesFile: string;
    let targetsFile: string;
    let edgeAlerting: Record<string, any>;
    let dir: string;
    let replicas: ReplicaPorts[] = [];
    /** Per replica, one filter for each kind of peer. */
    const filters: Record<"router" | "edge" | "remoteNode" | "host" | "namespace", CiliumModelFilter>[] = [];
    let edgeAddress: string;
    /** The front door's Alertmanager ports, in replica order. */
    let frontDoor: LiveFrontDoor;
    let frontDoorPorts: number[] = [];

    before(async function () {
        if (absentBinaries.length > 0) {
            if (process.env.CI === "true") throw new Error(absentBinaries.map(missingBinaryMessage).join("; "));
            this.skip();
        }
        console.log(
            `      on ${[PROMETHEUS!, ALERTMANAGER!, HAPROXY!].map((f) => `${path.basename(f)} ${binaryVersion(f)?.join(".") ?? "(unknown version)"}`).join(", ")}`,
        );
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-edge-api-"));

        // What needs no render starts first, so that its start-up overlaps the render below: the
        // replicas, and both edge Prometheus servers (each takes seconds to find its Alertmanagers; until
        // the front door is up their sends are refused and retried, resend delay 1s).
        const amConfig = path.join(dir, "alertmanager.yaml");
        fs.writeFileSync(amConfig, yaml.dump({ route: { receiver: "null" }, receivers: [{ name: "null" }] }));
        replicas = await Promise.all(
            [0, 1, 2].map(async () => ({ web: await freeLoopbackPort(), cluster: await freeLoopbackPort() })),
        );
        startAlertmanagerCluster(processes, ALERTMANAGER!, dir, amConfig, replicas);

        // An edge's node address, as the edge's own stack file lists it.
        const edge = projectConfig("cluster-02");
        edgeAddress = edge.nodeIps[0];
        // The front door's Alertmanager routes as rendered (their ports chosen now, for the Prometheus servers).
        const centralSettings = parseClusterSettings(projectConfig("cluster-01"), { kubeconfig: false }).central!;
        const routes = frontDoorRoutes(centralSettings).filter((r) => r.name.startsWith("alertmanager-"));
        frontDoorPorts = await Promise.all(routes.map(() => freeLoopbackPort()));

        // The edge's Prometheus: its rendered alerting entry, the front door's ports as its Alertmanagers.
        [edgeAlerting] = edgeAlertmanagerConfigs(parseClusterSettings(edge, { kubeconfig: false }));
        rulesFile = path.join(dir, "rules.yaml");
        fs.writeFileSync(
            rulesFile,
            yaml.dump({
                groups: [
                    {
                        name: "edge",
                        rules: [{ alert: ALERT_NAME, expr: "vector(1)", labels: { cluster: "cluster-02" } }],
                    },
                ],
            }),
        );
        targetsFile = path.join(dir, "targets.json");
        fs.writeFileSync(targetsFile, "[]");
        startLoopbackPrometheus(processes, PROMETHEUS!, dir, {
            port: await freeLoopbackPort(),
            rulesFile,
            jobName: "none",
            targetsFile,
            alertmanagers: frontDoorPorts.map((port) => ({ web: port, cluster: 0 })),
            alerting: edgeAlerting,
            resendDelay: "1s",
        });
        // The fourth test's misrouted edge: as one whose alerting entry carried a path (docs/troubleshooting.md:
        // edge alerts refused with 403).
        fs.mkdirSync(path.join(dir, "misrouted"));
        startLoopbackPrometheus(misrouted, PROMETHEUS!, path.join(dir, "misrouted"), {
            port: await freeLoopbackPort(),
            rulesFile,
            jobName: "none",
            targetsFile,
            alertmanagers: [{ web: frontDoorPorts[0], cluster: 0 }],
            alerting: { ...edgeAlerting, path_prefix: "/alertmanager" },
            resendDelay: "1s",
        });

        // The policies the central stack renders for the monitoring namespace, read as rendered.
        const central = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
        const policies = central.resources
            .filter((r) =>
                [
                    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                    "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
                ].includes(r.type),
            )
            .map((r) => r.inputs as Record<string, any>);
        const l7 = policies.find((p) => p.metadata.name === "alertmanager-edge-api");
        expect(l7?.spec.ingress[0].toPorts[0].rules.http, "the rendered L7 rule")
            .to.be.an("array")
            .with.length.greaterThan(0);

        const peers: Record<keyof (typeof filters)[number], IngressPeer> = {
            router: { kind: "pod", namespace: "monitoring", labels: FRONT_DOOR_POD_SELECTOR },
            edge: { kind: "address", address: edgeAddress },
            remoteNode: { kind: "entity", entity: "remote-node" },
            host: { kind: "entity", entity: "host" },
            namespace: { kind: "pod", namespace: "monitoring", labels: GRAFANA_POD_SELECTOR },
        };
        for (const replica of replicas) {
            const entry = {} as (typeof filters)[number];
            for (const [name, peer] of Object.entries(peers) as [keyof typeof peers, IngressPeer][])
                entry[name] = await startCiliumModelFilter({
                    policies,
                    podLabels: ALERTMANAGER_POD_SELECTOR,
                    podPort: ALERTMANAGER_PORT,
                    peer,
                    upstreamPort: replica.web,
                });
            filters.push(entry);
        }

        // Each front door route leading to its replica's router filter.
        frontDoor = await loopbackFrontDoorConfig(
            routes,
            routes.map((r, i) => ({
                name: r.name,
                upstreamPort: filters[i].router.port,
                sourceRanges: ["127.0.0.1/32"],
                port: frontDoorPorts[i],
            })),
        );
        try {
            for (const [i, replica] of replicas.entries())
                await until(
                    `alertmanager-${i} ready`,
                    20_000,
                    async () => (await ask(replica.web, "GET", "/-/ready"))?.status === 200,
                );
            await startHaproxy(processes, HAPROXY!, dir, "frontdoor", frontDoor);
        } catch (err) {
            throw new Error(`${(err as Error).message}\n${processes.logs(15)}`, { cause: err });
        }
    });

    after(async () => {
        await processes.stopAll();
        await misrouted.stopAll();
        await Promise.all(filters.flatMap((f) => Object.values(f).map((filter) => filter.close())));
        if (dir && process.env.ALERT_PATH_KEEP === undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the router's health checks pass the rule (Envoy, which refuses HTTP/1.0): every replica's backend stays up", async () => {
        const fall = HEALTH_CHECK.fall; // this many failed checks in a row would take a server down
        const checks = (i: number) => filters[i].router.seen.filter((s) => s.target === "/-/ready");
        for (const i of replicas.keys())
            await until(`${fall} health checks of alertmanager-${i}`, 30_000, async () => checks(i).length >= fall);
        const metrics = (await ask(frontDoor.metricsPort, "GET", "/metrics"))?.body ?? "";
        for (const i of replicas.keys()) {
            const seen = checks(i).map((s) => `${s.method} ${s.outcome}`);
            expect(seen, `alertmanager-${i}'s health checks`).to.deep.equal(seen.map(() => "GET passed"));
            expect(
                new RegExp(`^haproxy_backend_active_servers\\{proxy="to-alertmanager-${i}"\\} (\\d+)$`, "m").exec(
                    metrics,
                )?.[1],
                `to-alertmanager-${i} active servers`,
            ).to.equal("1");
        }
    });

    it("an edge's Prometheus posts its alert through the front door and the rule, and it arrives at every replica", async () => {
        try {
            for (const [i, replica] of replicas.entries())
                await until(`${ALERT_NAME} on alertmanager-${i}`, 30_000, async () => {
                    const answer = await ask(
                        replica.web,
                        "GET",
                        `/api/v2/alerts?filter=${encodeURIComponent(`alertname="${ALERT_NAME}"`)}`,
                    );
                    return answer?.status === 200 && JSON.parse(answer.body).length === 1;
                });
        } catch (err) {
            throw new Error(`${(err as Error).message}\n${processes.logs(15)}`, { cause: err });
        }
        for (const f of filters) {
            expect(
                f.router.seen.filter((s) => s.outcome === "passed").map((s) => `${s.method} ${s.target}`),
            ).to.include("POST /api/v2/alerts");
            // Nothing the router forwards is refused behind it: the router passes only what the rule allows.
            expect(f.router.seen.filter((s) => s.outcome !== "passed")).to.deep.equal([]);
        }
    });

    it("an edge is refused silences and the UI with 403 by the front door, and by the rule behind it; directly, or from another node, it reaches nothing", async () => {
        const asks = [
            ["POST", "/api/v2/silences", silence(`edge ${edgeAddress}`)],
            ["GET", "/api/v2/silences", undefined],
            ["DELETE", "/api/v2/silence/00000000-0000-0000-0000-000000000000", undefined],
            ["GET", "/", undefined],
        ] as const;
        for (const [i, f] of filters.entries()) {
            for (const [method, target, body] of asks) {
                // The front door (HAProxy, the edges' only way in) refuses it.
                const refused = await ask(frontDoorPorts[i], method, target, body);
                expect(refused?.status, `front door -> alertmanager-${i}: ${method} ${target}`).to.equal(403);
                // Were the router to pass it, the routers' L7 rule would refuse it too.
                expect(await ask(f.router.port, method, target, body), `router -> alertmanager-${i}`).to.deep.equal({
                    status: 403,
                    body: CILIUM_DENIED_BODY,
                });
                // An edge's address, or another node, is not admitted to Alertmanager at all: dropped.
                for (const peer of ["edge", "remoteNode"] as const)
                    expect(await ask(f[peer].port, method, target, body), `${peer} -> alertmanager-${i}`).to.equal(
                        undefined,
                    );
            }
            // What `npm run verify` reads still passes, through the front door.
            expect((await ask(frontDoorPorts[i], "GET", "/api/v2/status"))?.status, "GET /api/v2/status").to.equal(200);
        }
        for (const [i, replica] of replicas.entries()) {
            const answer = await ask(replica.web, "GET", "/api/v2/silences");
            expect(answer?.status).to.equal(200);
            expect(JSON.parse(answer!.body), `silences on alertmanager-${i}`).to.deep.equal([]);
        }
    });

    it("an edge sending anywhere but POST /api/v2/alerts is refused: its Prometheus logs bad response status 403 Forbidden", async () => {
        // Its Prometheus (the misrouted edge) was started in before.
        const log = path.join(dir, "misrouted", "prometheus.log");
        await until(
            "the misrouted Prometheus' send error",
            30_000,
            async () =>
                fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("bad response status 403 Forbidden"),
        );
        // The front door refused it: it never reached the rule behind it.
        expect(filters[0].router.seen.map((s) => s.target)).not.to.include("/alertmanager/api/v2/alerts");
    });

    it("a pod of the monitoring namespace still creates a silence (every replica has it), and kubelet's probe passes", async () => {
        const created = await ask(filters[0].namespace.port, "POST", "/api/v2/silences", silence("grafana"));
        expect(created?.status, created?.body).to.equal(200);
        const { silenceID } = JSON.parse(created!.body);
        expect(silenceID).to.be.a("string");
        for (const [i, replica] of replicas.entries())
            await until(`the silence gossiped to alertmanager-${i}`, 20_000, async () => {
                const answer = await ask(replica.web, "GET", "/api/v2/silences");
                return answer?.status === 200 && JSON.parse(answer.body).some((s: any) => s.id === silenceID);
            });
        for (const f of filters) expect((await ask(f.host.port, "GET", "/-/ready"))?.status).to.equal(200);
    });
});
