// Grafana dashboards, checked by what consumes them rather than by our own constants:
// - the JSON model against the types of Grafana's foundation SDK (dashboardTypes.ts);
// - every query as PromQL, by promtool, with Grafana's variables substituted (dashboardQueries.ts);
// - the wiring: each dashboard ConfigMap is one the Grafana sidecar loads, and each datasource
//   uid is one Grafana is provisioned with;
// - sanity Grafana relies on: unique uids, unique panel ids, schemaVersion, a cluster variable.

import { defaultDashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { promtoolAvailable } from "../promtool";
import { AnyPanel, allPanels, dashboardQueries, promqlProblems } from "./dashboardQueries";
import { sdkSchemaProblems } from "./dashboardTypes";

export * from "./dashboardQueries";
export * from "./dashboardTypes";
export { promtoolAvailable };

export interface FoundDashboard {
    /** kind/namespace/name of its ConfigMap, and the data key. */
    where: string;
    json?: Record<string, any>;
    parseError?: string;
}

export interface DashboardProblem {
    where: string;
    field: string;
    message: string;
}

/** Dashboards in ConfigMaps carrying `label` (the sidecar's label), one per `*.json` data key. */
export function dashboardsInManifests(manifests: Record<string, any>[], label: string): FoundDashboard[] {
    return manifests
        .filter((o) => o.kind === "ConfigMap" && o.metadata?.labels?.[label] !== undefined)
        .flatMap((cm) =>
            Object.entries((cm.data ?? {}) as Record<string, string>).map(([key, text]) => {
                const where = `ConfigMap/${cm.metadata.namespace}/${cm.metadata.name} ${key}`;
                try {
                    return { where, json: JSON.parse(text) };
                } catch (err) {
                    return { where, parseError: (err as Error).message };
                }
            }),
        );
}

/** The Grafana schemaVersion the pinned foundation SDK writes (Grafana's current dashboard schema). */
export const GRAFANA_SCHEMA_VERSION = defaultDashboard().schemaVersion;

/** Structure Grafana relies on: uids unique across dashboards, panel ids unique within one, and so on. */
export function dashboardStructureProblems(dashboards: FoundDashboard[], datasourceUids: string[]): DashboardProblem[] {
    const problems: DashboardProblem[] = [];
    const uids = new Map<string, string>();
    for (const { where, json, parseError } of dashboards) {
        const add = (field: string, message: string) => problems.push({ where, field, message });
        if (json === undefined) {
            add("(json)", `not JSON: ${parseError}`);
            continue;
        }
        if (typeof json.uid !== "string" || !/^[a-zA-Z0-9_-]{1,40}$/.test(json.uid))
            add("uid", "a uid of at most 40 letters, digits, - or _ is required");
        else if (uids.has(json.uid)) add("uid", `also the uid of ${uids.get(json.uid)}`);
        else uids.set(json.uid, where);
        if (typeof json.title !== "string" || json.title.trim() === "") add("title", "a title is required");
        if (json.schemaVersion !== GRAFANA_SCHEMA_VERSION)
            add("schemaVersion", `is ${json.schemaVersion}, Grafana's current schema is ${GRAFANA_SCHEMA_VERSION}`);
        const ids = new Set<number>();
        for (const panel of allPanels(json)) {
            const at = `panels[id=${panel.id}] "${panel.title}"`;
            if (typeof panel.id !== "number") add(at, "panel without a numeric id");
            else if (ids.has(panel.id)) add(at, "panel id used twice");
            else ids.add(panel.id);
            if (panel.gridPos === undefined) add(at, "panel without gridPos");
            if (panel.type === "row") continue;
            const refs = [panel.datasource, ...((panel.targets ?? []) as AnyPanel[]).map((t) => t.datasource)];
            for (const ref of refs) {
                if (ref?.uid === undefined || !datasourceUids.includes(ref.uid))
                    add(
                        `${at}.datasource`,
                        `uid ${JSON.stringify(ref?.uid)} is not a datasource Grafana is provisioned with (${datasourceUids.join(", ")})`,
                    );
            }
            const refIds = ((panel.targets ?? []) as AnyPanel[]).map((t) => t.refId);
            if (refIds.some((r) => typeof r !== "string") || new Set(refIds).size !== refIds.length)
                add(`${at}.targets`, "every target needs its own refId");
            if (((panel.targets ?? []) as AnyPanel[]).length === 0) add(`${at}.targets`, "panel without a query");
        }
        const variables = (json.templating?.list ?? []) as AnyPanel[];
        for (const v of variables.filter((v) => v.type === "query")) {
            if (!datasourceUids.includes(v.datasource?.uid))
                add(
                    `templating.${v.name}.datasource`,
                    `uid ${JSON.stringify(v.datasource?.uid)} is not a provisioned datasource`,
                );
        }
        const cluster = variables.find((v) => v.name === "cluster");
        if (cluster === undefined || cluster.multi !== true || cluster.includeAll !== true)
            add("templating.cluster", "every dashboard needs a multi-select `cluster` variable with All");
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------
// `npm run validate`: one stack's plan.

/** What checkDashboards needs of a rendered plan (validate's RenderedPlan has it). */
export interface PlanWithDashboards {
    stack: string;
    manifests: Record<string, any>[];
    releases: { chart: string; namespace: string; values: Record<string, any> }[];
}

export interface DashboardFinding {
    severity: "error" | "warning";
    stack: string;
    object: string;
    field: string;
    message: string;
}

/**
 * Dashboards of one stack: the ConfigMaps the Grafana sidecar will load (as the Helm values
 * configure it), each dashboard's structure, Grafana schema and PromQL; and, where Grafana runs,
 * kube-prometheus-stack's multicluster switch.
 */
export function checkDashboards(
    plan: PlanWithDashboards,
    options: { promtool?: boolean; ci?: boolean } = {},
): DashboardFinding[] {
    const findings: DashboardFinding[] = [];
    const add = (object: string, field: string, message: string, severity: "error" | "warning" = "error") =>
        findings.push({ severity, stack: plan.stack, object, field, message });
    const release = plan.releases.find((r) => r.chart === "kube-prometheus-stack");
    const grafana = release?.values?.grafana as Record<string, any> | undefined;
    const sidecar = grafana?.sidecar?.dashboards as Record<string, any> | undefined;
    const labelled = plan.manifests.filter(
        (o) => o.kind === "ConfigMap" && o.metadata?.labels?.[sidecar?.label ?? "grafana_dashboard"] !== undefined,
    );
    if (grafana?.enabled !== true) {
        for (const cm of labelled)
            add(
                `ConfigMap/${cm.metadata.namespace}/${cm.metadata.name}`,
                "metadata.labels",
                "a dashboard ConfigMap on a cluster without Grafana",
            );
        return findings;
    }
    const where = `HelmRelease/${release!.namespace}/kube-prometheus-stack`;
    if (sidecar?.enabled !== true)
        add(where, "grafana.sidecar.dashboards.enabled", "must be true: the sidecar provisions every dashboard");
    if (sidecar?.multicluster?.global?.enabled !== true) {
        add(
            where,
            "grafana.sidecar.dashboards.multicluster.global.enabled",
            "must be true: the chart's dashboards hide their cluster variable and sum every cluster together",
        );
    }
    const label = sidecar?.label as string | undefined;
    const namespaces = ([] as string[]).concat(sidecar?.searchNamespace ?? []).flatMap((n) => String(n).split(","));
    for (const cm of labelled) {
        const object = `ConfigMap/${cm.metadata.namespace}/${cm.metadata.name}`;
        // The chart's templates read an empty labelValue as "1".
        const value = sidecar?.labelValue === undefined || sidecar.labelValue === "" ? "1" : String(sidecar.labelValue);
        if (label !== undefined && cm.metadata.labels[label] !== value)
            add(object, `metadata.labels.${label}`, `is "${cm.metadata.labels[label]}", the sidecar loads "${value}"`);
        const searched = namespaces.length === 0 ? [release!.namespace] : namespaces;
        if (!searched.includes("ALL") && !searched.includes(cm.metadata.namespace))
            add(object, "metadata.namespace", `the sidecar watches ${searched.join(", ")} only`);
        for (const key of Object.keys(cm.data ?? {}))
            if (!key.endsWith(".json")) add(object, `data.${key}`, "the sidecar provisions *.json files only");
    }
    const datasourceUids = ((grafana.additionalDataSources ?? []) as Record<string, any>[])
        .map((d) => d.uid)
        .filter((u): u is string => typeof u === "string");
    if (grafana.sidecar?.datasources?.defaultDatasourceEnabled !== false)
        datasourceUids.push(grafana.sidecar?.datasources?.uid ?? "prometheus");
    const dashboards = dashboardsInManifests(labelled, label ?? "grafana_dashboard");
    if (dashboards.length === 0)
        add(where, "grafana", "Grafana runs but no dashboard ConfigMap is declared", "warning");
    const problems = [...dashboardStructureProblems(dashboards, datasourceUids), ...sdkSchemaProblems(dashboards)];
    const promtool = options.promtool ?? promtoolAvailable();
    if (promtool) problems.push(...promqlProblems(dashboards.flatMap(dashboardQueries)));
    else if (dashboards.length > 0)
        add(
            "(dashboards)",
            "expr",
            "promtool is not installed: dashboard queries were not parsed",
            options.ci ? "error" : "warning",
        );
    for (const p of problems) add(p.where, p.field, p.message);
    return findings;
}
