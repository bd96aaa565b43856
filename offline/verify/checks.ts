// The decisions of `npm run verify`, as pure functions of what the servers answered: PromQL vectors
// from Query, Alertmanager's v2 API (api/v2/openapi.yaml at v0.34.0, the version the chart deploys),
// Grafana's health APIs. Each returns the lines to print; nothing here does I/O.

import { CheckResult } from "./types";
import { RUNBOOKS } from "./runbooks";

/** A Prometheus/Thanos instant query answer: `{ status, data: { resultType, result }, warnings }`. */
export interface InstantVector {
    /** Sample value by the grouping label's value. */
    values: Map<string, number>;
    /** Query's warnings (a partial response names the store that failed). */
    warnings: string[];
    /** The evaluation time (seconds), from the first sample; undefined for an empty vector. */
    time?: number;
}

/** Parses an instant query's answer grouped by `label`; throws on an error or another result type. */
export function parseInstantVector(body: unknown, label: string): InstantVector {
    const answer = body as { status?: unknown; error?: unknown; data?: any; warnings?: unknown };
    if (answer?.status !== "success")
        throw new Error(`query failed: ${String(answer?.error ?? JSON.stringify(answer?.status))}`);
    if (answer.data?.resultType !== "vector")
        throw new Error(`expected a vector, got ${JSON.stringify(answer.data?.resultType)}`);
    const values = new Map<string, number>();
    let time: number | undefined;
    for (const sample of answer.data.result as { metric: Record<string, string>; value: [number, string] }[]) {
        values.set(sample.metric[label] ?? "", Number(sample.value[1]));
        time ??= Number(sample.value[0]);
    }
    const warnings = Array.isArray(answer.warnings) ? answer.warnings.map(String) : [];
    return { values, warnings, time };
}

function warned(vector: InstantVector): string {
    return vector.warnings.length > 0 ? ` (Query warned: ${vector.warnings.join("; ")})` : "";
}

/** Cluster name -> the mid-tier Query reading that edge (two tiers only). */
export type TierOf = Map<string, string>;

/** Where a cluster's series come from past the top Query, for a message about its absence. */
function through(tierOf: TierOf, cluster: string): string {
    const tier = tierOf.get(cluster);
    return tier === undefined ? "" : `, read through mid-tier Query ${tier}`;
}

/**
 * `count by (cluster) (up)` through the top Query: every cluster has scrape targets in Query.
 * This, not the top Query's stores, proves an edge answers at two tiers (the stores list groups).
 */
export function decideUp(vector: InstantVector, clusters: string[], tierOf: TierOf = new Map()): CheckResult[] {
    return clusters.map((cluster) => {
        const count = vector.values.get(cluster);
        return count !== undefined && count > 0
            ? { status: "PASS", check: `up ${cluster}`, detail: `${count} targets in Query${warned(vector)}` }
            : {
                  status: "FAIL",
                  check: `up ${cluster}`,
                  detail: `no series of cluster ${cluster} in Query (count by (cluster) (up) has no ${cluster})${through(tierOf, cluster)}${warned(vector)}`,
                  runbook: RUNBOOKS.up,
              };
    });
}

function ago(seconds: number): string {
    if (seconds < 90) return `${Math.round(seconds)}s ago`;
    if (seconds < 5400) return `${Math.round(seconds / 60)}m ago`;
    return `${(seconds / 3600).toFixed(1)}h ago`;
}

/**
 * Every cluster's sidecars uploaded a block within the window. `lastUpload` is the newest
 * `thanos_objstore_bucket_last_successful_upload_time` per cluster (seconds; 0 before a sidecar's
 * first upload); `oldestSidecar` the age in seconds of the cluster's longest-running sidecar.
 * Prometheus cuts its first block about 2h after it starts: a cluster whose sidecars are all younger
 * than the window and have not uploaded yet is skipped, not failed.
 */
