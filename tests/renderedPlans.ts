// The committed stacks rendered once per test run into a temporary out/ folder, shared by the
// tests that read a rendered plan (the plan diff, the diagram). mocha runs before `npm run render`,
// so these tests never depend on the project's own out/.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderStacks } from "../offline/render";
import { StackFile } from "../offline/stackFiles";

let committed: Promise<string> | undefined;

/** Renders into a fresh temporary folder and returns its path. */
export async function renderTo(label: string, stackFiles?: StackFile[]): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `plan-${label}-`));
    await renderStacks({ outDir: dir, stackFiles, log: () => undefined });
    return dir;
}

/** The committed stacks' plan, rendered on first use. */
export function committedPlan(): Promise<string> {
    committed ??= renderTo("committed");
    return committed;
}
