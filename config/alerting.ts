// Which alerts a cluster evaluates: alerts that cannot work on a cluster (KubeProxyDown under
// Cilium's kube-proxy replacement, where no kube-proxy exists) are turned off here, not left firing.

import { PROJECT_ALERT_NAMES } from "../components/alertRules";
import { KUBE_PROMETHEUS_STACK_ALERTS } from "./kubePrometheusStackAlerts";
import { Reader } from "./reader";

/**
 * kube-prometheus-stack 88.5.3 components whose `<component>.enabled: false` drops both the scrape
 * (Service and ServiceMonitor) and the component's alert rules.
 */
export const UNMONITORABLE_COMPONENTS = ["kubeProxy", "kubeScheduler", "kubeControllerManager", "kubeEtcd"] as const;
export type UnmonitoredComponent = (typeof UNMONITORABLE_COMPONENTS)[number];

export interface AlertingSettings {
    /** Alert names not to evaluate: kube-prometheus-stack's (its `defaultRules.disabled`) or this project's. */
    disabledAlerts: string[];
    /** Cluster components that do not exist or cannot be scraped here: neither scraped nor alerted on. */
    unmonitoredComponents: UnmonitoredComponent[];
    /** Where docs/runbooks.md is served; every alert's runbook_url is `<this>#<alert name, lower-cased>`. */
    runbookBaseUrl: string;
}

export const DEFAULT_RUNBOOK_BASE_URL = "docs/runbooks.md";

export function readAlerting(r: Reader): AlertingSettings {
    const known = new Set([...KUBE_PROMETHEUS_STACK_ALERTS, ...PROJECT_ALERT_NAMES]);
    const disabledAlerts = r.stringList("prometheus.disabledAlerts", "list alert names, e.g. [KubeProxyDown]", []);
    for (const [i, name] of disabledAlerts.entries()) {
        if (!known.has(name)) {
            const hint = [...known].find((k) => k.toLowerCase() === name.toLowerCase());
            r.problem(
                `prometheus.disabledAlerts[${i}]`,
                `is "${name}", not an alert of kube-prometheus-stack 88.5.3 or of this project${hint !== undefined ? ` (did you mean "${hint}"?)` : ""}: a name nothing defines would silence nothing; see docs/alerting.md`,
            );
        }
    }
    if (new Set(disabledAlerts).size !== disabledAlerts.length)
        r.problem("prometheus.disabledAlerts", "lists an alert twice; list each once");

    const components = r.stringList(
        "prometheus.unmonitoredComponents",
        `list any of ${UNMONITORABLE_COMPONENTS.join(", ")}`,
        [],
    );
    const unmonitoredComponents: UnmonitoredComponent[] = [];
    for (const [i, name] of components.entries()) {
        if ((UNMONITORABLE_COMPONENTS as readonly string[]).includes(name)) {
            unmonitoredComponents.push(name as UnmonitoredComponent);
        } else {
            r.problem(
                `prometheus.unmonitoredComponents[${i}]`,
                `is "${name}"; must be one of ${UNMONITORABLE_COMPONENTS.join(", ")} (kube-prometheus-stack's component keys)`,
            );
        }
    }

    const runbookBaseUrl = r.string("prometheus.runbookBaseUrl", "", DEFAULT_RUNBOOK_BASE_URL);
    if (/[\s#]/.test(runbookBaseUrl)) {
        r.problem(
            "prometheus.runbookBaseUrl",
            `must be a URL without spaces or a fragment (the alert's anchor is appended); got "${runbookBaseUrl}"`,
        );
    }
    return { disabledAlerts, unmonitoredComponents, runbookBaseUrl };
}
