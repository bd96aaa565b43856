// The LoadBalancer source ranges across stacks. Traffic between clusters leaves a cluster from its
// nodes' addresses (Cilium masquerades pod traffic to outside addresses), so the central Query
// reaches an edge's sidecars from the central nodes, and an edge's Prometheus reaches the central
// Alertmanager from the edge's nodes. A node missing from the other side's source ranges has its
// connections refused by the LoadBalancer (loadBalancerSourceRanges) and the NetworkPolicy: the
// edge silently drops out of Query, or its alerts never arrive.

import { expect } from "chai";
import { StackIdentity, sourceRangeProblems, stackIdentity, unlistedEdgeWarnings } from "../config/siblings";
import { StackRunError } from "../offline/runStack";
import {
    FIFTH_EDGE,
    committedEdgeOutputs,
    runCommittedStack,
    stackFile,
    withFifthEdge,
    withStackFiles,
} from "./helpers";

const central = (over: Partial<StackIdentity> = {}): StackIdentity => ({
    stack: "cluster-01",
    role: "central",
    edgeStacks: ["cluster-02", "cluster-05"],
    nodeIps: ["192.168.101.194"],
    alertmanagerSourceRanges: ["192.168.101.196/32", "192.168.101.199/32"],
    ...over,
});
const edge = (stack: string, nodeIps: string[], over: Partial<StackIdentity> = {}): StackIdentity => ({
    stack,
    role: "edge",
    nodeIps,
    grpcSourceRanges: ["192.168.101.194/32"],
    ...over,
});

describe("source ranges across stacks", () => {
    it("accepts ranges that cover every node on the other side", () => {
        const edges = [edge("cluster-02", ["192.168.101.196"]), edge("cluster-05", ["192.168.101.199"])];
        expect(sourceRangeProblems(central(), edges)).to.deep.equal([]);
        expect(sourceRangeProblems(edges[0], [central(), edges[1]])).to.deep.equal([]);
        // A wider range covers several nodes.
        const wide = central({ alertmanagerSourceRanges: ["192.168.101.192/28"] });
        expect(sourceRangeProblems(wide, edges)).to.deep.equal([]);
    });

    it("names an edge node missing from central.alertmanager.edgeSourceRanges, and the fix", () => {
        const edges = [
            edge("cluster-02", ["192.168.101.196"]),
            edge("cluster-05", ["192.168.101.199", "192.168.101.200"]),
        ];
        const problems = sourceRangeProblems(central(), edges);
        expect(problems).to.have.lengthOf(1);
        expect(problems[0]).to.match(/^thanos-multicluster:central\.alertmanager\.edgeSourceRanges /);
        expect(problems[0]).to.contain("192.168.101.200");
        expect(problems[0]).to.contain("cluster-05 (Pulumi.cluster-05.yaml");
        expect(problems[0]).to.contain("add 192.168.101.200/32");
        expect(problems[0]).not.to.contain("192.168.101.199,");
        // The default, no range at all, covers no edge.
        expect(sourceRangeProblems(central({ alertmanagerSourceRanges: undefined }), edges)).to.have.lengthOf(2);
    });

    it("names a central node missing from an edge's loadBalancer.grpcSourceRanges, and the fix", () => {
        const twoNodes = central({ nodeIps: ["192.168.101.194", "192.168.101.195"] });
        const problems = sourceRangeProblems(edge("cluster-02", ["192.168.101.196"]), [twoNodes]);
        expect(problems).to.have.lengthOf(1);
        expect(problems[0]).to.match(/^thanos-multicluster:loadBalancer\.grpcSourceRanges /);
        expect(problems[0]).to.contain("192.168.101.195");
        expect(problems[0]).to.contain("cluster-01 (Pulumi.cluster-01.yaml");
        expect(problems[0]).to.contain("add 192.168.101.195/32");
        // An edge the central stack does not read is not dialled by its Query.
        expect(sourceRangeProblems(edge("cluster-09", ["192.168.101.201"]), [twoNodes])).to.deep.equal([]);
    });

    it("reads the older single nodeIp key too", () => {
        const raw: Record<string, unknown> = {
            role: "edge",
            nodeIp: "192.168.101.201",
            loadBalancer: { grpcSourceRanges: ["192.168.101.194/32"] },
        };
        const older = stackIdentity("cluster-05", (key) => raw[key]);
        expect(older.nodeIps).to.deep.equal(["192.168.101.201"]);
        expect(sourceRangeProblems(central(), [older])[0]).to.contain("192.168.101.201");
    });

    it("a fifth edge whose node the central Alertmanager does not admit fails the central stack before any resource", async () => {
        const fifth = { ...stackFile("cluster-02").config, ...FIFTH_EDGE };
        const listed = {
            "thanos-multicluster:central": withFifthEdge(
                stackFile("cluster-01").config["thanos-multicluster:central"] as any,
                false,
            ),
        };
        const error = await withStackFiles({ "cluster-05": fifth, "cluster-01": listed }, async () => {
            try {
                await runCommittedStack("cluster-01", listed);
            } catch (err) {
                return err as StackRunError;
            }
            return undefined;
        });
        expect(error, "the central stack must fail").not.to.equal(undefined);
        expect(error!.message).to.contain(
            "thanos-multicluster:central.alertmanager.edgeSourceRanges does not cover 192.168.101.199",
        );
        expect(error!.resources).to.deep.equal([]);
    });
});

describe("edge stack files the central stack does not list", () => {
    it("warns about each one on the central stack, naming the key and the fix", () => {
        const others = [edge("cluster-02", []), edge("cluster-05", []), edge("cluster-06", [])];
        const warnings = unlistedEdgeWarnings(central(), others);
        expect(warnings).to.have.lengthOf(1);
        expect(warnings[0])
            .to.contain("Pulumi.cluster-06.yaml")
            .and.contain("central.edgeStacks")
            .and.contain('"cluster-06"');
    });

    it("says nothing on an edge, or when every edge is listed", () => {
        expect(unlistedEdgeWarnings(edge("cluster-02", []), [central(), edge("cluster-06", [])])).to.deep.equal([]);
        expect(unlistedEdgeWarnings(central(), [edge("cluster-02", []), edge("cluster-05", [])])).to.deep.equal([]);
    });

    it("reaches the central stack's run as a warning, not an error", async () => {
        // A sixth edge's file beside the others (its own cluster, node and pool), not yet listed.
        const sixth = {
            ...stackFile("cluster-04").config,
            "thanos-multicluster:clusterName": "cluster-06",
            "thanos-multicluster:kubernetes": { context: "cluster-06" },
        };
        const warnings: string[] = [];
        const original = console.warn;
        console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
        try {
            const edges = await committedEdgeOutputs();
            const run = await withStackFiles({ "cluster-06": sixth }, () => runCommittedStack("cluster-01", {}, edges));
            expect(run.resources.length).to.be.greaterThan(0);
        } finally {
            console.warn = original;
        }
        expect(warnings.filter((w) => w.includes("Pulumi.cluster-06.yaml is an edge stack"))).to.have.lengthOf(1);
    });
});
