// Deletes that cannot take history with them (docs/data-safety.md): the monitoring namespace is
// protected and retained, every PVC's StorageClass (created by the stack) retains its volumes.

import { expect } from "chai";
import { parseClusterSettings } from "../config";
import { namespaceResourceOptions } from "../components/monitoringNamespaces";
import { monitoringStorageClassSpec } from "../components/monitoringStorageClass";
import { StackRun } from "../offline/runStack";
import { committedEdgeOutputs, k8sObject, problemsOf, runCommittedStack, projectConfig } from "./helpers";

const STACKS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];

/** A committed stack file's config as the readers see it (keys without the project prefix). */
function committed(stack: string): Record<string, any> {
    return projectConfig(stack);
}

function namespaceResource(run: StackRun, name: string) {
    return run.resources.find(
        (r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs as any).metadata.name === name,
    )!;
}

describe("data safety: what a destroy or a deleted PVC cannot take", () => {
    describe("the monitoring namespace", () => {
        it("is protected and retained; the node exporter's (nothing to lose) is neither", () => {
            expect(namespaceResourceOptions("monitoring", false)).to.deep.equal({
                protect: true,
                retainOnDelete: true,
            });
            expect(namespaceResourceOptions("monitoring-node-exporter", false)).to.deep.equal({});
        });

        it("keeps the protection when adopted", () => {
            expect(namespaceResourceOptions("monitoring", true)).to.deep.equal({
                protect: true,
                retainOnDelete: true,
                import: "monitoring",
            });
            expect(namespaceResourceOptions("monitoring-node-exporter", true)).to.deep.equal({});
        });

        it("is registered so on every committed stack", async () => {
            const edges = await committedEdgeOutputs();
            for (const stack of STACKS) {
                const run = await runCommittedStack(stack, {}, stack === "cluster-01" ? edges : {});
                const monitoring = namespaceResource(run, "monitoring");
                expect(monitoring.protect, stack).to.equal(true);
                expect(monitoring.retainOnDelete, stack).to.equal(true);
                const nodeExporter = namespaceResource(run, "monitoring-node-exporter");
                expect(nodeExporter.protect, stack).to.equal(undefined);
                expect(nodeExporter.retainOnDelete, stack).to.equal(undefined);
            }
        });
    });

    describe("the monitoring StorageClass", () => {
        it("is a Longhorn class that retains its volumes, with Longhorn's documented parameters", () => {
            expect(monitoringStorageClassSpec("monitoring-retain", { numberOfReplicas: 2 })).to.deep.equal({
                metadata: {
                    name: "monitoring-retain",
                    labels: {
                        "app.kubernetes.io/part-of": "thanos-multicluster",
                        "app.kubernetes.io/managed-by": "pulumi",
                    },
                },
                provisioner: "driver.longhorn.io",
                reclaimPolicy: "Retain",
                allowVolumeExpansion: true,
                volumeBindingMode: "Immediate",
                parameters: { numberOfReplicas: "2", staleReplicaTimeout: "2880", fsType: "ext4" },
            });
        });

        it("createStorageClass: one replica per node by default, at most 3; never more replicas than nodes", () => {
            const raw = committed("cluster-02");
            raw.createStorageClass = {};
            expect(parseClusterSettings(raw, { kubeconfig: false }).createStorageClass).to.deep.equal({
                numberOfReplicas: 1,
            });
            raw.nodeIps = ["192.168.101.196", "192.168.101.191", "192.168.101.192", "192.168.101.193"];
            expect(parseClusterSettings(raw, { kubeconfig: false }).createStorageClass).to.deep.equal({
                numberOfReplicas: 3,
            });
            raw.nodeIps = ["192.168.101.196"];
            raw.createStorageClass = { numberOfReplicas: 3 };
            const [problem] = problemsOf(raw);
            expect(problem).to.match(
                /^thanos-multicluster:createStorageClass\.numberOfReplicas is 3, more than the 1 node/,
            );
            raw.createStorageClass = { numberOfReplicas: 0 };
            expect(problemsOf(raw)).to.deep.equal([
                "thanos-multicluster:createStorageClass.numberOfReplicas must be at least 1; got 0",
            ]);
            raw.createStorageClass = { numberOfReplicas: "two" };
            expect(problemsOf(raw)[0]).to.match(
                /^thanos-multicluster:createStorageClass\.numberOfReplicas must be a whole number/,
            );
            raw.createStorageClass = { replicas: 1 };
            expect(problemsOf(raw).join("\n")).to.include("createStorageClass.replicas");
        });

        it("createStorageClass may not take over Longhorn's own `longhorn` class", () => {
            const raw = committed("cluster-02");
            raw.storageClass = "longhorn";
            expect(problemsOf(raw)[0]).to.match(
                /^thanos-multicluster:storageClass is "longhorn", the StorageClass Longhorn's installation creates/,
            );
            delete raw.createStorageClass;
            expect(problemsOf(raw)).to.deep.equal([]);
            expect(parseClusterSettings(raw, { kubeconfig: false }).createStorageClass).to.equal(undefined);
        });

        it("every committed stack creates it, and every PVC it declares or the chart templates names it", async () => {
            const edges = await committedEdgeOutputs();
            for (const stack of STACKS) {
                const run = await runCommittedStack(stack, {}, stack === "cluster-01" ? edges : {});
                const storageClass = k8sObject(run, "StorageClass", "monitoring-retain");
                expect(storageClass.reclaimPolicy, stack).to.equal("Retain");
                expect(storageClass.provisioner, stack).to.equal("driver.longhorn.io");
                const release = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
                const classUrn = run.resources.find((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass")!.urn;
                expect(release.dependencies, `${stack}: the release waits for the class`).to.include(classUrn);
                // Every storageClassName anywhere in the stack's inputs (claim templates, chart values).
                const named = new Set<string>();
                JSON.stringify(run.resources, (key, value) => {
                    if (key === "storageClassName") named.add(value);
                    return value;
                });
                expect([...named], stack).to.deep.equal(["monitoring-retain"]);
            }
        });
    });
});
