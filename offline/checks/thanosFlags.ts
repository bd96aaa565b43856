// Every Thanos container's flags against the typed flag table of the pinned Thanos version
// (components/thanosFlags.ts): a flag the version lacks, or a malformed value, is an error; so is a
// container without one of its component's hardening flags (HARDENING_THANOS_FLAGS).

import { HARDENING_THANOS_FLAGS, THANOS_FLAGS, flagValueProblem } from "../../components/thanosFlags";
import { Finding, RenderedPlan, objectName, thanosContainers } from "./renderedPlan";

export function checkThanosFlags(plan: RenderedPlan): Finding[] {
    const findings: Finding[] = [];
    for (const { object, component, flags } of thanosContainers(plan)) {
        const table = (THANOS_FLAGS as Record<string, Record<string, string>>)[component];
        const where = objectName(object);
        if (table === undefined) {
            findings.push({
                severity: "error",
                stack: plan.stack,
                object: where,
                field: "args[0]",
                message: `"${component}" is not a Thanos component this program runs`,
            });
            continue;
        }
        const hardening = (HARDENING_THANOS_FLAGS as Record<string, Record<string, string>>)[component];
        for (const [name, why] of Object.entries(hardening)) {
            if (flags.has(name) && !flags.has(`no-${name}`)) continue;
            findings.push({
                severity: "error",
                stack: plan.stack,
                object: where,
                field: `--${name}`,
                message: `thanos ${component} must run with --${name}: ${why}`,
            });
        }
        for (const [name, values] of flags) {
            const kind = table[name];
            if (kind === undefined) {
                findings.push({
                    severity: "error",
                    stack: plan.stack,
                    object: where,
                    field: `--${name}`,
                    message: `not a flag of thanos ${component} in the typed table of v0.42.4 flags`,
                });
                continue;
            }
            for (const value of values) {
                const problem = flagValueProblem(kind as never, value);
                if (problem !== undefined)
                    findings.push({
                        severity: "error",
                        stack: plan.stack,
                        object: where,
                        field: `--${name}`,
                        message: problem,
                    });
            }
        }
    }
    return findings;
}
