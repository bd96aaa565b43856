// Hand-written promtool cases: for every alert, series that make it fire (with the labels the
// alert must carry, written here from the alert's meaning) and series that must leave it silent.
// Series use the labels our PodMonitors produce: job=<the mixin's job>, namespace, pod, instance.

import { exposedMetric } from "../offline/metrics/reference";

export type RuleFileName = "cluster" | "control-plane" | "ruler";

export interface Series {
    series: string;
    values: string;
}

export interface AlertCase {
    alert: string;
    file: RuleFileName;
    /** Interval of the input series (default 1m) and of rule evaluation (default 1m). */
    interval?: string;
    evaluationInterval?: string;
    /**
     * `expect`: the labels of each alert that must fire. `annotations`: for each of them (same order),
     * the text a templated annotation must render to; the others are the rule's own static text.
     */
    fire: { series: Series[]; at: string; expect: Record<string, string>[]; annotations?: Record<string, string>[] };
    silent: { series: Series[]; at: string };
}

/** Series our own recording rules write (the alert cases feed them as input; tests/metricNames.test.ts checks they are recorded). */
export const RECORDED_INPUTS = new Set(["thanos_multicluster_certificate_expiry_timestamp_seconds"]);

/**
 * One input series. Its name must be one a deployed exporter exposes (offline/metrics/upstream-metrics.txt,
 * generated from the pinned upstream sources) or one our recording rules write: a case fed the name
 * the rule under test reads would pass whatever that name is.
 */
function s(name: string, labels: Record<string, string>, values: string): Series {
    if (!RECORDED_INPUTS.has(name)) exposedMetric(name);
    return {
        series: `${name}{${Object.entries(labels)
            .map(([k, v]) => `${k}="${v}"`)
            .join(", ")}}`,
        values,
    };
}

const NS = "monitoring";
/** One front-door router pod's backend of Alertmanager replica 1, as the frontdoor PodMonitor labels it. */
const FRONT_DOOR_AM_1 = {
    job: "frontdoor",
    namespace: NS,
    pod: "frontdoor-x7k2p",
    instance: "10.0.1.30:8405",
    proxy: "to-alertmanager-1",
};
const EXPIRY = "thanos_multicluster_certificate_expiry_timestamp_seconds";
/** The replica label a series read through Query carries, of an edge and of the central Prometheus. */
const REPLICA_0 = { prometheus_replica: "prometheus-kps-prometheus-0" };
const REPLICA_1 = { prometheus_replica: "prometheus-kps-prometheus-1" };
const SIDECAR_0 = {
    job: "thanos-sidecar",
    namespace: NS,
    pod: "prometheus-kps-prometheus-0",
    instance: "10.0.1.10:10902",
};
const SIDECAR_1 = {
    job: "thanos-sidecar",
    namespace: NS,
    pod: "prometheus-kps-prometheus-1",
    instance: "10.0.1.11:10902",
};
const PROMETHEUS_0 = {
    job: "kps-prometheus",
    namespace: NS,
    pod: "prometheus-kps-prometheus-0",
    instance: "10.0.1.10:9090",
};
const ALERTMANAGER_0 = {
    job: "kps-alertmanager",
    namespace: NS,
    pod: "alertmanager-kps-alertmanager-0",
    instance: "10.0.3.10:9093",
};
const COMPACT = { job: "thanos-compact", namespace: NS, pod: "thanos-compactor-0", instance: "10.0.2.10:10902" };
const QUERY = { job: "thanos-query", namespace: NS, pod: "thanos-query-abc", instance: "10.0.2.20:10902" };
/** An edge's two Query pods (its Prometheus scrapes them with job thanos-query, as the central one does). */
const EDGE_QUERY_0 = { job: "thanos-query", namespace: NS, pod: "thanos-query-7d9f-a", instance: "10.0.1.20:9090" };
const EDGE_QUERY_1 = { job: "thanos-query", namespace: NS, pod: "thanos-query-7d9f-b", instance: "10.0.1.21:9090" };
const STORE = { job: "thanos-store", namespace: NS, pod: "thanos-store-gateway-0", instance: "10.0.2.30:10902" };
const RULE = { job: "thanos-rule", namespace: NS, pod: "thanos-ruler-0", instance: "10.0.2.40:10902" };

