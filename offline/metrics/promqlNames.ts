// The metric names a PromQL expression reads: every series selector's name (`name{...}` or a bare
// name), and `__name__="..."` matchers. Function names, aggregation modifiers' label lists, label
// matchers, strings, durations and keywords are not metric names.

const KEYWORDS = new Set([
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "offset",
    "bool",
    "inf",
    "nan",
    "atan2",
    "start",
    "end",
]);

/** Label lists after by/without/on/ignoring/group_left/group_right: `by (a, b)`. */
const LABEL_LIST = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)/g;

export function metricNames(expr: string): string[] {
    const names = new Set<string>();
    // __name__ matchers name a metric inside braces.
    for (const m of expr.matchAll(/__name__\s*=\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g)) names.add(m[1]);
    const stripped = expr
        // Strings (label values, label_replace arguments) and comments.
        .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
        .replace(/#[^\n]*/g, "")
        // Label matchers and range/subquery durations.
        .replace(/\{[^{}]*\}/g, " ")
        .replace(/\[[^\]]*\]/g, " ")
        .replace(LABEL_LIST, " ");
    for (const m of stripped.matchAll(/(?<![\w.:$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
        const [, name, call] = m;
        if (call !== undefined) continue; // a function or aggregation
        if (KEYWORDS.has(name.toLowerCase())) continue;
        names.add(name);
    }
    return [...names].sort();
}
