// The edges' organization: `central.organization` when set, else the central stack's own
// (pulumi.getOrganization()), which on a self-managed backend is the literal `organization`.

import { expect } from "chai";
import { StackRunError, runStack } from "../offline/runStack";
import { StackOutputsByName } from "../offline/mockEngine";
import { TEST_SECRETS, committedEdgeOutputs, stackFile, withPrefix } from "./helpers";

/** The committed edges' outputs, under another organization. */
async function edgesIn(organization: string): Promise<StackOutputsByName> {
    const edges = await committedEdgeOutputs();
    return Object.fromEntries(
        Object.entries(edges).map(([name, o]) => [name.replace(/^miribit\//, `${organization}/`), o]),
    );
}

function centralWithout(): Record<string, unknown> {
    const config = structuredClone(stackFile("cluster-01").config) as Record<string, any>;
    delete config["thanos-multicluster:central"].organization;
    return config;
}

describe("the edges' organization", function () {
    this.timeout(120000);

    for (const organization of ["organization", "acme"]) {
        it(`left out, is the central stack's own (${organization}): its StackReferences read ${organization}/thanos-multicluster/<edge>`, async () => {
            const run = await runStack({
                stack: "cluster-01",
                config: centralWithout(),
                secrets: withPrefix(TEST_SECRETS),
                stackOutputs: await edgesIn(organization),
                organization,
            });
            const references = run.resources.filter((r) => r.type === "pulumi:pulumi:StackReference");
            expect(references.map((r) => r.inputs.name)).to.deep.equal(
                ["cluster-02", "cluster-03", "cluster-04"].map((s) => `${organization}/thanos-multicluster/${s}`),
            );
        });
    }

    it("left out, does not read edges of another organization (the check can fail)", async () => {
        let error: unknown;
        try {
            await runStack({
                stack: "cluster-01",
                config: centralWithout(),
                secrets: withPrefix(TEST_SECRETS),
                stackOutputs: await edgesIn("miribit"),
                organization: "acme",
            });
        } catch (err) {
            error = err;
        }
        expect(error).to.be.instanceOf(StackRunError);
        expect((error as Error).message).to.contain("acme/thanos-multicluster/cluster-02");
    });
});