export function decideUploads(
    lastUpload: InstantVector,
    oldestSidecar: InstantVector,
    clusters: string[],
    nowSeconds: number,
    windowHours: number,
    tierOf: TierOf = new Map(),
): CheckResult[] {
    const window = windowHours * 3600;
    return clusters.map((cluster): CheckResult => {
        const check = `uploads ${cluster}`;
        const last = lastUpload.values.get(cluster);
        const age = oldestSidecar.values.get(cluster);
        if (last === undefined && age === undefined)
            return {
                status: "FAIL",
                check,
                detail: `Query has no sidecar metrics of cluster ${cluster} (thanos_objstore_bucket_last_successful_upload_time)${through(tierOf, cluster)}${warned(lastUpload)}`,
                runbook: RUNBOOKS.uploads,
            };
        if (last !== undefined && last > 0 && nowSeconds - last <= window)
            return { status: "PASS", check, detail: `last block uploaded ${ago(nowSeconds - last)}` };
        const never = last === undefined || last <= 0;
        if (never && age !== undefined && age < window)
            return {
                status: "SKIP",
                check,
                detail: `no upload yet; the oldest sidecar started ${ago(age)} and the first block comes about 2h after start: run verify again later`,
            };
        return {
            status: "FAIL",
            check,
            detail: never
                ? `no block uploaded by cluster ${cluster} in ${windowHours}h`
                : `cluster ${cluster} last uploaded a block ${ago(nowSeconds - last!)} (more than ${windowHours}h)`,
            runbook: RUNBOOKS.uploads,
        };
    });
}

/** Alertmanager's `GET /api/v2/status` (alertmanagerStatus), the part verify reads. */
export interface AlertmanagerStatus {
    cluster: { name?: string; status: "ready" | "settling" | "disabled"; peers?: { name: string; address: string }[] };
    versionInfo?: { version?: string };
}

/** What one replica answered, or why it did not. */
export type ReplicaAnswer<T> = { replica: string; answer: T } | { replica: string; error: string };

/** Each replica is in a ready gossip cluster holding every replica as a peer. */
export function decideAlertmanagerPeers(answers: ReplicaAnswer<AlertmanagerStatus>[]): CheckResult[] {
    const expected = answers.length;
    return answers.map((a): CheckResult => {
        const check = `alertmanager ${a.replica}`;
        if ("error" in a)
            return { status: "FAIL", check, detail: `replica unreachable: ${a.error}`, runbook: RUNBOOKS.alertmanager };
        const { status, peers = [] } = a.answer.cluster ?? { status: "missing" };
        const version = a.answer.versionInfo?.version ? `, v${a.answer.versionInfo.version}` : "";
        if (status !== "ready" || peers.length !== expected)
            return {
                status: "FAIL",
                check,
                detail: `cluster ${status} with ${peers.length}/${expected} peers${peers.length > 0 ? ` (${peers.map((p) => p.address).join(", ")})` : ""}`,
                runbook: RUNBOOKS.alertmanager,
            };
        return { status: "PASS", check, detail: `cluster ready, ${peers.length}/${expected} peers${version}` };
    });
}

/** One alert of `GET /api/v2/alerts` (gettableAlert), the part verify reads. */
export interface GettableAlert {
    labels: Record<string, string>;
    receivers: { name: string }[];
    endsAt: string;
    status: { state: string };
}

/**
 * Every cluster's always-firing alert is held by every replica. Prometheus sends each alert to
 * every Alertmanager it knows and replicas do not share alerts (gossip carries silences and the
 * notification log), so a replica missing a cluster's alert is a path that cluster cannot use.
 */
export function decideAlertsDelivered(
    answers: ReplicaAnswer<GettableAlert[]>[],
    clusters: string[],
    alertname: string,
): CheckResult[] {
    return clusters.map((cluster): CheckResult => {
        const check = `alerts ${cluster}`;
        const missing = answers.flatMap((a) => {
            if ("error" in a) return [`${a.replica} (unreachable: ${a.error})`];
            const held = a.answer.some(
                (alert) => alert.labels.alertname === alertname && alert.labels.cluster === cluster,
            );
            return held ? [] : [`${a.replica} (no ${alertname}{cluster="${cluster}"})`];
        });
        if (missing.length > 0)
            return {
                status: "FAIL",
                check,
                detail: `${alertname} of ${cluster} missing on ${missing.length}/${answers.length} replicas: ${missing.join("; ")}`,
                runbook: RUNBOOKS.alerts,
            };
        return { status: "PASS", check, detail: `${alertname} held by ${answers.length}/${answers.length} replicas` };
    });
}

