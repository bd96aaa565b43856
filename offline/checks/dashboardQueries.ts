// Every query of the Grafana dashboards as PromQL, parsed by promtool with Grafana's variables
// substituted.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { promtool } from "../promtool";
import type { DashboardProblem, FoundDashboard } from "./dashboards";

export type AnyPanel = Record<string, any>;

/** Every panel, those inside rows included. */
export function allPanels(dashboard: Record<string, any>): AnyPanel[] {
    return ((dashboard.panels ?? []) as AnyPanel[]).flatMap((p) => [
        p,
        ...((p.type === "row" ? p.panels : undefined) ?? []),
    ]);
}

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
        const run = promtool(["check", "rules", file], dir);
        if (run.status !== 0) {
            const output = run.output;
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
