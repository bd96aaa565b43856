// The tools the checks and live tests run: found through their environment variable, then PATH
// (offline/binaries.ts), never a fixed /usr/bin; in CI the versions nearest the clusters' own
// (promtool 3, amtool >= 0.26, from .ci/tools.sh); the Alertmanager config given to amtool exactly as
// rendered, with the url_file shim only for an amtool too old to parse it, and saying so.

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseClusterSettings } from "../config";
import { alertmanagerConfig } from "../components/alertmanagerConfig";
import { atLeast, binaryVersion, findBinary } from "../offline/binaries";
import {
    amtoolAvailable,
    amtoolCheckConfig,
    amtoolParsesRealConfig,
    amtoolVersion,
    withConfigFile,
} from "../offline/checks/alertmanager";
import { promtoolVersion } from "../offline/promtool";
import { haproxyVersion } from "../offline/checks/frontDoor";
import { IMAGES } from "../components/images";
import { PROJECT_ROOT } from "../offline/projectRoot";
import { projectConfig } from "./helpers";

function fakeTool(dir: string, name: string, versionLine: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\necho '${versionLine}' >&2\n`, { mode: 0o755 });
    return file;
}

/** The committed central stack's Alertmanager config, whose receivers read their URLs from url_file. */
function committedCentralConfig(): Record<string, any> {
    const raw = projectConfig("cluster-01");
    return alertmanagerConfig(parseClusterSettings(raw, { kubeconfig: false }).central!.alertmanager) as any;
}

describe("tools: found by variable, then PATH", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tools-"));
        for (const sub of ["a", "b", "named"]) fs.mkdirSync(path.join(dir, sub));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("takes the first on PATH, Debian's prometheus-alertmanager as well as alertmanager", () => {
        fakeTool(path.join(dir, "b"), "promtool", "promtool, version 2.42.0");
        const alertmanager = fakeTool(path.join(dir, "b"), "prometheus-alertmanager", "alertmanager, version 0.25.0");
        const first = fakeTool(path.join(dir, "a"), "promtool", "promtool, version 3.5.3+ds1 (branch: debian/sid)");
        const env = { PATH: [path.join(dir, "a"), path.join(dir, "b")].join(path.delimiter) };
        expect(findBinary("promtool", env)).to.equal(first);
        expect(findBinary("alertmanager", env)).to.equal(alertmanager);
        expect(findBinary("amtool", env)).to.equal(undefined);
        expect(findBinary("prometheus", { PATH: "" })).to.equal(undefined);
    });

    it("the variable wins over PATH, and a variable naming nothing runnable finds nothing", () => {
        const named = fakeTool(path.join(dir, "named"), "my-amtool", "amtool, version 0.33.1");
        fakeTool(path.join(dir, "a"), "amtool", "amtool, version 0.25.0");
        const env = { PATH: path.join(dir, "a"), AMTOOL_BIN: named };
        expect(findBinary("amtool", env)).to.equal(named);
        expect(findBinary("amtool", { ...env, AMTOOL_BIN: path.join(dir, "absent") })).to.equal(undefined);
    });

    it("reads the version a binary reports, and compares versions", () => {
        expect(binaryVersion(fakeTool(path.join(dir, "named"), "pt", "promtool, version 3.5.3+ds1 (x)"))).to.deep.equal(
            [3, 5, 3],
        );
        expect(binaryVersion(fakeTool(path.join(dir, "named"), "none", "no version here"))).to.equal(undefined);
        expect(atLeast([0, 26, 0], [0, 26, 0])).to.equal(true);
        expect(atLeast([0, 25, 9], [0, 26, 0])).to.equal(false);
        expect(atLeast([3, 0, 0], [2, 99, 99])).to.equal(true);
        expect(atLeast([2, 42, 0], [3, 0, 0])).to.equal(false);
    });
});

describe("tools: the versions CI runs (CI=true only)", () => {
    before(function () {
        if (process.env.CI !== "true") this.skip();
    });

    it("haproxy is the router image's version, as .ci/tools.sh installs (the config is checked by the HAProxy that runs it)", () => {
        expect(haproxyVersion(), "haproxy version").to.equal(HAPROXY_IMAGE_VERSION);
    });

    it("promtool is 3.x and amtool at least 0.26, as .ci/tools.sh installs", () => {
        expect(promtoolVersion(), "promtool version").to.not.equal(undefined);
        expect(atLeast(promtoolVersion()!, [3, 0, 0]), `promtool ${promtoolVersion()}`).to.equal(true);
        expect(amtoolVersion(), "amtool version").to.not.equal(undefined);
        expect(atLeast(amtoolVersion()!, [0, 26, 0]), `amtool ${amtoolVersion()}`).to.equal(true);
    });
});

describe("tools: amtool checks the Alertmanager config as rendered", () => {
    it("the committed central config has a webhook url_file (what the shim would rewrite)", () => {
        const webhooks = (committedCentralConfig().receivers as any[]).flatMap((r) => r.webhook_configs ?? []);
        expect(webhooks.some((w) => typeof w.url_file === "string")).to.equal(true);
    });

    it("a current amtool gets the config unmodified and passes it", function () {
        if (!amtoolAvailable() || !amtoolParsesRealConfig()) this.skip();
        const config = committedCentralConfig();
        const written = withConfigFile(config, (file) => yaml.load(fs.readFileSync(file, "utf8")));
        expect(written).to.deep.equal(config);
        const run = amtoolCheckConfig(config);
        expect(run.status, run.output).to.equal(0);
        expect(run.output).not.to.contain("predates url_file");
    });

    it("an amtool older than 0.26 gets the shim, and the output says so", function () {
        // Debian bookworm's amtool 0.25, where it is installed.
        const old = ["/usr/bin/amtool"].find((f) => fs.existsSync(f) && !amtoolParsesRealConfig(binaryVersion(f)));
        if (old === undefined) this.skip();
        const saved = process.env.AMTOOL_BIN;
        process.env.AMTOOL_BIN = old;
        try {
            const config = committedCentralConfig();
            const written = withConfigFile(config, (file) => yaml.load(fs.readFileSync(file, "utf8"))) as any;
            const webhooks = (written.receivers as any[]).flatMap((r) => r.webhook_configs ?? []);
            expect(webhooks.filter((w) => w.url_file !== undefined)).to.deep.equal([]);
            const run = amtoolCheckConfig(config);
            expect(run.status, run.output).to.equal(0);
            expect(run.output).to.contain("predates url_file");
        } finally {
            if (saved === undefined) delete process.env.AMTOOL_BIN;
            else process.env.AMTOOL_BIN = saved;
        }
    });
});

/** The router image's HAProxy version: `3.2.26` of `3.2.26-alpine`. */
const HAPROXY_IMAGE_VERSION = IMAGES.haproxy.tag.replace(/-alpine$/, "");

describe("tools: .ci/tools.sh, in .ci/run and the pull-request workflow", () => {
    it("installs the HAProxy version the router image is pinned to", () => {
        const script = fs.readFileSync(path.join(PROJECT_ROOT, ".ci", "tools.sh"), "utf8");
        expect(/^haproxy_version=(\S+)$/m.exec(script)?.[1]).to.equal(HAPROXY_IMAGE_VERSION);
    });

    /** A folder of stand-ins printing these version lines. */
    function fakeTools(dir: string, promtool: string, amtool: string, haproxy = HAPROXY_IMAGE_VERSION): string {
        fs.mkdirSync(dir, { recursive: true });
        fakeTool(dir, "haproxy", `HAProxy version ${haproxy}-1 2026/10/14 - https://haproxy.org/`);
        fakeTool(dir, "promtool", `promtool, version ${promtool} (branch: debian/sid)`);
        fakeTool(dir, "prometheus", `prometheus, version ${promtool} (branch: debian/sid)`);
        fakeTool(dir, "amtool", `amtool, version ${amtool} (branch: debian/sid)`);
        fakeTool(dir, "prometheus-alertmanager", `alertmanager, version ${amtool} (branch: debian/sid)`);
        return dir;
    }
    const check = (dir: string) =>
        spawnSync("bash", [path.join(PROJECT_ROOT, ".ci", "tools.sh"), "--check", dir], { encoding: "utf8" });

    it("passes promtool 3 with amtool 0.26 and later, prints the versions, and fails on older ones", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tools-sh-"));
        try {
            const current = check(fakeTools(path.join(dir, "sid"), "3.5.3+ds1", "0.33.1"));
            expect(current.status, current.stderr).to.equal(0);
            expect(current.stderr).to.contain("promtool, version 3.5.3").and.contain("amtool, version 0.33.1");
            expect(check(fakeTools(path.join(dir, "floor"), "3.0.0", "0.26.0")).status).to.equal(0);
            const bookworm = check(fakeTools(path.join(dir, "bookworm"), "2.42.0+ds", "0.25.0"));
            expect(bookworm.status).to.not.equal(0);
            expect(bookworm.stderr).to.contain("promtool 2.42.0 is older than 3");
            const oldAmtool = check(fakeTools(path.join(dir, "old-amtool"), "3.5.3", "0.25.1"));
            expect(oldAmtool.status).to.not.equal(0);
            expect(oldAmtool.stderr).to.contain("amtool 0.25.1 is older than 0.26");
            // haproxy must be the router image's version (components/images.ts), no older, no newer.
            const otherHaproxy = check(fakeTools(path.join(dir, "other-haproxy"), "3.5.3", "0.33.1", "2.6.12"));
            expect(otherHaproxy.status).to.not.equal(0);
            expect(otherHaproxy.stderr).to.contain(
                `haproxy 2.6.12 is not ${HAPROXY_IMAGE_VERSION}, the router image's`,
            );
            fs.rmSync(path.join(dir, "sid", "prometheus"));
            expect(check(path.join(dir, "sid")).stderr).to.contain("prometheus is missing");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("is how .ci/run and the pull-request workflow install the tools (no bookworm packages)", () => {
        const run = fs.readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8");
        expect(run).to.match(/tools_bin=\$\(bash \.ci\/tools\.sh\)\nexport PATH="\$tools_bin:\$PATH"/);
        const workflow = yaml.load(
            fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "pull-request.yml"), "utf8"),
        ) as any;
        const steps: any[] = workflow.jobs.offline.steps;
        const tools = steps.findIndex((step) => String(step.run ?? "").includes(".ci/tools.sh"));
        expect(tools, "a step runs .ci/tools.sh").to.be.greaterThan(-1);
        expect(tools, "before npm test").to.be.lessThan(steps.findIndex((step) => step.run === "npm test"));
        for (const text of [run, ...steps.map((step) => String(step.run ?? ""))])
            expect(text).not.to.match(/apt-get install[^\n]*prometheus/);
    });
});
