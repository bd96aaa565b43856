import { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { JOBS, buildDashboard, grpcServerPanels, resourcePanels, sel, timeseries } from "./common";

/** Thanos / Ruler: the global rules evaluated through Query, and the alerts sent to Alertmanager. */
export function rulerDashboard(): Dashboard {
    const s = sel(JOBS.rule);
    const rate = (metric: string, by: string) => `sum by (${by}) (rate(${metric}${s}[$__rate_interval]))`;
    return buildDashboard({
        uid: "thanos-ruler",
        title: "Thanos / Ruler",
        description:
            "Thanos Ruler: rule evaluations and their failures, partial responses, group timing, and alert delivery to every Alertmanager replica.",
        clusterJob: JOBS.rule,
        rows: [
            {
                title: "Evaluation",
                panels: [
                    timeseries(
                        "Evaluations",
                        "Rule evaluations per second, by group.",
                        [
                            {
                                expr: rate("prometheus_rule_evaluations_total", "cluster, rule_group"),
                                legend: "{{rule_group}}",
                            },
                        ],
                        {
                            unit: "ops",
                            width: 8,
                        },
                    ),
                    timeseries(
                        "Evaluation failures",
                        "Failed rule evaluations per second, by group: those rules neither record nor alert.",
                        [
                            {
                                expr: rate("prometheus_rule_evaluation_failures_total", "cluster, rule_group"),
                                legend: "{{rule_group}}",
                            },
                        ],
                        { unit: "ops", thresholds: [[0.001, "red"]], width: 8 },
                    ),
                    timeseries(
                        "Evaluations with warnings",
                        "Evaluations that succeeded with warnings (a partial response: an endpoint did not answer), by the group's partial-response strategy.",
                        [
                            {
                                expr: rate("thanos_rule_evaluation_with_warnings_total", "cluster, strategy"),
                                legend: "{{strategy}}",
                            },
                        ],
                        { unit: "ops", width: 8 },
                    ),
                    timeseries(
                        "Group duration / interval",
                        "Last evaluation time of each group over its interval. Above 1 the group cannot keep up and iterations are missed.",
                        [
                            {
                                expr: `max by (cluster, rule_group) (prometheus_rule_group_last_duration_seconds${s}) / max by (cluster, rule_group) (prometheus_rule_group_interval_seconds${s})`,
                                legend: "{{rule_group}}",
                            },
                        ],
                        { unit: "percentunit", thresholds: [[1, "red"]], width: 12 },
                    ),
                    timeseries(
                        "Missed iterations",
                        "Group evaluations skipped per hour because the previous one was still running.",
                        [
                            {
                                expr: `sum by (cluster, rule_group) (increase(prometheus_rule_group_iterations_missed_total${s}[1h]))`,
                                legend: "{{rule_group}}",
                            },
                        ],
                        { width: 12 },
                    ),
                ],
            },
            {
                title: "Alert delivery",
                panels: [
                    timeseries(
                        "Alerts sent",
                        "Alerts sent per second to each Alertmanager replica. Every replica should receive them all.",
                        [
                            {
                                expr: rate("thanos_alert_sender_alerts_sent_total", "cluster, alertmanager"),
                                legend: "{{alertmanager}}",
                            },
                        ],
                        { unit: "ops", width: 8 },
                    ),
                    timeseries(
                        "Send errors and drops",
                        "Failed sends per Alertmanager replica, and alerts dropped by the queue or the sender.",
                        [
                            {
                                expr: rate("thanos_alert_sender_errors_total", "cluster, alertmanager"),
                                legend: "{{alertmanager}} errors",
                            },
                            {
                                expr: rate("thanos_alert_sender_alerts_dropped_total", "cluster"),
                                legend: "dropped by sender",
                            },
                            {
                                expr: rate("thanos_alert_queue_alerts_dropped_total", "cluster"),
                                legend: "dropped by queue",
                            },
                        ],
                        { unit: "ops", width: 8 },
                    ),
                    timeseries(
                        "Send p99 latency",
                        "99th percentile of the time to send alerts, per Alertmanager replica.",
                        [
                            {
                                expr: `histogram_quantile(0.99, sum by (cluster, alertmanager, le) (rate(thanos_alert_sender_latency_seconds_bucket${s}[$__rate_interval])))`,
                                legend: "{{alertmanager}}",
                            },
                        ],
                        { unit: "s", width: 8 },
                    ),
                ],
            },
            { title: "StoreAPI (read by Query)", panels: grpcServerPanels(JOBS.rule, "Ruler") },
            { title: "Resources", panels: resourcePanels(JOBS.rule, "Ruler") },
        ],
    });
}
