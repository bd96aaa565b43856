// The central stack refuses edge outputs that would wire Query wrong: a replica label other than
// prometheus_replica (["cluster"] would merge every cluster as replicas of one another), and an edge
// without grpcTls (Query would dial it in plaintext), unless central.plaintextEdges names that edge.
// The edge's stack file is checked before any resource; its outputs, when they arrive.

import { expect } from "chai";
import { EdgeExpectations, checkEdgesTogether, parseEdgeContract } from "../components/edgeStacks";
import { StackOutputsByName } from "../offline/mockEngine";
import { StackRun, StackRunError } from "../offline/runStack";
import { committedEdgeOutputs, problemsOf, runCommittedStack, stackFile, withStackFiles } from "./helpers";

const CLUSTER_04 = "miribit/thanos-multicluster/cluster-04";
const EXPECTED: EdgeExpectations = {
    objstore: { bucket: "thanos-bucket", endpoint: "s3.minio.miribit.lab:80" },
    centralCluster: "cluster-01",
    plaintextEdges: [],
};

/** cluster-04's outputs as its committed stack exports them, written out. */
function edgeOutputs(): Record<string, any> {
    return {
        contractVersion: 4,
        clusterName: "cluster-04",
        role: "edge",
        externalLabels: { cluster: "cluster-04" },
        replicaLabels: ["prometheus_replica"],
        queryEndpoint: "192.168.101.213:10901",
        objstore: { bucket: "thanos-bucket", endpoint: "s3.minio.miribit.lab:80" },
        prometheusUrl: "http://kps-prometheus.monitoring.svc:9090",
        grpcTls: { enabled: true, serverName: "cluster-04", caCertificate: "PEM", clientCaCertificate: "" },
    };
}

function parseError(outputs: Record<string, any>, expected: EdgeExpectations = EXPECTED): string {
    try {
        parseEdgeContract(CLUSTER_04, outputs, expected);
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("expected the edge's outputs to be refused");
}

const centralConfig = () => stackFile("cluster-01").config["thanos-multicluster:central"] as Record<string, any>;

async function centralFailure(
    files: Parameters<typeof withStackFiles>[0],
    overrides: Record<string, unknown>,
    edges: StackOutputsByName,
): Promise<StackRunError> {
    try {
        await withStackFiles(files, () => runCommittedStack("cluster-01", overrides, edges));
    } catch (err) {
        expect(err).to.be.instanceOf(StackRunError);
        return err as StackRunError;
    }
    throw new Error("expected the central stack to fail");
}

/** Kubernetes objects a failed run registered. */
function kubernetesResources(err: StackRunError): StackRun["resources"] {
    return err.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom);
}

