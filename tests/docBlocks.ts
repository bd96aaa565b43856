// Reading what the documents show: the fenced block a `<!-- output: NAME -->` comment marks, so a
// test can compare it with the real output of the command.

import { expect } from "chai";

/** The fenced block right after `<!-- output: NAME -->`, its list indentation removed. */
export function shownOutput(markdown: string, name: string): string {
    const at = markdown.indexOf(`<!-- output: ${name} -->`);
    expect(at, `a block marked ${name}`).to.be.at.least(0);
    const m = /\n( *)```[a-z]*\n([\s\S]*?)\n\1```/.exec(markdown.slice(at));
    expect(m, `the block after ${name}`).to.not.equal(null);
    return m![2].replace(new RegExp(`^${m![1]}`, "gm"), "");
}

/** True when every line of `excerpt` but `...` appears in `full`, in the same order. */
export function linesInOrder(excerpt: string, full: string): string[] {
    const lines = full.split("\n");
    const missing: string[] = [];
    let from = 0;
    for (const line of excerpt.split("\n")) {
        if (line.trim() === "...") continue;
        const at = lines.indexOf(line, from);
        if (at < 0) missing.push(line);
        else from = at + 1;
    }
    return missing;
}
