// A pull request that adds an edge and lists it: the edge's preview creates its stack (empty, no
// outputs), then the central stack's preview reads it. The preview shows what reads that edge as
// unknown, with a warning; a deploy (not a preview) still refuses an edge that exports nothing.

import { expect } from "chai";
import { committedEdgeOutputs, k8sObject, stackFile, withPrefix, TEST_SECRETS } from "./helpers";
import { StackRunError, isUnknownValue, runStack } from "../offline/runStack";

describe("the central stack's preview, with an edge created but not deployed yet", function () {
    this.timeout(120000);

    const runCentral = async (preview: boolean) => {
        const edges = await committedEdgeOutputs();
        edges["miribit/thanos-multicluster/cluster-04"] = { outputs: {} };
        const warnings: string[] = [];
        const original = console.warn;
        const originalWrite = process.stderr.write.bind(process.stderr);
        console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
        process.stderr.write = ((chunk: unknown) => (
            warnings.push(String(chunk)),
            true
        )) as typeof process.stderr.write;
        try {
            const run = await runStack({
                stack: "cluster-01",
                config: stackFile("cluster-01").config,
                secrets: withPrefix(TEST_SECRETS),
                stackOutputs: edges,
                preview,
            });
            return { run, warnings: warnings.join("\n") };
        } finally {
            console.warn = original;
            process.stderr.write = originalWrite;
        }
    };

    it("previews green, with a warning, Query's endpoints unknown until the deploy", async () => {
        const { run, warnings } = await runCentral(true);
        expect(warnings).to.contain(
            "edge stack miribit/thanos-multicluster/cluster-04 has not been deployed yet: this preview shows what reads it as unknown",
        );
        const endpoints = k8sObject(run, "ConfigMap", "thanos-query-endpoints");
        expect(isUnknownValue(endpoints.data) || isUnknownValue(endpoints.data?.["endpoints.yaml"])).to.equal(true);
    });

    it("a deploy still refuses it, naming the edge (the preview's leniency stops there)", async () => {
        let error: unknown;
        try {
            await runCentral(false);
        } catch (err) {
            error = err;
        }
        expect(error).to.be.instanceOf(StackRunError);
        expect((error as Error).message).to.contain(
            "edge stack miribit/thanos-multicluster/cluster-04 exports no contractVersion: it has not been deployed yet",
        );
    });
});
