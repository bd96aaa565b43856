// `npm run verify` against real servers on loopback: a real Prometheus stands in for Query's PromQL
// API (synthetic sidecar targets per cluster, each carrying its `cluster` label and the sidecar's
// upload metric; an always-firing Watchdog per cluster sent to every Alertmanager, as each
// cluster's Prometheus sends kube-prometheus-stack's), three clustered real Alertmanagers gossiping on
// loopback, and a small front server answering /api/v1/stores from the pinned Thanos v0.42.4 fixture
// and passing /api/v1/query to Prometheus. Grafana is a stand-in answering its two health APIs
// (and refusing a request without the admin credentials). The addresses come from the committed
// stacks' outputs, pointed at loopback by verify's override flags.
// Needs prometheus and alertmanager (tests/live/binaries.ts); skipped without them, except in CI.

import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { main } from "../offline/verify";
import { THANOS_V0_42_4_STORES_RESPONSE } from "./fixtures/thanosStoresResponse";
import { committedEdgeOutputs, runCommittedStack } from "./helpers";
import { findBinary, freeLoopbackPort, missingBinaryMessage } from "./live/binaries";
import { LiveProcesses, startAlertmanagerCluster, startLoopbackPrometheus } from "./live/processes";
import {
    WATCHDOG_RULES,
    alertmanagerConfig,
    asCliOutputs,
    comparable,
    docExample,
    getJson,
    grafanaStandIn,
    listen,
    queryFront,
    syntheticSidecars,
    PublishedAddresses,
    publishedAddresses,
    writeEdgeOutputFiles,
} from "./live/verifyStandIns";
import { until } from "./live/ask";

const CLUSTERS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];
const GRAFANA_PASSWORD = "verify-live-test-password";
/** Receivers of the test Alertmanager config: critical alerts to one, the rest to another. */
const CRITICAL_RECEIVER = "critical-team";

const prometheusBin = findBinary("prometheus");
const alertmanagerBin = findBinary("alertmanager");

