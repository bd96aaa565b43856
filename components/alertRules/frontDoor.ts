// The central front door's own health, on the central cluster's Prometheus (which scrapes every
// router pod through the frontdoor PodMonitor): a router with no server up behind one of its ports
// answers that port with nothing (Query, Grafana, or one Alertmanager replica the edges send to).

import { RuleGroup, RunbookLinks, alert } from "./types";

/** The job label the frontdoor PodMonitor gives the routers' metrics. */
export const FRONT_DOOR_JOB = "frontdoor";

export function frontDoorRuleGroups(links: RunbookLinks): RuleGroup[] {
    return [
        {
            name: "thanos-multicluster.frontdoor",
            rules: [
                alert(links, {
                    name: "FrontDoorBackendDown",
                    // Per router pod and backend (proxy="to-query", "to-grafana", "to-alertmanager-<i>"):
                    // its health checks (every 5 s, three failures) find no server up. Each node's
                    // router checks for itself: one node's DNS or network can fail alone.
                    expr: `haproxy_backend_active_servers{job="${FRONT_DOOR_JOB}"} == 0`,
                    for: "5m",
                    severity: "critical",
                    summary: "The central front door has no server up behind one of its ports.",
                    description:
                        "The router {{ $labels.pod }} has had no healthy server in its backend {{ $labels.proxy }} for 5 minutes: connections to that port of the central address (Query 9090, Grafana 3000, or one Alertmanager replica on 9093-9095) that land on its node fail.",
                }),
            ],
        },
    ];
}
