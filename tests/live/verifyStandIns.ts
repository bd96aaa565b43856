// What tests/verify.live.test.ts runs beside the real Prometheus and Alertmanagers: the servers
// standing in for a cluster's sidecar metrics, Query's front and Grafana, the configs the real
// servers read, and the helpers to wait on them and to compare verify's lines with docs/verify.md.

import { expect } from "chai";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { AddressInfo } from "net";
import { isSecretMarker } from "../../offline/runStack";

/** `pulumi stack output --json` prints a secret output as "[secret]". */
export function asCliOutputs(outputs: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, isSecretMarker(v) ? "[secret]" : v]));
}

/** The addresses a central stack publishes, which verify's lines name (docs/verify.md). */
export interface PublishedAddresses {
    queryUrl: string;
    grafanaUrl: string;
    alertmanagers: string[];
}

export function publishedAddresses(central: Record<string, unknown>): PublishedAddresses {
    return {
        queryUrl: central.queryUrl as string,
        grafanaUrl: central.grafanaUrl as string,
        alertmanagers: central.alertmanagerEdgeEndpoints as string[],
    };
}

/** Each edge's outputs in `dir`, one `<edge>.json` as `pulumi stack output --json` prints them; the files. */
export function writeEdgeOutputFiles(
    dir: string,
    edges: Record<string, { outputs: Record<string, unknown> }>,
): string[] {
    return Object.entries(edges).map(([name, { outputs }]) => {
        const file = path.join(dir, `${path.basename(name)}.json`);
        fs.writeFileSync(file, JSON.stringify(asCliOutputs(outputs)));
        return file;
    });
}

export function getJson(url: string): Promise<any> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => {
                try {
                    resolve(JSON.parse(body));
                } catch (err) {
                    reject(err);
                }
            });
        });
        req.on("error", reject);
        req.setTimeout(2000, () => req.destroy(new Error("timeout")));
    });
}

/** Starts the server on a free loopback port; resolves with the port. */
export function listen(server: http.Server): Promise<number> {
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
    );
}

/**
 * Each cluster's sidecar metrics at /metrics/<cluster>: the sidecar's last-upload gauge (its age in
 * seconds read from `uploadAge` at every scrape) and a process started 5 hours ago.
 */
export function syntheticSidecars(uploadAge: Record<string, number>): http.Server {
    return http.createServer((req, res) => {
        const cluster = (req.url ?? "").replace("/metrics/", "");
        const now = Date.now() / 1000;
        res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(
            `thanos_objstore_bucket_last_successful_upload_time{bucket="thanos-bucket"} ${now - uploadAge[cluster]}\n` +
                `process_start_time_seconds ${now - 5 * 3600}\n`,
        );
    });
}

/** Query's front: /api/v1/stores answered with `stores()`, everything else passed to Prometheus; PromQL requests recorded. */
export function queryFront(stores: () => string, prometheusPort: number, queries: string[]): http.Server {
    return http.createServer((req, res) => {
        if (req.url?.startsWith("/api/v1/query")) queries.push(req.url);
        if (req.url === "/api/v1/stores") {
            res.writeHead(200, { "Content-Type": "application/json" }).end(stores());
            return;
        }
        const upstream = http.request(
            { host: "127.0.0.1", port: prometheusPort, path: req.url, method: req.method, headers: req.headers },
            (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
            },
        );
        upstream.on("error", () => res.writeHead(502).end());
        req.pipe(upstream);
    });
}

/** Grafana's two health APIs, the datasource's behind the admin user's basic auth (401 otherwise). */
export function grafanaStandIn(adminPassword: string): http.Server {
    return http.createServer((req, res) => {
        const json = (status: number, body: unknown) =>
            res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
        if (req.url === "/api/health") return json(200, { database: "ok", version: "12.3.1", commit: "test" });
        if (req.url === "/api/datasources/uid/thanos/health") {
            const expected = `Basic ${Buffer.from(`admin:${adminPassword}`).toString("base64")}`;
            if (req.headers.authorization !== expected) return json(401, { message: "Unauthorized" });
            return json(200, { status: "OK", message: "Successfully queried the Prometheus API." });
        }
        return json(404, { message: "Not found" });
    });
}

/** The Alertmanagers' config: critical alerts to one receiver, severity "none" (watchdogs) nowhere, the rest to another. */
export function alertmanagerConfig(criticalReceiver: string, defaultReceiver: string): Record<string, unknown> {
    return {
        route: {
            receiver: defaultReceiver,
            group_by: ["cluster", "alertname"],
            routes: [
                { receiver: "null", matchers: ['severity="none"'] },
                { receiver: criticalReceiver, matchers: ['severity="critical"'] },
            ],
        },
        receivers: [{ name: defaultReceiver }, { name: criticalReceiver }, { name: "null" }],
    };
}

/** One always-firing Watchdog per scraped cluster, carrying its `cluster` label, as each cluster's Prometheus sends one. */
export const WATCHDOG_RULES = {
    groups: [
        {
            name: "watchdog",
            rules: [
                {
                    alert: "Watchdog",
                    expr: 'count by (cluster) (up{job="thanos-sidecar"} == 1)',
                    labels: { severity: "none" },
                },
            ],
        },
    ],
};

/** A block of docs/verify.md, marked `<!-- verify-example: NAME -->`. */
export function docExample(name: string): string[] {
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "verify.md"), "utf8");
    const match = new RegExp(`<!-- verify-example: ${name} -->\\n\`\`\`\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
    expect(match, `docs/verify.md: no example ${name}`).to.not.equal(null);
    return match![1].split("\n");
}

/**
 * Printed lines as the doc shows them: loopback addresses replaced by the published ones
 * (`addresses`: loopback -> published), and what differs between runs (counts, ages, versions) left free.
 */
export function comparable(lines: string[], addresses: [string, string][] = []): string[] {
    return lines.map((line) => {
        let l = line;
        for (const [loopback, published] of addresses) l = l.split(loopback).join(published);
        return l
            .replace(/\d+ targets/, "N targets")
            .replace(/uploaded \S+ ago/, "uploaded AGO")
            .replace(/, v[0-9.]+$/, ", vX")
            .replace(/version [0-9.]+$/, "version X")
            .replace(/ {2,}/g, "  ");
    });
}
