// The committed stacks rendered once per test run into a temporary out/ folder, shared by the
// tests that read a rendered plan (the plan diff, the diagram, the documents' commands, the checks'
// fixtures) and, under `npm test`, by its mocha workers. mocha runs before `npm run render`, so
// these tests never depend on the project's own out/.

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

/** Renders the committed stacks in this process. */
async function renderCommitted(): Promise<{ dir: string; lines: string[] }> {
    const lines: string[] = [];
    const dir = await renderTo("committed", undefined, (line) => lines.push(line));
    return { dir, lines };
}

/**
 * The committed render one worker of this `npm test` run made, shared with the others through
 * THANOS_TEST_SHARED_DIR (tests/run.sh: a folder of its own per run, so never an older source's
 * render): the first worker to ask renders, the others wait for its folder.
 */
async function sharedCommittedRender(shared: string): Promise<{ dir: string; lines: string[] }> {
    const done = path.join(shared, "committed-render.json");
    const claim = path.join(shared, "committed-render.claim");
    fs.mkdirSync(shared, { recursive: true });
    let mine = false;
    try {
        fs.closeSync(fs.openSync(claim, "wx"));
        mine = true;
    } catch {
        // Another worker renders it.
    }
    if (mine) {
        const render = await renderCommitted();
        fs.writeFileSync(`${done}.partial`, JSON.stringify(render));
        fs.renameSync(`${done}.partial`, done);
        return render;
    }
    const deadline = Date.now() + 120_000;
    while (!fs.existsSync(done)) {
        // The renderer died or hangs: render here rather than fail every file that needs the plan.
        if (Date.now() > deadline) return renderCommitted();
        await new Promise((r) => setTimeout(r, 50));
    }
    return JSON.parse(fs.readFileSync(done, "utf8")) as { dir: string; lines: string[] };
}

/** The committed stacks' plan and the lines the render printed (one per stack), rendered on first use. Read only: copy it to change it. */
export function committedRender(): Promise<{ dir: string; lines: string[] }> {
    const shared = process.env.THANOS_TEST_SHARED_DIR;
    committed ??= shared ? sharedCommittedRender(shared) : renderCommitted();
    return committed;
}

/** The committed stacks' plan, rendered on first use. */
export async function committedPlan(): Promise<string> {
    return (await committedRender()).dir;
}
