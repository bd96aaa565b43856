// Line-by-line diff for long values (rule files, endpoint files, flag lists): only the changed lines
// and a little context are shown, never the whole value twice.

/** A long value as lines: multi-line text as is, JSON (alone or after `--flag=`) pretty-printed. */
export function valueLines(value: string): string[] {
    const flagged = /^(--?[A-Za-z0-9_.-]+=)?([[{][\s\S]*[\]}])$/.exec(value.trim());
    if (flagged) {
        try {
            const pretty = JSON.stringify(JSON.parse(flagged[2]), null, 2).split("\n");
            if (flagged[1]) pretty[0] = flagged[1] + pretty[0];
            return pretty;
        } catch {
            // not JSON: fall through to plain lines
        }
    }
    return value.replace(/\n$/, "").split("\n");
}

export function isLong(value: unknown): boolean {
    return typeof value === "string" && (value.includes("\n") || valueLines(value).length > 1 || value.length > 100);
}

/**
 * Unified diff of two line lists with `context` unchanged lines around each change: lines start
 * with "- ", "+ " or "  "; "..." separates hunks. Empty when the lists are equal.
 */
export function diffLines(before: string[], after: string[], context = 2): string[] {
    const n = before.length;
    const m = after.length;
    // Longest common subsequence table, from the ends.
    const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) {
        for (let j = m - 1; j >= 0; j--) {
            lcs[i][j] = before[i] === after[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    const ops: { op: " " | "-" | "+"; line: string }[] = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && before[i] === after[j]) {
            ops.push({ op: " ", line: before[i++] });
            j++;
        } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
            ops.push({ op: "-", line: before[i++] });
        } else {
            ops.push({ op: "+", line: after[j++] });
        }
    }
    if (!ops.some((o) => o.op !== " ")) return [];
    const keep = ops.map(() => false);
    ops.forEach((o, k) => {
        if (o.op === " ") return;
        for (let c = Math.max(0, k - context); c <= Math.min(ops.length - 1, k + context); c++) keep[c] = true;
    });
    const out: string[] = [];
    let skipped = false;
    ops.forEach((o, k) => {
        if (!keep[k]) {
            skipped = true;
            return;
        }
        if (skipped && out.length > 0) out.push("...");
        skipped = false;
        out.push(`${o.op} ${o.line}`);
    });
    return out;
}
