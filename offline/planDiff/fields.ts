// Field-by-field comparison of two versions of one object: each difference with its path, the old
// and new value, or (for long values and lists of flags) the changed lines.

import * as yaml from "js-yaml";
import { diffLines, isLong, valueLines } from "./lines";

export interface FieldChange {
    /** `spec.template.spec.containers[thanos].args`, `values.prometheus.prometheusSpec.scrapeInterval`. */
    path: string;
    before?: unknown;
    after?: unknown;
    /** Set for long values: the changed lines with context, instead of before/after. */
    lines?: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
const join = (base: string, key: string) =>
    base === "" ? key : /^[A-Za-z_$][\w$-]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;

function scalarLines(value: unknown): string[] {
    return typeof value === "string" ? valueLines(value) : [JSON.stringify(value)];
}

/** A value shown whole (added, removed or short) fits one line; else it becomes YAML lines. */
function wholeLines(value: unknown): string[] {
    if (typeof value === "string") return valueLines(value);
    return yaml.dump(value, { lineWidth: -1, noRefs: true }).replace(/\n$/, "").split("\n");
}

/** Lists of objects matched by an identifying field (containers by name, endpoints by address). */
const IDENTITIES = ["name", "address", "alert", "record", "url", "key", "mountPath", "port"];
function keyed(
    before: unknown[],
    after: unknown[],
): { field: string; a: Map<string, unknown>; b: Map<string, unknown> } | undefined {
    for (const field of IDENTITIES) {
        const index = (list: unknown[]) => {
            if (list.length === 0 || !list.every((e) => isObject(e) && isScalar(e[field]) && e[field] !== null))
                return undefined;
            const byKey = new Map(list.map((e) => [String((e as Record<string, unknown>)[field]), e]));
            return byKey.size === list.length ? byKey : undefined;
        };
        const a = before.length === 0 ? new Map<string, unknown>() : index(before);
        const b = after.length === 0 ? new Map<string, unknown>() : index(after);
        if (a && b && (a.size > 0 || b.size > 0)) return { field, a, b };
    }
    return undefined;
}

function valueChange(path: string, before: unknown, after: unknown): FieldChange {
    const long = (v: unknown) => v !== undefined && (isLong(v) || (!isScalar(v) && JSON.stringify(v).length > 100));
    if (long(before) || long(after)) {
        return {
            path,
            lines: diffLines(
                before === undefined ? [] : wholeLines(before),
                after === undefined ? [] : wholeLines(after),
            ),
        };
    }
    return { path, before, after };
}

export function diffFields(before: unknown, after: unknown, path = "", out: FieldChange[] = []): FieldChange[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return out;
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
        for (const key of keys) diffFields(before[key], after[key], join(path, key), out);
        return out;
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        if (before.every(isScalar) && after.every(isScalar)) {
            // Flag lists and address lists: one line per element, JSON in an element pretty-printed.
            out.push({ path, lines: diffLines(before.flatMap(scalarLines), after.flatMap(scalarLines)) });
            return out;
        }
        const matched = keyed(before, after);
        if (matched) {
            for (const key of new Set([...matched.a.keys(), ...matched.b.keys()])) {
                diffFields(matched.a.get(key), matched.b.get(key), `${path}[${key}]`, out);
            }
            return out;
        }
        if (before.length === after.length) {
            for (let i = 0; i < before.length; i++) diffFields(before[i], after[i], `${path}[${i}]`, out);
            return out;
        }
        // Lists that cannot be matched item by item: their YAML, line by line.
        out.push({ path, lines: diffLines(wholeLines(before), wholeLines(after)) });
        return out;
    }
    out.push(valueChange(path, before, after));
    return out;
}
