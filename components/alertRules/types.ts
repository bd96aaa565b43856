// The shape of Prometheus rule files as we write them, and what every alert we define must carry.
// Pure: no Pulumi here, so the rule builders are tested directly and by promtool.

/** One alerting rule (Prometheus rule-file format). */
export interface AlertingRule {
    alert: string;
    expr: string;
    for?: string;
    labels: { severity: Severity } & Record<string, string>;
    annotations: { summary: string; description: string; runbook_url: string };
}

/** One recording rule. */
export interface RecordingRule {
    record: string;
    expr: string;
    labels?: Record<string, string>;
}

export type Rule = AlertingRule | RecordingRule;

export type Severity = "critical" | "warning" | "info" | "none";

/**
 * A rule group. `partial_response_strategy` is a Thanos Ruler field (`warn`: evaluate on whatever
 * Query could reach, rather than abort the whole evaluation when one store fails); plain
 * Prometheus rejects it, so groups carrying it belong in Ruler files only.
 */
export interface RuleGroup {
    name: string;
    interval?: string;
    partial_response_strategy?: "warn" | "abort";
    rules: Rule[];
}

/** Where runbooks live: `<base>#<anchor>`; docs/runbooks.md has one heading per alert. */
export interface RunbookLinks {
    /** URL (or path) of docs/runbooks.md; the anchor is appended. */
    baseUrl: string;
}

/** GitHub's anchor for a heading that is exactly the alert's name: lower-cased. */
export function runbookAnchor(alert: string): string {
    return alert.toLowerCase();
}

export function runbookUrl(links: RunbookLinks, alert: string): string {
    return `${links.baseUrl}#${runbookAnchor(alert)}`;
}

/** Builds an alerting rule whose runbook is the docs/runbooks.md section of the same name. */
export function alert(
    links: RunbookLinks,
    spec: {
        name: string;
        expr: string;
        for?: string;
        severity: Severity;
        labels?: Record<string, string>;
        summary: string;
        description: string;
    },
): AlertingRule {
    return {
        alert: spec.name,
        expr: spec.expr.trim(),
        ...(spec.for !== undefined ? { for: spec.for } : {}),
        labels: { severity: spec.severity, ...(spec.labels ?? {}) },
        annotations: {
            summary: spec.summary,
            description: spec.description,
            runbook_url: runbookUrl(links, spec.name),
        },
    };
}

export function isAlertingRule(rule: Rule): rule is AlertingRule {
    return (rule as AlertingRule).alert !== undefined;
}

/** Every alert name in the groups (an alert defined once per cluster counts once). */
export function alertNames(groups: RuleGroup[]): string[] {
    return [...new Set(groups.flatMap((g) => g.rules.filter(isAlertingRule).map((r) => r.alert)))];
}

/** The groups without the alerts the stack's config turned off (recording rules stay). */
export function withoutAlerts(groups: RuleGroup[], disabled: readonly string[]): RuleGroup[] {
    return groups
        .map((g) => ({ ...g, rules: g.rules.filter((r) => !isAlertingRule(r) || !disabled.includes(r.alert)) }))
        .filter((g) => g.rules.length > 0);
}

/** The rule file, as YAML (JSON is YAML). */
export function ruleFile(groups: RuleGroup[]): string {
    return JSON.stringify({ groups }, null, 2) + "\n";
}

/**
 * The groups as plain Prometheus (and promtool) accept them: without the Thanos-only
 * `partial_response_strategy`. Only for checking: a Ruler needs the field.
 */
export function withoutThanosFields(groups: RuleGroup[]): RuleGroup[] {
    return groups.map(({ partial_response_strategy: _dropped, ...group }) => group);
}
