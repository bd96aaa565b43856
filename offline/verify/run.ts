// The checks against the live deployment: each group asks its server once (bounded by the
// timeout), hands the answers to the pure decisions in checks.ts and stores.ts, and never throws:
// a server that does not answer is a failed check naming it.

import * as crypto from "crypto";
import { THANOS_DATASOURCE, THANOS_JOBS } from "../../components/names";
import { UPLOAD_SILENCE_HOURS } from "../../components/alertRules/multicluster";
import {
    AlertmanagerStatus,
    GettableAlert,
    ReplicaAnswer,
    TierOf,
    decideAlertmanagerPeers,
    decideAlertsDelivered,
    decideDatasourceHealth,
    decideGrafanaHealth,
    decideTestAlert,
    decideUp,
    decideUploads,
    parseInstantVector,
} from "./checks";
import { errorText, getJson, request } from "./http";
import { RUNBOOKS } from "./runbooks";
import { decideStores, parseStoresResponse } from "./stores";
import { CheckResult, VerifyScope, VerifyTarget } from "./types";

/** kube-prometheus-stack's always-firing alert (general.rules: `Watchdog`, `vector(1)`), on every cluster's Prometheus. */
export const DEFAULT_WATCHDOG = "Watchdog";
/** The test alert's name: says what it is in any receiver it reaches. */
export const TEST_ALERT_NAME = "ThanosMulticlusterVerifyTest";
/** How long the test alert fires before it resolves itself (its endsAt). */
export const TEST_ALERT_MINUTES = 5;
/** The user Grafana's admin Secret holds (components/grafanaAdminSecret.ts GRAFANA_ADMIN_USER). */
export const DEFAULT_GRAFANA_USER = "admin";

export interface TestAlertOptions {
    /** The receiver the operator expects the alert routed to. */
    receiver: string;
    /** Labels to route by (e.g. severity=critical), over the defaults. */
    labels: Record<string, string>;
}

export interface RunOptions {
    /** Per HTTP call. */
    timeoutMs: number;
    /** The always-firing alert every cluster sends. */
    watchdog: string;
    /** Only with --send-test-alert. */
    testAlert?: TestAlertOptions;
    /** GRAFANA_TOKEN, or GRAFANA_ADMIN_USER/GRAFANA_ADMIN_PASSWORD. */
    env: NodeJS.ProcessEnv;
    /** For the upload check; the window of ClusterBlocksNotUploaded by default. */
    uploadWindowHours?: number;
}

function failed(check: string, err: unknown, runbook: string[]): CheckResult {
    return { status: "FAIL", check, detail: errorText(err), runbook };
}

/**
 * An instant query through Query. `partial_response=true` (pkg/api/query/v1.go PartialResponseParam,
 * Thanos v0.42.4) whatever Query's default: one unreachable edge then shows as a missing cluster and
 * a warning, instead of failing the query for every cluster.
 */
async function instant(target: VerifyTarget, query: string, timeoutMs: number): Promise<unknown> {
    return getJson(
        `${target.queryUrl}/api/v1/query?query=${encodeURIComponent(query)}&partial_response=true`,
        timeoutMs,
    );
}

function clustersOf(target: VerifyTarget, scope: VerifyScope): string[] {
    return scope.kind === "edge"
        ? [scope.clusterName]
        : [target.centralCluster, ...target.edges.map((e) => e.clusterName)];
}

/** Each edge read by a mid tier, by cluster: the group its failure messages name. */
export function tierOf(target: VerifyTarget): TierOf {
    return new Map(
        target.edges.flatMap((e) => {
            const tier = target.queryTiers.find((t) => t.endpoints.includes(e.queryEndpoint));
            return tier === undefined ? [] : [[e.clusterName, tier.name] as [string, string]];
        }),
    );
}

export async function checkStores(target: VerifyTarget, scope: VerifyScope, timeoutMs: number): Promise<CheckResult[]> {
    try {
        const statuses = parseStoresResponse(await getJson(`${target.queryUrl}/api/v1/stores`, timeoutMs));
        return decideStores(statuses, target, scope.kind === "edge" ? scope.clusterName : undefined);
    } catch (err) {
        return [failed("stores", `Query ${target.queryUrl}: ${errorText(err)}`, RUNBOOKS.query)];
    }
}

