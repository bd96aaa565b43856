// The committed stacks rendered once per test run into a temporary out/ folder, shared by the
// tests that read a rendered plan (the plan diff, the diagram, the documents' commands). mocha runs
// before `npm run render`, so these tests never depend on the project's own out/.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderStacks } from "../offline/render";
import { StackFile } from "../offline/stackFiles";

let committed: Promise<{ dir: string; lines: string[] }> | undefined;

/** Renders into a fresh temporary folder and returns its path. */
export async function renderTo(label: string, stackFiles?: StackFile[], log?: (line: string) => void): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `plan-${label}-`));
    await renderStacks({ outDir: dir, stackFiles, log: log ?? (() => undefined) });
    return dir;
}

/** The committed stacks' plan and the lines the render printed (one per stack), rendered on first use. Read only: copy it to change it. */
export function committedRender(): Promise<{ dir: string; lines: string[] }> {
    committed ??= (async () => {
        const lines: string[] = [];
        const dir = await renderTo("committed", undefined, (line) => lines.push(line));
        return { dir, lines };
    })();
    return committed;
}

/** The committed stacks' plan, rendered on first use. */
export async function committedPlan(): Promise<string> {
    return (await committedRender()).dir;
}