/** A failures/total counter pair: `failing` per minute out of 10 per minute. */
function ratio(
    failures: string,
    total: string,
    labels: Record<string, string>,
    failing: number,
    extraFailure: Record<string, string> = {},
): Series[] {
    return [s(failures, { ...labels, ...extraFailure }, `0+${failing}x40`), s(total, labels, "0+10x40")];
}

/** A latency histogram: 10 requests a minute, all in the bucket ending at `le` (buckets 1, `le`, +Inf). */
function histogram(name: string, labels: Record<string, string>, le: string): Series[] {
    const inFirst = le === "1";
    return [
        s(`${name}_bucket`, { ...labels, le: "1" }, inFirst ? "0+10x40" : "0x40"),
        ...(inFirst ? [] : [s(`${name}_bucket`, { ...labels, le }, "0+10x40")]),
        s(`${name}_bucket`, { ...labels, le: "+Inf" }, "0+10x40"),
        s(`${name}_count`, labels, "0+10x40"),
    ];
}

function isDown(alert: string, labels: Record<string, string>): AlertCase {
    return {
        alert,
        file: "control-plane",
        fire: { series: [s("up", labels, "0x20")], at: "10m", expect: [{ severity: "critical" }] },
        silent: { series: [s("up", labels, "1x20")], at: "10m" },
    };
}