describe("npm run verify, live on loopback (Prometheus as Query, 3 clustered Alertmanagers)", function () {
    this.timeout(240_000);
    const processes = new LiveProcesses(() => dir);
    const servers: http.Server[] = [];
    let dir: string;
    let promPort: number;
    let frontPort: number;
    let grafanaPort: number;
    let targetsFile: string;
    let metricsPort: number;
    const amPorts: { web: number; cluster: number }[] = [];
    /** Seconds since each cluster's last upload, as its synthetic sidecar reports it. */
    const uploadAge: Record<string, number> = {};
    /** What the front server answers on /api/v1/stores. */
    let storesText = THANOS_V0_42_4_STORES_RESPONSE;
    /** Every PromQL request verify made through the front server. */
    const queries: string[] = [];
    let flags: string[];
    /** The committed central stack's published addresses. */
    const published: PublishedAddresses = { queryUrl: "", grafanaUrl: "", alertmanagers: [] };

    function writeTargets(clusters: string[]): void {
        const tmp = `${targetsFile}.tmp`;
        fs.writeFileSync(
            tmp,
            JSON.stringify(
                clusters.map((cluster) => ({
                    targets: [`127.0.0.1:${metricsPort}`],
                    labels: { cluster, __metrics_path__: `/metrics/${cluster}` },
                })),
            ),
        );
        fs.renameSync(tmp, targetsFile);
    }

    /** The fixture without one cluster's endpoints (an edge's Query): Query never reached them. */
    function storesWithout(addressPrefix: string): string {
        const doc = JSON.parse(THANOS_V0_42_4_STORES_RESPONSE);
        for (const type of ["sidecar", "query"])
            doc.data[type] = doc.data[type].filter((s: { name: string }) => !s.name.startsWith(addressPrefix));
        return JSON.stringify(doc);
    }

    async function query(q: string): Promise<Record<string, number>> {
        const body = await getJson(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
        return Object.fromEntries(
            (body.data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => [
                s.metric.cluster,
                Number(s.value[1]),
            ]),
        );
    }

    /** Watchdog clusters each replica holds (undefined when a replica does not answer). */
    async function watchdogs(): Promise<string[][]> {
        return Promise.all(
            amPorts.map(async (p) =>
                (
                    (await getJson(
                        `http://127.0.0.1:${p.web}/api/v2/alerts?filter=${encodeURIComponent('alertname="Watchdog"')}`,
                    )) as any[]
                )
                    .map((a) => a.labels.cluster)
                    .sort(),
            ),
        );
    }

    async function verify(extra: string[] = [], env: NodeJS.ProcessEnv = { GRAFANA_ADMIN_PASSWORD: GRAFANA_PASSWORD }) {
        const lines: string[] = [];
        const exitCode = await main([...flags, ...extra], env, (line) => lines.push(line));
        return { exitCode, lines };
    }

    /** The real CLI entry, as an operator runs it: its printed lines and exit code. */
    function verifyCli(extra: string[] = []): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
        return new Promise((resolve, reject) => {
            const child = spawn(
                process.execPath,
                ["-r", "./offline/tsRegister.cjs", "offline/verify/index.ts", ...flags, ...extra],
                {
                    cwd: path.join(__dirname, ".."),
                    env: { ...process.env, GRAFANA_ADMIN_PASSWORD: GRAFANA_PASSWORD, GRAFANA_TOKEN: "" },
                },
            );
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (c) => (stdout += c));
            child.stderr.on("data", (c) => (stderr += c));
            const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
            child.on("error", reject);
            child.on("exit", (exitCode) => {
                clearTimeout(timer);
                resolve({ exitCode, stdout, stderr });
            });
        });
    }

    /** loopback -> published address, for comparing verify's lines with docs/verify.md. */
    function addresses(): [string, string][] {
        return [
            [`http://127.0.0.1:${frontPort}`, published.queryUrl],
            [`http://127.0.0.1:${grafanaPort}`, published.grafanaUrl],
            ...amPorts.map((p, i): [string, string] => [`127.0.0.1:${p.web}`, published.alertmanagers[i]]),
        ];
    }

    const failing = (lines: string[]) => lines.filter((l) => l.startsWith("FAIL")).map((l) => l.split(/\s{2,}/)[1]);

    before(async function () {
        if (!prometheusBin || !alertmanagerBin) {
            const message = [
                !prometheusBin && missingBinaryMessage("prometheus"),
                !alertmanagerBin && missingBinaryMessage("alertmanager"),
            ]
                .filter(Boolean)
                .join("; ");
            if (process.env.CI === "true") throw new Error(message);
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-live-"));

        // Each cluster's synthetic sidecar: its upload time and process start, now-relative.
        for (const c of CLUSTERS) uploadAge[c] = 600;
        const metrics = syntheticSidecars(uploadAge);
        servers.push(metrics);
        metricsPort = await listen(metrics);

        // Three Alertmanagers, gossiping on loopback: critical alerts to one receiver, watchdogs nowhere.
        for (let i = 0; i < 3; i++) amPorts.push({ web: await freeLoopbackPort(), cluster: await freeLoopbackPort() });
        const amConfig = path.join(dir, "alertmanager.yml");
        fs.writeFileSync(amConfig, yaml.dump(alertmanagerConfig(CRITICAL_RECEIVER, "default-team")));
        // Gossip every 20ms (200ms by default): a replica polls its gossip for settling every 10 x this
        // (Alertmanager's Settle), so the three are ready in about a second instead of ten.
        startAlertmanagerCluster(processes, alertmanagerBin!, dir, amConfig, amPorts, [
            "--cluster.gossip-interval=20ms",
        ]);

        // Prometheus: scrapes the synthetic sidecars, fires a Watchdog per cluster to every replica.
        targetsFile = path.join(dir, "targets.json");
        writeTargets(CLUSTERS);
        const rules = path.join(dir, "rules.yml");
        fs.writeFileSync(rules, yaml.dump(WATCHDOG_RULES));
        promPort = await freeLoopbackPort();
        startLoopbackPrometheus(processes, prometheusBin!, dir, {
            port: promPort,
            rulesFile: rules,
            jobName: "thanos-sidecar",
            targetsFile,
            alertmanagers: amPorts,
            resendDelay: "1s",
            // A changed targets file reaches the scrapes at discovery's next 5s tick, not after a
            // further 5s throttle (--scrape.discovery-reload-interval, a hidden flag).
            extraArgs: ["--scrape.discovery-reload-interval=100ms"],
        });

        // The committed stacks' outputs, as `pulumi stack output --json` prints them (rendered while
        // the servers start: Prometheus' discovery hands over its first targets only at its 5s tick).
        const edges = await committedEdgeOutputs();
        const central = await runCommittedStack("cluster-01", {}, edges);
        fs.writeFileSync(path.join(dir, "cluster-01.json"), JSON.stringify(asCliOutputs(central.outputs)));
        Object.assign(published, publishedAddresses(central.outputs));
        const edgeFiles = writeEdgeOutputFiles(dir, edges);

        // Query's stand-in: /api/v1/stores from the fixture, PromQL passed to Prometheus.
        const front = queryFront(() => storesText, promPort, queries);
        servers.push(front);
        frontPort = await listen(front);

        // Grafana's stand-in: its health API, and the datasource health API behind the admin credentials.
        const grafana = grafanaStandIn(GRAFANA_PASSWORD);
        servers.push(grafana);
        grafanaPort = await listen(grafana);

        flags = [
            "--outputs",
            path.join(dir, "cluster-01.json"),
            ...edgeFiles.flatMap((f) => ["--edge-outputs", f]),
            "--query-url",
            `http://127.0.0.1:${frontPort}`,
            "--grafana-url",
            `http://127.0.0.1:${grafanaPort}`,
            ...amPorts.flatMap((p) => ["--alertmanager", `127.0.0.1:${p.web}`]),
            "--timeout",
            "5",
        ];

        try {
            await until("every cluster scraped", 30_000, async () =>
                Object.keys(await query("count by (cluster) (up)")).length === 4 ? true : undefined,
            );
            await until("3 Alertmanager peers, ready", 30_000, async () => {
                const statuses = await Promise.all(
                    amPorts.map((p) => getJson(`http://127.0.0.1:${p.web}/api/v2/status`)),
                );
                return statuses.every((s) => s.cluster.status === "ready" && s.cluster.peers.length === 3)
                    ? true
                    : undefined;
            });
            await until("every cluster's Watchdog on every replica", 30_000, async () =>
                (await watchdogs()).every((held) => held.join() === CLUSTERS.join()) ? true : undefined,
            );
        } catch (err) {
            throw new Error(`${(err as Error).message}\n${processes.logs(10)}`, { cause: err });
        }
    });

    after(async () => {
        await processes.stopAll();
        await Promise.all(servers.filter((s) => s.listening).map((s) => new Promise((r) => s.close(r))));
        if (dir && process.env.VERIFY_LIVE_KEEP === undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("passes everything when all is well: the CLI prints one PASS per check and exits 0", async () => {
        const { exitCode, stdout, stderr } = await verifyCli();
        const lines = stdout.trim().split("\n");
        expect(exitCode, `${stdout}${stderr}`).to.equal(0);
        // stores, up, uploads and alerts per cluster; 3 Alertmanager replicas; Grafana, its datasource; the test alert.
        expect(lines.filter((l) => /^(PASS|FAIL|SKIP) /.test(l))).to.have.lengthOf(4 * 4 + 3 + 2 + 1);
        expect(failing(lines), stdout).to.deep.equal([]);
        expect(
            lines.filter((l) => l.startsWith("SKIP")).map((l) => l.split(/\s{2,}/)[1]),
            stdout,
        ).to.deep.equal(["test-alert"]);
        expect(lines.at(-1)).to.equal("verify: 21 passed, 0 failed, 1 skipped");
        // Partial responses asked for: one unreachable edge must not fail the query for every cluster.
        expect(queries).to.have.lengthOf(3);
        for (const q of queries) expect(q).to.match(/&partial_response=true$/);
        expect(comparable(lines, addresses()), "docs/verify.md's example").to.deep.equal(
            comparable(docExample("all-good")),
        );
    });

    it("skips the Grafana datasource check without credentials (skipped, not passed)", async () => {
        const { exitCode, lines } = await verify([], {});
        expect(exitCode).to.equal(0);
        expect(lines.find((l) => l.includes("grafana datasource thanos"))).to.match(/^SKIP .*GRAFANA_ADMIN_PASSWORD/);
        const wrong = await verify([], { GRAFANA_ADMIN_PASSWORD: "wrong" });
        expect(wrong.exitCode).to.equal(1);
        expect(failing(wrong.lines)).to.deep.equal(["grafana datasource thanos"]);
    });

    it("sends a test alert only when asked and confirms its receiver, naming a wrong one", async () => {
        const routed = await verify([
            "--send-test-alert",
            "--receiver",
            CRITICAL_RECEIVER,
            "--label",
            "severity=critical",
        ]);
        expect(routed.exitCode, routed.lines.join("\n")).to.equal(0);
        expect(routed.lines.find((l) => l.startsWith("PASS  test-alert"))).to.match(
            new RegExp(`routed to ${CRITICAL_RECEIVER} on 3/3 replicas; resolves itself at `),
        );
        // The alert says what it is and resolves itself.
        const [held] = await getJson(
            `http://127.0.0.1:${amPorts[0].web}/api/v2/alerts?filter=${encodeURIComponent('alertname="ThanosMulticlusterVerifyTest"')}`,
        );
        expect(held.labels).to.include({ severity: "critical", cluster: "cluster-01" });
        expect(held.annotations.summary).to.match(/^Test alert sent by `npm run verify/);
        const minutes = (Date.parse(held.endsAt) - Date.now()) / 60_000;
        expect(minutes).to.be.within(4, 5.1);

        const misrouted = await verify(["--send-test-alert", "--receiver", CRITICAL_RECEIVER]);
        expect(misrouted.exitCode).to.equal(1);
        expect(misrouted.lines.find((l) => l.startsWith("FAIL  test-alert"))).to.contain(
            `routed to default-team, not ${CRITICAL_RECEIVER}`,
        );
    });

    it("fails stale uploads, naming the cluster", async () => {
        uploadAge["cluster-04"] = 4 * 3600;
        try {
            await until("cluster-04's stale upload scraped", 20_000, async () => {
                const last = await query("max by (cluster) (thanos_objstore_bucket_last_successful_upload_time)");
                return Date.now() / 1000 - last["cluster-04"] > 3 * 3600 ? true : undefined;
            });
            const { exitCode, lines } = await verify();
            expect(exitCode).to.equal(1);
            expect(failing(lines), lines.join("\n")).to.deep.equal(["uploads cluster-04"]);
            expect(lines.find((l) => l.startsWith("FAIL"))).to.match(
                /cluster cluster-04 last uploaded a block 4\.0h ago \(more than 3h\) -> see docs\/runbooks.md#clusterblocksnotuploaded, docs\/verify.md#uploads$/,
            );
        } finally {
            uploadAge["cluster-04"] = 600;
        }
    });

    it("fails an edge missing from Query, naming it in every check that sees it", async () => {
        // cluster-03 is gone: Query never reached its Query, its series stop, its Watchdog resolves.
        storesText = storesWithout("192.168.101.212:");
        writeTargets(CLUSTERS.filter((c) => c !== "cluster-03"));
        try {
            await until("cluster-03 gone from Prometheus and the Alertmanagers", 30_000, async () => {
                const up = await query("count by (cluster) (up)");
                const held = await watchdogs();
                const fresh = await query("max by (cluster) (thanos_objstore_bucket_last_successful_upload_time)");
                return !("cluster-03" in up) &&
                    !("cluster-03" in fresh) &&
                    held.every((h) => !h.includes("cluster-03")) &&
                    fresh["cluster-04"] > Date.now() / 1000 - 3 * 3600
                    ? true
                    : undefined;
            });
            const { exitCode, lines } = await verify();
            expect(exitCode).to.equal(1);
            expect(failing(lines), lines.join("\n")).to.deep.equal([
                "stores cluster-03",
                "up cluster-03",
                "uploads cluster-03",
                "alerts cluster-03",
            ]);
            expect(lines.find((l) => l.startsWith("FAIL  stores cluster-03"))).to.contain(
                "192.168.101.212:10901 (cluster-03 Thanos Query (stack miribit/thanos-multicluster/cluster-03)): not in Query's stores (Query never reached it)",
            );
            const shown = [...lines.filter((l) => l.startsWith("FAIL")), lines.at(-1)!];
            expect(comparable(shown, addresses()), "docs/verify.md's example").to.deep.equal(
                comparable(docExample("edge-missing")),
            );

            // Verifying another edge alone does not see cluster-03's failure; verifying cluster-03 alone does.
            const other = await verify(["--stack", "cluster-02"]);
            expect(other.exitCode, other.lines.join("\n")).to.equal(0);
            expect(
                other.lines.filter((l) => /^(PASS|FAIL|SKIP)/.test(l)).map((l) => l.split(/\s{2,}/)[1]),
            ).to.deep.equal([
                "stores cluster-02",
                "up cluster-02",
                "uploads cluster-02",
                "alerts cluster-02",
                "test-alert",
            ]);
            const alone = await verify(["--stack", "cluster-03"]);
            expect(alone.exitCode).to.equal(1);
            expect(failing(alone.lines)).to.deep.equal([
                "stores cluster-03",
                "up cluster-03",
                "uploads cluster-03",
                "alerts cluster-03",
            ]);
        } finally {
            storesText = THANOS_V0_42_4_STORES_RESPONSE;
            writeTargets(CLUSTERS);
        }
        await until("cluster-03 back", 30_000, async () =>
            (await watchdogs()).every((held) => held.join() === CLUSTERS.join()) ? true : undefined,
        );
    });

    it("fails an Alertmanager replica that is down, naming it (the CLI's exit code 1)", async () => {
        const victim = processes.child("alertmanager-2");
        victim.kill("SIGKILL");
        await new Promise((r) => victim.once("exit", r));
        const replica = `127.0.0.1:${amPorts[2].web}`;
        const { exitCode, stdout } = await verifyCli();
        expect(exitCode, stdout).to.equal(1);
        const failed = stdout.split("\n").filter((l) => l.startsWith("FAIL"));
        expect(failed.map((l) => l.split(/\s{2,}/)[1])).to.include.members([
            `alertmanager ${replica}`,
            ...CLUSTERS.map((c) => `alerts ${c}`),
        ]);
        expect(failed.find((l) => l.includes(`alertmanager ${replica}`))).to.match(/replica unreachable: ECONNREFUSED/);
        for (const c of CLUSTERS)
            expect(failed.find((l) => l.includes(`alerts ${c}`))).to.contain(
                `missing on 1/3 replicas: ${replica} (unreachable`,
            );
        // Only the Alertmanager lines fail: the others (Query, Grafana) still pass.
        expect(
            failed.every((l) => /^FAIL {2}(alertmanager|alerts) /.test(l)),
            failed.join("\n"),
        ).to.equal(true);
    });
});
