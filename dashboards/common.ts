// Shared pieces of the Thanos dashboards, on top of Grafana's foundation SDK (its builders are
// generated from Grafana's own dashboard schema, so a misspelt field does not compile).
//
// Conventions every dashboard follows:
// - one datasource, Thanos Query by uid (THANOS_DATASOURCE), on every panel, target and variable;
// - a `cluster` variable (multi-select, All) filtering every series by the external label
//   `cluster`, with `cluster=~"$cluster"`;
// - series selected by the job labels our PodMonitors set (components/thanosPodMonitors.ts).

import * as common from "@grafana/grafana-foundation-sdk/common";
import {
    Dashboard,
    DashboardBuilder,
    DashboardLinkBuilder,
    DashboardLinkType,
    Panel,
    QueryVariableBuilder,
    RowBuilder,
    RowPanel,
    ThresholdsConfigBuilder,
    ThresholdsMode,
    VariableRefresh,
    VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanelBuilder } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { CLUSTER_LABEL, THANOS_DATASOURCE, THANOS_JOBS } from "../components/names";

/** The job label of each Thanos component, as the PodMonitors set it. */
export const JOBS = THANOS_JOBS;

/** Seconds a sidecar may go without uploading: blocks are cut every 2h, so after 3h one is overdue. */
export const UPLOAD_OVERDUE_SECONDS = 3 * 3600;
/** When the upload age turns orange, half an hour before it is overdue. */
export const UPLOAD_LATE_SECONDS = UPLOAD_OVERDUE_SECONDS - 1800;

/** Tag every Thanos dashboard carries; the dashboards link to each other through it. */
export const THANOS_TAG = "thanos";

const DATASOURCE = { type: THANOS_DATASOURCE.type, uid: THANOS_DATASOURCE.uid };
const HEIGHT = 8;

/** `{job="<job>", cluster=~"$cluster", <extra>}`. */
export function sel(job: string, ...extra: string[]): string {
    return `{${[`job="${job}"`, `${CLUSTER_LABEL}=~"$cluster"`, ...extra].join(", ")}}`;
}

/** The `cluster` variable: every cluster whose `job` series reach Query, several at once or All. */
export function clusterVariable(job: string): QueryVariableBuilder {
    const query = `label_values(up{job="${job}"}, ${CLUSTER_LABEL})`;
    return (
        new QueryVariableBuilder(CLUSTER_LABEL)
            .label("Cluster")
            .datasource(DATASOURCE)
            .query(query)
            .definition(query)
            .multi(true)
            .includeAll(true)
            // All means every cluster, including one that appears after the variable was loaded.
            .allValue(".*")
            .current({ selected: true, text: ["All"], value: ["$__all"] })
            .refresh(VariableRefresh.OnTimeRangeChanged)
            .sort(VariableSort.AlphabeticalAsc)
    );
}

/** One query of a panel: PromQL and its legend. */
export interface Query {
    expr: string;
    legend?: string;
}

function target(query: Query, instant: boolean, table = false): DataqueryBuilder {
    const t = new DataqueryBuilder().datasource(DATASOURCE).expr(query.expr);
    if (query.legend !== undefined) t.legendFormat(query.legend);
    if (table) t.format(PromQueryFormat.Table);
    return instant ? t.instant() : t.range();
}

export interface PanelOptions {
    /** Grafana unit id (s, percentunit, bytes, reqps, ...). */
    unit?: string;
    /** Width out of 24. */
    width?: number;
    /** Thresholds: [value, color] steps above the base color. */
    thresholds?: [number, string][];
    /** Color below the first threshold; green unless said. */
    baseColor?: string;
}

function thresholds(options: PanelOptions): ThresholdsConfigBuilder {
    return new ThresholdsConfigBuilder()
        .mode(ThresholdsMode.Absolute)
        .steps([
            { value: null, color: options.baseColor ?? "green" },
            ...(options.thresholds ?? []).map(([value, color]) => ({ value, color })),
        ]);
}

