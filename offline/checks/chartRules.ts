// The chart's own PrometheusRules, as `helm template` renders them with our values: every rule file
// passes Prometheus' parser (promtool 3 in CI, as the clusters run Prometheus 3), and the alerts the
// stack turned off (prometheus.disabledAlerts, prometheus.unmonitoredComponents) are not there.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UnmonitoredComponent } from "../../config/alerting";
import { promtool, promtoolAvailable } from "../promtool";
import { ChartRender, finder } from "./chartTemplate";
import { Finding } from "./renderedPlan";

/** How the chart's rules read each component's scrape job (kube-prometheus-stack 88.5.3, templates/prometheus/rules-1.14). */
export const COMPONENT_JOBS: Record<UnmonitoredComponent, RegExp> = {
    kubeProxy: /job="kube-proxy"/,
    kubeScheduler: /job="kube-scheduler"/,
    kubeControllerManager: /job="kube-controller-manager"/,
    kubeEtcd: /job=~"\.\*etcd\.\*"/,
};

export function checkChartRules(render: ChartRender): Finding[] {
    const { findings, add } = finder(render);
    const rules = render.objects.filter((o) => o.kind === "PrometheusRule");
    const { disabledAlerts, unmonitoredComponents } = render.settings.prometheus.alerting;
    for (const object of rules) {
        const name = `PrometheusRule/${object.metadata?.name}`;
        for (const [g, group] of ((object.spec?.groups ?? []) as any[]).entries())
            for (const [r, rule] of ((group.rules ?? []) as any[]).entries()) {
                const at = `spec.groups[${g}].rules[${r}]`;
                if (rule.alert !== undefined && disabledAlerts.includes(rule.alert))
                    add(name, at, `alert ${rule.alert} is in prometheus.disabledAlerts but the chart still renders it`);
                for (const component of unmonitoredComponents)
                    if (COMPONENT_JOBS[component].test(String(rule.expr)))
                        add(
                            name,
                            at,
                            `${rule.alert ?? rule.record} reads ${component}, which prometheus.unmonitoredComponents lists: the chart still renders it`,
                        );
            }
    }
    if (rules.length === 0) return findings;
    if (!promtoolAvailable()) {
        add(
            "(PrometheusRules)",
            "spec.groups",
            "promtool is not installed: the chart's rules were not checked",
            process.env.CI === "true" ? "error" : "warning",
        );
        return findings;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-rules-"));
    try {
        const files = rules.map((object, i) => {
            const file = `rules-${i}.json`;
            fs.writeFileSync(path.join(dir, file), JSON.stringify({ groups: object.spec?.groups ?? [] }));
            return { file, name: `PrometheusRule/${object.metadata?.name}` };
        });
        // One promtool run for every file; its errors start with the file's name.
        const run = promtool(["check", "rules", ...files.map((f) => f.file)], dir);
        if (run.status !== 0) {
            const lines = run.output.split("\n");
            const failed = files.filter(({ file }) => lines.some((l) => l.startsWith(`${file}:`)));
            for (const { file, name } of failed)
                add(
                    name,
                    "spec.groups",
                    `promtool check rules: ${lines.filter((l) => l.startsWith(`${file}:`)).join(" ")}`,
                );
            if (failed.length === 0)
                add(
                    "(PrometheusRules)",
                    "spec.groups",
                    `promtool check rules: ${run.output.trim().replace(/\s+/g, " ")}`,
                );
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return findings;
}
