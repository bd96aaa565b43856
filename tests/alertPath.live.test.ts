// The alert path, live on loopback: the real Prometheus evaluates the rendered rule files and
// sends to three clustered Alertmanager replicas running the rendered config (receivers pointed
// at a webhook in this test), as an edge Prometheus sends to the three central replicas. A
// synthetic scrape target keeps one cluster's ClusterMetricsMissing silent while another fires.
// The webhook must get each alert group exactly once, with its cluster label; then, with one
// replica killed, a newly firing group must again arrive exactly once.
// The servers are found through PROMETHEUS_BIN / ALERTMANAGER_BIN / PROMTOOL_BIN, then PATH
// (tests/live/binaries.ts); CI puts Debian sid's Prometheus 3 and Alertmanager 0.3x first on PATH
// (.ci/tools.sh). Skipped without them, except in CI.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { AddressInfo } from "net";
import { edgeAlertmanagerConfigs } from "../components/kubePrometheusStack";
import { parseClusterSettings } from "../config";
import { metricNames } from "../offline/metrics/promqlNames";
import { committedEdgeOutputs, runCommittedStack, stackFile } from "./helpers";
import { binaryVersion, findBinary, freeLoopbackPort, missingBinaries, missingBinaryMessage } from "./live/binaries";
import { until } from "./live/ask";
import { LiveProcesses, startAlertmanagerCluster, startLoopbackPrometheus } from "./live/processes";

const PROMETHEUS = findBinary("prometheus");
const ALERTMANAGER = findBinary("alertmanager");
const PROMTOOL = findBinary("promtool");
/**
 * Gossip every 20ms (200ms by default): the notification log entry of a sent notification reaches
 * the other replicas within a few gossip rounds, far inside PEER_TIMEOUT_MS; and a replica polls
 * its gossip for settling every 10 x this (Alertmanager's Settle), so it is ready in about a
 * second instead of ten.
 */
const GOSSIP_INTERVAL = "20ms";
/**
 * --cluster.peer-timeout: a replica at gossip position i waits i x this before notifying, unless a
 * peer's notification log (gossiped within GOSSIP_INTERVAL rounds) says it was sent.
 */
const PEER_TIMEOUT_MS = 500;
/**
 * How long to listen for a duplicate after the first notification. A duplicate can only come from
 * a replica whose wait ended before the sender's log entry reached it; the last one (position 2,
 * a killed replica still counting until the others declare it dead) waits 2 x PEER_TIMEOUT_MS
 * after its own group_wait, which started when Prometheus' copy of the alert reached it (the copies
 * go out at once, but a busy machine can hold one back). So the window is that wait plus 2s for
 * that skew and the sending itself: shrinking PEER_TIMEOUT_MS shrinks the window with it.
 */
const QUIET_MS = PEER_TIMEOUT_MS * 2 + 2000;

/**
 * Metrics a server exposes only once what they count has happened (a counter whose series the
 * first event creates), each with the live test that makes it appear.
 */
const EXPOSED_AFTER_EVENT: Record<string, string> = {
    alertmanager_alerts_limited_total:
        "the first alert dropped over --alerts.per-alertname-limit creates it (tests/alertmanagerLimits.live.test.ts)",
};

interface Notification {
    receiver: string;
    status: string;
    groupKey: string;
    groupLabels: Record<string, string>;
    alerts: { status: string; labels: Record<string, string> }[];
}

function get(url: string): Promise<number | undefined> {
    return new Promise((resolve) => {
        const req = http.get(url, (res) => {
            res.resume();
            resolve(res.statusCode);
        });
        req.on("error", () => resolve(undefined));
        req.setTimeout(1000, () => req.destroy());
    });
}

function getText(url: string): Promise<string | undefined> {
    return new Promise((resolve) => {
        const req = http.get(url, (res) => {
            let body = "";
            res.on("data", (chunk) => (body += chunk));
            res.on("end", () => resolve(body));
        });
        req.on("error", () => resolve(undefined));
        req.setTimeout(2000, () => req.destroy());
    });
}

function getJson(url: string): Promise<any> {
    return new Promise((resolve) => {
        const req = http.get(url, (res) => {
            let body = "";
            res.on("data", (chunk) => (body += chunk));
            res.on("end", () => {
                try {
                    resolve(JSON.parse(body));
                } catch {
                    resolve(undefined);
                }
            });
        });
        req.on("error", () => resolve(undefined));
        req.setTimeout(1000, () => req.destroy());
    });
}

/**
 * The rendered rule groups, as Prometheus runs them in a test: Thanos-only group keys dropped,
 * every `for` cut to 1s (firing at the evaluation after the one that finds it pending) and every
 * range to 5s (five scrapes), so an alert fires within seconds instead of minutes.
 */