export async function checkUp(target: VerifyTarget, scope: VerifyScope, timeoutMs: number): Promise<CheckResult[]> {
    try {
        const vector = parseInstantVector(await instant(target, "count by (cluster) (up)", timeoutMs), "cluster");
        return decideUp(vector, clustersOf(target, scope), tierOf(target));
    } catch (err) {
        return [failed("up", `Query ${target.queryUrl}: ${errorText(err)}`, RUNBOOKS.query)];
    }
}

/** The sidecars' metric for the last upload: thanos-io/objstore (71d60dfee488, pinned by Thanos v0.42.4) registers it under the sidecar's `thanos_` prefix. */
export const LAST_UPLOAD_METRIC = "thanos_objstore_bucket_last_successful_upload_time";

export function uploadQueries(): { lastUpload: string; oldestSidecar: string } {
    const sidecar = `job="${THANOS_JOBS.sidecar}"`;
    return {
        // The newest across a cluster's replicas. The gauge starts at 0 in a restarted sidecar: when
        // every replica restarted since its last upload, decideUploads sees their age and skips.
        lastUpload: `max by (cluster) (${LAST_UPLOAD_METRIC}{${sidecar}})`,
        oldestSidecar: `max by (cluster) (time() - process_start_time_seconds{${sidecar}})`,
    };
}

export async function checkUploads(
    target: VerifyTarget,
    scope: VerifyScope,
    timeoutMs: number,
    windowHours: number,
): Promise<CheckResult[]> {
    try {
        const queries = uploadQueries();
        const [lastUpload, oldestSidecar] = await Promise.all([
            instant(target, queries.lastUpload, timeoutMs).then((b) => parseInstantVector(b, "cluster")),
            instant(target, queries.oldestSidecar, timeoutMs).then((b) => parseInstantVector(b, "cluster")),
        ]);
        const now = lastUpload.time ?? oldestSidecar.time ?? Date.now() / 1000;
        return decideUploads(lastUpload, oldestSidecar, clustersOf(target, scope), now, windowHours, tierOf(target));
    } catch (err) {
        return [failed("uploads", `Query ${target.queryUrl}: ${errorText(err)}`, RUNBOOKS.query)];
    }
}

