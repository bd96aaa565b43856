// The operator commands that need the Pulumi CLI (deploy, pki, verify), run as an operator runs them
// on a machine without `pulumi`: each names the missing CLI and what it left undone, and exits
// non-zero, instead of a spawn error ("code: -2", ENOENT) or blaming the first stack.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findPulumiCli, noPulumiCli } from "../offline/pulumiCli";
import { PROJECT_ROOT } from "../offline/runStack";

describe("operator commands without the Pulumi CLI on PATH", function () {
    this.timeout(60000);
    // Only node's own folder on PATH: no pulumi there.
    const env = { ...process.env, PATH: path.dirname(process.execPath) };
    const run = (script: string, args: string[]) =>
        spawnSync(process.execPath, ["-r", "./offline/tsRegister.cjs", script, ...args], {
            cwd: PROJECT_ROOT,
            env,
            encoding: "utf8",
        });

    it("finds none where PATH has none, and finds an executable one", () => {
        expect(findPulumiCli(env)).to.equal(undefined);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "with-pulumi-"));
        fs.writeFileSync(path.join(dir, "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
        expect(findPulumiCli({ PATH: `${dir}${path.delimiter}/nonexistent` })).to.equal(path.join(dir, "pulumi"));
        fs.chmodSync(path.join(dir, "pulumi"), 0o644);
        expect(findPulumiCli({ PATH: dir })).to.equal(undefined);
    });

    for (const [command, script, args, notDone, prefix, status] of [
        ["npm run deploy -- up", "offline/deploy.ts", ["up"], "no stack was run", "deploy", 1],
        [
            "npm run pki -- init",
            "offline/pki/index.ts",
            ["init"],
            "no key, certificate or stack file was written",
            "pki",
            1,
        ],
        [
            "npm run verify",
            "offline/verify/index.ts",
            [],
            "or pass the outputs with --outputs FILE (docs/verify.md); nothing was checked",
            "verify",
            2,
        ],
    ] as const) {
        it(`${command}: names the missing CLI and exits ${status}`, () => {
            const result = run(script, [...args]);
            expect(result.status, result.stderr).to.equal(status);
            expect(result.stderr + result.stdout).to.contain(`${prefix}: ${noPulumiCli(notDone)}`);
            expect(result.stderr + result.stdout).not.to.match(/ENOENT|code: -2|cluster-0\d failed/);
        });
    }

    it("npm run pki -- init wrote nothing", () => {
        expect(fs.existsSync(path.join(PROJECT_ROOT, "pki"))).to.equal(false);
    });
});