export const ALERT_CASES: AlertCase[] = [
    // ---- per cluster (every cluster's Prometheus) ----
    {
        alert: "ThanosSidecarBucketOperationsFailed",
        file: "cluster",
        fire: {
            series: [
                s(
                    "thanos_objstore_bucket_operation_failures_total",
                    { ...SIDECAR_0, bucket: "thanos-bucket", operation: "upload" },
                    "0+1x30",
                ),
            ],
            at: "20m",
            expect: [
                { severity: "critical", job: "thanos-sidecar", namespace: NS, pod: "prometheus-kps-prometheus-0" },
            ],
        },
        silent: {
            series: [
                s(
                    "thanos_objstore_bucket_operation_failures_total",
                    { ...SIDECAR_0, bucket: "thanos-bucket", operation: "upload" },
                    "5+0x30",
                ),
            ],
            at: "20m",
        },
    },
    {
        alert: "ThanosSidecarNoConnectionToStartedPrometheus",
        file: "cluster",
        fire: {
            series: [
                s("thanos_sidecar_prometheus_up", SIDECAR_0, "0x20"),
                s("prometheus_tsdb_data_replay_duration_seconds", PROMETHEUS_0, "4.2x20"),
            ],
            at: "10m",
            expect: [{ severity: "critical", ...SIDECAR_0 }],
        },
        silent: {
            series: [
                s("thanos_sidecar_prometheus_up", SIDECAR_0, "1x20"),
                s("prometheus_tsdb_data_replay_duration_seconds", PROMETHEUS_0, "4.2x20"),
            ],
            at: "10m",
        },
    },
    {
        alert: "ThanosSidecarIsDown",
        file: "cluster",
        fire: {
            series: [s("up", SIDECAR_0, "0x20"), s("up", SIDECAR_1, "0x20")],
            at: "10m",
            expect: [{ severity: "critical" }],
        },
        // One replica down is not "the sidecar is down".
        silent: { series: [s("up", SIDECAR_0, "0x20"), s("up", SIDECAR_1, "1x20")], at: "10m" },
    },
    {
        alert: "ClusterPartialResponse",
        file: "cluster",
        fire: {
            // Replica 0 answers its cluster's Query's Info calls (24 a minute: two Query replicas every 5s);
            // replica 1 gets none: that Query answers about this cluster from replica 0 alone.
            series: [
                s("up", SIDECAR_0, "1x30"),
                s("up", SIDECAR_1, "1x30"),
                s(
                    "grpc_server_handled_total",
                    {
                        ...SIDECAR_0,
                        grpc_service: "thanos.info.Info",
                        grpc_method: "Info",
                        grpc_code: "OK",
                        grpc_type: "unary",
                    },
                    "0+24x30",
                ),
                s(
                    "grpc_server_handled_total",
                    {
                        ...SIDECAR_1,
                        grpc_service: "thanos.info.Info",
                        grpc_method: "Info",
                        grpc_code: "OK",
                        grpc_type: "unary",
                    },
                    "0x30",
                ),
            ],
            at: "15m",
            expect: [{ severity: "warning", ...SIDECAR_1 }],
        },
        silent: {
            series: [
                s("up", SIDECAR_0, "1x30"),
                s(
                    "grpc_server_handled_total",
                    {
                        ...SIDECAR_0,
                        grpc_service: "thanos.info.Info",
                        grpc_method: "Info",
                        grpc_code: "OK",
                        grpc_type: "unary",
                    },
                    "0+24x30",
                ),
            ],
            at: "15m",
        },
    },
    {
        alert: "ClusterUnreachableFromQuery",
        file: "cluster",
        fire: {
            // Both edge Query pods up; the central Query's calls fail (its TLS handshake, say): only
            // Unavailable is counted, no OK.
            series: [
                s("up", EDGE_QUERY_0, "1x30"),
                s("up", EDGE_QUERY_1, "1x30"),
                s(
                    "grpc_server_handled_total",
                    {
                        ...EDGE_QUERY_0,
                        grpc_service: "thanos.info.Info",
                        grpc_method: "Info",
                        grpc_code: "Unavailable",
                        grpc_type: "unary",
                    },
                    "0+12x30",
                ),
            ],
            at: "15m",
            expect: [{ severity: "warning" }],
        },
        silent: {
            // The central Query's connection lands on pod 1 alone: pod 0 serving none is no alarm.
            series: [
                s("up", EDGE_QUERY_0, "1x30"),
                s("up", EDGE_QUERY_1, "1x30"),
                s(
                    "grpc_server_handled_total",
                    {
                        ...EDGE_QUERY_0,
                        grpc_service: "thanos.info.Info",
                        grpc_method: "Info",
                        grpc_code: "OK",
                        grpc_type: "unary",
                    },
                    "0x30",
                ),
                s(
                    "grpc_server_handled_total",
                    {
                        ...EDGE_QUERY_1,
                        grpc_service: "thanos.info.Info",
                        grpc_method: "Info",
                        grpc_code: "OK",
                        grpc_type: "unary",
                    },
                    "0+12x30",
                ),
            ],
            at: "15m",
        },
    },
    {
        alert: "ClusterBlocksNotUploaded",
        file: "cluster",
        fire: {
            // Up since t=0, never uploaded: past 3h it fires.
            series: [
                s(
                    "thanos_objstore_bucket_last_successful_upload_time",
                    { ...SIDECAR_0, bucket: "thanos-bucket" },
                    "0x300",
                ),
                s("process_start_time_seconds", SIDECAR_0, "0x300"),
            ],
            at: "4h",
            expect: [{ severity: "critical", namespace: NS, pod: "prometheus-kps-prometheus-0" }],
        },
        silent: {
            // First upload at 3h, the next at 5h (every 2h, as Prometheus cuts blocks); and a
            // sidecar restarted at 4h that has not uploaded yet.
            series: [
                s(
                    "thanos_objstore_bucket_last_successful_upload_time",
                    { ...SIDECAR_0, bucket: "thanos-bucket" },
                    "0x179 10800x119 18000x100",
                ),
                s("process_start_time_seconds", SIDECAR_0, "0x400"),
                s(
                    "thanos_objstore_bucket_last_successful_upload_time",
                    { ...SIDECAR_1, bucket: "thanos-bucket" },
                    "0x400",
                ),
                s("process_start_time_seconds", SIDECAR_1, "0x239 14400x160"),
            ],
            at: "5h50m",
        },
    },
    // ---- the Ruler, across clusters ----
    {
        alert: "ClusterMetricsMissing",
        file: "ruler",
        fire: {
            series: [
                s("up", { cluster: "cluster-02", job: "node" }, "1x30"),
                s("up", { cluster: "cluster-03", job: "node" }, "1x10 _x20"),
            ],
            at: "25m",
            expect: [{ severity: "critical", cluster: "cluster-03" }],
        },
        silent: {
            series: [
                s("up", { cluster: "cluster-02", job: "node" }, "1x30"),
                s("up", { cluster: "cluster-03", job: "node" }, "1x10 _x20"),
            ],
            at: "12m",
        },
    },
    {
        alert: "CrossClusterCertificateExpiring",
        file: "ruler",
        interval: "2m",
        evaluationInterval: "30m",
        fire: {
            // Day 11. The central stack's deployment CA expires at day 40 (3456000s): 29 days left.
            // cluster-02 still trusts an older copy of it expiring at day 35 (3024000s): 24 days,
            // seen from both of its replicas; cluster-03 took the renewed one (day 400). Query's
            // client certificate and cluster-02's server certificate have a year left.
            series: [
                s(EXPIRY, { cluster: "cluster-01", certificate: "deployment-ca", ...REPLICA_0 }, "3456000x8000"),
                s(EXPIRY, { cluster: "cluster-01", certificate: "query-client", ...REPLICA_0 }, "34560000x8000"),
                s(EXPIRY, { cluster: "cluster-02", certificate: "sidecar-client-ca", ...REPLICA_0 }, "3024000x8000"),
                s(EXPIRY, { cluster: "cluster-02", certificate: "sidecar-client-ca", ...REPLICA_1 }, "3024000x8000"),
                s(EXPIRY, { cluster: "cluster-02", certificate: "sidecar-server", ...REPLICA_0 }, "34560000x8000"),
                s(EXPIRY, { cluster: "cluster-03", certificate: "sidecar-client-ca", ...REPLICA_0 }, "34560000x8000"),
            ],
            at: "264h",
            expect: [
                { severity: "warning", cluster: "cluster-01", certificate: "deployment-ca" },
                { severity: "warning", cluster: "cluster-02", certificate: "sidecar-client-ca" },
            ],
            annotations: [
                { summary: "Certificate deployment-ca of cluster-01 expires in 29d 0h 0m 0s." },
                { summary: "Certificate sidecar-client-ca of cluster-02 expires in 24d 0h 0m 0s." },
            ],
        },
        // Day 11: the deployment CA has 31 days left, cluster-02's server certificate 35.
        silent: {
            series: [
                s(EXPIRY, { cluster: "cluster-01", certificate: "deployment-ca" }, "3628800x8000"),
                s(EXPIRY, { cluster: "cluster-02", certificate: "sidecar-server" }, "3974400x8000"),
            ],
            at: "264h",
        },
    },
    // ---- the control plane (central Prometheus) ----
    {
        // A counter of alerts dropped by --alerts.per-alertname-limit (Alertmanager v0.34, provider/mem).
        alert: "AlertmanagerAlertsDropped",
        file: "control-plane",
        // The first drop creates the series, at the number dropped: no increase() to see.
        fire: {
            series: [s("alertmanager_alerts_limited_total", ALERTMANAGER_0, "_x5 40x10")],
            at: "7m",
            expect: [{ severity: "critical", namespace: NS, pod: "alertmanager-kps-alertmanager-0" }],
        },
        // A counter that stays where it is: nothing dropped lately.
        silent: { series: [s("alertmanager_alerts_limited_total", ALERTMANAGER_0, "40x30")], at: "25m" },
    },
    {
        // A router pod's backend (here one Alertmanager replica's port) with no server up: the
        // exporter's gauge of the backend's active servers (offline/metrics/haproxy-metrics.txt).
        alert: "FrontDoorBackendDown",
        file: "control-plane",
        fire: {
            series: [s("haproxy_backend_active_servers", FRONT_DOOR_AM_1, "1 0x10")],
            at: "8m",
            expect: [{ severity: "critical", ...FRONT_DOOR_AM_1 }],
            annotations: [
                {
                    description:
                        "The router frontdoor-x7k2p has had no healthy server in its backend to-alertmanager-1 for 5 minutes: connections to that port of the central address (Query 9090, Grafana 3000, or one Alertmanager replica on 9093-9095) that land on its node fail.",
                },
            ],
        },
        // Down for three minutes, then back: shorter than the rule's 5m, nothing fires.
        silent: { series: [s("haproxy_backend_active_servers", FRONT_DOOR_AM_1, "0x3 1x10")], at: "10m" },
    },
    {
        alert: "ThanosCompactMultipleRunning",
        file: "control-plane",
        fire: {
            series: [
                s("up", COMPACT, "1x20"),
                s("up", { ...COMPACT, pod: "thanos-compactor-1", instance: "10.0.2.11:10902" }, "1x20"),
            ],
            at: "10m",
            expect: [{ severity: "warning", job: "thanos-compact" }],
        },
        silent: { series: [s("up", COMPACT, "1x20")], at: "10m" },
    },
    {
        alert: "ThanosCompactHalted",
        file: "control-plane",
        fire: {
            series: [s("thanos_compact_halted", COMPACT, "1x20")],
            at: "10m",
            expect: [{ severity: "warning", ...COMPACT }],
        },
        silent: { series: [s("thanos_compact_halted", COMPACT, "0x20")], at: "10m" },
    },
    {
        alert: "ThanosCompactHighCompactionFailures",
        file: "control-plane",
        fire: {
            series: ratio(
                "thanos_compact_group_compactions_failures_total",
                "thanos_compact_group_compactions_total",
                COMPACT,
                1,
            ),
            at: "30m",
            expect: [{ severity: "warning", job: "thanos-compact" }],
        },
        silent: {
            series: ratio(
                "thanos_compact_group_compactions_failures_total",
                "thanos_compact_group_compactions_total",
                COMPACT,
                0,
            ),
            at: "30m",
        },
    },
    {
        alert: "ThanosCompactBucketHighOperationFailures",
        file: "control-plane",
        fire: {
            series: ratio(
                "thanos_objstore_bucket_operation_failures_total",
                "thanos_objstore_bucket_operations_total",
                COMPACT,
                1,
            ),
            at: "30m",
            expect: [{ severity: "warning", job: "thanos-compact" }],
        },
        silent: {
            series: ratio(
                "thanos_objstore_bucket_operation_failures_total",
                "thanos_objstore_bucket_operations_total",
                COMPACT,
                0,
            ),
            at: "30m",
        },
    },
    {
        alert: "ThanosCompactHasNotRun",
        file: "control-plane",
        interval: "1h",
        // No `for`: evaluating every 30m instead of every minute keeps a day of history cheap.
        evaluationInterval: "30m",
        fire: {
            series: [s("thanos_objstore_bucket_last_successful_upload_time", COMPACT, "0x30")],
            at: "25h",
            expect: [{ severity: "warning", job: "thanos-compact" }],
        },
        // Uploads every hour: the value is the time of the upload.
        silent: { series: [s("thanos_objstore_bucket_last_successful_upload_time", COMPACT, "0+3600x30")], at: "25h" },
    },
    {
        alert: "ThanosQueryHttpRequestQueryErrorRateHigh",
        file: "control-plane",
        fire: {
            series: [
                s("http_requests_total", { ...QUERY, handler: "query", code: "500" }, "0+1x40"),
                s("http_requests_total", { ...QUERY, handler: "query", code: "200" }, "0+9x40"),
            ],
            at: "20m",
            expect: [{ severity: "critical", job: "thanos-query" }],
        },
        // Range queries fail, instant ones do not.
        silent: {
            series: [
                s("http_requests_total", { ...QUERY, handler: "query_range", code: "500" }, "0+1x40"),
                s("http_requests_total", { ...QUERY, handler: "query", code: "200" }, "0+9x40"),
            ],
            at: "20m",
        },
    },
    {
        alert: "ThanosQueryHttpRequestQueryRangeErrorRateHigh",
        file: "control-plane",
        fire: {
            series: [
                s("http_requests_total", { ...QUERY, handler: "query_range", code: "503" }, "0+1x40"),
                s("http_requests_total", { ...QUERY, handler: "query_range", code: "200" }, "0+9x40"),
            ],
            at: "20m",
            expect: [{ severity: "critical", job: "thanos-query" }],
        },
        silent: {
            series: [
                s("http_requests_total", { ...QUERY, handler: "query_range", code: "400" }, "0+1x40"),
                s("http_requests_total", { ...QUERY, handler: "query_range", code: "200" }, "0+9x40"),
            ],
            at: "20m",
        },
    },
    {
        alert: "ThanosQueryGrpcServerErrorRate",
        file: "control-plane",
        fire: {
            series: ratio("grpc_server_handled_total", "grpc_server_started_total", QUERY, 1, {
                grpc_code: "Unavailable",
            }),
            at: "20m",
            expect: [{ severity: "warning", job: "thanos-query" }],
        },
        silent: {
            series: ratio("grpc_server_handled_total", "grpc_server_started_total", QUERY, 1, {
                grpc_code: "NotFound",
            }),
            at: "20m",
        },
    },
    {
        alert: "ThanosQueryGrpcClientErrorRate",
        file: "control-plane",
        fire: {
            series: ratio("grpc_client_handled_total", "grpc_client_started_total", QUERY, 1, {
                grpc_code: "Unavailable",
            }),
            at: "20m",
            expect: [{ severity: "warning", job: "thanos-query" }],
        },
        silent: {
            series: ratio("grpc_client_handled_total", "grpc_client_started_total", QUERY, 10, { grpc_code: "OK" }),
            at: "20m",
        },
    },
    {
        alert: "ThanosQueryHighDNSFailures",
        file: "control-plane",
        fire: {
            series: ratio(
                "thanos_query_endpoints_dns_failures_total",
                "thanos_query_endpoints_dns_lookups_total",
                QUERY,
                1,
            ),
            at: "30m",
            expect: [{ severity: "warning", job: "thanos-query" }],
        },
        silent: {
            series: ratio(
                "thanos_query_endpoints_dns_failures_total",
                "thanos_query_endpoints_dns_lookups_total",
                QUERY,
                0,
            ),
            at: "30m",
        },
    },
    {
        alert: "ThanosQueryInstantLatencyHigh",
        file: "control-plane",
        fire: {
            series: histogram("http_request_duration_seconds", { ...QUERY, handler: "query" }, "60"),
            at: "30m",
            expect: [{ severity: "critical", job: "thanos-query" }],
        },
        silent: { series: histogram("http_request_duration_seconds", { ...QUERY, handler: "query" }, "1"), at: "30m" },
    },
    {
        alert: "ThanosQueryRangeLatencyHigh",
        file: "control-plane",
        fire: {
            series: histogram("http_request_duration_seconds", { ...QUERY, handler: "query_range" }, "120"),
            at: "30m",
            expect: [{ severity: "critical", job: "thanos-query" }],
        },
        // Slow instant queries are not slow range queries.
        silent: {
            series: histogram("http_request_duration_seconds", { ...QUERY, handler: "query" }, "120"),
            at: "30m",
        },
    },
    {
        alert: "ThanosQueryOverload",
        file: "control-plane",
        fire: {
            series: [
                s("thanos_query_concurrent_gate_queries_max", QUERY, "20x40"),
                s("thanos_query_concurrent_gate_queries_in_flight", QUERY, "20x40"),
            ],
            at: "30m",
            expect: [{ severity: "warning", ...QUERY }],
        },
        silent: {
            series: [
                s("thanos_query_concurrent_gate_queries_max", QUERY, "20x40"),
                s("thanos_query_concurrent_gate_queries_in_flight", QUERY, "3x40"),
            ],
            at: "30m",
        },
    },
    {
        alert: "ThanosStoreGrpcErrorRate",
        file: "control-plane",
        fire: {
            series: ratio("grpc_server_handled_total", "grpc_server_started_total", STORE, 1, {
                grpc_code: "Internal",
            }),
            at: "20m",
            expect: [{ severity: "warning", job: "thanos-store" }],
        },
        // A limit hit (ResourceExhausted) is the client's doing, not the store's.
        silent: {
            series: ratio("grpc_server_handled_total", "grpc_server_started_total", STORE, 1, {
                grpc_code: "ResourceExhausted",
            }),
            at: "20m",
        },
    },
    {
        alert: "ThanosStoreSeriesGateLatencyHigh",
        file: "control-plane",
        fire: {
            series: histogram("thanos_bucket_store_series_gate_queries_duration_seconds", STORE, "3"),
            at: "30m",
            expect: [{ severity: "warning", job: "thanos-store" }],
        },
        silent: {
            series: histogram("thanos_bucket_store_series_gate_queries_duration_seconds", STORE, "1"),
            at: "30m",
        },
    },
    {
        alert: "ThanosStoreBucketHighOperationFailures",
        file: "control-plane",
        fire: {
            series: ratio(
                "thanos_objstore_bucket_operation_failures_total",
                "thanos_objstore_bucket_operations_total",
                STORE,
                1,
            ),
            at: "30m",
            expect: [{ severity: "warning", job: "thanos-store" }],
        },
        // The Compactor's failures are not the Store Gateway's.
        silent: {
            series: ratio(
                "thanos_objstore_bucket_operation_failures_total",
                "thanos_objstore_bucket_operations_total",
                COMPACT,
                0,
            ),
            at: "30m",
        },
    },
    {
        alert: "ThanosStoreObjstoreOperationLatencyHigh",
        file: "control-plane",
        fire: {
            series: histogram(
                "thanos_objstore_bucket_operation_duration_seconds",
                { ...STORE, operation: "get_range" },
                "3",
            ),
            at: "30m",
            expect: [{ severity: "warning", job: "thanos-store" }],
        },
        silent: {
            series: histogram(
                "thanos_objstore_bucket_operation_duration_seconds",
                { ...STORE, operation: "get_range" },
                "1",
            ),
            at: "30m",
        },
    },
    {
        alert: "ThanosRuleQueueIsDroppingAlerts",
        file: "control-plane",
        fire: {
            series: [s("thanos_alert_queue_alerts_dropped_total", RULE, "0+1x20")],
            at: "10m",
            expect: [{ severity: "critical", job: "thanos-rule", instance: RULE.instance }],
        },
        silent: { series: [s("thanos_alert_queue_alerts_dropped_total", RULE, "3+0x20")], at: "10m" },
    },
    {
        alert: "ThanosRuleSenderIsFailingAlerts",
        file: "control-plane",
        fire: {
            series: [
                s(
                    "thanos_alert_sender_alerts_dropped_total",
                    { ...RULE, alertmanager: "http://am-0:9093/api/v2/alerts" },
                    "0+1x20",
                ),
            ],
            at: "10m",
            expect: [{ severity: "critical", job: "thanos-rule", instance: RULE.instance }],
        },
        silent: {
            series: [
                s(
                    "thanos_alert_sender_alerts_dropped_total",
                    { ...RULE, alertmanager: "http://am-0:9093/api/v2/alerts" },
                    "0x20",
                ),
            ],
            at: "10m",
        },
    },
    {
        alert: "ThanosRuleHighRuleEvaluationFailures",
        file: "control-plane",
        fire: {
            series: ratio(
                "prometheus_rule_evaluation_failures_total",
                "prometheus_rule_evaluations_total",
                { ...RULE, rule_group: "r.yaml;g" },
                1,
            ),
            at: "20m",
            expect: [{ severity: "critical", job: "thanos-rule", instance: RULE.instance }],
        },
        silent: {
            series: ratio(
                "prometheus_rule_evaluation_failures_total",
                "prometheus_rule_evaluations_total",
                { ...RULE, rule_group: "r.yaml;g" },
                0,
            ),
            at: "20m",
        },
    },
    {
        alert: "ThanosRuleHighRuleEvaluationWarnings",
        file: "control-plane",
        fire: {
            series: [s("thanos_rule_evaluation_with_warnings_total", { ...RULE, strategy: "warn" }, "0+1x40")],
            at: "30m",
            expect: [{ severity: "info", job: "thanos-rule", instance: RULE.instance }],
        },
        silent: {
            series: [s("thanos_rule_evaluation_with_warnings_total", { ...RULE, strategy: "warn" }, "0x40")],
            at: "30m",
        },
    },
    {
        alert: "ThanosRuleRuleEvaluationLatencyHigh",
        file: "control-plane",
        fire: {
            series: [
                s("prometheus_rule_group_last_duration_seconds", { ...RULE, rule_group: "r.yaml;g" }, "40x20"),
                s("prometheus_rule_group_interval_seconds", { ...RULE, rule_group: "r.yaml;g" }, "30x20"),
            ],
            at: "10m",
            expect: [{ severity: "warning", job: "thanos-rule", instance: RULE.instance, rule_group: "r.yaml;g" }],
        },
        silent: {
            series: [
                s("prometheus_rule_group_last_duration_seconds", { ...RULE, rule_group: "r.yaml;g" }, "2x20"),
                s("prometheus_rule_group_interval_seconds", { ...RULE, rule_group: "r.yaml;g" }, "30x20"),
            ],
            at: "10m",
        },
    },
    {
        alert: "ThanosRuleGrpcErrorRate",
        file: "control-plane",
        fire: {
            series: ratio("grpc_server_handled_total", "grpc_server_started_total", RULE, 1, {
                grpc_code: "DeadlineExceeded",
            }),
            at: "20m",
            expect: [{ severity: "warning", job: "thanos-rule", instance: RULE.instance }],
        },
        silent: {
            series: ratio("grpc_server_handled_total", "grpc_server_started_total", RULE, 1, { grpc_code: "Canceled" }),
            at: "20m",
        },
    },
    {
        alert: "ThanosRuleConfigReloadFailure",
        file: "control-plane",
        fire: {
            series: [s("thanos_rule_config_last_reload_successful", RULE, "0x20")],
            at: "10m",
            expect: [{ severity: "info", job: "thanos-rule", instance: RULE.instance }],
        },
        silent: { series: [s("thanos_rule_config_last_reload_successful", RULE, "1x20")], at: "10m" },
    },
    {
        alert: "ThanosRuleQueryHighDNSFailures",
        file: "control-plane",
        fire: {
            series: ratio(
                "thanos_rule_query_apis_dns_failures_total",
                "thanos_rule_query_apis_dns_lookups_total",
                RULE,
                1,
            ),
            at: "30m",
            expect: [{ severity: "warning", job: "thanos-rule", instance: RULE.instance }],
        },
        silent: {
            series: ratio(
                "thanos_rule_query_apis_dns_failures_total",
                "thanos_rule_query_apis_dns_lookups_total",
                RULE,
                0,
            ),
            at: "30m",
        },
    },
    {
        alert: "ThanosRuleAlertmanagerHighDNSFailures",
        file: "control-plane",
        fire: {
            series: ratio(
                "thanos_rule_alertmanagers_dns_failures_total",
                "thanos_rule_alertmanagers_dns_lookups_total",
                RULE,
                1,
            ),
            at: "30m",
            expect: [{ severity: "warning", job: "thanos-rule", instance: RULE.instance }],
        },
        silent: {
            series: ratio(
                "thanos_rule_alertmanagers_dns_failures_total",
                "thanos_rule_alertmanagers_dns_lookups_total",
                RULE,
                0,
            ),
            at: "30m",
        },
    },
    {
        alert: "ThanosRuleNoEvaluationFor10Intervals",
        file: "control-plane",
        fire: {
            // Last evaluated at t=0, interval 30s: more than 10 intervals late from 5m on.
            series: [
                s(
                    "prometheus_rule_group_last_evaluation_timestamp_seconds",
                    { ...RULE, rule_group: "r.yaml;g" },
                    "0x20",
                ),
                s("prometheus_rule_group_interval_seconds", { ...RULE, rule_group: "r.yaml;g" }, "30x20"),
            ],
            at: "15m",
            expect: [{ severity: "info", job: "thanos-rule", instance: RULE.instance, rule_group: "r.yaml;g" }],
        },
        silent: {
            series: [
                s(
                    "prometheus_rule_group_last_evaluation_timestamp_seconds",
                    { ...RULE, rule_group: "r.yaml;g" },
                    "0+60x20",
                ),
                s("prometheus_rule_group_interval_seconds", { ...RULE, rule_group: "r.yaml;g" }, "30x20"),
            ],
            at: "15m",
        },
    },
    {
        alert: "ThanosNoRuleEvaluations",
        file: "control-plane",
        fire: {
            series: [
                s("prometheus_rule_evaluations_total", { ...RULE, rule_group: "r.yaml;g" }, "100x20"),
                s("thanos_rule_loaded_rules", { ...RULE, rule_group: "r.yaml;g" }, "5x20"),
            ],
            at: "15m",
            expect: [{ severity: "critical", job: "thanos-rule", instance: RULE.instance }],
        },
        silent: {
            series: [
                s("prometheus_rule_evaluations_total", { ...RULE, rule_group: "r.yaml;g" }, "0+10x20"),
                s("thanos_rule_loaded_rules", { ...RULE, rule_group: "r.yaml;g" }, "5x20"),
            ],
            at: "15m",
        },
    },
    isDown("ThanosCompactIsDown", COMPACT),
    isDown("ThanosQueryIsDown", QUERY),
    isDown("ThanosRuleIsDown", RULE),
    isDown("ThanosStoreIsDown", STORE),
];

/** The watchdog fires always, by design: it has a firing case and no silent one. */
export const WATCHDOG = "ThanosRulerWatchdog";
