// The Thanos mixin's alerts (v0.42.4, mixin/alerts/*.libsonnet) for the components we run, with
// the mixin's names, severities and thresholds, written for our job labels (the PodMonitors set
// job=thanos-sidecar, thanos-query, thanos-store, thanos-compact, thanos-rule exactly, so the
// selectors match on equality). Receive and bucket-replicate are not deployed, so not here.
//
// Where they run: the sidecar's alerts on every cluster's own Prometheus, so each cluster watches
// its own sidecars even when the central cluster is unreachable; the control plane's on the central
// cluster's Prometheus, which scrapes it directly (not through the Ruler, whose own health they check).

import { THANOS_JOBS } from "../names";
import { RuleGroup, RunbookLinks, alert } from "./types";

export { THANOS_JOBS };

const GRPC_SERVER_ERRORS = "Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded";
/** The store's list leaves out ResourceExhausted: a sample/series limit hit is the client's doing. */
const GRPC_STORE_ERRORS = "Unknown|Internal|Unavailable|DataLoss|DeadlineExceeded";

/** failures / total, in percent, per `by`, above `threshold`. */
function errorPercent(failures: string, total: string, by: string, threshold: number, op = ">"): string {
    return `(sum by (${by}) (rate(${failures}[5m])) / sum by (${by}) (rate(${total}[5m]))) * 100 ${op} ${threshold}`;
}

/** p99 of a histogram above `seconds`, only while there is traffic. */
function p99Above(histogram: string, selector: string, seconds: number): string {
    return `(histogram_quantile(0.99, sum by (job, le) (rate(${histogram}_bucket{${selector}}[5m]))) > ${seconds}) and (sum by (job) (rate(${histogram}_count{${selector}}[5m])) > 0)`;
}

function isDown(links: RunbookLinks, name: string, job: string, component: string): RuleGroup["rules"][number] {
    return alert(links, {
        name,
        expr: `absent(up{job="${job}"} == 1)`,
        for: "5m",
        severity: "critical",
        summary: `No ${component} is up: Prometheus scrapes no ${job} target that answers.`,
        description: `Every ${component} pod is gone, crash-looping or unscrapable (PodMonitor ${job}).`,
    });
}

/** The sidecar's alerts: on every cluster's own Prometheus. */
export function sidecarRuleGroups(links: RunbookLinks): RuleGroup[] {
    const job = `job="${THANOS_JOBS.sidecar}"`;
    return [
        {
            name: "thanos-sidecar",
            rules: [
                alert(links, {
                    name: "ThanosSidecarBucketOperationsFailed",
                    expr: `sum by (job, namespace, pod) (rate(thanos_objstore_bucket_operation_failures_total{${job}}[5m])) > 0`,
                    for: "5m",
                    severity: "critical",
                    summary: "A Thanos sidecar's object-store operations are failing.",
                    description:
                        "The sidecar cannot upload blocks; Prometheus deletes them after its local retention whether or not they were uploaded.",
                }),
                alert(links, {
                    name: "ThanosSidecarNoConnectionToStartedPrometheus",
                    // The sidecar reports Prometheus down although Prometheus finished replaying its WAL.
                    expr: `thanos_sidecar_prometheus_up{${job}} == 0 and on (namespace, pod) prometheus_tsdb_data_replay_duration_seconds != 0`,
                    for: "5m",
                    severity: "critical",
                    summary: "A Thanos sidecar cannot reach its Prometheus, although Prometheus has started.",
                    description: "The sidecar serves no data from this Prometheus replica and uploads nothing.",
                }),
                isDown(links, "ThanosSidecarIsDown", THANOS_JOBS.sidecar, "Thanos sidecar"),
            ],
        },
    ];
}

/**
 * The mixin's Query alerts, for every Query we run: the central one (controlPlaneRuleGroups) and each
 * edge's (edgeQueryRuleGroups), each on its own cluster's Prometheus, so an edge's alerts carry its
 * `cluster` label and route with the edge's other alerts.
 */