/** A time series panel; description says what to look for. */
export function timeseries(
    title: string,
    description: string,
    queries: Query[],
    options: PanelOptions = {},
): TimeseriesPanelBuilder {
    const panel = new TimeseriesPanelBuilder()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .height(HEIGHT)
        .span(options.width ?? 12)
        .fillOpacity(10)
        .showPoints(common.VisibilityMode.Never)
        .legend(
            new common.VizLegendOptionsBuilder()
                .showLegend(true)
                .displayMode(common.LegendDisplayMode.List)
                .placement(common.LegendPlacement.Bottom),
        )
        .tooltip(
            new common.VizTooltipOptionsBuilder()
                .mode(common.TooltipDisplayMode.Multi)
                .sort(common.SortOrder.Descending),
        )
        .thresholds(thresholds(options));
    if (options.unit !== undefined) panel.unit(options.unit);
    for (const query of queries) panel.withTarget(target(query, false));
    return panel;
}

/** A stat panel: one value per series, the last one. */
export function stat(
    title: string,
    description: string,
    queries: Query[],
    options: PanelOptions = {},
): StatPanelBuilder {
    const panel = new StatPanelBuilder()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .height(HEIGHT)
        .span(options.width ?? 6)
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.Background)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
        .thresholds(thresholds(options));
    if (options.unit !== undefined) panel.unit(options.unit);
    for (const query of queries) panel.withTarget(target(query, true));
    return panel;
}

/** A table of instant values, one row per series (labels as columns). */
export function table(
    title: string,
    description: string,
    queries: Query[],
    options: PanelOptions = {},
): TablePanelBuilder {
    const panel = new TablePanelBuilder()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .height(HEIGHT)
        .span(options.width ?? 12)
        .thresholds(thresholds(options))
        .withTransformation({ id: "merge", options: {} })
        .withTransformation({ id: "organize", options: { excludeByName: { Time: true } } });
    if (options.unit !== undefined) panel.unit(options.unit);
    for (const query of queries) panel.withTarget(target(query, true, true));
    return panel;
}

export function row(title: string): RowBuilder {
    return new RowBuilder(title);
}

/** Requests, errors and p99 latency of a gRPC server (Store Gateway, sidecar, Ruler), as the mixin reads them. */
export function grpcServerPanels(job: string, what: string): TimeseriesPanelBuilder[] {
    // Series is a server stream, the other StoreAPI methods unary: both, told apart by method.
    const all = sel(job);
    return [
        timeseries(
            `${what}: gRPC requests`,
            "StoreAPI requests per second, by method and code.",
            [
                {
                    expr: `sum by (cluster, grpc_method, grpc_code) (rate(grpc_server_handled_total${all}[$__rate_interval]))`,
                    legend: "{{cluster}} {{grpc_method}} {{grpc_code}}",
                },
            ],
            { unit: "reqps", width: 8 },
        ),
        timeseries(
            `${what}: gRPC errors`,
            "Share of StoreAPI requests that did not end OK (cancellations excluded).",
            [
                {
                    expr: `sum by (cluster, grpc_method) (rate(grpc_server_handled_total${sel(job, 'grpc_code!~"OK|Canceled"')}[$__rate_interval])) / sum by (cluster, grpc_method) (rate(grpc_server_handled_total${all}[$__rate_interval]))`,
                    legend: "{{cluster}} {{grpc_method}}",
                },
            ],
            { unit: "percentunit", width: 8, thresholds: [[0.05, "red"]] },
        ),
        timeseries(
            `${what}: gRPC p99 latency`,
            "99th percentile of request duration (of the whole stream, for Series).",
            [
                {
                    expr: `histogram_quantile(0.99, sum by (cluster, grpc_method, le) (rate(grpc_server_handling_seconds_bucket${all}[$__rate_interval])))`,
                    legend: "{{cluster}} {{grpc_method}}",
                },
            ],
            { unit: "s", width: 8 },
        ),
    ];
}