export function rulesForLoopback(groups: Record<string, any>[]): Record<string, any>[] {
    return groups.map((group) => ({
        name: group.name,
        rules: (group.rules as Record<string, any>[]).map((rule) => ({
            ...rule,
            expr: String(rule.expr).replace(/\[[0-9]+[smhdwy](?:[0-9]+[smhdwy])*\]/g, "[5s]"),
            ...(rule.for !== undefined ? { for: "1s" } : {}),
        })),
    }));
}

/**
 * The rendered Alertmanager config with each notifying receiver's integrations (their `url_file`s
 * name secrets this test does not have) replaced by this test's webhook, and fast timing.
 */
export function configForLoopback(config: Record<string, any>, webhookPort: number): Record<string, any> {
    const copy = JSON.parse(JSON.stringify(config)) as Record<string, any>;
    copy.receivers = copy.receivers.map((receiver: Record<string, any>) => {
        const notifies = Object.keys(receiver).some((k) => k.endsWith("_configs"));
        return notifies
            ? {
                  name: receiver.name,
                  webhook_configs: [{ url: `http://127.0.0.1:${webhookPort}/${receiver.name}`, send_resolved: false }],
              }
            : receiver;
    });
    const timing = { group_wait: "500ms", group_interval: "1h", repeat_interval: "1h" };
    copy.route = {
        ...copy.route,
        ...timing,
        routes: (copy.route.routes ?? []).map((r: Record<string, any>) => ({ ...r, ...timing })),
    };
    return copy;
}

const absentBinaries = missingBinaries({ prometheus: PROMETHEUS, alertmanager: ALERTMANAGER, promtool: PROMTOOL });

/** "prometheus 3.5.3, alertmanager 0.33.1": what this run tested. */
function serverVersions(): string {
    return [PROMETHEUS!, ALERTMANAGER!]
        .map((file) => `${path.basename(file)} ${binaryVersion(file)?.join(".") ?? "(unknown version)"}`)
        .join(", ");
}