function queryRuleGroup(links: RunbookLinks): RuleGroup {
    const query = `job="${THANOS_JOBS.query}"`;
    return {
        name: "thanos-query",
        rules: [
            alert(links, {
                name: "ThanosQueryHttpRequestQueryErrorRateHigh",
                expr: errorPercent(
                    `http_requests_total{code=~"5..", ${query}, handler="query"}`,
                    `http_requests_total{${query}, handler="query"}`,
                    "job",
                    5,
                ),
                for: "5m",
                severity: "critical",
                summary: "Thanos Query fails more than 5% of instant queries.",
                description: "The /api/v1/query endpoint answers 5xx.",
            }),
            alert(links, {
                name: "ThanosQueryHttpRequestQueryRangeErrorRateHigh",
                expr: errorPercent(
                    `http_requests_total{code=~"5..", ${query}, handler="query_range"}`,
                    `http_requests_total{${query}, handler="query_range"}`,
                    "job",
                    5,
                ),
                for: "5m",
                severity: "critical",
                summary: "Thanos Query fails more than 5% of range queries.",
                description: "The /api/v1/query_range endpoint answers 5xx: dashboards break.",
            }),
            alert(links, {
                name: "ThanosQueryGrpcServerErrorRate",
                expr: errorPercent(
                    `grpc_server_handled_total{grpc_code=~"${GRPC_SERVER_ERRORS}", ${query}}`,
                    `grpc_server_started_total{${query}}`,
                    "job",
                    5,
                ),
                for: "5m",
                severity: "warning",
                summary: "Thanos Query fails more than 5% of the gRPC requests it serves.",
                description: "Query's own StoreAPI (used by other queriers) answers errors.",
            }),
            alert(links, {
                name: "ThanosQueryGrpcClientErrorRate",
                expr: errorPercent(
                    `grpc_client_handled_total{grpc_code!="OK", ${query}}`,
                    `grpc_client_started_total{${query}}`,
                    "job",
                    5,
                ),
                for: "5m",
                severity: "warning",
                summary: "More than 5% of Thanos Query's gRPC requests to its stores fail.",
                description:
                    "Query's calls to sidecars, the Store Gateway or the Ruler fail: some data is missing from results.",
            }),
            alert(links, {
                name: "ThanosQueryHighDNSFailures",
                expr: errorPercent(
                    `thanos_query_endpoints_dns_failures_total{${query}}`,
                    `thanos_query_endpoints_dns_lookups_total{${query}}`,
                    "job",
                    1,
                ),
                for: "15m",
                severity: "warning",
                summary: "More than 1% of Thanos Query's DNS lookups of its endpoints fail.",
                description: "Query cannot resolve some Store Gateway or Ruler replicas.",
            }),
            alert(links, {
                name: "ThanosQueryInstantLatencyHigh",
                expr: p99Above("http_request_duration_seconds", `${query}, handler="query"`, 40),
                for: "10m",
                severity: "critical",
                summary: "Thanos Query's 99th percentile instant-query latency is above 40s.",
                description: "Instant queries (and so the Ruler's evaluations) are very slow.",
            }),
            alert(links, {
                name: "ThanosQueryRangeLatencyHigh",
                expr: p99Above("http_request_duration_seconds", `${query}, handler="query_range"`, 90),
                for: "10m",
                severity: "critical",
                summary: "Thanos Query's 99th percentile range-query latency is above 90s.",
                description: "Range queries (dashboards) are very slow.",
            }),
            alert(links, {
                name: "ThanosQueryOverload",
                expr: `max_over_time(thanos_query_concurrent_gate_queries_max{${query}}[5m]) - avg_over_time(thanos_query_concurrent_gate_queries_in_flight{${query}}[5m]) < 1`,
                for: "15m",
                severity: "warning",
                summary: "Thanos Query has been at its concurrent-query limit for 15 minutes.",
                description: "Every query slot is busy; new queries queue.",
            }),
        ],
    };
}

/** An edge Query's alerts: the mixin's Query group and its absence, on the edge's own Prometheus. */
export function edgeQueryRuleGroups(links: RunbookLinks): RuleGroup[] {
    return [
        queryRuleGroup(links),
        {
            name: "thanos-query-absent",
            rules: [isDown(links, "ThanosQueryIsDown", THANOS_JOBS.query, "Thanos Query")],
        },
    ];
}

