// central.alertmanager.limits, live: the committed central stack rendered with small limits, its
// Alertmanager CR's flags built as prometheus-operator v0.93 builds them (pkg/alertmanager/
// statefulset.go: spec.limits.maxSilences -> --silences.max-silences; additionalArgs as given), and
// a real Alertmanager (>= 0.28, where the flags exist) started with them on loopback: it refuses the
// silence beyond the count and the size, and drops the alerts of one name beyond the limit. Also
// shown: the flag the operator makes of limits.maxPerSilenceBytes stops Alertmanager from starting.
// Needs ALERTMANAGER_BIN (or alertmanager / prometheus-alertmanager on PATH) of version 0.28 or
// later; skipped without one, except under CI=true.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { committedEdgeOutputs, runCommittedStack, stackFile } from "./helpers";
import { findBinary, freeLoopbackPort, missingBinaryMessage } from "./live/binaries";
import { LiveProcesses, startSingleAlertmanager } from "./live/processes";

/** The Alertmanager's version, from `--version` (`alertmanager, version 0.33.1 ...`). */
function versionOf(binary: string): [number, number] | undefined {
    const out = spawnSync(binary, ["--version"], { encoding: "utf8" });
    const match = /version (\d+)\.(\d+)\./.exec(`${out.stdout}${out.stderr}`);
    return match === null ? undefined : [Number(match[1]), Number(match[2])];
}

/** The Alertmanager container's limit flags, as prometheus-operator v0.93 writes them from the CR. */
function operatorLimitArgs(spec: Record<string, any>): string[] {
    const args: string[] = [];
    if (spec.limits?.maxSilences !== undefined) args.push(`--silences.max-silences=${spec.limits.maxSilences}`);
    if (spec.limits?.maxPerSilenceBytes !== undefined)
        throw new Error("maxPerSilenceBytes: the operator would pass --silences.max-per-silence-bytes");
    for (const arg of spec.additionalArgs ?? [])
        args.push(arg.value === undefined || arg.value === "" ? `--${arg.name}` : `--${arg.name}=${arg.value}`);
    return args;
}

function silence(comment: string, startsAt = new Date()): Record<string, unknown> {
    return {
        matchers: [{ name: "alertname", value: "Limited", isRegex: false, isEqual: true }],
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3600_000).toISOString(),
        createdBy: "alertmanagerLimits.live.test",
        comment,
    };
}

describe("Alertmanager limits, live on loopback", function () {
    this.timeout(60_000);
    const binary = findBinary("alertmanager");
    let dir: string;
    const processes = new LiveProcesses(() => dir);
    let base: string;
    let args: string[];

    before(async function () {
        const version = binary === undefined ? undefined : versionOf(binary);
        const recent = version !== undefined && (version[0] > 0 || version[1] >= 28);
        if (!recent) {
            if (process.env.CI === "true")
                throw new Error(
                    binary === undefined
                        ? missingBinaryMessage("alertmanager")
                        : `${binary} is Alertmanager ${version?.join(".")}: the limit flags need 0.28 or later (Debian sid's prometheus-alertmanager)`,
                );
            this.skip();
        }
        const central = stackFile("cluster-01").config["thanos-multicluster:central"] as Record<string, any>;
        const run = await runCommittedStack(
            "cluster-01",
            {
                "thanos-multicluster:central": {
                    ...central,
                    alertmanager: {
                        ...central.alertmanager,
                        limits: { maxSilences: 2, maxSilenceSizeBytes: 1024, alertsPerAlertname: 100 },
                    },
                },
            },
            await committedEdgeOutputs(),
        );
        const values = (run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any).values;
        args = operatorLimitArgs(values.alertmanager.alertmanagerSpec);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "am-limits-"));
        fs.writeFileSync(
            path.join(dir, "alertmanager.yaml"),
            yaml.dump({ route: { receiver: "null" }, receivers: [{ name: "null" }] }),
        );
        ({ base } = await startSingleAlertmanager(processes, binary!, dir, await freeLoopbackPort(), args));
    });

    after(async () => {
        await processes.stopAll();
        if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    });

    async function postSilence(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
        const response = await fetch(`${base}/api/v2/silences`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(body),
        });
        return { status: response.status, text: await response.text() };
    }

    it("the rendered CR passes the three limits as flags", () => {
        expect(args).to.deep.equal([
            "--silences.max-silences=2",
            "--silences.max-silence-size-bytes=1024",
            "--alerts.per-alertname-limit=100",
        ]);
    });

    it("refuses a silence larger than maxSilenceSizeBytes", async () => {
        const refused = await postSilence(silence("x".repeat(2000)));
        expect(refused.status, refused.text).to.equal(400);
        expect(refused.text).to.include("silence exceeded maximum size");
    });

    it("refuses a silence beyond maxSilences", async () => {
        for (const i of [1, 2]) {
            const accepted = await postSilence(silence(`silence ${i}`));
            expect(accepted.status, accepted.text).to.equal(200);
        }
        const refused = await postSilence(silence("one too many"));
        expect(refused.status, refused.text).to.equal(400);
        expect(refused.text).to.include("exceeded maximum number of silences");
    });

    it("holds at most alertsPerAlertname alerts of one name, and counts the dropped ones", async () => {
        // No series before the first drop (AlertmanagerAlertsDropped counts a new series as a drop).
        expect(await (await fetch(`${base}/metrics`)).text()).not.to.match(/^alertmanager_alerts_limited_total/m);
        const alerts = Array.from({ length: 150 }, (_, i) => ({
            labels: { alertname: "Flood", instance: `target-${i}` },
            startsAt: new Date().toISOString(),
        }));
        const posted = await fetch(`${base}/api/v2/alerts`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(alerts),
        });
        // The sender is not told: the batch is accepted, the alerts beyond the limit only counted.
        expect(posted.status, await posted.text()).to.equal(200);
        const held = (await (await fetch(`${base}/api/v2/alerts?filter=alertname%3D%22Flood%22`)).json()) as unknown[];
        expect(held).to.have.lengthOf(100);
        const metrics = await (await fetch(`${base}/metrics`)).text();
        expect(metrics).to.match(/^alertmanager_alerts_limited_total\S* 50$/m);
    });

    it("would not start with the flag the operator makes of limits.maxPerSilenceBytes", () => {
        const refused = spawnSync(binary!, ["--silences.max-per-silence-bytes=1024", "--version"], {
            encoding: "utf8",
            timeout: 10_000,
        });
        expect(refused.status).to.not.equal(0);
        expect(`${refused.stdout}${refused.stderr}`).to.include("unknown long flag '--silences.max-per-silence-bytes'");
    });
});
