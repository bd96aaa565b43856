import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { redact, writePlan } from "../offline/plan";
import { RenderedStack, renderStacks } from "../offline/render";
import { loadPlans } from "../offline/checks/renderedPlan";
import { checkSchemas } from "../offline/checks/schemas";
import { StackRun } from "../offline/runStack";
import { TEST_SECRETS } from "./helpers";

const STACKS_IN_ORDER = ["cluster-02", "cluster-03", "cluster-04", "cluster-01"];
const FILES = ["manifests.yaml", "helm-releases.yaml", "resources.json", "outputs.json"];

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? filesUnder(full) : [full];
    });
}

describe("npm run render", () => {
    let outDir: string;
    let rendered: RenderedStack[];
    const lines: string[] = [];

    before(async () => {
        outDir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-render-"));
        rendered = await renderStacks({ outDir, secrets: TEST_SECRETS, log: (line) => lines.push(line) });
    });

    after(() => fs.rmSync(outDir, { recursive: true, force: true }));

    it("renders every stack, edges before central, with one summary line each", () => {
        expect(rendered.map((r) => r.stack)).to.deep.equal(STACKS_IN_ORDER);
        expect(lines).to.have.lengthOf(STACKS_IN_ORDER.length);
        for (const [i, stack] of STACKS_IN_ORDER.entries()) {
            expect(lines[i]).to.match(
                new RegExp(
                    `^${stack} \\((edge|central)\\): [0-9]+ resources, [0-9]+ Kubernetes objects, 1 Helm release -> .* \\([0-9.]+s\\)$`,
                ),
            );
        }
    });

    it("writes the four plan files per stack, consistent with each other", () => {
        for (const stack of STACKS_IN_ORDER) {
            for (const file of FILES)
                expect(fs.existsSync(path.join(outDir, stack, file)), `${stack}/${file}`).to.equal(true);
            const manifests = yaml.loadAll(
                fs.readFileSync(path.join(outDir, stack, "manifests.yaml"), "utf8"),
            ) as any[];
            const releases = yaml.load(
                fs.readFileSync(path.join(outDir, stack, "helm-releases.yaml"), "utf8"),
            ) as any[];
            const resources = JSON.parse(fs.readFileSync(path.join(outDir, stack, "resources.json"), "utf8")) as any[];
            const summary = rendered.find((r) => r.stack === stack)!;
            expect(manifests).to.have.lengthOf(summary.objects);
            expect(resources).to.have.lengthOf(summary.resources);
            expect(releases.map((r) => [r.name, r.namespace, r.chart, r.version, r.repository])).to.deep.equal([
                [
                    "kube-prometheus-stack",
                    "monitoring",
                    "kube-prometheus-stack",
                    "88.5.3",
                    "https://prometheus-community.github.io/helm-charts",
                ],
            ]);
            for (const r of resources) {
                expect(r).to.have.keys(
                    [
                        "urn",
                        "type",
                        "name",
                        "parent",
                        "provider",
                        "custom",
                        "inputs",
                        "import",
                        "protect",
                        "retainOnDelete",
                    ].filter((k) => r[k] !== undefined),
                );
                expect(r.type).to.be.a("string");
            }
            const k8sChildren = resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
            for (const r of k8sChildren) expect(r.parent, `${r.name} must have a component parent`).to.be.a("string");
        }
        const edgeOutputs = JSON.parse(fs.readFileSync(path.join(outDir, "cluster-03", "outputs.json"), "utf8"));
        expect(edgeOutputs.outputs.queryEndpoint).to.equal("192.168.101.212:10901");
    });

    it("never writes a secret in clear, and marks where one was", () => {
        const files = filesUnder(outDir);
        expect(files).to.have.lengthOf(STACKS_IN_ORDER.length * FILES.length);
        for (const file of files) {
            const text = fs.readFileSync(file, "utf8");
            for (const secret of Object.values(TEST_SECRETS)) {
                expect(text.includes(secret), `${secret} found in ${path.relative(outDir, file)}`).to.equal(false);
            }
        }
        const manifests = fs.readFileSync(path.join(outDir, "cluster-02", "manifests.yaml"), "utf8");
        expect(manifests).to.contain("objstore.yml: '[secret]'");
    });

    it("every emitted Kubernetes object is valid against its schema", async () => {
        const plans = loadPlans(outDir);
        expect(plans.reduce((n, plan) => n + plan.manifests.length, 0)).to.be.greaterThan(20);
        expect(await checkSchemas(plans)).to.deep.equal([]);
    });

    it("the Prometheus the chart renders from our values is valid against the operator's CRD schema", async () => {
        // checkSchemas adds the Prometheus CR and its PVC template rebuilt from each release's values.
        const findings = await checkSchemas(loadPlans(outDir));
        expect(findings.filter((f) => f.object.startsWith("HelmRelease/"))).to.deep.equal([]);
    });

    it("the schema check catches a broken object", async () => {
        const plans = loadPlans(outDir);
        const edge = plans.find((p) => p.stack === "cluster-02")!;
        const service = edge.manifests.find((o) => o.kind === "Service")!;
        service.spec.ports[0].port = "10901";
        (edge.releases[0].values as any).prometheus.prometheusSpec.retentionSize = "forty gigabytes";
        const findings = (await checkSchemas(plans)).map((f) => `${f.object} ${f.message}`).join("\n");
        expect(findings).to.contain("port");
        expect(findings).to.contain("retentionSize");
    });
});

