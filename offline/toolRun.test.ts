import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runTool } from "./toolRun";

// A checker stand-in that counts its runs (in a file it is not told to read) and answers with the
// path and content of the file it was given, on stdout, and its arguments on stderr.
const FAKE_TOOL = `#!/usr/bin/env bash
echo run >> "$RUNS_FILE"
echo "checked $2: $(cat "$2")"
echo "args $*" >&2
if grep -q bad "$2"; then exit 3; fi
if grep -q hang "$2"; then sleep 5; fi
if grep -q die "$2"; then kill -KILL $$; fi
`;

describe("offline/toolRun: a checker's answer kept by its binary, arguments and inputs", () => {
    let dir: string;
    let tool: string;
    let runsFile: string;
    const runs = () =>
        fs.existsSync(runsFile) ? fs.readFileSync(runsFile, "utf8").split("\n").filter(Boolean).length : 0;
    /** The fake tool on `content`, written to a new temporary folder each time. */
    const check = (content: string, flag = "--strict", timeoutMs?: number) => {
        const work = fs.mkdtempSync(path.join(dir, "work-"));
        const file = path.join(work, "rules.yaml");
        fs.writeFileSync(file, content);
        return { file, run: runTool(tool, [flag, file], { cwd: work, inputs: [work], timeoutMs }) };
    };

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tool-run-"));
        tool = path.join(dir, "fake-checker");
        fs.writeFileSync(tool, FAKE_TOOL, { mode: 0o755 });
        runsFile = path.join(dir, "runs");
        process.env.RUNS_FILE = runsFile;
        // Its own cache folder: no other run's answers.
        process.env.THANOS_CHECK_CACHE_DIR = path.join(dir, "cache");
    });
    after(() => {
        delete process.env.RUNS_FILE;
        delete process.env.THANOS_CHECK_CACHE_DIR;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("runs the tool once for the same content, and names each run's own path in the answer", () => {
        const first = check("groups: []\n");
        const second = check("groups: []\n");
        expect(runs()).to.equal(1);
        expect(second.run.status).to.equal(0);
        expect(second.run.stdout).to.equal(`checked ${second.file}: groups: []\n`);
        expect(second.run.stderr).to.equal(`args --strict ${second.file}\n`);
        expect(first.run.stdout).to.equal(`checked ${first.file}: groups: []\n`);
    });

    it("runs it again for other content, other arguments or a changed binary, and keeps a failure as a failure", () => {
        const before = runs();
        expect(check("groups: [bad]\n").run.status).to.equal(3);
        expect(check("groups: [bad]\n").run.status).to.equal(3);
        expect(runs()).to.equal(before + 1);
        check("groups: []\n", "--lint=none");
        expect(runs()).to.equal(before + 2);
        fs.appendFileSync(tool, "# rebuilt\n");
        check("groups: []\n", "--lint=none");
        expect(runs()).to.equal(before + 3);
    });

    it("keeps nothing of a run that timed out: the caller gets the error, and the next call runs the tool again", () => {
        const before = runs();
        expect(() => check("hang\n", "--strict", 500)).to.throw(/ETIMEDOUT/);
        expect(() => check("hang\n", "--strict", 500)).to.throw(/ETIMEDOUT/);
        expect(runs()).to.equal(before + 2);
    });

    it("keeps nothing of a run killed by a signal: the caller gets status null, and the next call runs the tool again", () => {
        const before = runs();
        expect(check("die\n").run.status).to.equal(null);
        expect(check("die\n").run.status).to.equal(null);
        expect(runs()).to.equal(before + 2);
    });

    it("THANOS_CHECK_CACHE=off runs the tool every time", () => {
        const before = runs();
        process.env.THANOS_CHECK_CACHE = "off";
        try {
            check("groups: []\n");
            check("groups: []\n");
        } finally {
            delete process.env.THANOS_CHECK_CACHE;
        }
        expect(runs()).to.equal(before + 2);
    });
});
