// `npm run diff -- BASE HEAD [--markdown]`: what a change does to each cluster. Compares two rendered
// plans (two out/ folders) stack by stack: objects added, removed or changed, each change with its
// field path and old and new value, long values (rule files, endpoint files, flag lists) line by
// line. Reads only out/, where secrets are already `[secret]`, and keeps Secrets' values masked.

import * as fs from "fs";
import * as path from "path";
import { FieldChange, diffFields } from "./planDiff/fields";
import { StackPlan, loadStackPlan, stackDirs } from "./planDiff/load";

export interface ObjectDiff {
    key: string;
    change: "added" | "removed" | "changed";
    fields: FieldChange[];
}

export interface StackDiff {
    stack: string;
    role: string | undefined;
    /** "added" or "removed" when the whole stack is new or gone. */
    status: "added" | "removed" | "changed" | "unchanged";
    objects: ObjectDiff[];
}

export function diffStack(before: StackPlan | undefined, after: StackPlan | undefined): StackDiff {
    const stack = (after ?? before)!.stack;
    const role = after?.role ?? before?.role;
    const objects: ObjectDiff[] = [];
    const keys = [...new Set([...(before?.objects.keys() ?? []), ...(after?.objects.keys() ?? [])])];
    for (const key of keys) {
        const a = before?.objects.get(key);
        const b = after?.objects.get(key);
        if (!a) objects.push({ key, change: "added", fields: [] });
        else if (!b) objects.push({ key, change: "removed", fields: [] });
        else {
            const fields = diffFields(a.value, b.value);
            if (fields.length > 0) objects.push({ key, change: "changed", fields });
        }
    }
    const status = !before ? "added" : !after ? "removed" : objects.length > 0 ? "changed" : "unchanged";
    return { stack, role, status, objects };
}

/** Both plans' stacks, edges first, then central, then by name. */
export function diffPlans(baseDir: string, headDir: string): StackDiff[] {
    const base = new Set(stackDirs(baseDir));
    const head = new Set(stackDirs(headDir));
    const diffs = [...new Set([...base, ...head])].map((stack) =>
        diffStack(
            base.has(stack) ? loadStackPlan(path.join(baseDir, stack)) : undefined,
            head.has(stack) ? loadStackPlan(path.join(headDir, stack)) : undefined,
        ),
    );
    const rank = (d: StackDiff) => (d.role === "central" ? 1 : 0);
    return diffs.sort((a, b) => rank(a) - rank(b) || a.stack.localeCompare(b.stack));
}

function counts(d: StackDiff): string {
    if (d.status === "unchanged") return "no changes";
    const n = (c: ObjectDiff["change"]) => d.objects.filter((o) => o.change === c).length;
    const parts = [
        [n("added"), "added"],
        [n("removed"), "removed"],
        [n("changed"), "changed"],
    ]
        .filter(([k]) => k)
        .map(([k, w]) => `${k} ${w}`);
    const prefix = d.status === "added" ? "new stack: " : d.status === "removed" ? "stack removed: " : "";
    return prefix + parts.join(", ");
}

const show = (v: unknown) => (v === undefined ? "(none)" : typeof v === "string" ? v : JSON.stringify(v));
const MARK = { added: "+", removed: "-", changed: "~" } as const;

export function formatText(diffs: StackDiff[]): string {
    const out: string[] = [];
    for (const d of diffs) {
        out.push(`${d.stack} (${d.role ?? "?"}): ${counts(d)}`);
        for (const o of d.objects) {
            out.push(`  ${MARK[o.change]} ${o.key}`);
            for (const f of o.fields) {
                if (f.lines) {
                    out.push(`      ${f.path}:`);
                    for (const line of f.lines) out.push(`        ${line}`);
                } else out.push(`      ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
            }
        }
    }
    return out.join("\n") + "\n";
}

const code = (v: string) => {
    const ticks = v.includes("`") ? "``" : "`";
    return `${ticks}${ticks.length > 1 ? " " : ""}${v}${ticks.length > 1 ? " " : ""}${ticks}`;
};

export function formatMarkdown(diffs: StackDiff[], title = "Plan diff"): string {
    const changed = diffs.filter((d) => d.status !== "unchanged");
    const out: string[] = [`## ${title}`, ""];
    out.push(
        changed.length === 0
            ? "No changes on any stack."
            : `Changes on ${changed.map((d) => `**${d.stack}**`).join(", ")}.`,
        "",
    );
    for (const d of diffs) {
        out.push(`### ${d.stack} (${d.role ?? "?"}): ${counts(d)}`, "");
        for (const o of d.objects) {
            out.push(`- ${o.change} ${code(o.key)}`);
            for (const f of o.fields) {
                if (f.lines) {
                    out.push(
                        `  - ${code(f.path)}:`,
                        "",
                        "    ```diff",
                        ...f.lines.map((l) => `    ${l.replace(/^ {2}/, "  ")}`),
                        "    ```",
                        "",
                    );
                } else out.push(`  - ${code(f.path)}: ${code(show(f.before))} → ${code(show(f.after))}`);
            }
        }
        if (d.objects.length > 0) out.push("");
    }
    return out.join("\n").replace(/\n{3,}/g, "\n\n") + "\n";
}

export function main(argv: string[]): string {
    const markdown = argv.includes("--markdown");
    const dirs = argv.filter((a) => a !== "--markdown");
    if (dirs.length !== 2 || dirs.some((d) => d.startsWith("--"))) {
        throw new Error("usage: npm run diff -- BASE_OUT_DIR HEAD_OUT_DIR [--markdown]");
    }
    const diffs = diffPlans(dirs[0], dirs[1]);
    return markdown ? formatMarkdown(diffs) : formatText(diffs);
}

if (require.main === module) {
    try {
        fs.writeSync(1, main(process.argv.slice(2)));
    } catch (err) {
        console.error(`diff: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
    }
}