/** Object store operations, failures and latency of one component (the shared objstore metrics). */
export function bucketPanels(job: string, what: string): TimeseriesPanelBuilder[] {
    const s = sel(job);
    return [
        timeseries(
            `${what}: bucket operations`,
            "Object store operations per second, by operation.",
            [
                {
                    expr: `sum by (cluster, operation) (rate(thanos_objstore_bucket_operations_total${s}[$__rate_interval]))`,
                    legend: "{{cluster}} {{operation}}",
                },
            ],
            { unit: "ops", width: 8 },
        ),
        timeseries(
            `${what}: bucket operation failures`,
            "Share of object store operations that failed: the bucket is unreachable, refuses our credentials, or is full.",
            [
                {
                    expr: `sum by (cluster, operation) (rate(thanos_objstore_bucket_operation_failures_total${s}[$__rate_interval])) / sum by (cluster, operation) (rate(thanos_objstore_bucket_operations_total${s}[$__rate_interval]))`,
                    legend: "{{cluster}} {{operation}}",
                },
            ],
            { unit: "percentunit", width: 8, thresholds: [[0.05, "red"]] },
        ),
        timeseries(
            `${what}: bucket operation p99 latency`,
            "99th percentile of object store operation duration.",
            [
                {
                    expr: `histogram_quantile(0.99, sum by (cluster, operation, le) (rate(thanos_objstore_bucket_operation_duration_seconds_bucket${s}[$__rate_interval])))`,
                    legend: "{{cluster}} {{operation}}",
                },
            ],
            { unit: "s", width: 8 },
        ),
    ];
}

/** Memory, CPU and restarts of the component's pods. */
export function resourcePanels(job: string, what: string): TimeseriesPanelBuilder[] {
    const s = sel(job);
    return [
        timeseries(
            `${what}: memory`,
            "Resident memory per pod, against the container's limit.",
            [{ expr: `max by (cluster, pod) (process_resident_memory_bytes${s})`, legend: "{{cluster}} {{pod}}" }],
            {
                unit: "bytes",
                width: 8,
            },
        ),
        timeseries(
            `${what}: CPU`,
            "CPU cores used per pod.",
            [
                {
                    expr: `max by (cluster, pod) (rate(process_cpu_seconds_total${s}[$__rate_interval]))`,
                    legend: "{{cluster}} {{pod}}",
                },
            ],
            {
                unit: "short",
                width: 8,
            },
        ),
        timeseries(
            `${what}: goroutines`,
            "Goroutines per pod; steady growth means a leak or stuck requests.",
            [{ expr: `max by (cluster, pod) (go_goroutines${s})`, legend: "{{cluster}} {{pod}}" }],
            {
                unit: "short",
                width: 8,
            },
        ),
    ];
}

/** What a dashboard file describes; `buildDashboard` turns it into Grafana's JSON model. */
export interface DashboardSpec {
    uid: string;
    title: string;
    description: string;
    /** Job whose `up` series list the clusters for the `cluster` variable. */
    clusterJob: string;
    rows: { title: string; panels: (TimeseriesPanelBuilder | StatPanelBuilder | TablePanelBuilder)[] }[];
}

/** Grafana's JSON model of a dashboard, with panel ids and query refIds assigned in order. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
    const builder = new DashboardBuilder(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags([THANOS_TAG])
        .timezone("utc")
        .readonly()
        .refresh("1m")
        .time({ from: "now-6h", to: "now" })
        .withVariable(clusterVariable(spec.clusterJob))
        .link(
            new DashboardLinkBuilder("Thanos")
                .type(DashboardLinkType.Dashboards)
                .tags([THANOS_TAG])
                .asDropdown(true)
                .includeVars(true)
                .keepTime(true)
                .icon("external link"),
        );
    for (const r of spec.rows) {
        builder.withRow(row(r.title));
        for (const panel of r.panels) builder.withPanel(panel);
    }
    const dashboard = builder.build();
    let id = 0;
    const number = (panel: Panel | RowPanel) => {
        panel.id = ++id;
        if ("targets" in panel)
            (panel.targets ?? []).forEach((t, i) => ((t as { refId?: string }).refId = String.fromCharCode(65 + i)));
    };
    for (const panel of dashboard.panels ?? []) {
        number(panel);
        if (panel.type === "row") for (const inner of (panel as RowPanel).panels ?? []) number(inner);
    }
    return dashboard;
}