/** The test alert, as each replica routed it: confirmed when every replica routes it to the receiver named. */
export function decideTestAlert(
    answers: ReplicaAnswer<GettableAlert[]>[],
    receiver: string,
    endsAt: string,
): CheckResult {
    const check = "test-alert";
    const problems = answers.flatMap((a) => {
        if ("error" in a) return [`${a.replica}: ${a.error}`];
        if (a.answer.length === 0) return [`${a.replica}: the test alert is not there`];
        const receivers = [...new Set(a.answer.flatMap((alert) => alert.receivers.map((r) => r.name)))];
        return receivers.includes(receiver)
            ? []
            : [`${a.replica}: routed to ${receivers.join(", ") || "no receiver"}, not ${receiver}`];
    });
    if (problems.length > 0) return { status: "FAIL", check, detail: problems.join("; "), runbook: RUNBOOKS.testAlert };
    return {
        status: "PASS",
        check,
        detail: `routed to ${receiver} on ${answers.length}/${answers.length} replicas; resolves itself at ${endsAt}`,
    };
}

/** Grafana's `GET /api/health`: `{ database: "ok", version, commit }` with 200 when healthy. */
export function decideGrafanaHealth(answer: { status: number; body: any } | { error: string }): CheckResult {
    const check = "grafana";
    if ("error" in answer)
        return { status: "FAIL", check, detail: `unreachable: ${answer.error}`, runbook: RUNBOOKS.grafana };
    if (answer.status !== 200 || answer.body?.database !== "ok")
        return {
            status: "FAIL",
            check,
            detail: `HTTP ${answer.status}, database ${JSON.stringify(answer.body?.database)}`,
            runbook: RUNBOOKS.grafana,
        };
    return { status: "PASS", check, detail: `healthy, version ${answer.body.version ?? "unknown"}` };
}

/**
 * Grafana's `GET /api/datasources/uid/<uid>/health`: 200 with `{ status: "OK", message }` when
 * the datasource answers, 400 with `status: "ERROR"` when not; 401/403 when the credentials fail.
 * Without credentials the check is skipped: it was not run, so it did not pass.
 */
export function decideDatasourceHealth(
    uid: string,
    answer: { status: number; body: any } | { error: string } | { skipped: string },
): CheckResult {
    const check = `grafana datasource ${uid}`;
    if ("skipped" in answer) return { status: "SKIP", check, detail: answer.skipped };
    if ("error" in answer)
        return { status: "FAIL", check, detail: `unreachable: ${answer.error}`, runbook: RUNBOOKS.grafana };
    if (answer.status === 401 || answer.status === 403)
        return {
            status: "FAIL",
            check,
            detail: `Grafana refused the credentials (HTTP ${answer.status})`,
            runbook: RUNBOOKS.grafana,
        };
    if (answer.status !== 200 || answer.body?.status !== "OK")
        return {
            status: "FAIL",
            check,
            detail: `HTTP ${answer.status}: ${answer.body?.message ?? JSON.stringify(answer.body)}`,
            runbook: RUNBOOKS.grafana,
        };
    return { status: "PASS", check, detail: answer.body.message ?? "OK" };
}

/** The printed line: status, check, detail, and on a failure where to read. */
export function formatResult(r: CheckResult): string {
    const read = r.status === "FAIL" && r.runbook ? ` -> see ${r.runbook.join(", ")}` : "";
    return `${r.status}  ${r.check.padEnd(34)} ${r.detail}${read}`;
}

/** The last line, and the exit code: 0 when nothing failed (skipped checks are listed, not failed). */
export function summarize(results: CheckResult[]): { line: string; exitCode: number } {
    const count = (s: string) => results.filter((r) => r.status === s).length;
    const failed = count("FAIL");
    const failures = results.filter((r) => r.status === "FAIL").map((r) => r.check);
    return {
        line: `verify: ${count("PASS")} passed, ${failed} failed, ${count("SKIP")} skipped${failed > 0 ? ` (failed: ${failures.join(", ")})` : ""}`,
        exitCode: failed > 0 ? 1 : 0,
    };
}
