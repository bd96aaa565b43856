import { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { JOBS, buildDashboard, resourcePanels, sel, timeseries } from "./common";

/** Thanos / Query: the queries Grafana and the Ruler send, and Query's fan-out to every StoreAPI. */
export function queryDashboard(): Dashboard {
    const handlers = sel(JOBS.query, 'handler=~"query|query_range"');
    return buildDashboard({
        uid: "thanos-query",
        title: "Thanos / Query",
        description:
            "Thanos Query: request rate, errors and latency of instant and range queries, and its gRPC fan-out to sidecars, Store Gateway and Ruler.",
        clusterJob: JOBS.query,
        rows: [
            {
                title: "Queries",
                panels: [
                    timeseries(
                        "Requests",
                        "Instant (query) and range (query_range) queries per second, by status code.",
                        [
                            {
                                expr: `sum by (cluster, handler, code) (rate(http_requests_total${handlers}[$__rate_interval]))`,
                                legend: "{{handler}} {{code}}",
                            },
                        ],
                        { unit: "reqps", width: 8 },
                    ),
                    timeseries(
                        "Errors",
                        "Share of queries answered with a 5xx.",
                        [
                            {
                                expr: `sum by (cluster, handler) (rate(http_requests_total${sel(JOBS.query, 'handler=~"query|query_range"', 'code=~"5.."')}[$__rate_interval])) / sum by (cluster, handler) (rate(http_requests_total${handlers}[$__rate_interval]))`,
                                legend: "{{handler}}",
                            },
                        ],
                        { unit: "percentunit", thresholds: [[0.05, "red"]], width: 8 },
                    ),
                    timeseries(
                        "p99 latency",
                        "99th percentile of query duration. Near the query timeout, the slowest endpoint (often a remote sidecar) sets it.",
                        [
                            {
                                expr: `histogram_quantile(0.99, sum by (cluster, handler, le) (rate(http_request_duration_seconds_bucket${handlers}[$__rate_interval])))`,
                                legend: "{{handler}}",
                            },
                        ],
                        { unit: "s", width: 8 },
                    ),
                ],
            },
            {
                title: "StoreAPI fan-out",
                panels: [
                    timeseries(
                        "Endpoints by type",
                        "Healthy StoreAPI connections per Query pod, by endpoint type.",
                        [
                            {
                                expr: `sum by (cluster, pod, store_type) (thanos_store_nodes_grpc_connections${sel(JOBS.query)})`,
                                legend: "{{pod}} {{store_type}}",
                            },
                        ],
                        { width: 8 },
                    ),
                    timeseries(
                        "gRPC client errors",
                        "StoreAPI calls from Query that did not end OK, by method and code. Unavailable or DeadlineExceeded: an endpoint is down or slower than --store.response-timeout.",
                        [
                            {
                                expr: `sum by (cluster, grpc_method, grpc_code) (rate(grpc_client_handled_total${sel(JOBS.query, 'grpc_code!~"OK|Canceled"')}[$__rate_interval]))`,
                                legend: "{{grpc_method}} {{grpc_code}}",
                            },
                        ],
                        { unit: "reqps", width: 8 },
                    ),
                    timeseries(
                        "gRPC client p99 latency",
                        "99th percentile of StoreAPI call duration from Query, by method.",
                        [
                            {
                                expr: `histogram_quantile(0.99, sum by (cluster, grpc_method, le) (rate(grpc_client_handling_seconds_bucket${sel(JOBS.query)}[$__rate_interval])))`,
                                legend: "{{grpc_method}}",
                            },
                        ],
                        { unit: "s", width: 8 },
                    ),
                    timeseries(
                        "Concurrent queries",
                        "Queries in flight per pod against the concurrency limit; at the limit, queries queue.",
                        [
                            {
                                expr: `max by (cluster, pod) (thanos_query_concurrent_gate_queries_in_flight${sel(JOBS.query)})`,
                                legend: "{{pod}} in flight",
                            },
                            {
                                expr: `max by (cluster, pod) (thanos_query_concurrent_gate_queries_max${sel(JOBS.query)})`,
                                legend: "{{pod}} limit",
                            },
                        ],
                        { width: 12 },
                    ),
                    timeseries(
                        "Endpoint DNS lookups failing",
                        "Share of DNS lookups of StoreAPI endpoints that failed (in-cluster names of the Store Gateway, Ruler and local sidecars).",
                        [
                            {
                                expr: `sum by (cluster) (rate(thanos_query_endpoints_dns_failures_total${sel(JOBS.query)}[$__rate_interval])) / sum by (cluster) (rate(thanos_query_endpoints_dns_lookups_total${sel(JOBS.query)}[$__rate_interval]))`,
                                legend: "{{cluster}}",
                            },
                        ],
                        { unit: "percentunit", thresholds: [[0.01, "red"]], width: 12 },
                    ),
                ],
            },
            { title: "Resources", panels: resourcePanels(JOBS.query, "Query") },
        ],
    });
}
