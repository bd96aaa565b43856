import { AlertingSettings, UnmonitoredComponent } from "../config/alerting";
import { KUBE_PROMETHEUS_STACK_ALERTS } from "../config/kubePrometheusStackAlerts";
import type { KubePrometheusStackValues } from "./kubePrometheusStack";

/** Alerts and components the stack's config turned off (prometheus.disabledAlerts, prometheus.unmonitoredComponents). */
export function chartAlertingValues(
    alerting: AlertingSettings,
): Pick<KubePrometheusStackValues, "defaultRules" | UnmonitoredComponent> {
    // Our own alerts are left out of our rule groups instead; the chart ignores names it lacks.
    const chartAlerts = alerting.disabledAlerts.filter((name) => KUBE_PROMETHEUS_STACK_ALERTS.includes(name));
    return {
        defaultRules: { disabled: Object.fromEntries(chartAlerts.map((name) => [name, true as const])) },
        ...Object.fromEntries(
            alerting.unmonitoredComponents.map((component) => [component, { enabled: false as const }]),
        ),
    };
}
