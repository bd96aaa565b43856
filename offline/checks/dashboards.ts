// Grafana dashboards, checked by what consumes them rather than by our own constants:
// - the JSON model against the types of Grafana's foundation SDK (generated from Grafana's own
//   dashboard schema), by the TypeScript compiler, unknown keys and wrong enum values included;
// - every query as PromQL, by promtool, with Grafana's variables substituted;
// - the wiring: each dashboard ConfigMap is one the Grafana sidecar loads, and each datasource
//   uid is one Grafana is provisioned with;
// - sanity Grafana relies on: unique uids, unique panel ids, schemaVersion, a cluster variable.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import type * as TypeScript from "typescript";
import { defaultDashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { cachedByContent } from "../contentCache";
import { promtoolAvailable } from "../promtool";
import { PROJECT_ROOT } from "../projectRoot";

/** A dashboard as found in a plan: where it came from and its parsed JSON (or the parse error). */
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

type AnyPanel = Record<string, any>;

/** Every panel, those inside rows included. */
export function allPanels(dashboard: Record<string, any>): AnyPanel[] {
    return ((dashboard.panels ?? []) as AnyPanel[]).flatMap((p) => [
        p,
        ...((p.type === "row" ? p.panels : undefined) ?? []),
    ]);
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
// The JSON model against the foundation SDK's types.

const SDK = "@grafana/grafana-foundation-sdk";
const SDK_DIST = path.join(PROJECT_ROOT, "node_modules", "@grafana", "grafana-foundation-sdk", "dist");

// JSON cannot carry the SDK's marker methods, and holds enum values as plain strings: Json<T> is
// the JSON form of T (string enums become the union of their values, so a wrong value fails).
const SCHEMA_PRELUDE = `
import type * as dashboard from "${SDK}/dashboard";
import type * as prometheus from "${SDK}/prometheus";
import type * as stat from "${SDK}/stat";
import type * as table from "${SDK}/table";
import type * as timeseries from "${SDK}/timeseries";
type Json<T> = T extends (...args: any[]) => any ? never
    : T extends string ? \`\${T}\`
    : T extends readonly (infer U)[] ? Json<U>[]
    : T extends object ? { [K in keyof T as K extends \`_implements\${string}\` ? never : K]: Json<T[K]> }
    : T;
type Common = Omit<Json<dashboard.Panel>, "type" | "targets" | "options"> & { targets?: Json<prometheus.Dataquery>[] };
type PanelJson =
    | (Common & { type: "timeseries"; options?: Json<timeseries.Options> })
    | (Common & { type: "stat"; options?: Json<stat.Options> })
    | (Common & { type: "table"; options?: Json<table.Options> });
type RowJson = Omit<Json<dashboard.RowPanel>, "panels"> & { panels: PanelJson[] };
type DashboardJson = Omit<Json<dashboard.Dashboard>, "panels"> & { panels?: (PanelJson | RowJson)[] };
`;

/**
 * Type-checks each dashboard's JSON against the SDK's Dashboard type (panels of the types we use:
 * timeseries, stat, table and rows). Returns one problem per compiler diagnostic.
 */
export function sdkSchemaProblems(dashboards: FoundDashboard[]): DashboardProblem[] {
    const parsed = dashboards.filter((d) => d.json !== undefined);
    if (parsed.length === 0) return [];
    const file = path.join(PROJECT_ROOT, "offline", "checks", "__dashboards_schema_check__.ts");
    const declarations = parsed.map(
        (d, i) => `export const dashboard${i}: DashboardJson = ${JSON.stringify(d.json, null, 1)};\n`,
    );
    const source = SCHEMA_PRELUDE + declarations.join("");
    const starts: number[] = [];
    let offset = SCHEMA_PRELUDE.length;
    for (const declaration of declarations) {
        starts.push(offset);
        offset += declaration.length;
    }
    const key = {
        typescript: typescriptVersion(),
        sdk: sdkVersion(),
        source,
        where: parsed.map((d) => d.where),
    };
    return cachedByContent("grafana-sdk-types", key, () => compileDashboards(file, source, starts, parsed));
}

function typescriptVersion(): string {
    return (JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")) as { version: string })
        .version;
}

function sdkVersion(): string {
    return (JSON.parse(fs.readFileSync(path.join(SDK_DIST, "..", "package.json"), "utf8")) as { version: string })
        .version;
}

function compileDashboards(
    file: string,
    source: string,
    starts: number[],
    parsed: FoundDashboard[],
): DashboardProblem[] {
    // Loaded here, not at import: the compiler takes half a second to load, and the result is
    // usually cached.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require("typescript") as typeof TypeScript;
    const options: TypeScript.CompilerOptions = {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        lib: ["lib.es2022.d.ts"],
        types: [],
        baseUrl: PROJECT_ROOT,
        paths: { [`${SDK}/*`]: [path.join(SDK_DIST, "*")] },
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, ...rest) =>
        path.resolve(name) === file
            ? ts.createSourceFile(name, source, version)
            : getSourceFile(name, version, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => {
        const index =
            d.file && path.resolve(d.file.fileName) === file && d.start !== undefined
                ? starts.filter((s) => s <= d.start!).length - 1
                : -1;
        const where = index >= 0 ? parsed[index].where : (d.file?.fileName ?? "(schema check)");
        const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
        return {
            where,
            field: "(Grafana schema)",
            message: message.length > 400 ? `${message.slice(0, 400)}...` : message,
        };
    });
}

// ---------------------------------------------------------------------------------------------
// Queries as PromQL.

/** One PromQL query of a dashboard and where it is. */
export interface DashboardQuery {
    where: string;
    expr: string;
}

/**
 * Every PromQL query: panel targets' `expr`, and query variables' queries, whose Grafana
 * functions (label_values, query_result) wrap PromQL.
 */
export function dashboardQueries(found: FoundDashboard): DashboardQuery[] {
    const json = found.json ?? {};
    const queries: DashboardQuery[] = [];
    for (const panel of allPanels(json)) {
        for (const t of (panel.targets ?? []) as AnyPanel[]) {
            if (typeof t.expr === "string")
                queries.push({ where: `${found.where} panel ${panel.id} "${panel.title}" ${t.refId}`, expr: t.expr });
        }
    }
    for (const v of (json.templating?.list ?? []) as AnyPanel[]) {
        if (v.type !== "query") continue;
        const text = typeof v.query === "string" ? v.query : v.query?.query;
        const expr = typeof text === "string" ? variableQueryExpr(text) : undefined;
        if (expr !== undefined) queries.push({ where: `${found.where} variable ${v.name}`, expr });
    }
    return queries;
}

/** The PromQL inside a Prometheus variable query, or undefined where there is none (label_values(label), metrics(re)). */
export function variableQueryExpr(query: string): string | undefined {
    const q = query.trim();
    const labelValues = /^label_values\(\s*([\s\S]*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(q);
    if (labelValues) return labelValues[1];
    if (/^label_values\(\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)$/.test(q) || /^label_names\(/.test(q) || /^metrics\(/.test(q))
        return undefined;
    const queryResult = /^query_result\(([\s\S]*)\)$/.exec(q);
    if (queryResult) return queryResult[1];
    return q;
}

/** What Grafana puts in place of its variables, for parsing: durations where it writes durations. */
const VARIABLE_VALUES: Record<string, string> = {
    cluster: "cluster-01|cluster-02",
    __rate_interval: "2m",
    __interval: "1m",
    __range: "6h",
    __range_s: "21600",
    __range_ms: "21600000",
    __interval_ms: "60000",
};

/**
 * The query with Grafana's variables ($name, ${name}, ${name:format}, [[name]]) replaced by
 * sample values. `$1`-style regex references (label_replace) are not variables and stay. An
 * unknown variable is an error: the test would otherwise parse something Grafana never sends.
 */
export function substituteGrafanaVariables(expr: string, values: Record<string, string> = VARIABLE_VALUES): string {
    return expr.replace(
        /\$\{([a-zA-Z_]\w*)(?::[\w]+)?\}|\$([a-zA-Z_]\w*)|\[\[([a-zA-Z_]\w*)\]\]/g,
        (match, braced, plain, bracketed) => {
            const name = braced ?? plain ?? bracketed;
            if (!(name in values)) throw new Error(`unknown Grafana variable ${match} in ${expr}`);
            return values[name];
        },
    );
}

export { promtoolAvailable };

/**
 * Parses every query with promtool (`check rules`, each query a recording rule). Returns a
 * problem per query promtool rejects, or per query whose variables cannot be substituted.
 */
export function promqlProblems(queries: DashboardQuery[]): DashboardProblem[] {
    const problems: DashboardProblem[] = [];
    const rules: { record: string; expr: string; where: string }[] = [];
    for (const q of queries) {
        try {
            rules.push({
                record: `dashboard_query_${rules.length}`,
                expr: substituteGrafanaVariables(q.expr),
                where: q.where,
            });
        } catch (err) {
            problems.push({ where: q.where, field: "expr", message: (err as Error).message });
        }
    }
    if (rules.length === 0) return problems;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-queries-"));
    try {
        const file = path.join(dir, "queries.yaml");
        fs.writeFileSync(
            file,
            yaml.dump(
                { groups: [{ name: "dashboards", rules: rules.map(({ record, expr }) => ({ record, expr })) }] },
                { lineWidth: -1 },
            ),
        );
        const run = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
        if (run.error !== undefined) throw run.error;
        if (run.status !== 0) {
            const output = `${run.stdout}${run.stderr}`;
            const failed = rules.filter((r) => new RegExp(`"${r.record}"|${r.record}\\b`).test(output));
            for (const r of failed)
                problems.push({
                    where: r.where,
                    field: "expr",
                    message: `promtool cannot parse ${r.expr}: ${lineAbout(output, r.record)}`,
                });
            if (failed.length === 0)
                problems.push({
                    where: "(dashboards)",
                    field: "expr",
                    message: `promtool check rules failed: ${output.trim()}`,
                });
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return problems;
}

function lineAbout(output: string, record: string): string {
    return (
        output
            .split("\n")
            .find((l) => new RegExp(`${record}\\b`).test(l))
            ?.trim() ?? output.trim()
    );
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
