import { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { JOBS, buildDashboard, bucketPanels, resourcePanels, sel, stat, timeseries } from "./common";

/** Thanos / Compactor: the singleton that compacts, downsamples and applies retention to the bucket. */
export function compactorDashboard(): Dashboard {
    const s = sel(JOBS.compact);
    const rate = (metric: string, by = "cluster") => `sum by (${by}) (rate(${metric}${s}[$__rate_interval]))`;
    return buildDashboard({
        uid: "thanos-compactor",
        title: "Thanos / Compactor",
        description:
            "Thanos Compactor: whether it is halted, the work it has left, compaction, downsampling and garbage collection, and its bucket operations.",
        clusterJob: JOBS.compact,
        rows: [
            {
                title: "Status",
                panels: [
                    stat(
                        "Halted",
                        "1 when the compactor stopped after an error that needs a person (overlapping blocks, for one): read its logs. Nothing is compacted, downsampled or deleted until it restarts.",
                        [{ expr: `max by (cluster) (thanos_compact_halted${s})`, legend: "{{cluster}}" }],
                        { thresholds: [[1, "red"]] },
                    ),
                    stat(
                        "Compactions to do",
                        "Compactions planned but not yet run. A number that only grows means the compactor falls behind.",
                        [{ expr: `sum by (cluster) (thanos_compact_todo_compactions${s})`, legend: "{{cluster}}" }],
                    ),
                    stat(
                        "Blocks to downsample",
                        "Blocks old enough to downsample (40h for 5m, 10d for 1h) that are not yet.",
                        [
                            {
                                expr: `sum by (cluster) (thanos_compact_todo_downsample_blocks${s})`,
                                legend: "{{cluster}}",
                            },
                        ],
                    ),
                    stat("Blocks to delete", "Blocks past retention or compacted away, awaiting deletion.", [
                        { expr: `sum by (cluster) (thanos_compact_todo_deletion_blocks${s})`, legend: "{{cluster}}" },
                    ]),
                ],
            },
            {
                title: "Work",
                panels: [
                    timeseries(
                        "Compactions and failures",
                        "Group compactions per second, and those that failed.",
                        [
                            { expr: rate("thanos_compact_group_compactions_total"), legend: "{{cluster}} compactions" },
                            {
                                expr: rate("thanos_compact_group_compactions_failures_total"),
                                legend: "{{cluster}} failures",
                            },
                        ],
                        { unit: "ops", width: 8 },
                    ),
                    timeseries(
                        "Downsamples and failures",
                        "Downsampling runs per second by target resolution, and those that failed.",
                        [
                            {
                                expr: rate("thanos_compact_downsample_total", "cluster, resolution"),
                                legend: "{{resolution}} downsamples",
                            },
                            {
                                expr: rate("thanos_compact_downsample_failures_total", "cluster, resolution"),
                                legend: "{{resolution}} failures",
                            },
                        ],
                        { unit: "ops", width: 8 },
                    ),
                    timeseries(
                        "Garbage collection and failures",
                        "Garbage collection runs per second, and those that failed.",
                        [
                            { expr: rate("thanos_compact_garbage_collection_total"), legend: "{{cluster}} runs" },
                            {
                                expr: rate("thanos_compact_garbage_collection_failures_total"),
                                legend: "{{cluster}} failures",
                            },
                        ],
                        { unit: "ops", width: 8 },
                    ),
                    timeseries(
                        "Blocks marked",
                        "Blocks marked per hour, by marker (deletion, or no-compact with its reason).",
                        [
                            {
                                expr: `sum by (cluster, marker, reason) (increase(thanos_compact_blocks_marked_total${s}[1h]))`,
                                legend: "{{marker}} {{reason}}",
                            },
                        ],
                        { width: 8 },
                    ),
                    timeseries(
                        "Iterations",
                        "Compaction loop iterations per hour; a flat line means the loop is stuck or halted.",
                        [
                            {
                                expr: `sum by (cluster) (increase(thanos_compact_iterations_total${s}[1h]))`,
                                legend: "{{cluster}}",
                            },
                        ],
                        { width: 8 },
                    ),
                    timeseries(
                        "Block metadata sync failures",
                        "Share of bucket metadata syncs that failed.",
                        [
                            {
                                expr: `${rate("thanos_blocks_meta_sync_failures_total")} / ${rate("thanos_blocks_meta_syncs_total")}`,
                                legend: "{{cluster}}",
                            },
                        ],
                        { unit: "percentunit", thresholds: [[0.05, "red"]], width: 8 },
                    ),
                ],
            },
            { title: "Bucket", panels: bucketPanels(JOBS.compact, "Compactor") },
            { title: "Resources", panels: resourcePanels(JOBS.compact, "Compactor") },
        ],
    });
}
