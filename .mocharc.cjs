// Mocha's settings (the root hook and the TypeScript loader, every *.test.ts under tests/ and
// offline/). `npm test` runs the files in parallel workers (tests/run.sh), which take them in this
// list's order: the files that spend longest waiting (on real servers, on child processes) come
// first, so that their waits overlap the other files' work instead of ending the run.
"use strict";

const fs = require("fs");
const path = require("path");

/**
 * Longest first, as measured in `npm test`, a live file (waiting on real servers) alternating with a
 * busy one (the workflow and deploy processes), so that the three workers (tests/run.sh) never all
 * wait at once; every other file follows in name order.
 */
const FIRST = [
    "tests/alertPath.live.test.ts",
    "tests/stackJob.test.ts",
    "tests/verify.live.test.ts",
    "tests/firstDeploy.test.ts",
    "tests/alertmanagerEdgeApi.live.test.ts",
    "tests/workflows.test.ts",
    "tests/docsCommands.test.ts",
    "tests/deploy.test.ts",
];

/** The *.test.ts files under dir (relative to the project), sorted. */
function testFiles(dir) {
    return fs
        .readdirSync(path.join(__dirname, dir), { recursive: true })
        .map((f) => path.join(dir, String(f)).split(path.sep).join("/"))
        .filter((f) => f.endsWith(".test.ts") && !f.includes("/node_modules/"))
        .sort();
}

const all = [...testFiles("tests"), ...testFiles("offline")];

module.exports = {
    require: ["./offline/tsRegister.cjs", "tests/hooks.ts"],
    spec: [...FIRST.filter((f) => all.includes(f)), ...all.filter((f) => !FIRST.includes(f))],
    extension: ["ts"],
    timeout: 120000,
    reporter: "spec",
};