describe("redaction", () => {
    const SIG = "4dabf18193072939515e22adb298388d";
    const SECRET = "1b47061264138c4ac30d75fd1eb44270";

    it("keeps a secret map's keys and hides every value", () => {
        const input = {
            data: { [SIG]: SECRET, value: { user: "u", nested: { password: "p" }, list: ["a"] } },
            plain: "x",
        };
        expect(redact(input)).to.deep.equal({
            data: { user: "[secret]", nested: { password: "[secret]" }, list: ["[secret]"] },
            plain: "x",
        });
    });

    it("hides a secret scalar", () => {
        expect(redact([{ [SIG]: SECRET, value: "hunter2" }])).to.deep.equal(["[secret]"]);
    });

    it("copies every key as a key, a parsed __proto__ included, in the same order", () => {
        const parsed = JSON.parse('{"z": 1, "__proto__": {"a": [1]}, "b": {"__proto__": "x"}}');
        const copy = redact(parsed) as Record<string, unknown>;
        expect(JSON.stringify(copy)).to.equal(JSON.stringify(parsed));
        expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype);
        expect(Object.keys(copy)).to.deep.equal(["z", "__proto__", "b"]);
    });
});

describe("manifests.yaml", () => {
    it("writes each object as js-yaml dumps it, the same object twice and values JSON cannot tell apart", () => {
        const configMap = (name: string, data: Record<string, unknown>) => ({
            urn: `urn:pulumi:s::p::kubernetes:core/v1:ConfigMap::${name}`,
            type: "kubernetes:core/v1:ConfigMap",
            name,
            custom: true,
            inputs: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "same" }, data },
        });
        const objects = [
            { a: 0, b: null },
            { a: -0, b: NaN },
            { a: 0, b: Infinity },
            { a: 0, b: -Infinity },
            { a: 0, b: null },
            { a: "0", b: "null" },
        ];
        const run: StackRun = {
            stack: "dump-test",
            resources: objects.map((data, i) => configMap(`c${i}`, data)),
            outputs: {},
            secretOutputNames: [],
        };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-dump-"));
        try {
            writePlan(run, dir);
            const written = fs.readFileSync(path.join(dir, "dump-test", "manifests.yaml"), "utf8");
            const expected = objects
                .map(
                    (data) =>
                        "---\n" +
                        yaml.dump(
                            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "same" }, data },
                            { noRefs: true, lineWidth: -1, sortKeys: false },
                        ),
                )
                .join("");
            expect(written).to.equal(expected);
            expect(written).to.contain("b: .nan").and.contain("b: .inf").and.contain("b: -.inf").and.contain("a: -0");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
