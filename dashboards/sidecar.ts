import { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import {
    JOBS,
    UPLOAD_LATE_SECONDS,
    UPLOAD_OVERDUE_SECONDS,
    buildDashboard,
    bucketPanels,
    grpcServerPanels,
    resourcePanels,
    sel,
    stat,
    timeseries,
} from "./common";

/** Thanos / Sidecar: every cluster's sidecars, shipping blocks to the bucket and serving Query. */
export function sidecarDashboard(): Dashboard {
    const s = sel(JOBS.sidecar);
    return buildDashboard({
        uid: "thanos-sidecar",
        title: "Thanos / Sidecar",
        description:
            "Thanos Sidecar on every cluster: its Prometheus, block uploads to the bucket, and the StoreAPI the central Query reads.",
        clusterJob: JOBS.sidecar,
        rows: [
            {
                title: "Shipping",
                panels: [
                    stat(
                        "Prometheus reachable",
                        "1 when the sidecar reaches its Prometheus. At 0 it neither uploads nor answers Query.",
                        [
                            {
                                expr: `min by (cluster, pod) (thanos_sidecar_prometheus_up${s})`,
                                legend: "{{cluster}} {{pod}}",
                            },
                        ],
                        { baseColor: "red", thresholds: [[1, "green"]], width: 8 },
                    ),
                    stat(
                        "Time since last upload",
                        "Time since each sidecar's last successful block upload. Over 3h a block is overdue; Prometheus deletes blocks after its retention whether or not they were uploaded.",
                        [
                            {
                                expr: `time() - max by (cluster, pod) (thanos_objstore_bucket_last_successful_upload_time${s})`,
                                legend: "{{cluster}} {{pod}}",
                            },
                        ],
                        {
                            unit: "s",
                            thresholds: [
                                [UPLOAD_LATE_SECONDS, "orange"],
                                [UPLOAD_OVERDUE_SECONDS, "red"],
                            ],
                            width: 16,
                        },
                    ),
                    timeseries(
                        "Uploads and failures",
                        "Blocks uploaded per hour, and failed uploads.",
                        [
                            {
                                expr: `sum by (cluster) (increase(thanos_shipper_uploads_total${s}[1h]))`,
                                legend: "{{cluster}} uploads",
                            },
                            {
                                expr: `sum by (cluster) (increase(thanos_shipper_upload_failures_total${s}[1h]))`,
                                legend: "{{cluster}} failures",
                            },
                        ],
                        { width: 12 },
                    ),
                    timeseries(
                        "Directory sync failures",
                        "Failed scans of the Prometheus data directory per hour; the sidecar then ships nothing.",
                        [
                            {
                                expr: `sum by (cluster) (increase(thanos_shipper_dir_sync_failures_total${s}[1h]))`,
                                legend: "{{cluster}}",
                            },
                        ],
                        { width: 12 },
                    ),
                ],
            },
            { title: "StoreAPI (read by the central Query)", panels: grpcServerPanels(JOBS.sidecar, "Sidecar") },
            { title: "Bucket", panels: bucketPanels(JOBS.sidecar, "Sidecar") },
            { title: "Resources", panels: resourcePanels(JOBS.sidecar, "Sidecar") },
        ],
    });
}
