// The README and docs/ as a whole: the README stays an index (at most 200 lines, every document
// linked), every relative link and anchor resolves, every `npm run` command any of them shows names
// a script and passes that script's argument parser, the shown `npm run render` output is the real
// one (timings aside), the capacity table is the render's volumes, and every shell line of the
// deploy guide and the troubleshooting guide is one this test resolves against the render.

import { expect } from "chai";
import { alertmanagerPodName, prometheusPodName } from "../components/names";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs as parseDeployArgs } from "../offline/deploy";
import { parsePkiArgs } from "../offline/pki";
import { renderOnlyCaNotice } from "../offline/render";
import { PROJECT_ROOT, StackRun } from "../offline/runStack";
import { SecretsMissingError, main as secretsMain } from "../offline/secrets";
import { main as stacksMain } from "../offline/stacks";
import { parseArgs as parseVerifyArgs } from "../offline/verify/args";
import { SECRET_KEYS } from "../config/reader";
import { main as diagramMain } from "../offline/diagram";
import { formatFindings, validatePlans } from "../offline/validate";
import { loadPlans } from "../offline/checks/renderedPlan";
import { FencedBlock, NOT_RUN_TAGS, ShownCommand, fencedBlocks, shownCommands, shownOutput } from "./docBlocks";
import { InitialisedProject, initialisedProject } from "./pkiProject";
import { committedRender } from "./renderedPlans";
import { committedEdgeOutputs, k8sObject, problemsOf, runCommittedStack, stackFile } from "./helpers";

const DIAGRAM_FILES = ["architecture.svg", "architecture.mmd"];
const DOCS = fs
    .readdirSync(path.join(PROJECT_ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
const README = read("README.md");
const STACKS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];

/** GitHub's anchor of a heading: lower-cased, punctuation dropped, spaces as dashes. */
function anchorsOf(markdown: string): string[] {
    const outside = markdown.replace(/^```[\s\S]*?^```/gm, "");
    return [...outside.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]
            .trim()
            .toLowerCase()
            .replace(/[^a-z0-9 _-]/g, "")
            .replace(/ /g, "-"),
    );
}

