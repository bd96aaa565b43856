import { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { JOBS, buildDashboard, bucketPanels, grpcServerPanels, resourcePanels, sel, timeseries } from "./common";

/** Thanos / Store Gateway: the bucket's blocks served to Query. */
export function storeGatewayDashboard(): Dashboard {
    const s = sel(JOBS.store);
    const rate = (metric: string, by = "cluster") => `sum by (${by}) (rate(${metric}${s}[$__rate_interval]))`;
    return buildDashboard({
        uid: "thanos-store-gateway",
        title: "Thanos / Store Gateway",
        description:
            "Thanos Store Gateway: StoreAPI requests from Query, the blocks it has loaded from the bucket, its index cache, and its bucket operations.",
        clusterJob: JOBS.store,
        rows: [
            { title: "StoreAPI", panels: grpcServerPanels(JOBS.store, "Store Gateway") },
            {
                title: "Blocks",
                panels: [
                    timeseries(
                        "Blocks loaded",
                        "Blocks each pod serves. Every replica loads every block; replicas that differ for long are out of sync with the bucket.",
                        [{ expr: `max by (cluster, pod) (thanos_bucket_store_blocks_loaded${s})`, legend: "{{pod}}" }],
                        { width: 8 },
                    ),
                    timeseries(
                        "Block loads and failures",
                        "Blocks loaded per second, and loads that failed (a corrupt or unreadable block).",
                        [
                            { expr: rate("thanos_bucket_store_block_loads_total"), legend: "{{cluster}} loads" },
                            {
                                expr: rate("thanos_bucket_store_block_load_failures_total"),
                                legend: "{{cluster}} failures",
                            },
                        ],
                        { unit: "ops", width: 8 },
                    ),
                    timeseries(
                        "Block drops and failures",
                        "Blocks unloaded per second (compacted away or deleted), and drops that failed.",
                        [
                            { expr: rate("thanos_bucket_store_block_drops_total"), legend: "{{cluster}} drops" },
                            {
                                expr: rate("thanos_bucket_store_block_drop_failures_total"),
                                legend: "{{cluster}} failures",
                            },
                        ],
                        { unit: "ops", width: 8 },
                    ),
                ],
            },
            {
                title: "Series requests",
                panels: [
                    timeseries(
                        "Index cache hit ratio",
                        "Share of index cache lookups served from memory, by item type. Low ratios mean bucket reads for every query: consider central.storeGateway.indexCacheSize.",
                        [
                            {
                                expr: `${rate("thanos_store_index_cache_hits_total", "cluster, item_type")} / ${rate("thanos_store_index_cache_requests_total", "cluster, item_type")}`,
                                legend: "{{item_type}}",
                            },
                        ],
                        { unit: "percentunit", width: 8 },
                    ),
                    timeseries(
                        "Blocks queried per request",
                        "Mean number of blocks a Series request touches.",
                        [
                            {
                                expr: `${rate("thanos_bucket_store_series_blocks_queried_sum")} / ${rate("thanos_bucket_store_series_blocks_queried_count")}`,
                                legend: "{{cluster}}",
                            },
                        ],
                        { width: 8 },
                    ),
                    timeseries(
                        "Series gate wait p99",
                        "99th percentile of time a Series request waits for a concurrency slot; high values mean queries queue here.",
                        [
                            {
                                expr: `histogram_quantile(0.99, sum by (cluster, le) (rate(thanos_bucket_store_series_gate_queries_duration_seconds_bucket${s}[$__rate_interval])))`,
                                legend: "{{cluster}}",
                            },
                        ],
                        { unit: "s", width: 8 },
                    ),
                ],
            },
            { title: "Bucket", panels: bucketPanels(JOBS.store, "Store Gateway") },
            { title: "Resources", panels: resourcePanels(JOBS.store, "Store Gateway") },
        ],
    });
}