async function eachReplica<T>(target: VerifyTarget, ask: (url: string) => Promise<T>): Promise<ReplicaAnswer<T>[]> {
    return Promise.all(
        target.alertmanagers.map(async (url) => {
            const replica = url.replace(/^https?:\/\//, "");
            try {
                return { replica, answer: await ask(url) };
            } catch (err) {
                return { replica, error: errorText(err) };
            }
        }),
    );
}

export async function checkAlertmanagers(target: VerifyTarget, timeoutMs: number): Promise<CheckResult[]> {
    const answers = await eachReplica(
        target,
        (url) => getJson(`${url}/api/v2/status`, timeoutMs) as Promise<AlertmanagerStatus>,
    );
    return decideAlertmanagerPeers(answers);
}

function alertsUrl(url: string, matchers: string[]): string {
    return `${url}/api/v2/alerts?${matchers.map((m) => `filter=${encodeURIComponent(m)}`).join("&")}`;
}

export async function checkAlertsDelivered(
    target: VerifyTarget,
    scope: VerifyScope,
    timeoutMs: number,
    watchdog: string,
): Promise<CheckResult[]> {
    const answers = await eachReplica(
        target,
        (url) => getJson(alertsUrl(url, [`alertname="${watchdog}"`]), timeoutMs) as Promise<GettableAlert[]>,
    );
    return decideAlertsDelivered(answers, clustersOf(target, scope), watchdog);
}

/** The test alert's labels and annotations: named as a test, one run id, the operator's routing labels. */
export function testAlertPayload(
    cluster: string,
    labels: Record<string, string>,
    runId: string,
    now: Date,
): { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string } {
    const endsAt = new Date(now.getTime() + TEST_ALERT_MINUTES * 60_000).toISOString();
    return {
        labels: { alertname: TEST_ALERT_NAME, severity: "warning", cluster, ...labels, verify_run: runId },
        annotations: {
            summary: "Test alert sent by `npm run verify -- --send-test-alert`: not a problem, nothing to do.",
            description: `Sent on purpose to confirm the alert routing (run ${runId}); it resolves itself at ${endsAt}.`,
        },
        startsAt: now.toISOString(),
        endsAt,
    };
}

/**
 * Sends one clearly labelled alert to every replica (as Prometheus does), with an endsAt so it
 * resolves itself, then asks each replica where it routed it, until the timeout.
 */
export async function checkTestAlert(
    target: VerifyTarget,
    cluster: string,
    options: TestAlertOptions,
    timeoutMs: number,
): Promise<CheckResult> {
    const runId = crypto.randomBytes(6).toString("hex");
    const alert = testAlertPayload(cluster, options.labels, runId, new Date());
    const sent = await eachReplica(target, async (url) => {
        const answer = await request(`${url}/api/v2/alerts`, { method: "POST", json: [alert], timeoutMs });
        if (answer.status !== 200) throw new Error(`POST /api/v2/alerts: HTTP ${answer.status}`);
        return true;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const answers: ReplicaAnswer<GettableAlert[]>[] = await Promise.all(
            sent.map(async (s) => {
                if ("error" in s) return s;
                const url = target.alertmanagers.find((u) => u.endsWith(s.replica))!;
                try {
                    return {
                        replica: s.replica,
                        answer: (await getJson(
                            alertsUrl(url, [`verify_run="${runId}"`]),
                            timeoutMs,
                        )) as GettableAlert[],
                    };
                } catch (err) {
                    return { replica: s.replica, error: errorText(err) };
                }
            }),
        );
        const result = decideTestAlert(answers, options.receiver, alert.endsAt);
        const pending = answers.some((a) => "answer" in a && a.answer.length === 0);
        if (result.status === "PASS" || !pending || Date.now() > deadline) return result;
        await new Promise((r) => setTimeout(r, 250));
    }
}

/** The Authorization header from the operator's environment, or why there is none. */
export function grafanaAuthorization(env: NodeJS.ProcessEnv): { header: string } | { missing: string } {
    if (env.GRAFANA_TOKEN) return { header: `Bearer ${env.GRAFANA_TOKEN}` };
    if (env.GRAFANA_ADMIN_PASSWORD) {
        const user = env.GRAFANA_ADMIN_USER || DEFAULT_GRAFANA_USER;
        return { header: `Basic ${Buffer.from(`${user}:${env.GRAFANA_ADMIN_PASSWORD}`).toString("base64")}` };
    }
    return { missing: "no credentials: set GRAFANA_TOKEN or GRAFANA_ADMIN_PASSWORD to check it (docs/verify.md)" };
}

export async function checkGrafana(
    target: VerifyTarget,
    env: NodeJS.ProcessEnv,
    timeoutMs: number,
): Promise<CheckResult[]> {
    const health = await request(`${target.grafanaUrl}/api/health`, { timeoutMs }).catch((err) => ({
        error: errorText(err),
    }));
    const auth = grafanaAuthorization(env);
    const uid = THANOS_DATASOURCE.uid;
    const datasource =
        "missing" in auth
            ? { skipped: auth.missing }
            : await request(`${target.grafanaUrl}/api/datasources/uid/${uid}/health`, {
                  timeoutMs,
                  headers: { Authorization: auth.header },
              }).catch((err) => ({ error: errorText(err) }));
    return [decideGrafanaHealth(health), decideDatasourceHealth(uid, datasource)];
}

/** Every check in order; the scope decides which. */
export async function runChecks(target: VerifyTarget, scope: VerifyScope, options: RunOptions): Promise<CheckResult[]> {
    const { timeoutMs } = options;
    const window = options.uploadWindowHours ?? UPLOAD_SILENCE_HOURS;
    const all = scope.kind === "all";
    const groups = await Promise.all([
        checkStores(target, scope, timeoutMs),
        checkUp(target, scope, timeoutMs),
        checkUploads(target, scope, timeoutMs, window),
        all ? checkAlertmanagers(target, timeoutMs) : Promise.resolve([]),
        checkAlertsDelivered(target, scope, timeoutMs, options.watchdog),
        all ? checkGrafana(target, options.env, timeoutMs) : Promise.resolve([]),
    ]);
    const results = groups.flat();
    if (options.testAlert) {
        const cluster = scope.kind === "edge" ? scope.clusterName : target.centralCluster;
        results.push(await checkTestAlert(target, cluster, options.testAlert, timeoutMs));
    } else {
        results.push({
            status: "SKIP",
            check: "test-alert",
            detail: "not sent (--send-test-alert --receiver NAME sends one)",
        });
    }
    return results;
}
