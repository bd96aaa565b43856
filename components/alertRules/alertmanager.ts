// The central Alertmanager's own losses, on the central cluster's Prometheus (which scrapes it):
// alerts it accepted and dropped because of central.alertmanager.limits.alertsPerAlertname. The
// sender is told nothing (its POST succeeds); only this counter knows (Alertmanager v0.34,
// provider/mem: a counter with no series until the first drop).

import { RuleGroup, RunbookLinks, alert } from "./types";

export function alertmanagerRuleGroups(links: RunbookLinks): RuleGroup[] {
    return [
        {
            name: "thanos-multicluster.alertmanager",
            rules: [
                alert(links, {
                    name: "AlertmanagerAlertsDropped",
                    // The counter has no series until the first drop, and then starts at the number
                    // dropped: increase() cannot see that first step, so a series that is new in the
                    // last 10 minutes counts too (as after a restart, which empties it again).
                    expr: "(sum by (namespace, pod) (increase(alertmanager_alerts_limited_total[10m])) > 0) or (sum by (namespace, pod) (alertmanager_alerts_limited_total unless alertmanager_alerts_limited_total offset 10m) > 0)",
                    severity: "critical",
                    summary: "Alertmanager drops alerts: one alert name has more alerts than its per-name limit.",
                    description:
                        "Alerts beyond central.alertmanager.limits.alertsPerAlertname are accepted and never notified: some firing alerts reach nobody.",
                }),
            ],
        },
    ];
}