/** The control plane's alerts: on the central cluster's Prometheus. */
export function controlPlaneRuleGroups(links: RunbookLinks): RuleGroup[] {
    const compact = `job="${THANOS_JOBS.compact}"`;
    const store = `job="${THANOS_JOBS.store}"`;
    const rule = `job="${THANOS_JOBS.rule}"`;
    return [
        {
            name: "thanos-compact",
            rules: [
                alert(links, {
                    name: "ThanosCompactMultipleRunning",
                    expr: `sum by (job) (up{${compact}}) > 1`,
                    for: "5m",
                    severity: "warning",
                    summary: "More than one Thanos Compactor is running on the bucket.",
                    description: "Two compactors on one bucket can corrupt it; only one may run.",
                }),
                alert(links, {
                    name: "ThanosCompactHalted",
                    expr: `thanos_compact_halted{${compact}} == 1`,
                    for: "5m",
                    severity: "warning",
                    summary: "The Thanos Compactor has halted.",
                    description:
                        "It met an error it will not retry (overlapping or corrupt blocks): nothing is compacted, downsampled or deleted until it is fixed.",
                }),
                alert(links, {
                    name: "ThanosCompactHighCompactionFailures",
                    expr: errorPercent(
                        `thanos_compact_group_compactions_failures_total{${compact}}`,
                        `thanos_compact_group_compactions_total{${compact}}`,
                        "job",
                        5,
                    ),
                    for: "15m",
                    severity: "warning",
                    summary: "The Thanos Compactor fails more than 5% of its compactions.",
                    description: "Compactions are failing; blocks pile up uncompacted.",
                }),
                alert(links, {
                    name: "ThanosCompactBucketHighOperationFailures",
                    expr: errorPercent(
                        `thanos_objstore_bucket_operation_failures_total{${compact}}`,
                        `thanos_objstore_bucket_operations_total{${compact}}`,
                        "job",
                        5,
                    ),
                    for: "15m",
                    severity: "warning",
                    summary: "More than 5% of the Thanos Compactor's object-store operations fail.",
                    description: "The Compactor cannot read or write the bucket reliably.",
                }),
                alert(links, {
                    name: "ThanosCompactHasNotRun",
                    expr: `(time() - max by (job) (max_over_time(thanos_objstore_bucket_last_successful_upload_time{${compact}}[24h]))) / 60 / 60 > 24`,
                    severity: "warning",
                    summary: "The Thanos Compactor has uploaded nothing for 24 hours.",
                    description: "No compacted or downsampled block has been written for a day.",
                }),
            ],
        },
        queryRuleGroup(links),
        {
            name: "thanos-store",
            rules: [
                alert(links, {
                    name: "ThanosStoreGrpcErrorRate",
                    expr: errorPercent(
                        `grpc_server_handled_total{grpc_code=~"${GRPC_STORE_ERRORS}", ${store}}`,
                        `grpc_server_started_total{${store}}`,
                        "job",
                        5,
                    ),
                    for: "5m",
                    severity: "warning",
                    summary: "The Thanos Store Gateway fails more than 5% of its gRPC requests.",
                    description: "Query gets errors for data older than the sidecars' retention.",
                }),
                alert(links, {
                    name: "ThanosStoreSeriesGateLatencyHigh",
                    expr: p99Above("thanos_bucket_store_series_gate_queries_duration_seconds", store, 2),
                    for: "10m",
                    severity: "warning",
                    summary: "Series requests wait more than 2s (p99) for a Store Gateway slot.",
                    description: "The Store Gateway's concurrency limit is saturated.",
                }),
                alert(links, {
                    name: "ThanosStoreBucketHighOperationFailures",
                    expr: errorPercent(
                        `thanos_objstore_bucket_operation_failures_total{${store}}`,
                        `thanos_objstore_bucket_operations_total{${store}}`,
                        "job",
                        5,
                    ),
                    for: "15m",
                    severity: "warning",
                    summary: "More than 5% of the Store Gateway's object-store operations fail.",
                    description: "Historical data may be missing from query results.",
                }),
                alert(links, {
                    name: "ThanosStoreObjstoreOperationLatencyHigh",
                    expr: p99Above("thanos_objstore_bucket_operation_duration_seconds", store, 2),
                    for: "10m",
                    severity: "warning",
                    summary: "The Store Gateway's object-store operations take more than 2s (p99).",
                    description: "The object store is slow; historical queries are slow.",
                }),
            ],
        },
        {
            name: "thanos-rule",
            rules: [
                alert(links, {
                    name: "ThanosRuleQueueIsDroppingAlerts",
                    expr: `sum by (job, instance) (rate(thanos_alert_queue_alerts_dropped_total{${rule}}[5m])) > 0`,
                    for: "5m",
                    severity: "critical",
                    summary: "The Thanos Ruler drops alerts from its queue.",
                    description: "Alerts are lost before they are sent to Alertmanager.",
                }),
                alert(links, {
                    name: "ThanosRuleSenderIsFailingAlerts",
                    expr: `sum by (job, instance) (rate(thanos_alert_sender_alerts_dropped_total{${rule}}[5m])) > 0`,
                    for: "5m",
                    severity: "critical",
                    summary: "The Thanos Ruler fails to send alerts to Alertmanager.",
                    description: "Global alerts do not reach anyone.",
                }),
                alert(links, {
                    name: "ThanosRuleHighRuleEvaluationFailures",
                    expr: errorPercent(
                        `prometheus_rule_evaluation_failures_total{${rule}}`,
                        `prometheus_rule_evaluations_total{${rule}}`,
                        "job, instance",
                        5,
                    ),
                    for: "5m",
                    severity: "critical",
                    summary: "The Thanos Ruler fails more than 5% of its rule evaluations.",
                    description: "Global rules are not evaluated: their alerts cannot fire.",
                }),
                alert(links, {
                    name: "ThanosRuleHighRuleEvaluationWarnings",
                    expr: `sum by (job, instance) (rate(thanos_rule_evaluation_with_warnings_total{${rule}}[5m])) > 0`,
                    for: "15m",
                    severity: "info",
                    summary: "The Thanos Ruler's evaluations return warnings.",
                    description: "Usually partial responses: some store (often an edge) did not answer Query.",
                }),
                alert(links, {
                    name: "ThanosRuleRuleEvaluationLatencyHigh",
                    expr: `sum by (job, instance, rule_group) (prometheus_rule_group_last_duration_seconds{${rule}}) > sum by (job, instance, rule_group) (prometheus_rule_group_interval_seconds{${rule}})`,
                    for: "5m",
                    severity: "warning",
                    summary: "A Thanos Ruler rule group takes longer to evaluate than its interval.",
                    description: "Evaluations are skipped; alerts fire late or not at all.",
                }),
                alert(links, {
                    name: "ThanosRuleGrpcErrorRate",
                    expr: errorPercent(
                        `grpc_server_handled_total{grpc_code=~"${GRPC_SERVER_ERRORS}", ${rule}}`,
                        `grpc_server_started_total{${rule}}`,
                        "job, instance",
                        5,
                    ),
                    for: "5m",
                    severity: "warning",
                    summary: "The Thanos Ruler fails more than 5% of its gRPC requests.",
                    description: "Query cannot read the Ruler's recorded series and alerts.",
                }),
                alert(links, {
                    name: "ThanosRuleConfigReloadFailure",
                    expr: `avg by (job, instance) (thanos_rule_config_last_reload_successful{${rule}}) != 1`,
                    for: "5m",
                    severity: "info",
                    summary: "The Thanos Ruler could not reload its rule files.",
                    description: "It keeps evaluating the rules it loaded last.",
                }),
                alert(links, {
                    name: "ThanosRuleQueryHighDNSFailures",
                    expr: errorPercent(
                        `thanos_rule_query_apis_dns_failures_total{${rule}}`,
                        `thanos_rule_query_apis_dns_lookups_total{${rule}}`,
                        "job, instance",
                        1,
                    ),
                    for: "15m",
                    severity: "warning",
                    summary: "More than 1% of the Thanos Ruler's DNS lookups of Query fail.",
                    description: "The Ruler may not reach Query to evaluate its rules.",
                }),
                alert(links, {
                    name: "ThanosRuleAlertmanagerHighDNSFailures",
                    expr: errorPercent(
                        `thanos_rule_alertmanagers_dns_failures_total{${rule}}`,
                        `thanos_rule_alertmanagers_dns_lookups_total{${rule}}`,
                        "job, instance",
                        1,
                    ),
                    for: "15m",
                    severity: "warning",
                    summary: "More than 1% of the Thanos Ruler's DNS lookups of Alertmanager fail.",
                    description: "The Ruler may not reach some Alertmanager replicas.",
                }),
                alert(links, {
                    name: "ThanosRuleNoEvaluationFor10Intervals",
                    // The mixin aggregates `by (..., group)`, a label these metrics lack (theirs is
                    // rule_group), which lumps every group of a Ruler together; per rule_group here.
                    expr: `time() - max by (job, instance, rule_group) (prometheus_rule_group_last_evaluation_timestamp_seconds{${rule}}) > 10 * max by (job, instance, rule_group) (prometheus_rule_group_interval_seconds{${rule}})`,
                    for: "5m",
                    severity: "info",
                    summary: "A Thanos Ruler rule group has not been evaluated for 10 intervals.",
                    description: "The group is stuck; its alerts cannot fire.",
                }),
                alert(links, {
                    name: "ThanosNoRuleEvaluations",
                    expr: `sum by (job, instance) (rate(prometheus_rule_evaluations_total{${rule}}[5m])) <= 0 and sum by (job, instance) (thanos_rule_loaded_rules{${rule}}) > 0`,
                    for: "5m",
                    severity: "critical",
                    summary: "The Thanos Ruler has rules loaded but evaluated none in 5 minutes.",
                    description: "No global rule is being evaluated.",
                }),
            ],
        },
        {
            name: "thanos-component-absent",
            rules: [
                isDown(links, "ThanosCompactIsDown", THANOS_JOBS.compact, "Thanos Compactor"),
                isDown(links, "ThanosQueryIsDown", THANOS_JOBS.query, "Thanos Query"),
                isDown(links, "ThanosRuleIsDown", THANOS_JOBS.rule, "Thanos Ruler"),
                isDown(links, "ThanosStoreIsDown", THANOS_JOBS.store, "Thanos Store Gateway"),
            ],
        },
    ];
}
