// Config values a platform team may well write that the rules let through, each with its real
// consequence: Kubernetes opens a LoadBalancer with no source range to every client, Prometheus
// runs a 0s scrape interval at its 1m default and loses series scraped less often than half its
// 5m lookback, Alertmanager accepts a receiver no route reaches.

import { expect } from "chai";
import { RawConfig } from "../config";
import { problemsOf, stackFile } from "./helpers";

/** A committed stack file's config as the readers see it (keys without the project prefix). */
function committed(stack: string): Record<string, any> {
    const prefix = "thanos-multicluster:";
    return JSON.parse(
        JSON.stringify(
            Object.fromEntries(
                Object.entries(stackFile(stack).config)
                    .filter(([k]) => k.startsWith(prefix))
                    .map(([k, v]) => [k.slice(prefix.length), v]),
            ),
        ),
    );
}

function only(raw: RawConfig, key: string): string {
    const problems = problemsOf(raw);
    expect(problems, JSON.stringify(problems)).to.have.lengthOf(1);
    expect(problems[0]).to.match(new RegExp(`^thanos-multicluster:${key.replace(/[.[\]]/g, "\\$&")}(?![\\w.])`));
    return problems[0];
}

describe("config edge cases", () => {
    it("the committed stacks parse", () => {
        expect(problemsOf(committed("cluster-01"))).to.deep.equal([]);
        expect(problemsOf(committed("cluster-02"))).to.deep.equal([]);
    });

    it("central.uiSourceRanges may not be empty: a LoadBalancer with no source range admits every client", () => {
        const raw = committed("cluster-01");
        raw.central.uiSourceRanges = [];
        expect(only(raw, "central.uiSourceRanges")).to.contain("must not be empty");
    });

    it("central.alertmanager.edgeSourceRanges may not be empty: the edge Alertmanager LoadBalancers would admit every client", () => {
        const raw = committed("cluster-01");
        raw.central.alertmanager.edgeSourceRanges = [];
        raw.central.edgeStacks = [];
        expect(only(raw, "central.alertmanager.edgeSourceRanges")).to.contain("is empty").and.contain("/32");
    });

    it("prometheus.scrapeInterval must be above 0 and at most a quarter of the 5m rate window", () => {
        for (const interval of ["0s", "0m"]) {
            const raw = committed("cluster-02");
            raw.prometheus.scrapeInterval = interval;
            expect(only(raw, "prometheus.scrapeInterval")).to.contain("above 0");
        }
        for (const interval of ["1m16s", "2m30s", "3m", "1h", "1y"]) {
            const raw = committed("cluster-02");
            raw.prometheus.scrapeInterval = interval;
            expect(only(raw, "prometheus.scrapeInterval")).to.contain("5m");
        }
        for (const interval of ["10s", "1m", "1m15s"]) {
            const raw = committed("cluster-02");
            raw.prometheus.scrapeInterval = interval;
            expect(problemsOf(raw), interval).to.deep.equal([]);
        }
    });

    it("a bucket listed twice in central.buckets.existing is named, with the fix", () => {
        const raw = committed("cluster-01");
        raw.central.buckets.existing = ["thanos-bucket", "longhorn-backups", "thanos-bucket"];
        const problem = only(raw, "central.buckets.existing");
        expect(problem).to.contain("thanos-bucket");
        expect(problem).to.contain("once");
    });

    it("a wrong defaultReceiver is reported once, not again under a criticalReceiver nobody set", () => {
        const raw = committed("cluster-01");
        raw.central.alertmanager.defaultReceiver = "nobody";
        expect(only(raw, "central.alertmanager.defaultReceiver")).to.contain('"nobody"');
        // Set explicitly, a wrong criticalReceiver is its own problem.
        raw.central.alertmanager.defaultReceiver = "oncall";
        raw.central.alertmanager.criticalReceiver = "nobody";
        expect(only(raw, "central.alertmanager.criticalReceiver")).to.contain('"nobody"');
    });

    it("a receiver no route reaches is named: Alertmanager would accept it and never notify it", () => {
        const raw = committed("cluster-01");
        raw.central.alertmanager.receivers = [
            { name: "oncall", webhook: { sendResolved: true } },
            { name: "chat", slack: { channel: "#alerts" } },
            {
                name: "mail",
                email: { to: "ops@example.com", from: "am@example.com", smarthost: "smtp.example.com:587" },
            },
        ];
        raw.central.alertmanager.defaultReceiver = "chat";
        raw.central.alertmanager.criticalReceiver = "oncall";
        const problem = only(raw, "central.alertmanager.receivers[2]");
        expect(problem).to.contain('"mail"');
        expect(problem).to.contain("defaultReceiver");
        raw.central.alertmanager.criticalReceiver = "mail";
        expect(only(raw, "central.alertmanager.receivers[0]")).to.contain('"oncall"');
    });
});