describe("the central stack validates its edges' outputs", () => {
    describe("replicaLabels", () => {
        it("accepts prometheus_replica, and no label at all", () => {
            expect(parseEdgeContract(CLUSTER_04, edgeOutputs(), EXPECTED).replicaLabels).to.deep.equal([
                "prometheus_replica",
            ]);
            expect(
                parseEdgeContract(CLUSTER_04, { ...edgeOutputs(), replicaLabels: [] }, EXPECTED).replicaLabels,
            ).to.deep.equal([]);
        });

        it("refuses any other label, naming the edge and the output", () => {
            expect(parseError({ ...edgeOutputs(), replicaLabels: ["cluster"] })).to.match(
                /^edge stack miribit\/thanos-multicluster\/cluster-04: output replicaLabels holds "cluster": Query would merge series differing only in that label as replicas/,
            );
            expect(
                parseError({ ...edgeOutputs(), replicaLabels: ["prometheus_replica", "pod", "instance"] }),
            ).to.include('holds "pod", "instance": Query would merge series differing only in those labels');
        });

        it("fails the central stack when an edge exports one", async () => {
            const edges = await committedEdgeOutputs();
            edges[CLUSTER_04].outputs = { ...edges[CLUSTER_04].outputs, replicaLabels: ["cluster"] };
            const err = await centralFailure({}, {}, edges);
            expect(err.message).to.include(`edge stack ${CLUSTER_04}: output replicaLabels holds "cluster"`);
        });
    });

    describe("queryEndpoint (contract 4)", () => {
        it("reads the edge Query's one address, and refuses a missing or malformed one, naming the edge and the output", () => {
            expect(parseEdgeContract(CLUSTER_04, edgeOutputs(), EXPECTED).queryEndpoint).to.equal(
                "192.168.101.213:10901",
            );
            const { queryEndpoint: _dropped, ...missing } = edgeOutputs();
            expect(parseError(missing)).to.match(
                /^edge stack miribit\/thanos-multicluster\/cluster-04: output queryEndpoint is undefined: the edge exposes no Thanos Query/,
            );
            expect(parseError({ ...edgeOutputs(), queryEndpoint: "192.168.101.213" })).to.equal(
                `edge stack ${CLUSTER_04}: output queryEndpoint is "192.168.101.213", not host:port (the edge Query's gRPC address)`,
            );
            // A contract-3 edge (sidecarEndpoints) is refused by its version before anything is read.
            expect(parseError({ ...edgeOutputs(), contractVersion: 3 })).to.include(
                "exports contract version 3, but this program reads version 4",
            );
        });

        it("two edges on one address are refused", () => {
            const a = parseEdgeContract(CLUSTER_04, edgeOutputs(), EXPECTED);
            const b = { ...a, stack: "miribit/thanos-multicluster/cluster-05", clusterName: "cluster-05" };
            expect(() => checkEdgesTogether([a, b])).to.throw(
                "both export the queryEndpoint 192.168.101.213:10901: each edge needs its own address (loadBalancer.ip)",
            );
        });
    });

    describe("grpcTls", () => {
        it("refuses an edge without mTLS unless central.plaintextEdges names it", () => {
            const plain = { ...edgeOutputs(), grpcTls: { enabled: false } };
            expect(parseError(plain)).to.equal(
                `edge stack ${CLUSTER_04}: output grpcTls is {"enabled":false}: Query would dial this edge's Query in plaintext, unauthenticated; set grpcTls.enabled: true on the edge and redeploy it, or accept plaintext for it by listing "cluster-04" in central.plaintextEdges`,
            );
            // Another edge's exemption is not this one's.
            expect(parseError(plain, { ...EXPECTED, plaintextEdges: ["cluster-03"] })).to.include("plaintext");
            expect(
                parseEdgeContract(CLUSTER_04, plain, { ...EXPECTED, plaintextEdges: ["cluster-04"] }).grpcTls,
            ).to.deep.equal({ enabled: false });
        });

        it("an edge whose stack file turns grpcTls off fails the central stack before any resource", async () => {
            const edges = await committedEdgeOutputs();
            const err = await centralFailure(
                { "cluster-04": { "thanos-multicluster:grpcTls": { enabled: false } } },
                {},
                edges,
            );
            expect(err.message).to.include(
                "thanos-multicluster:central.edgeStacks[2] names stack cluster-04, which runs without grpcTls (Pulumi.cluster-04.yaml: grpcTls.enabled is false): Query would dial its Thanos Query in plaintext",
            );
            expect(err.message).to.include('listing "cluster-04" in thanos-multicluster:central.plaintextEdges');
            expect(kubernetesResources(err)).to.deep.equal([]);
        });

        it("an edge deployed without mTLS (its outputs say so) fails the central stack, naming the edge", async () => {
            const edges = await committedEdgeOutputs();
            edges[CLUSTER_04].outputs = { ...edges[CLUSTER_04].outputs, grpcTls: { enabled: false } };
            const err = await centralFailure({}, {}, edges);
            expect(err.message).to.include(`edge stack ${CLUSTER_04}: output grpcTls is {"enabled":false}`);
        });

        it("central.plaintextEdges must name edges of central.edgeStacks, once, that do run without grpcTls", async () => {
            const raw = (central: Record<string, any>) => {
                const prefix = "thanos-multicluster:";
                return Object.fromEntries(
                    Object.entries({ ...stackFile("cluster-01").config, [`${prefix}central`]: central })
                        .filter(([k]) => k.startsWith(prefix))
                        .map(([k, v]) => [k.slice(prefix.length), v]),
                );
            };
            expect(problemsOf(raw({ ...centralConfig(), plaintextEdges: ["cluster-09"] }))).to.deep.equal([
                'thanos-multicluster:central.plaintextEdges[0] ("cluster-09") is not in central.edgeStacks (cluster-02, cluster-03, cluster-04): list only edges this stack reads',
            ]);
            expect(problemsOf(raw({ ...centralConfig(), plaintextEdges: ["cluster-04", "cluster-04"] }))).to.deep.equal(
                ["thanos-multicluster:central.plaintextEdges lists an edge more than once"],
            );
            // A stale exemption: the edge's stack file enables grpcTls.
            const stale = { "thanos-multicluster:central": { ...centralConfig(), plaintextEdges: ["cluster-04"] } };
            const err = await centralFailure({ "cluster-01": stale }, stale, await committedEdgeOutputs());
            expect(err.message).to.include(
                "thanos-multicluster:central.plaintextEdges lists cluster-04, which enables grpcTls (Pulumi.cluster-04.yaml): remove it",
            );
        });
    });
});
