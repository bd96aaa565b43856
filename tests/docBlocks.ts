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

/** A fenced block of a document: where it starts, its info string, its lines, the comment right before it. */
export interface FencedBlock {
    file: string;
    /** 1-based line of the opening fence. */
    line: number;
    info: string;
    lines: string[];
    /** The `<!-- ... -->` comment on the line before the fence, without its delimiters. */
    marker?: string;
}

export function fencedBlocks(file: string, markdown: string): FencedBlock[] {
    const lines = markdown.split("\n");
    const blocks: FencedBlock[] = [];
    for (let i = 0; i < lines.length; i++) {
        const open = /^( *)```(\S*)$/.exec(lines[i]);
        if (!open) continue;
        const indent = open[1];
        let end = i + 1;
        while (end < lines.length && lines[end] !== `${indent}\`\`\``) end++;
        const before = /^\s*<!-- (.*) -->$/.exec(lines[i - 1] ?? "");
        blocks.push({
            file,
            line: i + 1,
            info: open[2],
            lines: lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)),
            marker: before?.[1],
        });
        i = end;
    }
    return blocks;
}

/**
 * What a shell comment starting with one of these says about the command before it: the tests do
 * not run it (docs/development.md, "Commands in the documents"). They still check that the script
 * exists and accepts the arguments.
 */
export const NOT_RUN_TAGS = ["[needs a cluster]", "[needs the Pulumi CLI]", "[slow]"] as const;

/** One `npm run` command a block shows, with the tag and the `check:` its shell comment carries. */
export interface ShownCommand {
    block: FencedBlock;
    /** `npm run <script> [-- args]`, one of a line's `&&`-joined commands. */
    command: string;
    /** The console output shown under it (a `console` block's lines after its `$` line). */
    output?: string[];
    tag?: (typeof NOT_RUN_TAGS)[number];
    /** The text after `# check:`: what its output must show. */
    check?: string;
}

/** Every `npm run` command of a block: any line of a `sh` or unlabelled block, a `console` block's `$` lines. */
export function shownCommands(block: FencedBlock): ShownCommand[] {
    if (!["sh", "console", ""].includes(block.info)) return [];
    const found: ShownCommand[] = [];
    block.lines.forEach((raw, i) => {
        let line = raw;
        if (block.info === "console") {
            if (!line.startsWith("$ ")) return;
            line = line.slice(2);
        }
        const hash = line.search(/\s#/);
        const code = (hash >= 0 ? line.slice(0, hash) : line).trim();
        const comment = hash >= 0 ? line.slice(hash).replace(/^\s*#\s*/, "") : "";
        const tag = NOT_RUN_TAGS.find((t) => comment.startsWith(t));
        const check = /check: (.*)$/.exec(comment)?.[1].trim();
        const output =
            block.info === "console"
                ? block.lines.slice(i + 1, block.lines.findIndex((l, j) => j > i && l.startsWith("$ ")) >>> 0)
                : undefined;
        for (const command of code.split(/\s*&&\s*/))
            if (command.startsWith("npm run ")) found.push({ block, command, output, tag, check });
    });
    return found;
}