describe("the alert path, live on loopback (Prometheus -> 3 clustered Alertmanagers -> webhook)", function () {
    this.timeout(180_000);
    const processes = new LiveProcesses(() => dir);
    const notifications: Notification[] = [];
    let dir: string;
    let webhook: http.Server;
    let targetServer: http.Server;
    let targetsFile: string;
    let targetPort: number;
    /** The servers' own /metrics: a source of the names the deployed versions expose. */
    const serverMetrics: { server: string; url: string }[] = [];
    let ruleGroupsRead: Record<string, any>[] = [];

    function writeTargets(clusters: string[]): void {
        const tmp = `${targetsFile}.tmp`;
        fs.writeFileSync(
            tmp,
            JSON.stringify(clusters.map((cluster) => ({ targets: [`127.0.0.1:${targetPort}`], labels: { cluster } }))),
        );
        fs.renameSync(tmp, targetsFile);
    }

    function missing(cluster: string): Notification[] {
        return notifications.filter(
            (n) => n.groupLabels.alertname === "ClusterMetricsMissing" && n.groupLabels.cluster === cluster,
        );
    }

    function expectEachGroupOnce(): void {
        const counts = new Map<string, number>();
        for (const n of notifications) counts.set(n.groupKey, (counts.get(n.groupKey) ?? 0) + 1);
        for (const [key, count] of counts) expect(count, `notifications for group ${key}`).to.equal(1);
    }

    before(async function () {
        if (absentBinaries.length > 0) {
            if (process.env.CI === "true") throw new Error(absentBinaries.map(missingBinaryMessage).join("; "));
            this.skip();
        }
        // The versions under test, in the output (CI runs the nearest to the clusters' own).
        console.log(`      alert path on ${serverVersions()}`);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-path-"));

        // The webhook every receiver now points at, and the synthetic target.
        webhook = http.createServer((req, res) => {
            let body = "";
            req.on("data", (chunk) => (body += chunk));
            req.on("end", () => {
                notifications.push(JSON.parse(body) as Notification);
                res.writeHead(200).end();
            });
        });
        targetServer = http.createServer((_req, res) =>
            res.writeHead(200, { "Content-Type": "text/plain" }).end("synthetic_target_healthy 1\n"),
        );
        await new Promise<void>((r) => webhook.listen(0, "127.0.0.1", r));
        await new Promise<void>((r) => targetServer.listen(0, "127.0.0.1", r));
        targetPort = (targetServer.address() as AddressInfo).port;

        // Three Alertmanager replicas, gossiping on loopback (started once their config is rendered).
        const replicas = await Promise.all(
            [0, 1, 2].map(async () => ({ web: await freeLoopbackPort(), cluster: await freeLoopbackPort() })),
        );

        // Prometheus starts with no rules: they load once the targets are scraped (else every
        // cluster's alert would fire for the seconds before the first scrape). It starts first:
        // its discovery hands over the first targets only at its 5s tick, which the rendering overlaps.
        const rulesFile = path.join(dir, "rules.yaml");
        fs.writeFileSync(rulesFile, "groups: []\n");

        // Prometheus sends to every replica, exactly as an edge does (its alerting entry, loopback targets).
        const [edgeAlerting] = edgeAlertmanagerConfigs(
            parseClusterSettings(
                Object.fromEntries(
                    Object.entries(stackFile("cluster-02").config)
                        .filter(([k]) => k.startsWith("thanos-multicluster:"))
                        .map(([k, v]) => [k.replace("thanos-multicluster:", ""), v]),
                ),
                { kubeconfig: false },
            ),
        );
        targetsFile = path.join(dir, "targets.json");
        // cluster-03 reports nothing: its ClusterMetricsMissing fires; the others stay silent.
        writeTargets(["cluster-01", "cluster-02", "cluster-04"]);
        const promPort = await freeLoopbackPort();
        serverMetrics.push(
            { server: "prometheus", url: `http://127.0.0.1:${promPort}/metrics` },
            // The last replica: the second test kills the first.
            { server: "alertmanager", url: `http://127.0.0.1:${replicas[2].web}/metrics` },
        );
        const prometheus = startLoopbackPrometheus(processes, PROMETHEUS!, dir, {
            port: promPort,
            rulesFile,
            jobName: "synthetic",
            targetsFile,
            alertmanagers: replicas,
            alerting: edgeAlerting,
            // Firing alerts are sent again every 2s (1m by default), as a long-running Prometheus would have.
            resendDelay: "2s",
            // A changed targets file reaches the scrapes at discovery's next 5s tick, not after a
            // further 5s throttle (--scrape.discovery-reload-interval, a hidden flag).
            extraArgs: ["--scrape.discovery-reload-interval=100ms"],
        });

        // What the central stack renders: its Alertmanager config and every rule file.
        const central = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
        const values = (central.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any)
            .values;
        const ruleGroups: Record<string, any>[] = [];
        for (const r of central.resources) {
            const inputs = r.inputs as any;
            if (r.type === "kubernetes:core/v1:ConfigMap" && inputs.metadata?.name === "thanos-ruler-rules") {
                for (const text of Object.values(inputs.data as Record<string, string>))
                    ruleGroups.push(...((yaml.load(text) as any).groups ?? []));
            }
            if (r.type.endsWith(":PrometheusRule")) ruleGroups.push(...(inputs.spec?.groups ?? []));
        }
        expect(ruleGroups.length, "rendered rule groups").to.be.greaterThan(0);
        ruleGroupsRead = ruleGroups;

        const amConfig = path.join(dir, "alertmanager.yaml");
        fs.writeFileSync(
            amConfig,
            yaml.dump(configForLoopback(values.alertmanager.config, (webhook.address() as AddressInfo).port)),
        );
        // The rules, checked beside the file Prometheus reads (they go there once the targets are scraped).
        const rules = yaml.dump({ groups: rulesForLoopback(ruleGroups) });
        const checkedRules = path.join(dir, "rules.checked.yaml");
        fs.writeFileSync(checkedRules, rules);
        const check = spawnSync(PROMTOOL!, ["check", "rules", checkedRules], { encoding: "utf8" });
        expect(check.status, `promtool check rules: ${check.stdout}${check.stderr}`).to.equal(0);

        startAlertmanagerCluster(processes, ALERTMANAGER!, dir, amConfig, replicas, [
            `--cluster.peer-timeout=${PEER_TIMEOUT_MS}ms`,
            `--cluster.gossip-interval=${GOSSIP_INTERVAL}`,
        ]);

        try {
            for (const [i, replica] of replicas.entries())
                await until(
                    `alertmanager-${i} ready`,
                    20_000,
                    async () => (await get(`http://127.0.0.1:${replica.web}/-/ready`)) === 200,
                );
            // Every replica settled and seeing all three before any alert fires: each knows its
            // position (Alertmanager's own readiness answers before gossip settles).
            await until("3 Alertmanager peers, settled", 30_000, async () => {
                const statuses = await Promise.all(
                    replicas.map((r) => getJson(`http://127.0.0.1:${r.web}/api/v2/status`)),
                );
                return statuses.every((s) => s?.cluster?.status === "ready" && s.cluster.peers?.length === 3);
            });
            await until(
                "prometheus ready",
                20_000,
                async () => (await get(`http://127.0.0.1:${promPort}/-/ready`)) === 200,
            );
            await until(
                "the synthetic targets scraped",
                20_000,
                async () =>
                    (await getJson(`http://127.0.0.1:${promPort}/api/v1/query?query=count(up)`))?.data?.result?.[0]
                        ?.value?.[1] === "3",
            );
            fs.writeFileSync(rulesFile, rules);
            prometheus.kill("SIGHUP");
            await until(
                "the rules loaded",
                20_000,
                async () =>
                    ((await getJson(`http://127.0.0.1:${promPort}/api/v1/rules`))?.data?.groups ?? []).length > 0,
            );
        } catch (err) {
            throw new Error(`${(err as Error).message}\n${processes.logs(15)}`, { cause: err });
        }
    });

    after(async () => {
        await processes.stopAll();
        await Promise.all(
            [webhook, targetServer].filter((s) => s?.listening).map((s) => new Promise((r) => s.close(r))),
        );
        // ALERT_PATH_KEEP=1 keeps the configs and the servers' logs for a look after a failure.
        if (dir && process.env.ALERT_PATH_KEEP === undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("delivers the firing alert once per group, with its cluster label, and nothing for the silent one", async () => {
        try {
            await until(
                "ClusterMetricsMissing for cluster-03 at the webhook",
                40_000,
                () => missing("cluster-03").length > 0 || undefined,
            );
        } catch (err) {
            throw new Error(
                `${(err as Error).message}; notifications: ${JSON.stringify(notifications)}\n${processes.logs(15)}`,
                {
                    cause: err,
                },
            );
        }
        await new Promise((r) => setTimeout(r, QUIET_MS));
        const [notification, ...duplicates] = missing("cluster-03");
        expect(duplicates, "duplicate notifications").to.deep.equal([]);
        expect(notification.receiver).to.equal("oncall");
        expect(
            notification.alerts.map((a) => [a.status, a.labels.alertname, a.labels.cluster, a.labels.severity]),
        ).to.deep.equal([["firing", "ClusterMetricsMissing", "cluster-03", "critical"]]);
        for (const silent of ["cluster-01", "cluster-02", "cluster-04"])
            expect(missing(silent), silent).to.deep.equal([]);
        // The watchdogs reach the dead man's switch (on in the committed stack), and only it.
        const watchdogs = notifications.filter((n) => /Watchdog/.test(n.groupLabels.alertname ?? ""));
        expect(watchdogs, "watchdog notifications").not.to.deep.equal([]);
        expect([...new Set(watchdogs.map((n) => n.receiver))]).to.deep.equal(["deadmansswitch"]);
        expectEachGroupOnce();
    });

    it("with one replica killed, a newly firing group still arrives exactly once", async () => {
        const killed = processes.child("alertmanager-0");
        killed.kill("SIGKILL");
        await new Promise((r) => killed.once("exit", r));
        // cluster-04 stops reporting: its ClusterMetricsMissing fires.
        writeTargets(["cluster-01", "cluster-02"]);
        try {
            await until(
                "ClusterMetricsMissing for cluster-04 at the webhook",
                45_000,
                () => missing("cluster-04").length > 0 || undefined,
            );
        } catch (err) {
            throw new Error(
                `${(err as Error).message}; notifications: ${JSON.stringify(notifications)}\n${processes.logs(15)}`,
                {
                    cause: err,
                },
            );
        }
        await new Promise((r) => setTimeout(r, QUIET_MS));
        expect(
            missing("cluster-04").map((n) => n.alerts.map((a) => [a.labels.alertname, a.labels.cluster])),
        ).to.deep.equal([[["ClusterMetricsMissing", "cluster-04"]]]);
        expect(missing("cluster-03"), "the first group is not sent again").to.have.lengthOf(1);
        expect(missing("cluster-02")).to.deep.equal([]);
        expectEachGroupOnce();
    });

    it("the servers' own /metrics expose every prometheus_* and alertmanager_* name the rendered rules read", async () => {
        const names = new Set(
            ruleGroupsRead.flatMap((g) => (g.rules as any[]).flatMap((r) => metricNames(String(r.expr)))),
        );
        for (const { server, url } of serverMetrics) {
            const text = await getText(url);
            expect(text, `${server} /metrics`).to.be.a("string");
            const exposed = new Set(
                text!
                    .split("\n")
                    .filter((l) => l !== "" && !l.startsWith("#"))
                    .map((l) => l.replace(/[{ ].*$/, "")),
            );
            const read = [...names].filter((n) => n.startsWith(`${server}_`) && !(n in EXPOSED_AFTER_EVENT));
            if (server === "prometheus") expect(read, "the rules read Prometheus' own metrics").to.not.deep.equal([]);
            expect(
                read.filter((n) => !exposed.has(n)),
                `${server} ${serverVersions()}`,
            ).to.deep.equal([]);
        }
    });
});
