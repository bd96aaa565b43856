import { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { JOBS, UPLOAD_LATE_SECONDS, UPLOAD_OVERDUE_SECONDS, buildDashboard, sel, stat, timeseries } from "./common";

/**
 * Each Query replica's healthy sidecar connections, by the `cluster` in the endpoint's external
 * labels (the metric's own `cluster` label is the central one, where Query runs).
 */
const SIDECAR_CONNECTIONS =
    "min by (store_cluster) (sum by (pod, store_cluster) (label_replace(" +
    `thanos_store_nodes_grpc_connections{job="${JOBS.query}", store_type="sidecar", external_labels=~".*[{ ]cluster=\\"($cluster)\\".*"}, ` +
    '"store_cluster", "$1", "external_labels", ".*[{ ]cluster=\\"([^\\"]+)\\".*")))';

/** Thanos / Overview: is every cluster's data reaching the bucket and Query, and is the control plane healthy. */
export function overviewDashboard(): Dashboard {
    const query = `{job="${JOBS.query}", handler=~"query|query_range"}`;
    return buildDashboard({
        uid: "thanos-overview",
        title: "Thanos / Overview",
        description:
            "Which clusters report, when each last uploaded a block, Query's connection to every endpoint, and the control plane's state.",
        clusterJob: JOBS.sidecar,
        rows: [
            {
                title: "Clusters",
                panels: [
                    stat(
                        "Sidecars up per cluster",
                        "Sidecars scraped `up` per cluster, as seen through Query. Fewer than the Prometheus replicas means a replica or its sidecar is down; a missing cluster does not report at all.",
                        [{ expr: `sum by (cluster) (up${sel(JOBS.sidecar)})`, legend: "{{cluster}}" }],
                        { baseColor: "red", thresholds: [[1, "green"]], width: 9 },
                    ),
                    stat(
                        "Time since last upload per cluster",
                        "Time since each cluster's newest successful block upload to the bucket (any sidecar). Blocks are cut every 2h; over 3h, recent data exists only on the cluster's Prometheus disks.",
                        [
                            {
                                expr: `time() - max by (cluster) (thanos_objstore_bucket_last_successful_upload_time${sel(JOBS.sidecar)})`,
                                legend: "{{cluster}}",
                            },
                        ],
                        {
                            unit: "s",
                            thresholds: [
                                [UPLOAD_LATE_SECONDS, "orange"],
                                [UPLOAD_OVERDUE_SECONDS, "red"],
                            ],
                            width: 9,
                        },
                    ),
                    stat(
                        "Clusters missing",
                        "Clusters the Ruler's ClusterMetricsMissing alert reports as silent (every expected cluster, including those the variable no longer lists).",
                        [
                            {
                                expr: 'count(ALERTS{alertname="ClusterMetricsMissing", alertstate="firing"}) or vector(0)',
                            },
                        ],
                        { thresholds: [[1, "red"]], width: 6 },
                    ),
                ],
            },
            {
                title: "Query's endpoints",
                panels: [
                    timeseries(
                        "Sidecar connections per cluster",
                        "Healthy gRPC connections from Query to each cluster's sidecars (the lowest over Query replicas). It should equal the Prometheus replicas; 0 means Query cannot read that cluster's recent data.",
                        [{ expr: SIDECAR_CONNECTIONS, legend: "{{store_cluster}}" }],
                        { width: 12 },
                    ),
                    timeseries(
                        "StoreAPI endpoints by type",
                        "Healthy connections from Query by endpoint type (sidecar, store, rule), lowest over Query replicas. Not filtered by cluster: Query runs on the central cluster.",
                        [
                            {
                                expr: `min by (store_type) (sum by (pod, store_type) (thanos_store_nodes_grpc_connections{job="${JOBS.query}"}))`,
                                legend: "{{store_type}}",
                            },
                        ],
                        { width: 12 },
                    ),
                ],
            },
            {
                title: "Control plane",
                panels: [
                    timeseries(
                        "Query requests",
                        "Instant and range queries per second, by handler and status code.",
                        [
                            {
                                expr: `sum by (handler, code) (rate(http_requests_total${query}[$__rate_interval]))`,
                                legend: "{{handler}} {{code}}",
                            },
                        ],
                        { unit: "reqps", width: 8 },
                    ),
                    timeseries(
                        "Query errors",
                        "Share of queries answered with a 5xx.",
                        [
                            {
                                expr: `sum by (handler) (rate(http_requests_total{job="${JOBS.query}", handler=~"query|query_range", code=~"5.."}[$__rate_interval])) / sum by (handler) (rate(http_requests_total${query}[$__rate_interval]))`,
                                legend: "{{handler}}",
                            },
                        ],
                        { unit: "percentunit", thresholds: [[0.05, "red"]], width: 8 },
                    ),
                    stat(
                        "Compactor halted",
                        "1 when the compactor stopped after an error that needs a person (see its logs); the bucket is then neither compacted, downsampled nor cleaned.",
                        [{ expr: `max(thanos_compact_halted{job="${JOBS.compact}"}) or vector(0)` }],
                        { thresholds: [[1, "red"]], width: 4 },
                    ),
                    stat(
                        "Ruler evaluation failures (1h)",
                        "Rule evaluations that failed in the last hour: alerts that may not fire.",
                        [
                            {
                                expr: `sum(increase(prometheus_rule_evaluation_failures_total{job="${JOBS.rule}"}[1h])) or vector(0)`,
                            },
                        ],
                        { thresholds: [[1, "red"]], width: 4 },
                    ),
                ],
            },
        ],
    });
}
