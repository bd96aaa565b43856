// The central Alertmanager's own losses, on the central cluster's Prometheus (which scrapes it):
// alerts it accepted and dropped because of central.alertmanager.limits.alertsPerAlertname. The
// sender is told nothing (its POST succeeds); only this counter knows.

import { RuleGroup, RunbookLinks, alert } from "./types";

export function alertmanagerRuleGroups(links: RunbookLinks): RuleGroup[] {
    return [
        {
            name: "thanos-multicluster.alertmanager",
            rules: [
                alert(links, {
                    name: "AlertmanagerAlertsDropped",
                    expr: "sum by (namespace, pod) (increase(alertmanager_alerts_limited_total[10m])) > 0",
                    severity: "critical",
                    summary: "Alertmanager drops alerts: one alert name has more alerts than its per-name limit.",
                    description:
                        "Alerts beyond central.alertmanager.limits.alertsPerAlertname are accepted and never notified: some firing alerts reach nobody.",
                }),
            ],
        },
    ];
}
