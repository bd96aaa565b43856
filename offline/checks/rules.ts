// Every rule file in the plan, checked by Prometheus' own parser (promtool check rules):
// PrometheusRules (loaded by each cluster's Prometheus) as they are; the Ruler's file without its
// Thanos-only partial_response_strategy, which is checked here instead. That is what the Ruler
// does itself (v0.42.4 pkg/rules/manager.go, configRuleAdapter): it reads the field, deletes it
// and hands the rest to Prometheus' rule parser. A PrometheusRule must not carry the field:
// Prometheus would reject the whole file.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import type { Finding, RenderedPlan } from "./renderedPlan";
import { atLeast } from "../binaries";
import { promtool, promtoolAvailable, promtoolVersion } from "../promtool";

export interface RuleFileInPlan {
    /** kind/namespace/name of the object holding it. */
    origin: string;
    /** Evaluated by the Thanos Ruler (true) or by Prometheus. */
    ruler: boolean;
    groups: Record<string, any>[];
}

/**
 * Every rule file of a plan: the PrometheusRules (`ruler: false`, loadable by plain Prometheus as
 * they are) and the Ruler's ConfigMap entries (`ruler: true`, Thanos Ruler only).
 */
export function ruleFiles(plan: RenderedPlan): RuleFileInPlan[] {
    const files: RuleFileInPlan[] = [];
    for (const o of plan.manifests) {
        const origin = `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`;
        if (o.kind === "PrometheusRule") files.push({ origin, ruler: false, groups: o.spec?.groups ?? [] });
        if (o.kind === "ConfigMap" && o.metadata?.labels?.["app.kubernetes.io/component"] === "ruler") {
            for (const [key, text] of Object.entries(o.data ?? {})) {
                files.push({
                    origin: `${origin}:${key}`,
                    ruler: true,
                    groups: ((yaml.load(String(text)) as { groups?: Record<string, any>[] }) ?? {}).groups ?? [],
                });
            }
        }
    }
    return files;
}

/** Structure promtool cannot know: the Thanos field, and a runbook on every alert. */
export function ruleStructureProblems(file: RuleFileInPlan): string[] {
    const problems: string[] = [];
    for (const group of file.groups) {
        const strategy = group.partial_response_strategy;
        if (strategy !== undefined && !file.ruler)
            problems.push(
                `group ${group.name}: partial_response_strategy is a Thanos Ruler field; Prometheus rejects the file`,
            );
        if (strategy !== undefined && strategy !== "warn" && strategy !== "abort")
            problems.push(
                `group ${group.name}: partial_response_strategy must be warn or abort (got ${JSON.stringify(strategy)})`,
            );
        for (const rule of group.rules ?? []) {
            if (rule.alert !== undefined && typeof rule.annotations?.runbook_url !== "string")
                problems.push(`alert ${rule.alert}: no runbook_url annotation`);
        }
    }
    return problems;
}

export function checkRuleFiles(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    const files = ruleFiles(plan);
    for (const file of files) {
        for (const message of ruleStructureProblems(file))
            findings.push({ severity: "error", stack: plan.stack, object: file.origin, field: "groups", message });
    }
    if (files.length === 0) return findings;
    if (!promtoolAvailable()) {
        const severity = process.env.CI === "true" ? "error" : "warning";
        findings.push({
            severity,
            stack: plan.stack,
            object: "(rule files)",
            field: "-",
            message:
                "promtool is not installed: rule files not checked (set PROMTOOL_BIN or put promtool 3 on PATH: bash .ci/tools.sh)",
        });
        return findings;
    }
    const version = promtoolVersion();
    if (version === undefined || !atLeast(version, [3, 0, 0]))
        findings.push({
            severity: process.env.CI === "true" ? "error" : "warning",
            stack: plan.stack,
            object: "(rule files)",
            field: "-",
            message: `promtool ${version?.join(".") ?? "(unknown version)"} is older than 3: the rules were checked as Prometheus 2 reads them, the clusters run Prometheus 3 (bash .ci/tools.sh installs promtool 3)`,
        });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "validate-rules-"));
    try {
        for (const [i, file] of files.entries()) {
            const groups = file.groups.map(({ partial_response_strategy: _thanosOnly, ...group }) => group);
            const name = `rules-${i}.yaml`;
            fs.writeFileSync(path.join(dir, name), JSON.stringify({ groups }));
            const result = promtool(["check", "rules", name], dir);
            if (result.status !== 0) {
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: file.origin,
                    field: "groups",
                    message: `promtool check rules: ${result.output.trim().replace(/\s+/g, " ")}`,
                });
            }
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return findings;
}

/**
 * Links an on-call person can open: every alert's runbook_url is `<prometheus.runbookBaseUrl>#<anchor>`,
 * and a base that is no http(s) address (the stack files' `docs/runbooks.md`: the repository's own
 * address is not in the repository) names the right section but opens nowhere from a notification.
 * A warning, not an error: the CI workflows set this repository's address before every preview and
 * deploy (pulumi-stack.yml, docs/ci.md); a render or a deploy by hand keeps the relative one.
 */
export function checkRunbookLinks(plan: RenderedPlan): Finding[] {
    const relative = ruleFiles(plan)
        .flatMap((file) => file.groups.flatMap((g) => (g.rules ?? []) as Record<string, any>[]))
        .map((rule) => rule.annotations?.runbook_url)
        .filter((url): url is string => typeof url === "string" && !/^https?:\/\//.test(url));
    if (relative.length === 0) return [];
    const base = relative[0].split("#")[0];
    return [
        {
            severity: "warning",
            stack: plan.stack,
            object: "(alert rules)",
            field: "prometheus.runbookBaseUrl",
            message:
                `${relative.length} alerts link their runbook under "${base}", not an http(s) address: a notification cannot open it. ` +
                "Set thanos-multicluster:prometheus.runbookBaseUrl to where docs/runbooks.md is served " +
                "(e.g. https://<git host>/<owner>/<repository>/blob/<default branch>/docs/runbooks.md); " +
                "the CI workflows set this repository's before each preview and deploy (docs/ci.md#runbook-links)",
        },
    ];
}