/** Every `npm run <script> [-- args]` a text shows, inline or in a block, args up to a comment. */
function npmCommands(markdown: string): string[] {
    const inline = [...markdown.matchAll(/`(npm run [^`]+)`/g)].map((m) => m[1]);
    const blocks = [...markdown.matchAll(/^```(?:sh|console)?\n([\s\S]*?)^```/gm)].flatMap((m) =>
        [...m[1].matchAll(/^(?:\$ )?(npm run .*?)(?:\s+#.*)?$/gm)].map((l) => l[1]),
    );
    return [...inline, ...blocks]
        .flatMap((c) => c.split(/\s*&&\s*/))
        .map((c) => c.trim())
        .filter((c) => c.startsWith("npm run "));
}

/** Runs the argument check of the script a command names; throws on arguments it would refuse. */
function checkArguments(command: string): void {
    const m = /^npm run ([\w-]+)(?: -- (.*))?$/.exec(command.replace(/\\\|/g, "|"));
    if (m === null) throw new Error(`not an npm run command: ${command}`);
    const scripts = JSON.parse(read("package.json")).scripts as Record<string, string>;
    expect(scripts, command).to.have.property(m[1]);
    const args = (m[2] ?? "")
        .replace(/\bNAME\b/g, "cluster-02")
        .replace(/<edge>/g, "cluster-02")
        .split(" ")
        .filter(Boolean);
    // A script named in prose (`npm run pki`) has no arguments to check.
    if (m[2] === undefined) return;
    // Placeholders of prose: `preview|up`, `[--stack NAME]`, `BASE HEAD`.
    if (args.some((a) => a.includes("[") || a.includes("<"))) return;
    switch (m[1]) {
        case "pki":
            parsePkiArgs(args);
            return;
        case "deploy":
            for (const c of (args[0] ?? "").split("|")) parseDeployArgs([c, ...args.slice(1)]);
            return;
        case "verify":
            parseVerifyArgs(args);
            return;
        case "secrets":
            try {
                secretsMain(args, PROJECT_ROOT);
            } catch (err) {
                // Before `npm run pki -- init` the central stack's list ends in a refusal: the
                // arguments were accepted, the list printed (docs/ci.md shows it after init).
                if (!(err instanceof SecretsMissingError)) throw err;
            }
            return;
        case "stacks":
            stacksMain(args, PROJECT_ROOT);
            return;
        default: {
            // Scripts without an exported parser: each flag must be one the script's source reads.
            const source = read(/offline\/[\w/]+\.ts/.exec(scripts[m[1]])?.[0] ?? "package.json");
            for (const flag of args.filter((a) => a.startsWith("--")))
                expect(source, `${command}: ${flag}`).to.contain(`"${flag}"`);
        }
    }
}

describe("docs: the README as an index, links, commands", () => {
    it("the README is at most 200 lines and links every document of docs/", () => {
        expect(README.split("\n").length).to.be.at.most(200);
        for (const doc of DOCS) expect(README, doc).to.contain(`(${doc})`);
        for (const file of DIAGRAM_FILES) expect(fs.existsSync(path.join(PROJECT_ROOT, "docs", file))).to.equal(true);
    });

    it("every relative link resolves, to a file and, with a #, to one of its headings", () => {
        for (const file of ["README.md", ...DOCS]) {
            const text = read(file).replace(/^```[\s\S]*?^```/gm, "");
            for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                const [relative, anchor] = target.split("#");
                const resolved = relative === "" ? file : path.join(path.dirname(file), relative);
                expect(fs.existsSync(path.join(PROJECT_ROOT, resolved)), `${file}: ${target}`).to.equal(true);
                if (anchor !== undefined) expect(anchorsOf(read(resolved)), `${file}: ${target}`).to.include(anchor);
            }
        }
    });

    it("every `npm run` command shown names a script and passes its argument parser", () => {
        const commands = ["README.md", ...DOCS].flatMap((f) => npmCommands(read(f)).map((c) => [f, c]));
        expect(commands.length).to.be.greaterThan(40);
        for (const [file, command] of commands)
            expect(() => checkArguments(command), `${file}: ${command}`).not.to.throw();
    });

    it("pki.md shows the first line `npm run render` prints before `npm run pki -- init`", () => {
        expect(shownOutput(read("docs/pki.md"), "npm run render, its first line before pki init")).to.equal(
            renderOnlyCaNotice(fs.mkdtempSync(path.join(os.tmpdir(), "no-pki-"))),
        );
    });
    // The README's `npm run render` output is compared by the harness below, as every console block's.
});

/** The persistent volumes a stack's render asks for: the StatefulSets' claims and the chart's. */
function volumesOf(run: StackRun): { what: string; count: number; size: string }[] {
    const volumes: { what: string; count: number; size: string }[] = [];
    const values = (run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any).values;
    const prometheus = values.prometheus.prometheusSpec;
    volumes.push({
        what: "Prometheus",
        count: prometheus.replicas,
        size: prometheus.storageSpec.volumeClaimTemplate.spec.resources.requests.storage,
    });
    const alertmanager = values.alertmanager?.alertmanagerSpec;
    if (values.alertmanager?.enabled !== false && alertmanager?.storage)
        volumes.push({
            what: "Alertmanager",
            count: alertmanager.replicas,
            size: alertmanager.storage.volumeClaimTemplate.spec.resources.requests.storage,
        });
    if (values.grafana?.enabled !== false && values.grafana?.persistence?.enabled)
        volumes.push({ what: "Grafana", count: 1, size: values.grafana.persistence.size });
    for (const [name, what] of [
        ["thanos-compactor", "Compactor"],
        ["thanos-store", "Store Gateway"],
        ["thanos-ruler", "Ruler"],
    ]) {
        const declared = run.resources.some(
            (r) => r.type.endsWith(":StatefulSet") && (r.inputs as any).metadata?.name === name,
        );
        if (!declared) continue;
        const sts = k8sObject(run, "StatefulSet", name);
        for (const claim of sts.spec.volumeClaimTemplates)
            volumes.push({ what, count: sts.spec.replicas, size: claim.spec.resources.requests.storage });
    }
    return volumes;
}

const gi = (size: string) => {
    const m = /^(\d+)Gi$/.exec(size);
    expect(m, size).to.not.equal(null);
    return Number(m![1]);
};

describe("docs: capacity, deploy and troubleshooting against the render", () => {
    const runs: Record<string, StackRun> = {};
    before(async function () {
        this.timeout(120_000);
        const edges = await committedEdgeOutputs();
        for (const stack of STACKS)
            runs[stack] = await runCommittedStack(stack, {}, stack === "cluster-01" ? edges : {});
    });

    it("prerequisites.md: the capacity table is the render's volumes, per cluster", () => {
        const doc = read("docs/prerequisites.md");
        const table = doc.slice(doc.indexOf("<!-- capacity"));
        const rows = [...table.matchAll(/^\| (cluster-\d+)[^|]* \| ([^|]+) \| (\d+)Gi \|$/gm)];
        expect(rows.map((r) => r[1])).to.deep.equal(["cluster-01", "cluster-02"]);
        for (const [, stack, listed, total] of rows) {
            const volumes = volumesOf(runs[stack]);
            const shown = volumes.map((v) => `${v.what} ${v.count} x ${v.size}`).join(", ");
            expect(listed.trim(), stack).to.equal(shown);
            expect(Number(total), stack).to.equal(volumes.reduce((sum, v) => sum + v.count * gi(v.size), 0));
        }
        // The edges' row stands for every edge: they ask for the same volumes.
        for (const edge of ["cluster-03", "cluster-04"])
            expect(volumesOf(runs[edge])).to.deep.equal(volumesOf(runs["cluster-02"]));
        // One Longhorn replica per volume, as the row's note says.
        for (const stack of STACKS)
            expect(
                (stackFile(stack).config["thanos-multicluster:createStorageClass"] as any).numberOfReplicas,
            ).to.equal(1);
    });

    /** Every shell line of a document's `sh` blocks, comments and continuation-only lines dropped. */
    function shellLines(doc: string): string[] {
        return [...read(doc).matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
            m[1]
                .split("\n")
                .map((l) => l.replace(/\s+#.*$/, "").trim())
                .filter((l) => l !== "" && !l.startsWith("#")),
        );
    }

    const contextOf = (stack: string) =>
        (stackFile(stack).config["thanos-multicluster:kubernetes"] as { context: string }).context;
    const stackOfContext = (context: string) => STACKS.find((s) => contextOf(s) === context);

    /** The pods a Service of the render selects by name, so chart-made pod names are checked too. */
    function podNames(run: StackRun): string[] {
        // Pods a Service selects by name (the central Alertmanager replicas), and the Prometheus
        // replicas the chart's values ask for (named by the StatefulSet controller).
        const release = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any;
        const replicas: number = release.values.prometheus.prometheusSpec.replicas;
        const alertmanager = release.values.alertmanager;
        const alertmanagers: number = alertmanager?.enabled ? alertmanager.alertmanagerSpec.replicas : 0;
        return [
            ...run.resources
                .filter((r) => r.type.endsWith(":Service"))
                .map((r) => (r.inputs as any).spec?.selector?.["statefulset.kubernetes.io/pod-name"])
                .filter(Boolean),
            ...Array.from({ length: replicas }, (_, i) => prometheusPodName(i)),
            // The central Alertmanager replicas the chart's values ask for (the front door reaches them by name).
            ...Array.from({ length: alertmanagers }, (_, i) => alertmanagerPodName(i)),
        ];
    }

    function checkLine(doc: string, line: string): void {
        const where = `${doc}: ${line}`;
        let m: RegExpExecArray | null;
        if (line.startsWith("npm run ")) return checkArguments(line);
        if (line === "npm ci" || line === "pulumi login") return;
        if ((m = /^mc (mb --ignore-existing|ls) <alias>\/(\S+)$/.exec(line))) {
            const bucket = (stackFile("cluster-01").config["thanos-multicluster:objectStorage"] as any).bucket;
            expect(m[2], where).to.equal(bucket);
            return;
        }
        if ((m = /^pulumi stack select --create "<org>\/(cluster-\d+)"$/.exec(line))) {
            expect(STACKS, where).to.include(m[1]);
            return;
        }
        if ((m = /^pulumi config --stack "<org>\/(cluster-\d+)"$/.exec(line))) {
            expect(STACKS, where).to.include(m[1]);
            return;
        }
        if ((m = /^pulumi config set --secret (\w+) '[^']+'$/.exec(line))) {
            expect(Object.keys(SECRET_KEYS), where).to.include(m[1]);
            return;
        }
        if ((m = /^pulumi config set --path ([\w.]+) '[^']+'$/.exec(line))) {
            const doc = read("docs/configuration.md");
            expect(doc, where).to.contain(`\`${m[1]}\``);
            return;
        }
        if (line === 'git add pki Pulumi.*.yaml && git commit -m "stack secrets and the deployment CA"') return;
        if ((m = /^kubectl --context (\S+) -n monitoring get service ((?:\S+ ?)+)$/.exec(line))) {
            const stack = stackOfContext(m[1]);
            expect(stack, where).to.be.a("string");
            for (const name of m[2].split(" ")) k8sObject(runs[stack!], "Service", name);
            return;
        }
        if ((m = /^kubectl --context (\S+) -n monitoring describe service (\S+)$/.exec(line))) {
            k8sObject(runs[stackOfContext(m[1])!], "Service", m[2]);
            return;
        }
        if ((m = /^kubectl --context (\S+) get ciliumloadbalancerippools (\S+)$/.exec(line))) {
            k8sObject(runs[stackOfContext(m[1])!], "CiliumLoadBalancerIPPool", m[2]);
            return;
        }
        if ((m = /^kubectl --context (\S+) -n monitoring get ciliumnetworkpolicy (\S+)$/.exec(line))) {
            k8sObject(runs[stackOfContext(m[1])!], "CiliumNetworkPolicy", m[2]);
            return;
        }
        if ((m = /^kubectl --context (\S+) -n monitoring get pods$/.exec(line))) {
            expect(stackOfContext(m[1]), where).to.be.a("string");
            return;
        }
        if ((m = /^kubectl --context (\S+) -n monitoring logs deployment\/(\S+)$/.exec(line))) {
            const deployment = k8sObject(runs[stackOfContext(m[1])!], "Deployment", m[2]);
            // One container: `kubectl logs deployment/...` reads it without -c.
            expect(deployment.spec.template.spec.containers, where).to.have.length(1);
            return;
        }
        if ((m = /^kubectl --context (\S+) -n monitoring logs daemonset\/(\S+)$/.exec(line))) {
            const daemonSet = k8sObject(runs[stackOfContext(m[1])!], "DaemonSet", m[2]);
            expect(daemonSet.spec.template.spec.containers, where).to.have.length(1);
            return;
        }
        if ((m = /^kubectl --context (\S+) -n monitoring get daemonset (\S+) -o wide$/.exec(line))) {
            k8sObject(runs[stackOfContext(m[1])!], "DaemonSet", m[2]);
            return;
        }
        if ((m = /^kubectl --context (\S+) -n kube-system get lease cilium-l2announce-monitoring-(\S+)$/.exec(line))) {
            // The L2 announcement lease of the one Service holding the address (Cilium names it after it).
            const service = k8sObject(runs[stackOfContext(m[1])!], "Service", m[2]);
            expect(service.spec.type, where).to.equal("LoadBalancer");
            return;
        }
        if ((m = /^kubectl --context (\S+) -n monitoring logs (\S+) -c (\S+)$/.exec(line))) {
            const run = runs[stackOfContext(m[1])!];
            expect(podNames(run), where).to.include(m[2]);
            // The container: the chart's names for Prometheus, the sidecar and Alertmanager.
            expect(["prometheus", "thanos-sidecar", "alertmanager"], where).to.include(m[3]);
            return;
        }
        if (
            (m =
                /^export GRAFANA_ADMIN_PASSWORD="\$\(kubectl --context (\S+) -n monitoring get secret (\S+) -o jsonpath='\{\.data\.([^}]+)\}' \| base64 -d\)"$/.exec(
                    line,
                ))
        ) {
            // The Secret and key Grafana's chart values name for the admin password.
            const run = runs[stackOfContext(m[1])!];
            const values = (run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs as any)
                .values;
            expect({ name: m[2], key: m[3] }, where).to.deep.equal({
                name: values.grafana.admin.existingSecret,
                key: values.grafana.admin.passwordKey,
            });
            k8sObject(run, "Secret", m[2]);
            return;
        }
        if (line === "openssl x509 -in pki/deployment-ca.pem -noout -subject -enddate") return;
        throw new Error(`${where}: a command this test does not check`);
    }

    for (const doc of ["docs/deploy.md", "docs/troubleshooting.md"]) {
        it(`${doc}: every shell line is one this test resolves against the render`, () => {
            const lines = shellLines(doc);
            expect(lines.length).to.be.greaterThan(5);
            for (const line of lines) checkLine(doc, line);
        });
    }

    it("alerting.md: the receivers its commands set make a central config the program accepts", () => {
        const lines = shellLines("docs/alerting.md");
        const central = structuredClone(
            Object.fromEntries(
                Object.entries(stackFile("cluster-01").config)
                    .filter(([k]) => k.startsWith("thanos-multicluster:"))
                    .map(([k, v]) => [k.replace(/^thanos-multicluster:/, ""), v]),
            ),
        ) as Record<string, any>;
        central.central.alertmanager.receivers = [];
        const secrets: string[] = [];
        for (const line of lines) {
            let m: RegExpExecArray | null;
            if ((m = /^pulumi config set --secret (\w+) '[^']+'$/.exec(line))) {
                expect(Object.keys(SECRET_KEYS), line).to.include(m[1]);
                secrets.push(m[1]);
            } else if ((m = /^pulumi config set --path '?([\w.[\]]+)'? (.+)$/.exec(line))) {
                // The CLI's --path: dots are keys, [i] list indices; `true` is a boolean, quotes are the shell's.
                const keys = m[1].split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "");
                const value = m[2].startsWith("'") ? m[2].slice(1, -1) : m[2] === "true" ? true : m[2];
                let at: any = central;
                for (const [i, key] of keys.slice(0, -1).entries())
                    at = at[key] ??= /^\d+$/.test(keys[i + 1]) ? [] : {};
                at[keys[keys.length - 1]] = value;
            } else throw new Error(`docs/alerting.md: a command this test does not check: ${line}`);
        }
        expect(problemsOf(central)).to.deep.equal([]);
        expect(central.central.alertmanager.receivers.map((r: any) => r.name)).to.deep.equal(["oncall", "team"]);
        expect(secrets.sort()).to.deep.equal([
            "alertmanagerSlackApiUrl",
            "alertmanagerSmtpPassword",
            "alertmanagerWebhookUrl",
        ]);
    });

    it("deploy.md: each step ends with a check, the last one npm run verify", () => {
        const steps = read("docs/deploy.md").slice(read("docs/deploy.md").indexOf("## Steps"));
        const blocks = [...steps.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
        for (const block of blocks.slice(1, -1)) expect(block, block).to.match(/# check: /);
        expect(blocks[blocks.length - 1]).to.match(/^npm run verify(\s+#.*)?$/m);
    });
});

/**
 * The offline scripts this test runs as the documents show them, in this process, against one fresh
 * render of the committed stacks: each returns the lines the script prints. `npm run secrets` runs
 * on a copy of the project after `npm run pki -- init` (what a deployment has; before it the command
 * refuses), the others on the project as committed.
 */
interface Workspace {
    /** A fresh render of the committed stacks and the lines `npm run render` printed. */
    render: Promise<{ outDir: string; lines: string[] }>;
    initialised: Promise<InitialisedProject>;
}

type Runner = (args: string[], ws: Workspace) => Promise<string[]>;

const RUNNERS: Record<string, Runner> = {
    render: async (args, ws) => {
        expect(args, "npm run render: arguments this test passes on").to.deep.equal([]);
        return (await ws.render).lines;
    },
    validate: async (args, ws) => {
        expect(args, "npm run validate: arguments this test passes on").to.deep.equal([]);
        const plans = loadPlans((await ws.render).outDir);
        const findings = await validatePlans(plans);
        const errors = findings.filter((f) => f.severity === "error");
        expect(formatFindings(errors), "npm run validate finds no error").to.equal("");
        return [
            `validate: ${plans.length} stacks, ${errors.length} errors, ${findings.length - errors.length} warnings`,
        ];
    },
    diagram: async (args, ws) => {
        // --update writes the README and docs/ of a scratch copy, never the project's.
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "docs-diagram-"));
        try {
            fs.copyFileSync(path.join(PROJECT_ROOT, "README.md"), path.join(project, "README.md"));
            const out = path.join(project, "out");
            fs.cpSync((await ws.render).outDir, out, { recursive: true });
            return (await diagramMain([...args, "--out", out], project)).split("\n");
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    },
    stacks: async (args) => stacksMain(args, PROJECT_ROOT).split("\n"),
    secrets: async (args, ws) => secretsMain(args, (await ws.initialised).dir).split("\n"),
};

/** Output as compared: no timings, the render's folder as `out/`. */
const normalised = (lines: string[]) =>
    lines
        .map((l) => l.replace(/ \([0-9.]+s\)$/, " (Ns)").replace(/-> \S*\/(cluster-\d+) /, "-> out/$1 "))
        .join("\n")
        .trimEnd();

const HOW_TO_MARK =
    `end its line with a shell comment starting ${NOT_RUN_TAGS.map((t) => `"# ${t}"`).join(", ")} ` +
    '(docs/development.md, "Commands in the documents"), or teach RUNNERS in tests/docsCommands.test.ts to run it';

describe("docs: every npm run command a block shows is run, or marked as not run", function () {
    this.timeout(180_000);
    const blocks: FencedBlock[] = ["README.md", ...DOCS].flatMap((f) => fencedBlocks(f, read(f)));
    const commands: ShownCommand[] = blocks.flatMap(shownCommands);
    const where = (c: ShownCommand) => `${c.block.file}:${c.block.line}: \`${c.command}\``;
    const scriptOf = (c: ShownCommand) => /^npm run ([\w-]+)/.exec(c.command)![1];
    const argsOf = (c: ShownCommand) => (/ -- (.*)$/.exec(c.command)?.[1] ?? "").split(" ").filter(Boolean);

    let ws: Workspace;
    before(() => {
        // The render the other plan tests share (tests/renderedPlans.ts), and the notice `npm run
        // render` prints before it while the project has no deployment CA.
        const notice = renderOnlyCaNotice();
        ws = {
            render: committedRender().then(({ dir, lines }) => ({
                outDir: dir,
                lines: [...(notice === undefined ? [] : [notice]), ...lines],
            })),
            initialised: initialisedProject("docs-commands"),
        };
        // Neither fails before a test awaits it.
        ws.render.catch(() => undefined);
        ws.initialised.catch(() => undefined);
    });
    after(async () => (await ws.initialised.catch(() => undefined))?.remove());

    it("finds the commands: the render, the validate, the deploy, the verify", () => {
        const scripts = new Set(commands.map(scriptOf));
        for (const s of ["render", "validate", "diagram", "stacks", "secrets", "pki", "deploy", "verify"])
            expect([...scripts], s).to.include(s);
    });

    it("every command without a mark is one this test runs, as written", () => {
        const unrunnable = commands
            .filter((c) => c.tag === undefined && (!(scriptOf(c) in RUNNERS) || /[<[]/.test(c.command)))
            .map((c) => `${where(c)} is neither run by this test nor marked: ${HOW_TO_MARK}`);
        expect(unrunnable).to.deep.equal([]);
    });

    it("every marked command names a script and passes its argument parser", () => {
        const marked = commands.filter((c) => c.tag !== undefined);
        expect(marked.length).to.be.greaterThan(10);
        for (const c of marked) expect(() => checkArguments(c.command), where(c)).not.to.throw();
    });

    it("runs every other command against a fresh render: its shown output is the real one, its `# check:` in it", async () => {
        const ran: string[] = [];
        for (const c of commands.filter((x) => x.tag === undefined && scriptOf(x) in RUNNERS)) {
            const printed = await RUNNERS[scriptOf(c)](argsOf(c), ws);
            if (c.output !== undefined) expect(normalised(printed), where(c)).to.equal(normalised(c.output));
            if (c.check !== undefined)
                expect(printed.join("\n").replace(/\s+/g, " "), `${where(c)}: check: ${c.check}`).to.contain(
                    c.check.replace(/\s+/g, " "),
                );
            ran.push(c.command);
        }
        expect(ran).to.include.members(["npm run render", "npm run validate", "npm run stacks"]);
    });

    it("every output a document shows is compared with the real one by a test", () => {
        const tests = fs
            .readdirSync(path.join(PROJECT_ROOT, "tests"), { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".ts") && path.basename(f) !== "docBlocks.ts")
            .map((f) => read(path.join("tests", f)))
            .join("\n");
        const unclaimed: string[] = [];
        for (const b of blocks.filter((x) => ["", "text", "console"].includes(x.info))) {
            // A console block whose commands this test runs: compared above.
            const shown = shownCommands(b);
            if (
                b.info === "console" &&
                shown.length > 0 &&
                shown.every((c) => c.tag === undefined && scriptOf(c) in RUNNERS)
            )
                continue;
            // A block of commands (shell without a language tag) is checked as commands.
            if (b.info === "" && shown.length > 0) continue;
            const name = /^(?:output|verify-example): (.+)$/.exec(b.marker ?? "")?.[1];
            // A test that reads the block names it, in quotes: shownOutput(doc, "NAME").
            if (name !== undefined && tests.includes(`"${name}"`)) continue;
            unclaimed.push(
                `${b.file}:${b.line}: an output block no test compares: put \`<!-- output: NAME -->\` on the line before it and ` +
                    "compare it with the real output in a test that names NAME (tests/docBlocks.ts shownOutput reads it)",
            );
        }
        expect(unclaimed).to.deep.equal([]);
    });
});
