// The offline plan as the engine would make it: URNs built the engine's way and independent of
// config values, `--preview` with values unknown until deployment, and out/ holding only the
// stacks that exist.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { RenderedStack, removeStalePlans, renderStacks } from "../offline/render";
import { StackRun, isSecretMarker, isUnknownValue, runStack } from "../offline/runStack";
import { loadPlans } from "../offline/checks/renderedPlan";
import { validatePlans } from "../offline/validate";
import { findStackFiles } from "../offline/stackFiles";
import {
    TEST_SECRETS,
    byType,
    committedEdgeOutputs,
    k8sObject,
    runCommittedStack,
    stackFile,
    withPrefix,
} from "./helpers";

const urnsOf = (run: StackRun) => run.resources.map((r) => r.urn).sort();

describe("URNs as the engine builds them", () => {
    let edge: StackRun;
    let central: StackRun;
    before(async () => {
        edge = await runCommittedStack("cluster-02");
        central = await runCommittedStack("cluster-01", {}, await committedEdgeOutputs());
    });

    it("carry the whole parent type chain (written out from the engine's URN format)", () => {
        const service = edge.resources.find(
            (r) => r.type === "kubernetes:core/v1:Service" && (r.inputs as any).metadata?.name === "thanos-query-lb",
        )!;
        expect(service.urn).to.equal(
            "urn:pulumi:cluster-02::thanos-multicluster::thanos-multicluster:monitoring:MonitoringBase$thanos-multicluster:thanos:EdgeQuery$kubernetes:core/v1:Service::monitoring-edge-query-lb",
        );
        const password = byType(central, "random:index/randomPassword:RandomPassword").find(
            (r) => r.name === "monitoring-grafana-admin",
        )!;
        expect(password.urn).to.equal(
            "urn:pulumi:cluster-01::thanos-multicluster::thanos-multicluster:monitoring:MonitoringBase$thanos-multicluster:grafana:GrafanaAdminSecret$random:index/randomPassword:RandomPassword::monitoring-grafana-admin",
        );
    });

    it("every URN's type part is its parent's, then its own type; URNs are unique", () => {
        for (const run of [edge, central]) {
            const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
            expect(byUrn.size, "duplicate URNs").to.equal(run.resources.length);
            for (const r of run.resources) {
                const typePart = r.urn.split("::")[2];
                const parentPart = r.parent === undefined ? undefined : r.parent.split("::")[2];
                const depth = (urn: string | undefined): number =>
                    urn === undefined || !byUrn.has(urn) ? 0 : 1 + depth(byUrn.get(urn)!.parent);
                expect(typePart.split("$"), r.urn).to.have.lengthOf(depth(r.parent) + 1);
                expect(typePart.endsWith(r.type), r.urn).to.equal(true);
                if (parentPart !== undefined) expect(typePart).to.equal(`${parentPart}$${r.type}`);
            }
        }
    });

    it("do not change with the cluster name", async () => {
        const renamed = await runCommittedStack("cluster-02", { "thanos-multicluster:clusterName": "cluster-22" });
        expect(urnsOf(renamed)).to.deep.equal(urnsOf(edge));
        // The cluster name did change what is deployed.
        expect(renamed.outputs.clusterName).to.equal("cluster-22");
    });

    it("do not change with the edges' organization", async () => {
        const outputs = await committedEdgeOutputs();
        const moved = Object.fromEntries(
            Object.entries(outputs).map(([name, o]) => [name.replace(/^miribit\//, "organization/"), o]),
        );
        const centralConfig = stackFile("cluster-01").config["thanos-multicluster:central"] as Record<string, unknown>;
        const run = await runCommittedStack(
            "cluster-01",
            { "thanos-multicluster:central": { ...centralConfig, organization: "organization" } },
            moved,
        );
        expect(urnsOf(run)).to.deep.equal(urnsOf(central));
    });

    it("an edge's new Services take over contract 3's sidecar Services, deleting each first, the LoadBalancer last", () => {
        const service = (name: string) =>
            edge.resources.find(
                (r) => r.type === "kubernetes:core/v1:Service" && (r.inputs as any).metadata?.name === name,
            )!;
        // The URNs contract 3 deployed them under (written out from the engine's URN format).
        const old = (i: number) =>
            `urn:pulumi:cluster-02::thanos-multicluster::thanos-multicluster:monitoring:MonitoringBase$thanos-multicluster:thanos:SidecarLoadBalancer$kubernetes:core/v1:Service::monitoring-sidecar-lb-${i}`;
        const lb = service("thanos-query-lb");
        const inCluster = service("thanos-query");
        expect(JSON.stringify(lb.aliases)).to.contain(old(0).split("::").pop()!);
        expect(JSON.stringify(inCluster.aliases)).to.contain(old(1).split("::").pop()!);
        for (const [svc, i] of [
            [lb, 0],
            [inCluster, 1],
        ] as const) {
            const urns = (svc.aliases ?? []).map((a) => (typeof a === "string" ? a : JSON.stringify(a)));
            expect(
                urns.some(
                    (u) =>
                        u === old(i) || (u.includes(`monitoring-sidecar-lb-${i}`) && u.includes("SidecarLoadBalancer")),
                ),
                `${svc.urn}: ${urns.join(", ")}`,
            ).to.equal(true);
            // The pinned address is free for the new Service only once the old one is gone.
            expect(svc.deleteBeforeReplace, svc.urn).to.equal(true);
        }
        // The LoadBalancer waits for the in-cluster Service, whose replacement deleted replica 1's.
        expect(lb.dependencies).to.include(inCluster.urn);
    });

    it("renamed resources keep their deployed identity through aliases", () => {
        const base = central.resources.find((r) => r.type === "thanos-multicluster:monitoring:MonitoringBase")!;
        expect(base.name).to.equal("monitoring");
    });
});

describe("npm run render -- --preview", () => {
    it("an edge's certificates, Service addresses and ids are unknown, and nothing crashes", async () => {
        const config = stackFile("cluster-02").config;
        const run = await runStack({ stack: "cluster-02", config, secrets: withPrefix(TEST_SECRETS), preview: true });
        const tlsSecret = k8sObject(run, "Secret", "thanos-sidecar-tls");
        const stringData = isSecretMarker(tlsSecret.stringData) ? tlsSecret.stringData.value : tlsSecret.stringData;
        expect(isUnknownValue(stringData), "the sidecar certificate Secret's data").to.equal(true);
        expect(isUnknownValue(run.outputs.queryEndpoint), "queryEndpoint (the LoadBalancer status)").to.equal(true);
        // What the program knows before deploying stays known.
        expect(run.outputs.clusterName).to.equal("cluster-02");
        expect(k8sObject(run, "Service", "thanos-query-lb").spec.type).to.equal("LoadBalancer");
    });

    it("renders every stack with [unknown] values, and validate finds no error in them", async () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-preview-"));
        try {
            const lines: string[] = [];
            const rendered: RenderedStack[] = await renderStacks({
                outDir,
                secrets: TEST_SECRETS,
                preview: true,
                log: (l) => lines.push(l),
            });
            expect(rendered.map((r) => r.stack)).to.deep.equal([
                "cluster-02",
                "cluster-03",
                "cluster-04",
                "cluster-01",
            ]);
            for (const line of lines) expect(line).to.match(/\((edge|central), preview\)/);
            const edgeManifests = fs.readFileSync(path.join(outDir, "cluster-02", "manifests.yaml"), "utf8");
            expect(edgeManifests).to.contain("[unknown]");
            const centralOutputs = JSON.parse(
                fs.readFileSync(path.join(outDir, "cluster-01", "outputs.json"), "utf8"),
            ).outputs;
            expect(centralOutputs).not.to.have.property("grafanaAdminPassword");
            // The central stack is previewed with its edges deployed (docs/deploy.md's order): Query's endpoints are known.
            expect(centralOutputs.queryEndpoints.map((e: { address: string }) => e.address)).to.include(
                "192.168.101.211:10901",
            );
            const errors = (await validatePlans(loadPlans(outDir))).filter((f) => f.severity === "error");
            expect(errors, JSON.stringify(errors)).to.deep.equal([]);
        } finally {
            fs.rmSync(outDir, { recursive: true, force: true });
        }
    });
});

describe("out/ holds only the stacks that exist", () => {
    it("the plan of a stack whose file is gone is removed; other files stay", () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "thanos-stale-"));
        try {
            for (const stack of ["cluster-02", "cluster-09"]) {
                fs.mkdirSync(path.join(outDir, stack));
                fs.writeFileSync(path.join(outDir, stack, "outputs.json"), "{}");
            }
            fs.writeFileSync(path.join(outDir, "README.txt"), "kept");
            removeStalePlans(outDir, findStackFiles());
            expect(fs.readdirSync(outDir).sort()).to.deep.equal(["README.txt", "cluster-02"]);
        } finally {
            fs.rmSync(outDir, { recursive: true, force: true });
        }
    });
});
